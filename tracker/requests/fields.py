"""Request data in the bundle's shape (DESIGN.md §6) → model column values, with field-named errors.

The UI forms, the JSON API, bundle import and the CLI all pass this shape, so they share one set
of rules and messages.
"""
from __future__ import annotations

from ..core import parsing as p
from ..law.derived import CHANNELS_BY_PURPOSE, OUTCOME_LABELS
from ..law.deadline_terms import CHANNEL_LABELS, LETTER_KINDS, PARTIES
from .models import DOCUMENT_KINDS, EVENT_TYPES, PURPOSE_LABELS, PURPOSES, REPLY_FORMS
from ..law.letters import (LETTER_MARK, legal_representative_problem, purpose_20_problems,  # noqa: F401 (re-exported)
                      tracking_number_problem)

# A reply recorded without its form (bundles and API clients from before issue 15) was a written
# reply, as the app then assumed: by letter, through the online platform, or handed over in person.
DEFAULT_REPLY_FORM = {"mail": "letter", "online": "platform", "oral": "on_the_spot"}

ONLINE = {"url": "online_url", "window_active": "online_window_active", "accepted": "online_accepted",
          "confirmed_on": "online_confirmed_on", "confirmation_number": "online_confirmation_number"}
ORAL = {"place": "oral_place", "filled_in_for_applicant": "oral_filled_in_for_applicant",
        "procedure_explained": "oral_procedure_explained", "declined_with_reason": "oral_declined_with_reason"}
PHONE = {"question": "phone_question", "answered_correctly": "phone_answered_correctly",
         "number_called": "phone_number_called"}
LETTER = {"kind": "letter_kind", "addressee": "letter_addressee", "marked": "letter_marked",
          "posted_on": "letter_posted_on", "tracking_number": "letter_tracking_number",
          "tracking_other_format": "letter_tracking_other", "delivered_on": "letter_delivered_on",
          "confirmed_on": "letter_confirmed_on", "returned": "letter_returned"}
SUB_OBJECTS = {"online": ("online", ONLINE), "oral": ("oral", ORAL), "phone": ("phone", PHONE), "mail": ("letter", LETTER)}
REPLY_FLAGS = ("told_route", "provided_or_route_and_time", "reasons_given", "special_law_referral",
               "remedy_notice", "sealed")


def purpose_channel_problem(purpose: str, channel: str) -> str | None:
    allowed = CHANNELS_BY_PURPOSE.get(purpose)
    if allowed is None or channel in allowed:
        return None
    names = "、".join(CHANNEL_LABELS[c] for c in sorted(allowed))
    return f"{PURPOSE_LABELS[purpose]} 只能通过{names}渠道进行（当前为{CHANNEL_LABELS.get(channel, channel)}）"


def _channel_values(c: p.Collector, channel: str, sub: dict) -> dict:
    name, mapping = SUB_OBJECTS[channel]
    values = {}
    for key, column in mapping.items():
        field = f"{name}.{key}"
        raw = sub.get(key)
        if column.endswith("_on"):
            values[column] = c.run(field, p.optional_date, raw)
        elif key in ("url",):
            values[column] = c.run(field, p.url, raw)
        elif key in ("returned", "tracking_other_format"):
            values[column] = bool(c.run(field, p.optional_bool, raw))
        elif key == "kind":
            values[column] = c.run(field, p.choice, raw, choices=LETTER_KINDS, required=False)
        elif isinstance(raw, bool) or key in ("window_active", "accepted", "filled_in_for_applicant",
                                              "procedure_explained", "declined_with_reason", "answered_correctly"):
            values[column] = c.run(field, p.optional_bool, raw)
        else:
            values[column] = c.run(field, p.text, raw, max_length=500)
    return values


