"""Users, roles, sessions and login throttling."""
