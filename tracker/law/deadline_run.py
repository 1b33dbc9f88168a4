"""One request's clock while its events are applied in date order (pure; the rules: tracker/law/deadlines.py).

Pauses (consultations, fee notices) are kept as periods and the due date is worked out from their
union each time it is needed: a day on which two consultations are open is one day not counted.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .deadline_terms import (CLARIFICATION_WINDOW, CONSULTATION_CAP, EVENT_ORDER, FEE_PAYMENT_LIMIT,
                               MAX_EXTENSION, PARTIES, REPLY_PERIOD, Deadline, Event, Flag, Step)
from .workdays import DayInfo, WorkCalendar, format_cn_date, summarize_days_off

CAP_RULE = f"每项征求意见最多中止{CONSULTATION_CAP}个工作日（条例第三十二、三十四条）"
UNION_RULE = "各暂停期间合并计算：只要有一项征求意见或收费通知未结束，期限即停止，重叠的日子只计一次"
FEE_RULE = "自收费通知之日至缴费之日不计算在答复期限内（条例第四十二条；国办函〔2020〕109号）"


@dataclass
class Pause:
    """A consultation or a fee notice that stops the clock after `start` until `end` (None: open)."""

    kind: str  # "consultation" | "fee"
    start: date
    end: date | None = None
    party: str | None = None
    amount: float | None = None

    @property
    def label(self) -> str:
        if self.kind == "fee":
            return "收费通知"
        return f"征求{PARTIES[self.party]}意见" if self.party in PARTIES else "征求意见"


class DeadlineRun:
    """The clock of one request while its events are applied in order."""

    def __init__(self, cal: WorkCalendar, receipt: date, explain: bool = True) -> None:
        self.cal, self.explain = cal, explain
        self.receipt = self.start = receipt
        self.extension = self.paused = 0
        self.clarification_asked = False
        self.clarification_open_since: date | None = None
        self.clarification_period: int | None = None  # working days given to the applicant
        self.pauses: list[Pause] = []
        self.withdrawn_on: date | None = None
        self.flags: list[Flag] = []
        self.steps: list[Step] = []
        self.clarification_due = cal.add(receipt, CLARIFICATION_WINDOW)

    # -- bookkeeping ----------------------------------------------------------------------

    def flag(self, code: str, message_zh: str) -> None:
        self.flags.append(Flag(code, message_zh))

    def step(self, title: str, detail: str, on: date | None = None, skipped: list[DayInfo] | None = None) -> None:
        if self.explain:
            self.steps.append(Step(title, detail, on, list(skipped or [])))

    def record_receipt(self, how: str) -> None:
        if not self.explain:
            return
        info = self.cal.day_info(self.receipt)
        detail = f"{how}：{format_cn_date(self.receipt)}"
        if not info.working:
            detail += f"（{info.name or '非工作日'}，非工作日）"
        elif info.kind != "workday":
            detail += f"（{info.name}，工作日）"
        detail += f"。当日不计入期间，第1个工作日为{format_cn_date(self.cal.add(self.receipt, 1))}。"
        self.step("收到申请之日", detail, self.receipt)

    def ordered(self, events: tuple[Event, ...]) -> list[Event]:
        if any(later.on < earlier.on for earlier, later in zip(events, events[1:])):
            self.flag("events_out_of_order", "事件未按日期顺序录入，已按日期先后处理。")
        return sorted(events, key=lambda e: (e.on, EVENT_ORDER.index(e.type)))

    # -- pauses ---------------------------------------------------------------------------

    def open_pauses(self, kind: str) -> list[Pause]:
        return [p for p in self.pauses if p.kind == kind and p.end is None]

    def pause_end(self, pause: Pause, horizon: date) -> date:
        end = pause.end if pause.end is not None else horizon
        if pause.kind == "consultation":
            end = min(end, self.cal.add(pause.start, CONSULTATION_CAP))
        return max(end, pause.start)

    def union(self, horizon: date) -> list[tuple[date, date]]:
        """The periods (start, end] in which at least one pause stopped the clock, merged."""
        merged: list[tuple[date, date]] = []
        for start, end in sorted((p.start, self.pause_end(p, horizon)) for p in self.pauses if p.start <= horizon):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return merged

    def due_as_of(self, horizon: date) -> tuple[date, int]:
        """The due date with the pauses as they stand on `horizon` (open ones end there), and the paused days."""
        due, paused = self.cal.add(self.start, REPLY_PERIOD + self.extension), 0
        for start, end in self.union(horizon):
            if start > due:
                break
            days = self.cal.count(start, end)
            due, paused = self.cal.add(due, days), paused + days
        return due, paused

    def stopping(self, horizon: date) -> list[Pause]:
        """The pauses still stopping the clock on `horizon` (a consultation past its cap does not)."""
        return [p for p in self.pauses if p.end is None and p.start <= horizon
                and (p.kind == "fee" or horizon <= self.cal.add(p.start, CONSULTATION_CAP))]

    # -- events ---------------------------------------------------------------------------

    def apply(self, event: Event, reply_on: date | None) -> None:
        when = format_cn_date(event.on)
        if reply_on is not None and event.on > reply_on:
            self.flag("event_after_reply", f"{when}的事件晚于答复日期，不影响期限，已忽略。")
        elif event.on < self.start:
            self.flag("event_before_receipt", f"{when}的事件早于期限起算日，已忽略。")
        elif self.withdrawn_on is not None:
            self.flag("event_after_withdrawal", f"{when}的事件晚于撤回申请，已忽略。")
        else:
            getattr(self, f"_on_{event.type}")(event)

    def _on_clarification_requested(self, event: Event) -> None:
        when = format_cn_date(event.on)
        if self.clarification_asked:
            self.flag("second_clarification",
                      f"条例第三十条规定补正应一次性告知；{when}的再次补正要求不中止期限，已忽略（已记录）。")
        elif self.stopping(event.on):
            self.flag("clarification_during_consultation", f"{when}的补正要求发生在征求意见或等待缴费期间，已忽略。")
        else:
            self._open_clarification(event.on, event.working_days)

    def _open_clarification(self, on: date, period: int | None) -> None:
        self.clarification_asked, self.clarification_open_since, self.clarification_period = True, on, period
        limit = format_cn_date(self.clarification_due)
        timing = "在期限内"
        if on > self.clarification_due:
            timing = f"逾期{self.cal.count(self.clarification_due, on)}个工作日"
            self.flag("clarification_late",
                      f"补正告知应在{limit}前作出，实际{format_cn_date(on)}，{timing}（条例第三十条）。")
        if self.explain:
            skipped = self.cal.non_working_days(self.receipt, self.clarification_due)
            self.step("补正告知期限", f"应在收到申请后{CLARIFICATION_WINDOW}个工作日内（{limit}前）一次性告知补正"
                      f"（条例第三十条）；{summarize_days_off(skipped)}", self.clarification_due, skipped)
        given = (f"给予申请人{period}个工作日补正（至{format_cn_date(self.cal.add(on, period))}），"
                 "逾期未补正视为放弃申请；") if period else ""
        self.step("要求补正", f"行政机关于{format_cn_date(on)}要求补正（{timing}），{given}答复期限中止，"
                  "自收到补正后的申请之日重新起算。", on)

    def _on_clarified(self, event: Event) -> None:
        when = format_cn_date(event.on)
        asked = self.clarification_open_since
        if asked is None:
            self.flag("clarified_without_request", f"{when}的补正材料没有对应的补正要求，已忽略。")
            return
        if self.clarification_period and event.on > self.cal.add(asked, self.clarification_period):
            self.flag("clarified_after_period", f"{when}补正时已超过行政机关给予的补正期限，行政机关仍予受理（已记录）。")
        dropped = "；此前的征求意见、收费和延期不再计算" if self.pauses or self.extension else ""
        self.start, self.extension, self.pauses = event.on, 0, []
        self.clarification_open_since = None
        self.step("收到补正后的申请", f"{when}收到补正后的申请，答复期限自该日重新起算（条例第三十条）{dropped}。",
                  event.on)

    def _on_consultation_started(self, event: Event) -> None:
        when = format_cn_date(event.on)
        due = self.due_as_of(event.on)[0]
        if self.clarification_open_since is not None:
            self.flag("consultation_during_clarification", f"{when}开始的征求意见发生在等待补正期间，已忽略。")
        elif event.on > due:
            self.flag("consultation_after_due",
                      f"{when}开始征求意见时已过答复期限{format_cn_date(due)}，不中止期限，已忽略。")
        else:
            pause = Pause("consultation", event.on, party=event.party)
            self.pauses.append(pause)
            parallel = "（与尚未结束的征求意见同时进行，合并计算）" if len(self.stopping(event.on)) > 1 else ""
            self.step(f"开始{pause.label}", f"{when}开始{pause.label}{parallel}，所需时间不计算在答复期限内"
                      f"（条例第三十三条），{CAP_RULE}。", event.on)

    def _on_consultation_ended(self, event: Event) -> None:
        when = format_cn_date(event.on)
        candidates = [p for p in self.open_pauses("consultation") if p.start <= event.on]
        same_party = [p for p in candidates if event.party and p.party == event.party]
        pause = (same_party or candidates or [None])[0]
        if pause is None:
            self.flag("consultation_end_without_start", f"{when}的征求意见结束没有对应的开始，已忽略。")
            return
        pause.end = event.on
        self._describe_end(pause, f"{when}{pause.label}结束")

    def _describe_end(self, pause: Pause, what: str) -> None:
        assert pause.end is not None
        days, cap_end = self.cal.count(pause.start, pause.end), self.pause_end(pause, pause.end)
        counted = self.cal.count(pause.start, cap_end)
        detail = f"{what}；{format_cn_date(pause.start)}之后至{format_cn_date(pause.end)}共{days}个工作日"
        if pause.kind == "consultation" and counted < days:
            self.flag("consultation_over_cap", f"{pause.label}自{format_cn_date(pause.start)}起历时{days}个工作日，"
                      f"超过{CONSULTATION_CAP}个工作日；超出的{days - counted}个工作日计入答复期限。")
            detail += f"，{CAP_RULE}，只中止{counted}个，超出的{days - counted}个计入答复期限"
        else:
            detail += "不计入答复期限" + (f"（{FEE_RULE}）" if pause.kind == "fee" else "")
        self.step(what.removeprefix(format_cn_date(pause.end)) or "暂停结束", detail + "。", pause.end)

    def _on_fee_notified(self, event: Event) -> None:
        when = format_cn_date(event.on)
        amount = "金额未记录" if event.amount is None else f"{event.amount:g}元"
        if self.open_pauses("fee"):
            self.flag("second_fee_notice", f"{when}的收费通知发生在前一收费通知缴费之前，已记录，不另行中止期限。")
        elif event.on > self.due_as_of(event.on)[0]:
            self.flag("fee_after_due", f"{when}的收费通知（{amount}）晚于答复期限，不中止期限（已记录）。")
        else:
            self.pauses.append(Pause("fee", event.on, amount=event.amount))
            limit = format_cn_date(self.cal.add(event.on, FEE_PAYMENT_LIMIT))
            self.step("收费通知", f"{when}行政机关通知收取信息处理费（{amount}）；{FEE_RULE}；"
                      f"{FEE_PAYMENT_LIMIT}个工作日内（{limit}前）未缴费的视为放弃申请。", event.on)

    def _on_fee_paid(self, event: Event) -> None:
        open_fees = self.open_pauses("fee")
        if not open_fees:
            self.flag("fee_paid_without_notice", f"{format_cn_date(event.on)}的缴费没有对应的收费通知，已忽略。")
            return
        open_fees[0].end = event.on
        self._describe_end(open_fees[0], f"{format_cn_date(event.on)}缴费")

    def _on_extended(self, event: Event) -> None:
        when, asked = format_cn_date(event.on), event.working_days
        due = self.due_as_of(event.on)[0]
        if asked is None or asked <= 0:
            self.flag("extension_invalid", f"{when}的延期没有有效的工作日数，已忽略。")
        elif self.clarification_open_since is not None:
            self.flag("extension_during_clarification", f"{when}的延期发生在等待补正期间，已忽略。")
        elif not self.stopping(event.on) and event.on > due:
            self.flag("extension_late_ignored",
                      f"延期告知日{when}晚于其所延长的答复期限{format_cn_date(due)}，延期无效，已忽略（已记录）。")
        else:
            self._grant_extension(event.on, asked)

    def _grant_extension(self, on: date, asked: int) -> None:
        granted = min(asked, MAX_EXTENSION - self.extension)
        if granted < asked:
            self.flag("extension_capped", f"延长答复期限累计不得超过{MAX_EXTENSION}个工作日；"
                      f"{format_cn_date(on)}告知延长{asked}个，只计{granted}个。")
        self.extension += granted
        self.step("延长答复期限",
                  f"{format_cn_date(on)}告知延长{granted}个工作日（累计{self.extension}个，条例第三十三条）。", on)

    def _on_withdrawn(self, event: Event) -> None:
        self.withdrawn_on = event.on

    # -- results --------------------------------------------------------------------------

    def settle(self, horizon: date) -> date:
        """The due date as of `horizon`, explained: open pauses end there, the union is described."""
        for pause in self.pauses:
            if pause.end is None and pause.kind == "consultation" and self.pause_end(pause, horizon) < horizon:
                over = self.cal.count(self.pause_end(pause, horizon), horizon)
                self.flag("consultation_over_cap", f"{pause.label}自{format_cn_date(pause.start)}起未结束，已超过"
                          f"{CONSULTATION_CAP}个工作日；其后的{over}个工作日计入答复期限。")
        due, self.paused = self.due_as_of(horizon)
        if self.explain and self.pauses:
            spans = "；".join(f"{format_cn_date(s)}之后至{format_cn_date(e)}（{self.cal.count(s, e)}个工作日）"
                             for s, e in self.union(horizon))
            self.step("暂停计算（合并）", f"{UNION_RULE}；{CAP_RULE}；{FEE_RULE}。合并后的暂停期间：{spans}，"
                      f"共{self.paused}个工作日不计入答复期限。")
        return due

    def record_due(self, horizon: date) -> date:
        due = self.settle(horizon)
        if not self.explain:
            return due
        skipped = self.cal.non_working_days(self.start, due)
        parts = [f"{REPLY_PERIOD}个工作日"]
        if self.paused:
            parts.append(f"暂停不计算的{self.paused}个")
        if self.extension:
            parts.append(f"延长的{self.extension}个")
        total = REPLY_PERIOD + self.paused + self.extension
        self.step("答复期限", f"自{format_cn_date(self.start)}的次日起算第{total}个工作日"
                  f"（{' + '.join(parts)}），即{format_cn_date(due)}；{summarize_days_off(skipped)}", due, skipped)
        return due

    def result(self, status: str, due: date | None, **fields) -> Deadline:
        span_end = max(d for d in (due, fields.get("reply_date"), self.start) if d is not None)
        years = self.cal.provisional_years(self.receipt, span_end)
        if years:
            listed = "、".join(f"{y}年" for y in sorted(years))
            self.flag("provisional_calendar",
                      f"计算涉及{listed}，系统尚无该年国务院放假安排，日期为推算；请管理员录入放假安排。")
        return Deadline(self.receipt, due, status, provisional=bool(years), clarification_due=self.clarification_due,
                        paused_working_days=self.paused, extension_working_days=self.extension, flags=self.flags,
                        steps=self.steps, clock_start=self.start, **fields)

    def withdrawn(self, reply_on: date | None) -> Deadline:
        assert self.withdrawn_on is not None
        if reply_on is not None and reply_on > self.withdrawn_on:
            self.flag("reply_after_withdrawal", "申请撤回后行政机关仍作出答复，不影响结果（已记录）。")
        self.step("撤回申请", f"申请人于{format_cn_date(self.withdrawn_on)}撤回申请，测试结束，不再计算答复期限。",
                  self.withdrawn_on)
        return self.result("withdrawn", None)

    def judge_reply(self, reply_on: date, dispatched: bool) -> Deadline:
        basis = "答复交邮（签收）之日" if dispatched else "收到答复之日（未记录交邮日）"
        when = format_cn_date(reply_on)
        if self.clarification_open_since is not None:
            self.flag("reply_while_clarification_open", "答复时补正尚未完成，期限处于中止状态，视为按期。")
            self.step("答复", f"{basis}为{when}，答复时期限中止，视为按期。", reply_on)
            return self.result("replied_on_time", None, on_time=True, reply_date=reply_on)
        if self.open_pauses("consultation"):
            self.step("答复时征求意见尚未结束", f"征求意见计至答复之日{when}，{CAP_RULE}。", reply_on)
        due = self.record_due(reply_on)
        on_time = reply_on <= due
        if reply_on < self.receipt:
            self.flag("reply_before_receipt", "答复日期早于收到申请之日，请核对日期；视为按期。")
            on_time = True
        verdict = "在期限内" if on_time else f"逾期{self.cal.count(due, reply_on)}个工作日"
        self.step("答复", f"{basis}为{when}，答复期限为{format_cn_date(due)}，{verdict}。", reply_on)
        return self.result("replied_on_time" if on_time else "replied_late", due, on_time=on_time, reply_date=reply_on)

    def status_on(self, today: date) -> Deadline:
        ended = self.abandoned_on(today)
        if ended is not None:
            return ended
        if self.clarification_open_since is not None:
            self.step("等待补正", "行政机关已要求补正，期限中止，自收到补正后的申请之日重新起算。")
            return self.result("awaiting_clarification", None)
        stopping = self.stopping(today)
        if stopping:
            due = self.settle(today)
            left = self.cal.count(today, due)
            status = "awaiting_payment" if any(p.kind == "fee" for p in stopping) else "paused"
            what = "等待缴费" if status == "awaiting_payment" else "征求意见中"
            self.step(what, f"期限暂停计算，恢复后还剩{left}个工作日。")
            return self.result(status, None, working_days_left=left)
        due = self.record_due(today)
        now = format_cn_date(today)
        if today > due:
            left = -self.cal.count(due, today)
            overdue = f"已逾期{-left}个工作日" if left else "已过答复期限"
            self.step("当前状态", f"截至{now}未收到答复，{overdue}。", today)
            return self.result("overdue", due, working_days_left=left)
        left = self.cal.count(today, due)
        self.step("当前状态", f"截至{now}，距答复期限还有{left}个工作日。", today)
        return self.result("awaiting_reply", due, working_days_left=left)

    def abandoned_on(self, today: date) -> Deadline | None:
        """视为放弃申请: the 补正 period given ran out, or a fee notice stayed unpaid 20 working days."""
        asked, period = self.clarification_open_since, self.clarification_period
        if asked is not None and period and today > self.cal.add(asked, period):
            limit = format_cn_date(self.cal.add(asked, period))
            self.step("视为放弃申请", f"补正期限至{limit}，申请人逾期未补正，视为放弃申请（条例第三十条）。", today)
            return self.result("abandoned", None)
        for fee in self.open_pauses("fee"):
            limit = self.cal.add(fee.start, FEE_PAYMENT_LIMIT)
            if today > limit and self.clarification_open_since is None:
                self.step("视为放弃申请", f"{format_cn_date(fee.start)}收费通知后{FEE_PAYMENT_LIMIT}个工作日内"
                          f"（{format_cn_date(limit)}前）未缴费，视为放弃申请（国办函〔2020〕109号）。", today)
                return self.result("abandoned", None)
        return None
