"""Shared set-up of the calendar tests: an open online request whose due date a calendar change moves."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

NOTICES = Path(__file__).parent / "notices"
# A notice for a year the holidays package only guesses. Made up for the tests (no 2027 notice is
# published yet); it follows the published wording of 2026.
NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知（测试用的虚构文本）

一、元旦：1月1日（周五）至3日（周日）放假，共3天。

二、春节：2月5日（农历除夕、周五）至12日（农历正月初七、周五）放假调休，共8天。2月20日（周六）上班。

三、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。4月25日（周日）、5月8日（周六）上班。
"""


@pytest.fixture
def open_request(app, users):
    """An online request received 2020-09-01 (due 20 working days later), no reply."""
    from tests import factories as make
    from tracker.extensions import db

    with app.app_context():
        campaign = make.campaign("日历测试考评", team=None)
        target = make.target(campaign, "liangzhou", "凉州区")
        request = make.request(campaign, "online", purpose="21", subject="申请公开行政执法结果", target=target,
                               key="LZ-21", owner="admin")
        db.session.commit()
        return request.id


def due_date(app, request_id):
    from tracker.extensions import db
    from tracker.requests.models import MockRequest

    with app.app_context():
        return db.session.get(MockRequest, request_id).due_date


def counts(app) -> dict[str, int]:
    """Rows of the calendar tables and the audit log: what a refused command must leave as it was."""
    from tracker.calendar.models import CalendarOverride, ConfirmedYear
    from tracker.core.audit import AuditEntry
    from tracker.extensions import db

    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (CalendarOverride, ConfirmedYear, AuditEntry)}


def overrides(app) -> dict[str, bool]:
    from tracker.calendar.models import CalendarOverride
    from tracker.extensions import db

    with app.app_context():
        return {row.day.isoformat(): row.working for row in db.session.scalars(select(CalendarOverride))}
