"""What the score-sheet pages show: one target's sheet (Table 1, Table 2 rows with their forms) and
the campaign's list of sheets. Every number here comes from the rubric engine; templates only print.

A sheet is loaded in a fixed number of statements (sheet, facts, evidence with attachments,
requests with their events, attempts and replies), whatever the number of targets or requests.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from flask import current_app, url_for
from sqlalchemy import select

from ..calendar.service import current_calendar
from ..campaigns.models import Campaign, Target
from ..core.db import from_db_time
from ..extensions import db
from ..law.derived import DerivedScore
from ..core.files import Attachment
from ..requests.scores import derive_for, load_requests
from ..rubric import Indicator, IndicatorScore, Rubric, SheetScore, score_sheet
from ..rubric.model import format_points
from ..users.models import User
from . import forms, limits
from .models import SHEET_STATUSES, Evidence, IndicatorFacts, ScoreSheet
from .records import Signature
from .rubric_store import get_rubric
from .service import moment_of

TIER_BLANK = "未评（请选择档次）"
KIND_LABELS = {"checklist": "逐项评分", "tiered": "分档评分", "scale": "评定分值", "all_or_nothing": "是否公开",
               "bands": "按次数分档", "derived": "由模拟申请自动计算"}


@dataclass
class LoadedSheet:
    rubric: Rubric
    sheet: ScoreSheet | None
    rows: dict[int, IndicatorFacts]
    derived: dict[int, DerivedScore]
    request_ids: dict[str, int]

    def facts(self) -> dict[int, dict]:
        return {ident: row.facts for ident, row in self.rows.items()}

    def score(self, changed: Mapping[int, dict] | None = None) -> SheetScore:
        return score_sheet(self.rubric, self.facts() | dict(changed or {}), self.derived)


def load_sheet(campaign: Campaign, target: Target, today: date) -> LoadedSheet:
    rubric = get_rubric(campaign.rubric_code)
    sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.campaign_id == campaign.id,
                                                       ScoreSheet.target_id == target.id))
    rows = {} if sheet is None else {row.indicator_id: row for row in db.session.scalars(
        select(IndicatorFacts).where(IndicatorFacts.sheet_id == sheet.id))}
    calendar, moment = current_calendar(), moment_of(today)
    requests = load_requests(campaign.id, [target.id])
    derived = derive_for(requests, rubric, calendar, today, moment)
    return LoadedSheet(rubric, sheet, rows, derived, {r.key: r.id for r in requests})


# ---------------------------------------------------------------------------- view models

@dataclass
class ItemInput:
    name: str
    number: int
    text: str
    points: str
    options: list[tuple[str, str]]


@dataclass
class EvidenceView:
    url: str
    note: str
    attachment_name: str | None
    attachment_href: str | None
    created_on: date | None
    id: int = 0
    is_image: bool = False  # shown inline as a thumbnail (fetched through the same access-checked route)


@dataclass
class RowView:
    indicator: Indicator
    score: IndicatorScore
    version: int
    values: dict[str, str]
    partial: str
    items: list[ItemInput] = field(default_factory=list)
    tier_options: list[tuple[str, str]] = field(default_factory=list)
    points_options: list[tuple[str, str]] = field(default_factory=list)
    points_help: str = ""
    override_options: list[tuple[str, str]] = field(default_factory=list)
    passed_options: tuple[tuple[str, str], ...] = forms.PASSED_CHOICES
    evidence: list[EvidenceView] = field(default_factory=list)
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    retries: tuple[str, ...] = ()
    errors: list[tuple[str, str]] = field(default_factory=list)
    invalid: set[str] = field(default_factory=set)
    conflict: str | None = None
    evidence_errors: list[tuple[str, str]] = field(default_factory=list)
    evidence_values: dict[str, str] = field(default_factory=dict)
    level1_cell: tuple[str, str, int] | None = None
    level2_cell: tuple[str, str, int] | None = None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.indicator.kind, self.indicator.kind)

    @property
    def max_text(self) -> str:
        return format_points(self.indicator.max)

    @property
    def pending(self) -> bool:
        return self.score.points is None

    @property
    def points_text(self) -> str:
        return "未评" if self.score.points is None else format_points(self.score.points)

    @property
    def note_max(self) -> int:
        return limits.NOTE_MAX

    @property
    def reason_max(self) -> int:
        return limits.REASON_MAX

    @property
    def open_override(self) -> bool:
        return self.score.overridden or any(k.startswith("override") for k in self.invalid)


@dataclass
class RowState:
    """A row the user posted and that was not saved: their input, and why.

    `values` is the facts form's input (None: show the stored facts); `evidence_values` is set
    when the evidence form was the one posted.
    """
    values: dict[str, str] | None
    errors: dict[str, str]
    conflict: str | None = None
    evidence_values: dict[str, str] | None = None


def _inputs(row: RowView, indicator: Indicator) -> None:
    kind = indicator.kind
    if kind in ("checklist", "tiered"):
        row.items = [ItemInput(f"item-{i}", i + 1, item.text, format_points(item.points),
                               forms.point_choices(item.points, blank="未评"))
                     for i, item in enumerate(indicator.items)]
    if kind == "tiered":
        tiers = indicator.params["tiers"]
        row.tier_options = [("", TIER_BLANK)] + [(t["name"], t.get("label") or t["name"]) for t in tiers]
        entered = [t for t in tiers if t["score"] == "entered"]
        if entered:
            cap = entered[0].get("cap", indicator.max)
            row.points_options = forms.point_choices(cap, blank="—")
            row.points_help = f"仅“{entered[0].get('label') or entered[0]['name']}”档填写，0–{format_points(cap)}分"
    if kind == "scale":
        row.points_options = forms.point_choices(indicator.params["max"], blank="未评")
    if kind == "bands":
        row.points_options = forms.point_choices(indicator.max, blank="按档次自动（定值档）")
        row.points_help = "档次：" + "；".join(_band_text(b) for b in indicator.params["bands"]) + "。区间档须评定分值"
    row.override_options = forms.point_choices(indicator.max, blank="不调整")


def _band_text(band: Mapping) -> str:
    span = (f"{band['min']}次及以上" if "max" not in band else
            f"{band['max']}次及以下" if band["min"] == 0 else f"{band['min']}–{band['max']}次")
    points = (format_points(band["points"]) if "points" in band else
              f"{format_points(band['points_min'])}–{format_points(band['points_max'])}")
    return f"{span} {points}分"


def row_errors(indicator: Indicator, errors: Mapping[str, str]) -> tuple[list[tuple[str, str]], set[str]]:
    """(Chinese label, message) of each error of one row — no internal field names (issue 18); the
    label is left out when the message names the field itself — and the names of the inputs to mark."""
    shown, invalid = [], set()
    for key, message in errors.items():
        name = key.split(".", 1)[1] if key.startswith(f"{indicator.id}.") else key
        invalid.add("item-" + name[6:-1] if name.startswith("items[") else name.replace(".", "_"))
        label = forms.field_label(name) if name != "_" else ""
        label = "" if label.isascii() or message.startswith(label) else label  # never an internal name
        shown.append((label, message))
    return shown, invalid


def build_rows(loaded: LoadedSheet, score: SheetScore, evidence: dict[int, list[EvidenceView]],
               states: Mapping[int, RowState] | None = None,
               signature: Signature | None = None) -> list[RowView]:
    """`score` is the signed snapshot's for a signed sheet; its rows then list the requests it counted."""
    states = states or {}
    signed_keys = None if signature is None else {
        int(item["id"]): tuple(item.get("requests", ())) for item in signature.data["indicators"]}
    rows = []
    for indicator in loaded.rubric.indicators:
        stored = loaded.rows.get(indicator.id)
        state = states.get(indicator.id)
        values = forms.form_values(indicator, stored.facts if stored else None)
        row = RowView(indicator, score.indicators[indicator.id], stored.version if stored else 0,
                      state.values if state and state.values is not None else values,
                      f"scoring/_facts_{indicator.kind}.html", evidence=evidence.get(indicator.id, []))
        _inputs(row, indicator)
        if state:
            _apply_state(row, indicator, state)
        derived = loaded.derived.get(indicator.id) if indicator.kind == "derived" else None
        if derived:
            keys = derived.request_keys if signed_keys is None else signed_keys.get(indicator.id, ())
            row.requests = [(key, _request_href(loaded.request_ids.get(key))) for key in keys]
            row.retries = derived.retries
        rows.append(row)
    _group_cells(loaded.rubric, rows)
    return rows


