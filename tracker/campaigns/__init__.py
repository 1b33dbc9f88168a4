"""Campaigns (考评) and their targets (被考评对象)."""
