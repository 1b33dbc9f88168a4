"""The one freshness mechanism (core/revisions.py): which scopes a commit renews, the calendar kept
under its own scope, and one call that forgets every kept value of the process."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from .conftest import bundle_data, import_data

def tokens():
    from tracker.core.revisions import CALENDAR, DATA, EVERY, SHARED, TARGET, current_tokens

    return current_tokens([(DATA, EVERY), (SHARED, EVERY), (CALENDAR, EVERY), (TARGET, EVERY), (TARGET, 1), (TARGET, 2)])


def committed(app, change) -> tuple[dict, dict]:
    """The tokens before and after `change()` committed."""
    from tracker.extensions import db

    with app.app_context():
        before = tokens()
        change()
        db.session.commit()
        after = tokens()
        db.session.remove()
    return before, after


def renewed(before: dict, after: dict) -> set:
    return {scope_key for scope_key in after if after[scope_key] != before[scope_key]}


def test_a_reminder_horizon_renews_only_the_data_scope(app):
    from tracker.core.revisions import DATA, EVERY
    from tracker.extensions import db
    from tracker.users.models import User

    import_data(app, bundle_data())

    def save_horizon():
        db.session.scalars(select(User)).first().remind_working_days = 9

    assert renewed(*committed(app, save_horizon)) == {(DATA, EVERY)}


def test_a_user_rename_renews_the_shared_scope(app):
    from tracker.core.revisions import DATA, EVERY, SHARED
    from tracker.extensions import db
    from tracker.users.models import User

    import_data(app, bundle_data())

    def rename():
        db.session.scalars(select(User)).first().name = "新名字"

    assert renewed(*committed(app, rename)) == {(DATA, EVERY), (SHARED, EVERY)}


def test_a_reply_renews_its_county_through_its_request(app):
    from tracker.core.revisions import DATA, EVERY, TARGET
    from tracker.extensions import db
    from tracker.requests.models import MockRequest, Reply

    import_data(app, bundle_data())
    reached = []

    def touch_reply():
        reply = db.session.scalars(select(Reply).order_by(Reply.id.desc())).first()
        reply.notes = (reply.notes or "") + "。"
        reached.append(db.session.get(MockRequest, reply.request_id).target_id)

    assert renewed(*committed(app, touch_reply)) == {(DATA, EVERY), (TARGET, reached[0])}


def test_the_calendar_is_kept_under_its_scope_and_read_fresh_inside_a_change(app):
    from tracker.calendar.operations import set_override
    from tracker.calendar.service import current_calendar, current_revision
    from tracker.extensions import db

    day = date(2031, 3, 3)  # a Monday
    with app.app_context():
        kept = current_calendar()
        assert current_calendar() is kept and kept.is_working_day(day)
        before = current_revision()
        set_override(None, {"day": day.isoformat(), "working": "false", "note": "测试"})
        assert not current_calendar().is_working_day(day)  # this transaction's own change, not yet committed
        db.session.rollback()
        assert current_calendar() is kept and current_revision() == before
        set_override(None, {"day": day.isoformat(), "working": "false", "note": "测试"})
        db.session.commit()
        assert current_revision() != before and not current_calendar().is_working_day(day)
        db.session.remove()


def test_reset_all_forgets_every_kept_value(app):
    from tracker.calendar.service import current_calendar
    from tracker.core.kept import reset_all
    from tracker.extensions import db

    with app.app_context():
        kept = current_calendar()
        reset_all()
        assert current_calendar() is not kept
        db.session.remove()
