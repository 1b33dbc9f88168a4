"""The law: working days, deadlines, the phone test, reply verdicts and reminder selection — pure, no Flask, no SQLAlchemy."""
