"""Test data, made the way the app makes it: through its operations (campaigns, targets, requests,
replies, events, attempts, documents, score facts), so that audit entries, revisions and derived
values are what a user's action would have left.

Every function here works inside an app context and adds to the session without committing: a fixture
builds what its tests need in one `with app.app_context():`, commits once and returns ids (no object
outlives its session). The dictionaries below are valid inputs of each channel; a test that is about
one field changes that field (`request(campaign, "online", purpose="21")`) and keeps the rest; a test
whose pages or assertions depend on its own data passes that data whole (`request(campaign, ONLINE)`).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.campaigns.models import Campaign, Target
    from tracker.requests.models import MockRequest, PhoneAttempt, RequestEvent
    from tracker.scoring.models import ScoreSheet
    from tracker.users.models import User

RUBRIC = "wuwei-2020-county"
CAMPAIGN_NAME = "武威市2020年政务公开工作考评（县区）"
ROLE_NAMES = {"admin": "管理员", "reviewer": "李审核", "evaluator": "张填报"}

# Valid requests of each channel, submitted in September 2020 (a month without holidays but 中秋/国庆
# at its end, which the deadline tests rely on). `target` is left to the caller.
ONLINE = {"channel": "online", "purpose": "16", "submitted_at": "2020-09-01T10:00:00+08:00",
          "online": {"window_active": True, "accepted": True, "confirmed_on": "2020-09-01"}}
PHONE = {"channel": "phone", "purpose": "18", "submitted_at": "2020-09-02T09:00:00+08:00",
         "phone": {"question": "如何申请？"}}
MAIL = {"channel": "mail", "purpose": "20", "submitted_at": "2020-09-01T09:00:00+08:00",
        "letter": {"addressee": "县长", "marked": "重要部署申请", "posted_on": "2020-09-01",
                   "delivered_on": "2020-09-03"}}
REQUESTS = {"online": ONLINE, "phone": PHONE, "mail": MAIL}
REPLY = {"dispatched_on": "2020-09-20", "received_on": "2020-09-22", "outcome": "already_public",
         "told_route": True}

# `campaign(team=EVERYONE)`: every user of the database joins the team — tests about other things than
# the team boundary (DESIGN.md §10.2) act as members.
EVERYONE = "everyone"


def user(username: str, role: str, *, password_hash: str, name: str | None = None,
         email: str | None = None) -> User:
    """An active user. Added as a row, not through users.operations: those hash a password at the
    production work factor, and the tests log in with a cheap hash (conftest.password_hash)."""
    from tracker.extensions import db
    from tracker.users.models import User

    row = User(username=username, name=name or ROLE_NAMES.get(username, username), role=role,
               email=email or f"{username}@example.org", password_hash=password_hash)
    db.session.add(row)
    return row


def join_everyone(campaign: Campaign) -> None:
    """Put every user of the database in `campaign`'s team."""
    from sqlalchemy import select

    from tracker.campaigns.operations import set_team
    from tracker.extensions import db
    from tracker.users.models import User

    set_team(None, campaign, list(db.session.scalars(select(User.id))))


def campaign(name: str = CAMPAIGN_NAME, *, year: int = 2020, rubric_code: str = RUBRIC,
             team: str | Iterable[int] | None = EVERYONE) -> Campaign:
    """A campaign. `team`: EVERYONE (all users present now join after it is made), user ids (the team
    it is created with), or None (no team: only admins see it)."""
    from tracker.campaigns.operations import create_campaign

    data = {"name": name, "year": year, "rubric_code": rubric_code}
    if team is not None and team != EVERYONE:
        data["member_ids"] = list(team)
    row = create_campaign(None, data)
    if team == EVERYONE:
        join_everyone(row)
    return row


def target(campaign: Campaign, key: str, name: str, **fields) -> Target:
    from tracker.campaigns.operations import create_target

    return create_target(None, campaign, {"key": key, "name": name} | fields)


def targets(campaign: Campaign, *key_names: tuple[str, str]) -> list[Target]:
    return [target(campaign, key, name) for key, name in key_names]


def request(campaign: Campaign, channel_or_data: str | dict, /, **fields) -> MockRequest:
    """A request: from the valid template of a channel ("online", "phone", "mail"), or from a test's own
    complete data (a dict, taken as it is); `fields` replace keys of either (whole nested dicts:
    `online={...}` replaces the template's `online`). `target` is a key or a Target."""
    from tracker.requests.operations import create_request

    data = REQUESTS[channel_or_data] if isinstance(channel_or_data, str) else channel_or_data
    return create_request(None, campaign, data | fields)


def reply(request: MockRequest, **fields):
    from tracker.requests.operations import save_reply

    return save_reply(None, request, REPLY | fields)


def extension(request: MockRequest, on: str, working_days: int = 5) -> RequestEvent:
    """An 延期 event: the agency extended its deadline by `working_days` on `on`."""
    from tracker.requests.operations import add_event

    return add_event(None, request, {"type": "extended", "on": on, "working_days": working_days})


def attempt(request: MockRequest, at: str, *, connected: bool = False) -> PhoneAttempt:
    from tracker.requests.operations import add_attempt

    return add_attempt(None, request, {"at": at, "connected": connected})


def document(request: MockRequest, kind: str, dated_on: str, **fields):
    from tracker.requests.documents import add_document

    return add_document(None, request, {"kind": kind, "dated_on": dated_on} | fields)


def facts(campaign: Campaign, target: Target, indicator_id: int, values: dict):
    """The stored facts of one indicator of the target's score sheet (the sheet is made if missing)."""
    from tracker.scoring.operations import save_facts

    return save_facts(None, campaign, target, indicator_id, values)


def sheet(campaign: Campaign, target: Target, status: str | None = None) -> ScoreSheet:
    """The target's score sheet. `status` is set as stored, without the review steps that lead there
    (tests/scoring covers those): for tests whose subject is what a status allows."""
    from tracker.scoring.operations import sheet_for

    row = sheet_for(campaign, target)
    if status is not None:
        row.status = status
    return row
