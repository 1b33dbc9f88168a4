"""Home, health check and the audit log view."""
