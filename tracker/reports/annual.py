"""The annual-report table of the national template (国办公开办函〔2021〕30号), section
三、收到和处理政府信息公开申请情况, filled from a target's mock requests of the campaign year.

Our applicants are all natural persons, so every count is in the 自然人 column. How our
outcomes map onto the template's rows is listed in NOTES (shown on the page).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ..calendar.service import current_calendar
from ..campaigns.models import Campaign, Target
from ..core import clock
from ..core.errors import TrackerError
from ..requests.law_bridge import deadline_of
from ..law.derived import OUTCOME_LABELS
from ..requests.scores import load_requests

COLUMNS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
NEW, CARRIED, NEXT, TOTAL = "一", "二", "四", "七"
UNSTATED = "三.9"
RESULTS = (
    ("（一）予以公开", (("一.1", None),)),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", (("二.1", None),)),
    ("（三）不予公开", (("三.1", "1.属于国家秘密"), ("三.2", "2.其他法律行政法规禁止公开"),
                     ("三.3", "3.危及“三安全一稳定”"), ("三.4", "4.保护第三方合法权益"),
                     ("三.5", "5.属于三类内部事务信息"), ("三.6", "6.属于四类过程性信息"),
                     ("三.7", "7.属于行政执法案卷"), ("三.8", "8.属于行政查询事项"),
                     (UNSTATED, "※未注明理由（本系统未记录不予公开的具体理由；非国家模板行）"))),
    ("（四）无法提供", (("四.1", "1.本机关不掌握相关政府信息"), ("四.2", "2.没有现成信息需要另行制作"),
                     ("四.3", "3.补正后申请内容仍不明确"))),
    ("（五）不予处理", (("五.1", "1.信访举报投诉类申请"), ("五.2", "2.重复申请"), ("五.3", "3.要求提供公开出版物"),
                     ("五.4", "4.无正当理由大量反复申请"), ("五.5", "5.要求行政机关确认或重新出具已获取信息"))),
    ("（六）其他处理", (("六.1", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
                     ("六.2", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
                     ("六.3", "3.其他"))),
    ("（七）总计", ((TOTAL, None),)),
)
OUTCOME_ROWS = {
    "already_public": "一.1", "disclosed": "一.1", "partially_disclosed": "二.1", "withheld": UNSTATED,
    "not_held": "四.1", "not_responsible": "四.1", "not_an_ogi_request": "五.1", "duplicate": "五.2",
    "special_law": "六.3",
}
NOTES = (
    ("统计对象：本考评中该被考评对象的模拟申请（不含已作废的申请和电话咨询），按收到申请之日（条例第三十一条）归入年度；"
     "行政机关未收到的申请（如信函被退回）不计。项目组以个人名义申请，全部计入“自然人”一栏。"),
    ("“三、本年度办理结果”计入本年收到（或上年结转）且答复日期在本年内的申请；答复时间不论是否逾期。"
     "截至本年12月31日（或统计日）尚未答复的，计入“四、结转下年度继续办理”。"),
    (f"“{OUTCOME_LABELS['already_public']}”与“{OUTCOME_LABELS['disclosed']}”计入（一）予以公开（条例第三十六条第一、二项，"
     "告知获取途径亦属予以公开）；部分公开计入（二）。"),
    ("不予公开：本系统不记录具体理由（模板的8类），计入（三）下单列的“※未注明理由”一行，以免误归类；"
     "填写正式年报时请按答复书所述理由改列到1–8中相应一行。"),
    (f"“{OUTCOME_LABELS['not_held']}”（条例第三十六条第四项）和“{OUTCOME_LABELS['not_responsible']}”"
     "（第五项）计入（四）无法提供之1“本机关不掌握相关政府信息”：2021年模板未单列“不属于本机关负责公开”，"
     "两种情形都是本机关不掌握所申请的信息。"),
    (f"“{OUTCOME_LABELS['not_an_ogi_request']}”（条例第三十九条）计入（五）之1“信访举报投诉类申请”；"
     f"“{OUTCOME_LABELS['duplicate']}”计入（五）之2“重复申请”；"
     f"“{OUTCOME_LABELS['special_law']}”（条例第三十六条第七项）计入（六）之3“其他”。"),
)


@dataclass(frozen=True)
class Entry:
    received_on: date
    replied_on: date | None
    outcome: str | None


@dataclass(frozen=True)
class LabelCell:
    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True)
class AnnualRow:
    key: str
    labels: tuple[LabelCell, ...]
    counts: tuple[int, ...]  # one per COLUMNS

    @property
    def total(self) -> int:
        return self.counts[-1]


@dataclass(frozen=True)
class AnnualTable:
    year: int
    as_of: date
    rows: tuple[AnnualRow, ...]
    notes: tuple[str, ...] = NOTES

    def count(self, key: str) -> int:
        return next(row.total for row in self.rows if row.key == key)


def _counts(natural_persons: int) -> tuple[int, ...]:
    return (natural_persons, 0, 0, 0, 0, 0, natural_persons)


def tally_rows(entries: Iterable[Entry], year: int, as_of: date) -> Counter:
    """Row key → number of applications, for ``year`` as known on ``as_of`` (pure)."""
    start, end = date(year, 1, 1), min(date(year, 12, 31), as_of)
    counts: Counter = Counter()
    for entry in entries:
        if entry.received_on > end:
            continue
        carried = entry.received_on < start
        if carried and entry.replied_on is not None and entry.replied_on < start:
            continue  # settled before the year began
        counts[CARRIED if carried else NEW] += 1
        if entry.outcome is None or (entry.replied_on is not None and entry.replied_on > end):
            counts[NEXT] += 1
        else:
            counts[OUTCOME_ROWS.get(entry.outcome, "六.3")] += 1
            counts[TOTAL] += 1
    return counts


def build_rows(counts: Counter) -> tuple[AnnualRow, ...]:
    rows = [AnnualRow(NEW, (LabelCell("一、本年新收政府信息公开申请数量", colspan=3),), _counts(counts[NEW])),
            AnnualRow(CARRIED, (LabelCell("二、上年结转政府信息公开申请数量", colspan=3),), _counts(counts[CARRIED]))]
    section_span = sum(len(items) for _, items in RESULTS)
    for c_index, (category, items) in enumerate(RESULTS):
        for i_index, (key, item) in enumerate(items):
            labels = []
            if c_index == 0 and i_index == 0:
                labels.append(LabelCell("三、本年度办理结果", rowspan=section_span))
            if item is None:
                labels.append(LabelCell(category, colspan=2))
            else:
                if i_index == 0:
                    labels.append(LabelCell(category, rowspan=len(items)))
                labels.append(LabelCell(item))
            rows.append(AnnualRow(key, tuple(labels), _counts(counts[key])))
    rows.append(AnnualRow(NEXT, (LabelCell("四、结转下年度继续办理", colspan=3),), _counts(counts[NEXT])))
    return tuple(rows)


def annual_table(campaign: Campaign, target: Target, today: date | None = None) -> AnnualTable:
    as_of = today or clock.today()
    calendar = current_calendar()
    entries = []
    try:
        for request in load_requests(campaign.id, [target.id]):
            if request.voided or request.channel == "phone":
                continue
            deadline = deadline_of(request, calendar, as_of, explain=False)
            if deadline.receipt_date is None:
                continue
            reply = request.reply
            entries.append(Entry(deadline.receipt_date, deadline.reply_date, reply.outcome if reply else None))
    except ValueError as error:
        raise TrackerError(f"无法计算年报统计：{error}") from error
    return AnnualTable(campaign.year, as_of, build_rows(tally_rows(entries, campaign.year, as_of)))
