"""The WSGI entry point for gunicorn and other servers: `gunicorn 'tracker.wsgi:app'`.

Each worker imports this module once, creates the app from the TRACKER_* environment and
settles its heap (core/heap.py) before the first request.
"""
from __future__ import annotations

from . import create_app
from .core.heap import settle_after_startup

app = create_app()
settle_after_startup()
