"""The web layer's "now" and "today" in Beijing.

The pure core takes `today`/`now` as arguments; this is where the web layer gets them. Tests that
drive the real server (browser, load) freeze the clock with `app.config["FROZEN_NOW"]`.
"""
from __future__ import annotations

from datetime import date, datetime

from flask import current_app, has_app_context

from ..law.workdays import BEIJING


def now() -> datetime:
    frozen = current_app.config.get("FROZEN_NOW") if has_app_context() else None
    return frozen.astimezone(BEIJING) if frozen else datetime.now(BEIJING)


def today() -> date:
    return now().date()
