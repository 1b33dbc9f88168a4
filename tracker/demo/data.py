"""The demo bundle, built relative to `today` so that the new user's dashboard has live work on it."""
from __future__ import annotations

from datetime import date, datetime, time

from ..rubric import Rubric
from ..law.letters import s10_number
from ..law.workdays import BEIJING, WorkCalendar
from .facts import sheet_facts

TARGETS = [
    ("liangzhou", "凉州区"), ("minqin", "民勤县"), ("gulang", "古浪县"), ("tianzhu", "天祝藏族自治县"),
]
TEAM = [
    {"username": "zhang", "name": "张三（演示）", "email": "zhang@example.org", "role": "evaluator"},
    {"username": "li", "name": "李四（演示）", "email": "li@example.org", "role": "evaluator"},
    {"username": "wang", "name": "王五（演示）", "email": "wang@example.org", "role": "reviewer"},
]
REPLY_OK = {"already_public": {"told_route": True}, "disclosed": {"provided_or_route_and_time": True},
            "partially_disclosed": {"provided_or_route_and_time": True, "reasons_given": True},
            "withheld": {"reasons_given": True}, "special_law": {"special_law_referral": True}}


def _target(index: int, key: str, name: str) -> dict:
    return {"key": key, "name": name, "kind": "county",
            "website": f"https://{key}.example.org/", "apply_url": f"https://{key}.example.org/ysqgk/apply",
            "guide_phone": f"0935-000000{index}", "address": f"示例省武威市{name}示例路{index + 1}号（虚构地址）",
            "legal_representative": f"演示{'甲乙丙丁'[index]}某（虚构）",
            "office_hours": [["08:30", "12:00"], ["14:30", "18:00"]]}


class DemoBuilder:
    """Dates are counted in working days back from `today` with the real calendar."""

    def __init__(self, today: date, calendar: WorkCalendar, owners: tuple[str, str]):
        # Anchored on the last working day: loaded on a Saturday, "today's" phone call would be made on a
        # day off (an invalid call) and nothing could be due "today" (issue 18).
        anchor = today if calendar.is_working_day(today) else calendar.add(today, -1)
        self.today, self.cal, self.owners = anchor, calendar, owners
        self.requests: list[dict] = []

    def day(self, working_days_ago: int) -> date:
        return self.cal.add(self.today, -working_days_ago) if working_days_ago else self.today

    def at(self, working_days_ago: int, hour: int = 10, minute: int = 0) -> str:
        return datetime.combine(self.day(working_days_ago), time(hour, minute), tzinfo=BEIJING).isoformat()

    def add(self, target: str, key: str, channel: str, purpose: str, subject: str, ago: int, owner: int = 0,
            **fields) -> dict:
        request = {"key": key, "target": target, "owner": self.owners[owner], "channel": channel,
                   "purpose": purpose, "subject": subject, "submitted_at": self.at(ago), **fields}
        self.requests.append(request)
        return request

    def online(self, target, key, purpose, subject, ago, reply=None, online=None, **extra):
        online = online or {"url": f"https://{target}.example.org/ysqgk/apply", "window_active": True,
                            "accepted": True, "confirmed_on": self.day(ago).isoformat(),
                            "confirmation_number": f"WSSQ-{key}"}
        request = self.add(target, key, "online", purpose, subject, ago, online=online, **extra)
        if reply:
            request["reply"] = reply
        return request

    def reply(self, outcome: str, dispatched_ago: int, **overrides) -> dict:
        data = {"outcome": outcome, "dispatched_on": self.day(dispatched_ago).isoformat(),
                "received_on": self.day(max(dispatched_ago - 2, 0)).isoformat(), "fee_charged": 0,
                "remedy_notice": True, "sealed": True, **REPLY_OK.get(outcome, {})}
        data.update(overrides)
        return data

    def letter(self, target, key, purpose, ago, delivered_ago=None, reply=None, returned=False):
        letter = {"addressee": "法定代表人（虚构）", "marked": "重要部署申请" if purpose == "20" else "",
                  "posted_on": self.day(ago).isoformat(), "tracking_number": s10_number(abs(hash(key))),
                  "delivered_on": self.day(delivered_ago).isoformat() if delivered_ago is not None else None,
                  "returned": returned}
        request = self.add(target, key, "mail", purpose, "申请公开本县区贯彻落实省政府重要部署的执行情况", ago,
                           owner=1, letter=letter)
        if reply:
            request["reply"] = reply
        return request

    def phone(self, target, key, day_ago, outcomes, correct=None):
        attempts = [{"at": self.at(day_ago, hour, minute), "connected": ok}
                    for (hour, minute), ok in zip([(9, 5), (10, 40), (15, 20)], outcomes)]
        return self.add(target, key, "phone", "18", "询问如何申请公开本级财政预算信息", day_ago, owner=0,
                        phone={"attempts": attempts, "answered_correctly": correct,
                               "question": "本级2024年财政预算在哪里公开？如何申请？"})

    def oral(self, target, key, ago, filled=True, explained=True, reply=None):
        request = self.add(target, key, "oral", "17", "模拟书写困难人员当面口头申请", ago, owner=1,
                           oral={"place": "政务服务中心政府信息公开窗口（虚构）", "filled_in_for_applicant": filled,
                                 "procedure_explained": explained, "declined_with_reason": False})
        if reply:
            request["reply"] = reply
        return request