def _apply_state(row: RowView, indicator: Indicator, state: RowState) -> None:
    shown, invalid = row_errors(indicator, state.errors)
    if state.evidence_values is not None:
        row.evidence_errors, row.evidence_values = shown, state.evidence_values
    else:
        row.errors, row.invalid, row.conflict = shown, invalid, state.conflict


def _group_cells(rubric: Rubric, rows: list[RowView]) -> None:
    """Rowspans of the level-1 and level-2 cells, as in the printed Table 2."""
    by_id = {row.indicator.id: row for row in rows}
    for group1 in rubric.level1:
        first1 = True
        count1 = sum(len(g.indicators) for g in group1.level2)
        for group2 in group1.level2:
            for index, indicator in enumerate(group2.indicators):
                row = by_id[indicator.id]
                if first1:
                    row.level1_cell, first1 = (group1.name, format_points(group1.max), count1), False
                if index == 0:
                    row.level2_cell = (group2.table2_name or group2.name, format_points(group2.max),
                                       len(group2.indicators))


def _request_href(request_id: int | None) -> str | None:
    if request_id is None or "requests.request_detail" not in current_app.view_functions:
        return None
    return url_for("requests.request_detail", request_id=request_id)


def evidence_of(sheet: ScoreSheet | None) -> dict[int, list[EvidenceView]]:
    if sheet is None:
        return {}
    query = (select(IndicatorFacts.indicator_id, Evidence, Attachment)
             .join(Evidence, Evidence.facts_id == IndicatorFacts.id)
             .outerjoin(Attachment, Attachment.id == Evidence.attachment_id)
             .where(IndicatorFacts.sheet_id == sheet.id).order_by(Evidence.id))
    download = "requests.attachment_download" in current_app.view_functions
    result: dict[int, list[EvidenceView]] = {}
    for indicator_id, item, attachment in db.session.execute(query):
        href = url_for("requests.attachment_download", attachment_id=attachment.id) if attachment and download else None
        result.setdefault(indicator_id, []).append(EvidenceView(
            item.url, item.note, attachment.original_name if attachment else None, href,
            from_db_time(item.created_at).date() if item.created_at else None, item.id,
            bool(attachment and attachment.content_type.startswith("image/"))))
    return result


