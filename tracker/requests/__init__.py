"""Mock requests: channels, replies and the derived scores of indicators 16–22."""
