"""The statistics as display tables: the same rows feed the web page and the CSV download."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from ..core.web import cn_date
from ..law.derived import OUTCOME_LABELS
from .charts import stacked_bars
from .safe_cells import safe_text
from .statistics import BUCKET_LABELS, CampaignStatistics, RateTally, ReplyTally

BUCKETS = tuple(BUCKET_LABELS)


@dataclass(frozen=True)
class Section:
    title: str
    headings: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _median(value: float | None) -> object:
    return "—" if value is None else value


def _reply_section(title: str, first: str, tallies: list[ReplyTally], total: ReplyTally) -> Section:
    headings = (first, "已发出", "已收到", *BUCKET_LABELS.values(), "答复用时中位数（工作日）",
                *OUTCOME_LABELS.values())
    rows = tuple((t.label, t.sent, t.received, *(t.count(b) for b in BUCKETS), _median(t.median_days),
                  *(t.outcomes.get(key, 0) for key in OUTCOME_LABELS)) for t in [*tallies, total])
    return Section(title, headings, rows)


def _rate_rows(tallies: list[RateTally]) -> tuple[tuple[object, ...], ...]:
    return tuple((t.label, t.total, t.passed, percent(t.rate)) for t in tallies)


def sections(stats: CampaignStatistics) -> list[Section]:
    phone_rows = tuple((p.label, p.tests, p.complete, p.connected, p.answered_correctly,
                        percent(p.connected / p.tests if p.tests else None)) for p in stats.phone_by_target)
    return [
        _reply_section("一、按被考评对象（不含电话咨询）", "被考评对象", stats.by_target, stats.total),
        _reply_section("二、按申请渠道（不含电话咨询）", "申请渠道", stats.by_channel, stats.total),
        Section("三、答复内容检查（条例第三十六、三十七条）", ("检查项", "应具备的答复数", "具备", "合格率"),
                _rate_rows(stats.checks)),
        Section("四、电话咨询：按拨打次数的接通率", ("拨打次数", "拨打的测试数", "接通", "接通率"),
                _rate_rows(stats.calls)),
        Section("五、电话咨询：按被考评对象",
                ("被考评对象", "电话测试数", "已完成", "接通", "正确答复", "接通率"), phone_rows),
    ]


def status_chart(stats: CampaignStatistics) -> Markup:
    items = [(t.label, [t.count(b) for b in BUCKETS]) for t in stats.by_target]
    return stacked_bars(items, list(BUCKET_LABELS.values()), "各被考评对象模拟申请办理情况（件）")


def statistics_csv(stats: CampaignStatistics, campaign_name: str, today: date) -> bytes:
    """UTF-8 with BOM (so Excel reads the Chinese), every text cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_text(f"{campaign_name} 依申请公开统计"), safe_text(f"截至{cn_date(today)}")])
    for section in sections(stats):
        writer.writerow([])
        writer.writerow([safe_text(section.title)])
        writer.writerow([safe_text(h) for h in section.headings])
        for row in section.rows:
            writer.writerow([cell if isinstance(cell, (int, float)) else safe_text(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