def build_demo(name: str, today: date, calendar: WorkCalendar, rubric: Rubric, owners: tuple[str, str]) -> dict:
    b = DemoBuilder(today, calendar, owners)
    _finished_county(b, "liangzhou", "LZ")
    _county_in_progress(b, "minqin", "MQ")
    _county_with_trouble(b, "gulang", "GL")
    _county_just_started(b, "tianzhu", "TZ")
    facts = {"liangzhou": sheet_facts(rubric, 1, 0.1), "minqin": sheet_facts(rubric, 2, 0.2),
             "gulang": sheet_facts(rubric, 3, 0.25, share=0.5)}
    return {"format": "tracker-bundle/1",
            "campaign": {"name": name, "rubric": rubric.code,
                         "year": today.year},
            "team": [dict(member) for member in TEAM],  # a copy: callers extend it
            "targets": [_target(i, key, name) for i, (key, name) in enumerate(TARGETS)],
            "requests": b.requests, "facts": facts,
            "reviews": {"liangzhou": {"status": "signed", "submitted_by": owners[0], "reviewed_by": "wang",
                                      "submitted_on": b.day(3).isoformat(), "reviewed_on": b.day(1).isoformat()}}}


def _finished_county(b: DemoBuilder, t: str, p: str) -> None:
    b.online(t, f"{p}-16", "16", "申请公开本级2024年度政府集中采购目录", 60, reply=b.reply("disclosed", 50))
    b.oral(t, f"{p}-17", 58, reply=b.reply("already_public", 50))
    b.phone(t, f"{p}-18", 57, [False, True], correct=True)
    b.online(t, f"{p}-19-1", "19.1", "申请公开本级政府机构职能目录", 56, reply=b.reply("already_public", 48))
    b.online(t, f"{p}-19-2", "19.2", "申请公开2024年农村饮水安全工程项目清单", 56, reply=b.reply("disclosed", 40))
    b.online(t, f"{p}-19-3", "19.3", "申请公开某信访案件处理过程材料", 56, reply=b.reply("withheld", 45))
    b.online(t, f"{p}-19-4", "19.4", "申请查询某企业不动产登记资料", 56, reply=b.reply("special_law", 50))
    b.letter(t, f"{p}-20", "20", 60, delivered_ago=58, reply=b.reply("disclosed", 42))
    b.online(t, f"{p}-21", "21", "申请公开2024年行政处罚案件执法结果", 55, reply=b.reply("partially_disclosed", 38))
    b.online(t, f"{p}-22", "22", "申请公开环保督察反馈问题整改落实情况", 55, reply=b.reply("disclosed", 36))


def _county_in_progress(b: DemoBuilder, t: str, p: str) -> None:
    b.online(t, f"{p}-16", "16", "申请公开本级2024年度政府集中采购目录", 30, reply=b.reply("disclosed", 12))
    b.oral(t, f"{p}-17", 28, filled=False, explained=True, reply=b.reply("disclosed", 15))
    b.phone(t, f"{p}-18", 0, [False])  # attempt 2 of 3 still to make today
    b.online(t, f"{p}-19-1", "19.1", "申请公开本级政府机构职能目录", 18)  # due in two working days
    b.online(t, f"{p}-19-2", "19.2", "申请公开2024年农村饮水安全工程项目清单", 20)  # due today
    b.online(t, f"{p}-19-3", "19.3", "申请公开某信访案件处理过程材料", 25,
             events=[{"type": "extended", "on": b.day(6).isoformat(), "working_days": 20}])
    b.online(t, f"{p}-19-4", "19.4", "申请查询某企业不动产登记资料", 24,
             reply=b.reply("special_law", 2, special_law_referral=False))
    b.letter(t, f"{p}-20", "20", 8)  # posted 8 working days ago, not yet signed for
    b.online(t, f"{p}-21", "21", "申请公开2024年行政处罚案件执法结果", 12,
             events=[{"type": "clarification_requested", "on": b.day(9).isoformat()}])
    b.online(t, f"{p}-22", "22", "申请公开环保督察反馈问题整改落实情况", 26)  # overdue


def _county_with_trouble(b: DemoBuilder, t: str, p: str) -> None:
    b.online(t, f"{p}-16", "16", "申请公开本级2024年度政府集中采购目录", 40,
             online={"url": f"https://{t}.example.org/ysqgk/apply", "window_active": False, "accepted": False})
    b.phone(t, f"{p}-18", 35, [False, False, False])
    b.letter(t, f"{p}-20", "20", 40, returned=True)
    b.online(t, f"{p}-21", "21", "申请公开2024年行政处罚案件执法结果", 45,
             reply=b.reply("withheld", 3, reasons_given=False, fee_charged=20))  # late, no reasons, a fee
    b.online(t, f"{p}-22", "22", "申请公开环保督察反馈问题整改落实情况", 30,
             events=[{"type": "consultation_started", "on": b.day(20).isoformat()}])  # paused
    b.online(t, f"{p}-22b", "22", "重复测试：申请公开整改落实情况", 5)  # a retry: listed, not scored


def _county_just_started(b: DemoBuilder, t: str, p: str) -> None:
    b.phone(t, f"{p}-18", 0, [])
    b.letter(t, f"{p}-20", "20", 2)
    b.online(t, f"{p}-16", "16", "申请公开本级2024年度政府集中采购目录", 1)
