"""The view model of one target's full 附件2 report (Table 1, Table 2, 合格分, 填报/审核 lines).

Shared by the print HTML, the xlsx workbook and the campaign overview. Built from
``campaign_scores`` plus one query for the users who filled in and reviewed the sheets, so the
number of SQL statements does not depend on the number of targets.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..campaigns.models import Campaign, Target
from ..core.errors import TrackerError
from ..core.web import cn_date
from ..extensions import db
from ..rubric.model import Rubric, format_points
from ..scoring.models import SHEET_STATUSES, ScoreSheet
from ..scoring.rubric_store import get_rubric
from ..scoring.service import TargetScores, campaign_scores
from ..users.models import User

EMPTY_MARK = "—"
PENDING_MANUAL = "未评"
PENDING_DERIVED = "待定"


@dataclass(frozen=True)
class GroupScore:
    name: str
    max: float
    score: float
    children: tuple[GroupScore, ...] = ()

    @property
    def max_text(self) -> str:
        return format_points(self.max)

    @property
    def score_text(self) -> str:
        return format_points(self.score)


@dataclass(frozen=True)
class SheetRow:
    """One row of Table 2; ``level1_span``/``level2_span`` are 0 where the merged cell continues."""

    indicator_id: int
    title: str  # "1.制度文件信息发布（8分）", as the seed prints it
    max: float
    criteria: str
    points: float | None
    score_text: str  # "7", or 未评 / 待定
    explanation: str
    responsible_unit: str
    overridden: bool
    override_reason: str
    computed_text: str  # what the rules gave before an override
    pending: bool
    level1_label: str
    level1_span: int
    level2_label: str
    level2_span: int


@dataclass(frozen=True)
class SheetReport:
    campaign_name: str
    rubric_title: str
    today: date
    target_id: int
    target_name: str
    total: float
    total_max: float
    complete: bool
    pending_ids: tuple[int, ...]
    level1: tuple[GroupScore, ...]
    rows: tuple[SheetRow, ...]
    pass_mark: float | None
    status: str
    status_label: str
    filled_by: str
    filled_on: date | None
    reviewed_by: str
    reviewed_on: date | None
    code: str = ""  # the 核验码 as printed ("3F2A-91C0-7B4D"); "" unless signed with a snapshot
    signed_at: object = None  # when the signature was stored (UTC)

    @property
    def code_text(self) -> str:
        """The 核验码 cell: the code, or why there is none."""
        return self.code or ("（签字早于核验记录，无）" if self.signed else "（未签字，无）")

    @property
    def review_text(self) -> str:
        """The line a reader of the print needs: is this the signed record, and which one."""
        if self.signed and self.code:
            return (f"已审核签字：本表为{self.reviewed_by}于{cn_date(self.reviewed_on)}签字时的快照，"
                    f"核验码 {self.code}（可在系统“核验”页面输入核对）")
        if self.signed:
            return "已审核签字（签字早于核验记录，无快照与核验码；本表为实时计算结果）"
        return f"未审核签字（{self.status_label}）：本表为实时计算结果，不是正式记录"

    @property
    def total_text(self) -> str:
        return format_points(self.total)

    @property
    def total_max_text(self) -> str:
        return format_points(self.total_max)

    @property
    def pass_mark_text(self) -> str:
        return EMPTY_MARK if self.pass_mark is None else format_points(self.pass_mark)

    @property
    def signed(self) -> bool:
        return self.status == "signed"

    @property
    def incomplete_text(self) -> str:
        """"" when complete, else "未完成：指标 2、3、4 尚未评分（共 3 项）"."""
        if self.complete:
            return ""
        listed = "、".join(str(ident) for ident in self.pending_ids)
        return f"未完成：指标 {listed} 尚未评分（共 {len(self.pending_ids)} 项），总分为已评指标之和"


def build_sheet_reports(campaign: Campaign, today: date, target: Target | None = None, *,
                        target_ids: Collection[int] | None = None) -> list[SheetReport]:
    """Every target's report (or only ``target``'s, or those of ``target_ids``), in the campaign's order."""
    if target is not None:
        target_ids = {target.id}
    try:
        rubric = get_rubric(campaign.rubric_code)
        rows = campaign_scores(campaign, today, target_ids=target_ids)
    except (LookupError, ValueError) as error:
        raise TrackerError(f"无法生成评分报告：{error}") from error
    names = _user_names(row.sheet for row in rows)
    return [_report(campaign, rubric, today, row, names) for row in rows]


