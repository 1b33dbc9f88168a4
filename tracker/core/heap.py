"""The garbage collector in a long-running server process.

A full collection walks every tracked object. Right after start-up a server holds some 100 000
long-lived ones (modules, the app, SQLAlchemy's mappers, the working-day table); walking them
again and again made one request in ten wait 100–150 ms (scripts/bench pages_bench counts the
full collections and their longest pause). Freezing them moves them out of the collector's
generations, so later full collections walk only what requests created since.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager


def settle_after_startup() -> None:
    """Collect what start-up left over, then exclude the survivors from later collections."""
    gc.collect()
    gc.freeze()


@contextmanager
def collector_paused():
    """No automatic collection during one bulk computation (a national report, export or import).

    Such work creates hundreds of thousands of long-lived objects; each automatic full collection
    walks all of them again, so the collector's share grows with the square of the campaign (at
    3 000 counties it was a third of the JSON report's time). Reference counting still frees what
    is dropped; cycles wait for the first collection after the work. Process-wide: concurrent
    requests of the same process skip their collections for those seconds too.
    """
    if not gc.isenabled():  # paused already (nested, or by another thread's bulk work)
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def free_young_cycles() -> None:
    """While the collector is paused: free the cycles made since the last collection of the young
    generations, without walking the long-lived objects. A bulk writer calls it after each chunk of
    rows it wrote and dropped (an ORM row and its state refer to each other): a national import
    peaked at 1 060 MB without it, 613 MB with."""
    gc.collect(1)
