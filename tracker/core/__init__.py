"""Cross-cutting services: database, auth, audit, errors, mail, scheduler, files."""