def request_values(data: dict, *, partial: bool = False) -> dict:
    """Validate a request mapping; return the column values (channel sub-object flattened)."""
    c = p.Collector()
    values = {
        "channel": c.run("channel", p.choice, data.get("channel"), choices=CHANNEL_LABELS),
        "purpose": c.run("purpose", p.choice, data.get("purpose"), choices=PURPOSES),
        "subject": c.run("subject", p.text, data.get("subject"), max_length=500),
        "submitted_at": c.run("submitted_at", p.optional_datetime, data.get("submitted_at")),
        "notes": c.run("notes", p.text, data.get("notes"), max_length=10000),
    }
    channel, purpose = values["channel"], values["purpose"]
    if channel and purpose:
        problem = purpose_channel_problem(purpose, channel)
        if problem:
            c.add("purpose", problem)
    if channel:
        sub = data.get(SUB_OBJECTS[channel][0]) or {}
        if not isinstance(sub, dict):
            c.add(SUB_OBJECTS[channel][0], "应为对象")
        else:
            values.update(_channel_values(c, channel, sub))
    if channel == "mail" and not c.errors:
        _letter_rules(c, values, purpose)
    c.raise_if_any()
    return values


def _letter_rules(c: p.Collector, values: dict, purpose: str | None) -> None:
    """Letter kind (absent: `to_other` for purpose 20, else `registered`, as the migration chose),
    the S10 tracking number, and the 重要部署申请 letter of purpose 20 (DESIGN.md §10.3)."""
    values["letter_kind"] = values.get("letter_kind") or ("to_other" if purpose == "20" else "registered")
    problem = tracking_number_problem(values.get("letter_tracking_number") or "",
                                      other_format=bool(values.get("letter_tracking_other")))
    if problem:
        c.add("letter.tracking_number", problem)
    if purpose == "20":
        for field, message in purpose_20_problems(values["letter_kind"], values.get("letter_marked")).items():
            c.add(field, message)


def event_values(data: dict) -> dict:
    c = p.Collector()
    values = {
        "type": c.run("type", p.choice, data.get("type"), choices=EVENT_TYPES),
        "on": c.run("on", p.required_date, data.get("on")),
        "note": c.run("note", p.text, data.get("note"), max_length=1000),
        "working_days": None,
    }
    if values["type"] == "extended":
        values["working_days"] = c.run("working_days", p.integer, data.get("working_days"), minimum=1, maximum=20)
    elif values["type"] == "clarification_requested":  # the period given to the applicant, if stated
        values["working_days"] = c.run("working_days", p.integer, data.get("working_days"), minimum=1, maximum=60,
                                       required=False)
    is_consultation = values["type"] in ("consultation_started", "consultation_ended")
    values["party"] = c.run("party", p.choice, data.get("party"), choices=PARTIES,
                            required=False) if is_consultation else None
    values["amount"] = c.run("amount", p.money, data.get("amount")) if values["type"] == "fee_notified" \
        and data.get("amount") not in (None, "") else None
    c.raise_if_any()
    return values


def reply_values(data: dict) -> dict:
    c = p.Collector()
    values = {
        "outcome": c.run("outcome", p.choice, data.get("outcome"), choices=OUTCOME_LABELS),
        "dispatched_on": c.run("dispatched_on", p.optional_date, data.get("dispatched_on")),
        "received_on": c.run("received_on", p.optional_date, data.get("received_on")),
        "fee_charged": c.run("fee_charged", p.money, data.get("fee_charged")),
        "form": c.run("form", p.choice, data.get("form"), choices=REPLY_FORMS, required=False),
        "notes": c.run("notes", p.text, data.get("notes"), max_length=10000),
    }
    for flag in REPLY_FLAGS:
        values[flag] = bool(c.run(flag, p.optional_bool, data.get(flag)))
    if values["dispatched_on"] is None and values["received_on"] is None and not c.errors:
        c.add("dispatched_on", "请至少填写交邮（发出）日期或收到日期")
    if values["dispatched_on"] and values["received_on"] and values["received_on"] < values["dispatched_on"]:
        c.add("received_on", "收到日期不能早于交邮日期")
    c.raise_if_any()
    return values


def document_values(data: dict) -> dict:
    c = p.Collector()
    values = {
        "kind": c.run("kind", p.choice, data.get("kind"), choices=DOCUMENT_KINDS),
        "dated_on": c.run("dated_on", p.required_date, data.get("dated_on") or data.get("on")),
        "number": c.run("number", p.text, data.get("number"), max_length=100),
        "note": c.run("note", p.text, data.get("note"), max_length=1000),
        "attachment_id": c.run("attachment_id", p.record_id, data.get("attachment_id")),
    }
    c.raise_if_any()
    return values