def _user_names(sheets) -> dict[int, str]:
    ids = {ident for sheet in sheets if sheet is not None
           for ident in (sheet.filled_by_id, sheet.reviewed_by_id) if ident is not None}
    if not ids:
        return {}
    return {user.id: user.display_name for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


def _report(campaign: Campaign, rubric: Rubric, today: date, row: TargetScores,
            names: dict[int, str]) -> SheetReport:
    sheet: ScoreSheet | None = row.sheet
    score = row.score
    status = sheet.status if sheet else "draft"
    scores = dict(
        campaign_name=campaign.name, rubric_title=rubric.title, today=today,
        target_id=row.target.id, target_name=row.target.name,
        total=score.total, total_max=rubric.total, complete=score.complete,
        pending_ids=tuple(score.pending), level1=_groups(rubric, score), rows=tuple(_rows(rubric, row)),
        pass_mark=rubric.pass_mark, status=status, status_label=SHEET_STATUSES.get(status, status))
    signed = row.signature
    if signed is not None:  # the record as signed, names included
        return SheetReport(**scores, filled_by=signed.filled_by, filled_on=signed.filled_on,
                           reviewed_by=signed.reviewed_by, reviewed_on=signed.reviewed_on,
                           code=signed.printed_code, signed_at=signed.signed_at)
    return SheetReport(
        **scores,
        filled_by=names.get(sheet.filled_by_id, "") if sheet and sheet.filled_by_id else "",
        filled_on=sheet.filled_on if sheet else None,
        reviewed_by=names.get(sheet.reviewed_by_id, "") if sheet and sheet.reviewed_by_id else "",
        reviewed_on=sheet.reviewed_on if sheet else None,
    )


def _groups(rubric: Rubric, score) -> tuple[GroupScore, ...]:
    return tuple(
        GroupScore(group1.name, group1.max, score.level1[group1.name], tuple(
            GroupScore(group2.name, group2.max, score.level2[group2.name]) for group2 in group1.level2))
        for group1 in rubric.level1)


def _rows(rubric: Rubric, row: TargetScores):
    for group1 in rubric.level1:
        first1 = True
        span1 = sum(len(group2.indicators) for group2 in group1.level2)
        for group2 in group1.level2:
            for index, indicator in enumerate(group2.indicators):
                yield _row(indicator, row, span1 if first1 else 0, len(group2.indicators) if index == 0 else 0,
                           f"{group1.name}\n{format_points(group1.max)}分",
                           f"{group2.table2_name}\n{format_points(group2.max)}分")
                first1 = False


def _row(indicator, row: TargetScores, span1: int, span2: int, label1: str, label2: str) -> SheetRow:
    result = row.score.indicators[indicator.id]
    pending = result.points is None
    pending_text = PENDING_DERIVED if indicator.kind == "derived" else PENDING_MANUAL
    stored = None if row.signature is not None else row.facts.get(indicator.id)  # signed: as in the snapshot
    # An evaluator's edited 赋分说明 wins over the generated one (DESIGN §1: "generated, editable").
    explanation = (stored.explanation or "").strip() if stored is not None else ""
    return SheetRow(
        indicator_id=indicator.id,
        title=f"{indicator.id}.{indicator.name}（{format_points(indicator.max)}分）",
        max=indicator.max, criteria=indicator.criteria, points=result.points,
        score_text=pending_text if pending else format_points(result.points),
        explanation=explanation or result.explanation_zh,
        responsible_unit=indicator.responsible_unit or "",
        overridden=result.overridden, override_reason=result.override_reason or "",
        computed_text=PENDING_MANUAL if result.computed_points is None else format_points(result.computed_points),
        pending=pending, level1_label=label1, level1_span=span1, level2_label=label2, level2_span=span2,
    )


def ranked(reports: list[SheetReport]) -> list[tuple[int, SheetReport]]:
    """By total, highest first; equal totals share a rank (1, 1, 3), keeping the campaign's order."""
    ordered = sorted(reports, key=lambda report: -report.total)
    result: list[tuple[int, SheetReport]] = []
    for position, report in enumerate(ordered, start=1):
        rank = result[-1][0] if result and result[-1][1].total == report.total else position
        result.append((rank, report))
    return result
