"""The holiday calendar as the app uses it: the holidays package plus admin overrides."""
