"""Build and import the demo bundle through the same importer every bundle goes through."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..bundles.importer import ImportSummary, import_bundle
from ..calendar.service import current_calendar
from ..campaigns.models import Campaign
from ..extensions import db
from ..scoring.rubric_store import get_rubric
from ..users.models import User
from .data import build_demo

DEMO_RUBRIC = "wuwei-2020-county"


def _owners() -> tuple[str, str]:
    """The first admin owns half the requests, so whoever logs in first sees live work on the dashboard."""
    admin = db.session.scalar(select(User.username).where(User.role == "admin", User.active.is_(True))
                              .order_by(User.id))
    return (admin or "zhang", "li")


def demo_campaign_name(today: date) -> str:
    return f"武威市{today.year}年政务公开工作考评（县区）（演示）"


def load_demo(today: date) -> ImportSummary | None:
    """Import the demo campaign; None when it already exists (the demo never overwrites work done in it)."""
    if db.session.scalar(select(Campaign.id).where(Campaign.name == demo_campaign_name(today))):
        return None
    data = build_demo(demo_campaign_name(today), today, current_calendar(), get_rubric(DEMO_RUBRIC), _owners())
    return import_bundle(None, data)
