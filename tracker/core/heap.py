"""The garbage collector in a long-running server process.

A full collection walks every tracked object. Right after start-up a server holds some 100 000
long-lived ones (modules, the app, SQLAlchemy's mappers, the working-day table); walking them
again and again made one request in ten wait 100–150 ms (scripts/bench pages_bench counts the
full collections and their longest pause). Freezing them moves them out of the collector's
generations, so later full collections walk only what requests created since.
"""
from __future__ import annotations

import gc


def settle_after_startup() -> None:
    """Collect what start-up left over, then exclude the survivors from later collections."""
    gc.collect()
    gc.freeze()
