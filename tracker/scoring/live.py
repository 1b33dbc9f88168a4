"""What sheet.js asks while an evaluator fills a sheet (issue 18).

Each indicator's row saves as you go: the row's form is posted as it is without JavaScript, asking
for JSON, so the page is not reloaded and no other row's unsaved input is lost. The live total is
the whole sheet scored by the rubric engine with every edited row's input on top of the saved
facts — the derived indicators 16–22 included — so it does not jump from one row to the next.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask import request
from sqlalchemy import select

from ..campaigns.models import Campaign, Target
from ..core.errors import ConflictError, TrackerError, ValidationError, form_errors
from ..extensions import db
from ..rubric import FactsError, Indicator, Rubric, SheetScore
from ..rubric.model import format_points
from . import forms
from . import operations as ops
from .models import IndicatorFacts, ScoreSheet
from .pages import LoadedSheet, row_errors


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


# ---------------------------------------------------------------------------- one row saved

def saved_answer(indicator: Indicator, row: IndicatorFacts) -> dict:
    return {"ok": True, "version": row.version, "message": f"指标{indicator.id}“{indicator.name}”已保存。"}


def refused_answer(indicator: Indicator, error: TrackerError, conflict_hint: str,
                   campaign: Campaign, target: Target) -> dict:
    """Why the row was not saved, in Chinese; for a conflict, the version now stored, so that saving
    again on purpose (after reading the hint) overwrites it."""
    shown, invalid = row_errors(indicator, form_errors(error))
    answer = {"ok": False, "conflict": False, "errors": shown, "invalid": sorted(invalid)}
    if isinstance(error, ConflictError):  # the hint is for a row someone else saved; other conflicts say theirs
        hint = conflict_hint if error.message == ConflictError().message else error.message
        answer.update(conflict=True, message=hint, errors=[],
                      version=stored_version(campaign, target, indicator.id))
    elif isinstance(error, ValidationError):
        answer["message"] = f"指标{indicator.id}“{indicator.name}”未保存，请更正以下问题。"
    else:  # the sheet is locked, the campaign closed: the message says which and what to do
        answer.update(message=error.message, errors=[])
    return answer


def stored_version(campaign: Campaign, target: Target, indicator_id: int) -> int:
    version = db.session.scalar(
        select(IndicatorFacts.version).join(ScoreSheet, ScoreSheet.id == IndicatorFacts.sheet_id)
        .where(ScoreSheet.campaign_id == campaign.id, ScoreSheet.target_id == target.id,
               IndicatorFacts.indicator_id == indicator_id))
    return version or 0


# ---------------------------------------------------------------------------- the whole sheet's preview

def posted_rows(rubric: Rubric, form) -> dict[Indicator, dict[str, str]]:
    """The edited rows: `indicator` is repeated for each, and a row's fields are named f<id>-<field>
    (the ids of the inputs on the page). An indicator the rubric lacks is refused (400)."""
    rows = {}
    for raw in form.getlist("indicator"):
        indicator = ops.indicator_of(rubric, raw)
        prefix = f"f{indicator.id}-"
        rows[indicator] = {name[len(prefix):]: value for name, value in form.items() if name.startswith(prefix)}
    return rows


def checked_rows(rows: Mapping[Indicator, Mapping[str, str]]) -> tuple[dict[int, dict], dict[int, list]]:
    """Each row's facts as saving would store them; a row saving would refuse is left out, with why."""
    facts, errors = {}, {}
    for indicator, values in rows.items():
        try:
            facts[indicator.id] = ops.checked_facts(indicator, forms.facts_from_form(indicator, values))
        except ValidationError as error:
            errors[indicator.id] = row_errors(indicator, error.errors)[0]
    return facts, errors


def preview_answer(loaded: LoadedSheet, rows: Mapping[Indicator, Mapping[str, str]]) -> dict:
    """The sheet scored with the edited rows; nothing is saved."""
    changed, errors = checked_rows(rows)
    try:
        score = loaded.score(changed)
    except FactsError as error:  # not expected once every row passed the checks: say so, never a 500
        return {"ok": False, "errors": {}, "message": "；".join(e.message_zh for e in error.errors)}
    return {"ok": True, **score_view(score), "errors": {str(i): shown for i, shown in errors.items()},
            "excluded": sorted(errors)}


def score_view(score: SheetScore) -> dict:
    """The numbers the page shows, spelled as the server renders them."""
    return {
        "total": format_points(score.total), "complete": score.complete, "pending": score.pending,
        "level1": {name: format_points(points) for name, points in score.level1.items()},
        "level2": {name: format_points(points) for name, points in score.level2.items()},
        "indicators": {str(ident): {"text": "未评" if one.points is None else format_points(one.points),
                                    "overridden": one.overridden, "explanation": one.explanation_zh}
                       for ident, one in score.indicators.items()},
    }
