"""The demo campaign: Wuwei's four county-level targets at every stage of the work (`tracker demo`)."""
