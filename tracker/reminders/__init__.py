"""Deadline reminders: which are due (pure), the job and the email text."""