# ---------------------------------------------------------------------------- Table 1 and header

@dataclass
class GroupView:
    name: str
    note: str
    max: str
    score: str


def table1(rubric: Rubric, score: SheetScore) -> list[tuple[GroupView, list[GroupView]]]:
    result = []
    for group1 in rubric.level1:
        level2 = [GroupView(g.name, f"表2称“{g.table2_name}”" if g.table2_name and g.table2_name != g.name else "",
                            format_points(g.max), format_points(score.level2[g.name])) for g in group1.level2]
        result.append((GroupView(group1.name, "", format_points(group1.max),
                                 format_points(score.level1[group1.name])), level2))
    return result


@dataclass
class Header:
    target: Target
    total: str
    maximum: str
    status: str
    status_label: str
    locked: bool
    complete: bool
    pending: list[int]
    filled_by: str
    filled_on: date | None
    reviewed_by: str
    reviewed_on: date | None
    code: str = ""

    @property
    def status_style(self) -> str:
        return {"signed": "success", "submitted": "primary"}.get(self.status, "secondary")


def header(target: Target, rubric: Rubric, sheet: ScoreSheet | None, score: SheetScore,
           signature: Signature | None = None) -> Header:
    status = sheet.status if sheet else "draft"
    head = Header(target, format_points(score.total), format_points(rubric.total), status,
                  SHEET_STATUSES.get(status, status), bool(sheet and sheet.locked),
                  score.complete, score.pending,
                  sheet.filled_by.display_name if sheet and sheet.filled_by else "",
                  sheet.filled_on if sheet else None,
                  sheet.reviewed_by.display_name if sheet and sheet.reviewed_by else "",
                  sheet.reviewed_on if sheet else None)
    if signature is not None:  # the names and dates as signed
        head.filled_by, head.filled_on = signature.filled_by, signature.filled_on
        head.reviewed_by, head.reviewed_on = signature.reviewed_by, signature.reviewed_on
        head.code = signature.printed_code
    return head


# ---------------------------------------------------------------------------- the campaign's sheets

@dataclass
class SheetListRow:
    target: Target
    total: str
    complete: bool
    scored: int
    pending: int
    status_label: str
    filled_by: str
    reviewed_by: str


def sheet_list(results, user_names: Mapping[int, str]) -> list[SheetListRow]:
    rows = []
    for item in results:
        sheet, score = item.sheet, item.score
        rows.append(SheetListRow(
            item.target, format_points(score.total), score.complete, len(score.indicators) - len(score.pending),
            len(score.pending), sheet.status_label if sheet else SHEET_STATUSES["draft"],
            user_names.get(sheet.filled_by_id, "") if sheet else "",
            user_names.get(sheet.reviewed_by_id, "") if sheet else ""))
    return rows


def user_names(results) -> dict[int, str]:
    ids = {i for r in results if r.sheet for i in (r.sheet.filled_by_id, r.sheet.reviewed_by_id) if i}
    if not ids:
        return {}
    return {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
