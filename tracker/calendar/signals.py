"""What the calendar tells the rest of the app, without knowing who listens.

Stored due dates depend on the calendar, but the calendar sits below the requests: rather than
calling up into them, a change is announced and the requests recompute their clocks (their
receiver is connected when the app is created: requests/law_bridge.py).
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent inside the transaction that changed the calendar (overrides, confirmed years, a notice),
# once per change; the sender is the acting user, `before` the calendar as the change found it (so
# a receiver can tell which days changed). Receivers flush, never commit.
calendar_changed = _signals.signal("calendar-changed")
