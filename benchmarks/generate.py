"""A deterministic generator of tracker-bundle/1 campaigns at any scale (benchmarks and perf tests).

``generate(targets, per_target=40, anchor=…, seed=…)`` returns the same bundle for the same
arguments: N counties × ``per_target`` requests covering every channel, purpose and reply outcome,
deadline events (补正, 征求意见, 延期), phone attempts (valid and invalid, connected and not),
letters signed for, unconfirmed and returned, voided requests, and manual facts for every manual
indicator of the wuwei-2020-county rubric (``tracker.demo.facts.sheet_facts``), plus a few
overrides and signed / submitted sheets. Dates are counted back from ``anchor`` in Chinese working
days, so a campaign anchored on today has live work: replies due soon, due today, overdue…

All names, phones and addresses are fictitious (example.org, 0000-…).

Command line: ``python -m benchmarks.generate TARGETS [--per-target 40] [--anchor YYYY-MM-DD] [-o FILE]``.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import date
from functools import lru_cache
from pathlib import Path

from tracker.demo.facts import sheet_facts
from tracker.law.letters import s10_number
from tracker.rubric import Rubric, load_rubric
from tracker.law.workdays import WorkCalendar

RUBRIC = "wuwei-2020-county"
DEFAULT_ANCHOR = date(2020, 11, 30)
DEFAULT_SEED = 2020
VERSION = 2  # bump when the output changes, so cached bundles are regenerated (2: sheets under review complete)
CACHE_DIR = Path(__file__).resolve().parent.parent / "instance" / "bench"
TARGETS_PER_EVALUATOR = 10

OUTCOMES = ("already_public", "disclosed", "partially_disclosed", "withheld", "not_held", "not_responsible",
            "duplicate", "special_law", "not_an_ogi_request")
# The content each outcome requires (DESIGN §4); a "sloppy" reply leaves it out.
CONTENT = {"already_public": ("told_route",), "disclosed": ("provided_or_route_and_time",),
           "partially_disclosed": ("provided_or_route_and_time", "reasons_given"),
           "withheld": ("reasons_given",), "special_law": ("special_law_referral",)}
NATURAL_OUTCOME = {"19.1": "already_public", "19.2": "disclosed", "19.3": "withheld", "19.4": "special_law"}
SUBJECTS = {
    "16": "申请公开本级年度政府集中采购目录", "17": "模拟书写困难人员当面口头申请",
    "18": "询问如何申请公开本级财政预算信息", "19.1": "申请公开本级政府机构职能目录",
    "19.2": "申请公开农村饮水安全工程项目清单", "19.3": "申请公开某信访案件处理过程材料",
    "19.4": "申请查询某企业不动产登记资料", "20": "申请公开本县区贯彻落实省政府重要部署的执行情况",
    "21": "申请公开行政处罚案件执法结果", "22": "申请公开环保督察反馈问题整改落实情况",
    "other": "申请公开本级政府信息公开工作年度报告相关数据",
}
# One county's 40 slots: (channel, purpose). Every purpose on every channel it allows, retries
# of the scored purposes, and "other" requests on all four channels.
PLAN = (
    [("online", "16")] * 3 + [("oral", "17")] * 3 + [("phone", "18")] * 4
    + [(channel, purpose) for purpose in ("19.1", "19.2", "19.3", "19.4")
       for channel in ("online", "mail", "oral")]
    + [("mail", "20")] * 3
    + [(channel, purpose) for purpose in ("21", "22") for channel in ("online", "mail", "oral")]
    + [("online", "other"), ("oral", "other"), ("phone", "other"), ("mail", "other"), ("online", "other"),
       ("mail", "other"), ("online", "other"), ("online", "other"), ("mail", "other")]
)
assert len(PLAN) == 40
# Scenario of a written request → (weight, range of working days since it was submitted).
SCENARIOS = {
    "replied_on_time": (34, (12, 70)),
    "replied_late": (8, (40, 70)),
    "awaiting": (14, (0, 20)),
    "overdue": (8, (24, 60)),
    "clarification_open": (5, (4, 12)),
    "clarified_replied": (5, (25, 70)),
    "consultation_open": (4, (10, 40)),
    "consultation_replied": (4, (40, 70)),
    "extended": (6, (24, 45)),
    "voided": (2, (5, 60)),
}
MAIL_SCENARIOS = {"letter_unconfirmed": (6, (1, 14)), "letter_returned": (2, (10, 40))}
PHONE_PATTERNS = (  # (hour, minute, connected) of each attempt; answered_correctly
    ([(9, 5, False), (10, 40, True)], True),
    ([(9, 5, True)], False),
    ([(9, 5, False), (10, 40, False), (15, 20, False)], None),
    ([(9, 5, False), (12, 30, False), (15, 20, True)], True),  # 12:30 is lunch: not a valid attempt
    ([(8, 45, True)], True),
)


@lru_cache(maxsize=1)
def _calendar() -> WorkCalendar:
    return WorkCalendar()


@lru_cache(maxsize=1)
def rubric() -> Rubric:
    return load_rubric(RUBRIC)


def campaign_name(targets: int, anchor: date) -> str:
    return f"示例省{anchor.year}年政务公开工作考评（{targets}个县区，基准测试）"


class _County:
    """The requests of one county, dated in working days back from the anchor."""

    def __init__(self, index: int, key: str, anchor: date, owners: list[str], rng: random.Random):
        self.index, self.key, self.anchor, self.owners, self.rng = index, key, anchor, owners, rng
        self.cal = _calendar()
        self.outcome_turn = index % len(OUTCOMES)

    def day(self, base: date, working_days: int) -> date:
        return self.cal.add(base, working_days) if working_days else base

    def ago(self, working_days: int) -> date:
        return self.day(self.anchor, -working_days)

    def at(self, day: date, hour: int = 10, minute: int = 0) -> str:
        return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00+08:00"

    def next_outcome(self, purpose: str, primary: bool) -> str:
        if primary and purpose in NATURAL_OUTCOME:
            return NATURAL_OUTCOME[purpose]
        outcome = OUTCOMES[self.outcome_turn]
        self.outcome_turn = (self.outcome_turn + 1) % len(OUTCOMES)
        return outcome

    def reply(self, outcome: str, dispatched: date) -> dict:
        rng = self.rng
        sloppy = rng.random() < 0.15
        flags = {name: False for name in ("told_route", "provided_or_route_and_time", "reasons_given",
                                          "special_law_referral")}
        for name in CONTENT.get(outcome, ()):
            flags[name] = not sloppy
        received = min(self.day(dispatched, rng.choice((0, 1, 2))), self.anchor)
        return {"dispatched_on": dispatched.isoformat(), "received_on": received.isoformat(),
                "outcome": outcome, **flags, "fee_charged": 20 if rng.random() < 0.04 else 0,
                "remedy_notice": rng.random() > 0.1, "sealed": rng.random() > 0.05}

    # -- one request ---------------------------------------------------------------------------

    def request(self, slot: int, channel: str, purpose: str, primary: bool) -> dict:
        rng = self.rng
        key = f"{self.key}-{slot + 1:02d}"
        owner = self.owners[slot % len(self.owners)]
        base = {"key": key, "target": self.key, "owner": owner, "channel": channel, "purpose": purpose,
                "subject": SUBJECTS[purpose] + ("（重复测试）" if not primary else "")}
        if channel == "phone":
            return self.phone(base, slot)
        scenarios = dict(SCENARIOS, **(MAIL_SCENARIOS if channel == "mail" else {}))
        names = list(scenarios)
        scenario = rng.choices(names, weights=[scenarios[n][0] for n in names])[0]
        low, high = scenarios[scenario][1]
        submitted = self.ago(rng.randint(low, high))
        base["submitted_at"] = self.at(submitted, rng.choice((9, 10, 11, 15, 16)), rng.choice((0, 15, 30, 45)))
        receipt = self.channel_part(base, channel, purpose, submitted, scenario)
        if receipt is None:
            return base
        available = self.cal.count(receipt, self.anchor) if receipt < self.anchor else 0
        self.clock(base, scenario, receipt, available, purpose, primary)
        return base

    def channel_part(self, base: dict, channel: str, purpose: str, submitted: date, scenario: str) -> date | None:
        """Add the channel's sub-object; return the receipt date (None: not received)."""
        rng = self.rng
        if channel == "online":
            active = rng.random() > 0.08
            base["online"] = {"url": f"https://{self.key}.example.org/ysqgk/apply", "window_active": active,
                              "accepted": active and rng.random() > 0.05, "confirmed_on": submitted.isoformat(),
                              "confirmation_number": f"WSSQ-{base['key']}"}
            return submitted
        if channel == "oral":
            helped = rng.random() > 0.2
            base["oral"] = {"place": "政务服务中心政府信息公开窗口（虚构）", "filled_in_for_applicant": helped,
                            "procedure_explained": rng.random() > 0.1,
                            "declined_with_reason": (not helped) and rng.random() < 0.5}
            return submitted
        letter = {"addressee": "法定代表人（虚构）" if purpose == "20" else "政府信息公开工作机构（虚构）",
                  "marked": "重要部署申请" if purpose == "20" else "", "posted_on": submitted.isoformat(),
                  "tracking_number": s10_number(self.index * 10**5 + rng.randrange(10**5)),
                  "delivered_on": None, "confirmed_on": None, "returned": False}
        base["letter"] = letter
        if scenario == "letter_unconfirmed":
            return None
        if scenario == "letter_returned":
            letter["returned"] = True
            return None
        delivered = min(self.day(submitted, 2), self.anchor)
        letter["delivered_on"] = delivered.isoformat()
        if purpose == "20" and rng.random() < 0.5 and delivered < self.anchor:
            confirmed = self.day(delivered, 1)  # 国办公开办函〔2015〕207号: confirmed by phone
            letter["confirmed_on"] = confirmed.isoformat()
            return confirmed
        return delivered

    def clock(self, base: dict, scenario: str, receipt: date, available: int, purpose: str, primary: bool) -> None:
        """Events and the reply of a received request, all on or before the anchor."""
        rng = self.rng

        def on(working_days: int) -> str:
            return self.day(receipt, min(working_days, available)).isoformat()

        def reply_at(working_days: int) -> None:
            if working_days <= available:
                base["reply"] = self.reply(self.next_outcome(purpose, primary), self.day(receipt, working_days))

        if scenario == "replied_on_time":
            reply_at(rng.randint(1, max(1, min(20, available))))
        elif scenario == "replied_late":
            reply_at(rng.randint(21, max(21, min(32, available))))
        elif scenario == "clarification_open":
            base["events"] = [{"type": "clarification_requested", "on": on(rng.randint(1, 7))}]
        elif scenario == "clarified_replied":
            base["events"] = [{"type": "clarification_requested", "on": on(3)}, {"type": "clarified", "on": on(6)}]
            reply_at(6 + rng.randint(3, 18))
        elif scenario == "consultation_open":
            base["events"] = [{"type": "consultation_started", "on": on(rng.randint(3, 8))}]
        elif scenario == "consultation_replied":
            base["events"] = [{"type": "consultation_started", "on": on(5)},
                              {"type": "consultation_ended", "on": on(15)}]
            reply_at(rng.randint(20, 30))
        elif scenario == "extended":
            days = rng.choice((10, 15, 20))
            base["events"] = [{"type": "extended", "on": on(rng.randint(14, 19)), "working_days": days,
                               "note": "经本机关负责人同意延长答复期限，已书面告知申请人"}]
            if rng.random() < 0.5:
                reply_at(rng.randint(21, 20 + days))
        elif scenario == "voided":
            base["voided"] = True
            base["void_reason"] = "申请内容填写有误，作废后重新提交"
        # "awaiting" and "overdue" have no reply: the clock decides which they are.

    def phone(self, base: dict, slot: int) -> dict:
        rng = self.rng
        pattern, correct = PHONE_PATTERNS[(self.index + slot) % len(PHONE_PATTERNS)]
        ago = rng.randint(0, 40)
        if ago == 0:  # a test in progress today: one miss so far
            pattern, correct = pattern[:1], None
        day = self.ago(ago)
        if not self.cal.is_working_day(day):
            day = self.day(day, 1) if day < self.anchor else self.ago(1)
        attempts = [{"at": self.at(day, hour, minute), "connected": ok} for hour, minute, ok in pattern]
        base["submitted_at"] = attempts[0]["at"]
        base["phone"] = {"attempts": attempts, "answered_correctly": correct,
                         "question": "本级财政预算在哪里公开？如何申请？"}
        return base


def _team(targets: int) -> list[dict]:
    evaluators = max(2, -(-targets // TARGETS_PER_EVALUATOR))
    team = [{"username": f"bench_e{i:03d}", "name": f"测试填报人{i:03d}（虚构）",
             "email": f"bench_e{i:03d}@example.org", "role": "evaluator"} for i in range(evaluators)]
    team += [{"username": f"bench_r{i}", "name": f"测试审核人{i}（虚构）", "email": f"bench_r{i}@example.org",
              "role": "reviewer"} for i in range(2)]
    return team


def _target(index: int, key: str) -> dict:
    return {"key": key, "name": f"示例{index + 1:03d}县（虚构）", "kind": "county" if index % 10 else "department",
            "website": f"https://{key}.example.org/", "apply_url": f"https://{key}.example.org/ysqgk/apply",
            "guide_phone": f"0000-{index:07d}", "address": f"示例省示例市示例路{index + 1}号（虚构地址）",
            "legal_representative": f"测试{index + 1:03d}某（虚构）",
            "office_hours": [["08:30", "12:00"], ["14:30", "18:00"]] if index % 7 else [["09:00", "12:00"],
                                                                                       ["13:30", "17:30"]]}


def _facts(index: int, seed: int) -> dict:
    facts = sheet_facts(rubric(), seed * 1000 + index, 0.1 + (index % 4) * 0.05)
    if index % 9 == 4:
        facts["12"] = dict(facts.get("12", {}), override={"points": 3, "reason": "经复核，栏目内容完整（基准测试数据）"})
    if index % 11 == 5:
        facts["16"] = {"note": "网站改版期间测试（基准测试数据）"}
    if index % 5 in (0, 1):  # submitted or signed below: a sheet goes to review complete (DESIGN.md §10.1)
        for indicator in rubric().indicators:
            if indicator.kind == "derived":
                points = int(indicator.max) // 2
                facts[str(indicator.id)] = dict(facts.get(str(indicator.id), {}), override={
                    "points": points, "reason": "复核后人工调整（基准测试数据）"})
    return facts


def _review(index: int, owners: list[str], anchor: date) -> dict | None:
    cal = _calendar()
    if index % 5 == 0:
        return {"status": "signed", "submitted_by": owners[0], "reviewed_by": "bench_r0",
                "submitted_on": cal.add(anchor, -3).isoformat(), "reviewed_on": cal.add(anchor, -1).isoformat()}
    if index % 5 == 1:
        return {"status": "submitted", "submitted_by": owners[0], "submitted_on": cal.add(anchor, -1).isoformat()}
    return None


def generate(targets: int, per_target: int = 40, *, anchor: date = DEFAULT_ANCHOR, seed: int = DEFAULT_SEED,
             name: str | None = None) -> dict:
    """A tracker-bundle/1 campaign of ``targets`` counties × ``per_target`` requests (deterministic)."""
    if targets < 1 or per_target < 1:
        raise ValueError("targets and per_target must be at least 1")
    team = _team(targets)
    evaluators = [m["username"] for m in team if m["role"] == "evaluator"]
    bundle_targets, requests, facts, reviews = [], [], {}, {}
    for index in range(targets):
        key = f"t{index:04d}"
        rng = random.Random(f"{seed}:{index}")
        owner = evaluators[index // TARGETS_PER_EVALUATOR % len(evaluators)]
        owners = [owner, evaluators[(index + 1) % len(evaluators)]]
        county = _County(index, key, anchor, owners, rng)
        bundle_targets.append(_target(index, key))
        seen: set[str] = set()
        stride = max(1, len(PLAN) // per_target)  # a smaller county still gets every channel
        for slot in range(per_target):
            channel, purpose = PLAN[(slot * stride) % len(PLAN)]
            requests.append(county.request(slot, channel, purpose, primary=purpose not in seen))
            seen.add(purpose)
        facts[key] = _facts(index, seed)
        review = _review(index, owners, anchor)
        if review:
            reviews[key] = review
    return {"format": "tracker-bundle/1",
            "campaign": {"name": name or campaign_name(targets, anchor), "rubric": RUBRIC, "year": anchor.year},
            "team": team, "targets": bundle_targets, "requests": requests, "facts": facts, "reviews": reviews}


def cached(targets: int, per_target: int = 40, *, anchor: date = DEFAULT_ANCHOR, seed: int = DEFAULT_SEED) -> dict:
    """``generate`` with the JSON kept under instance/bench/ (gitignored) between runs."""
    path = CACHE_DIR / f"bundle-v{VERSION}-{targets}x{per_target}-{anchor.isoformat()}-{seed}.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    data = generate(targets, per_target, anchor=anchor, seed=seed)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    temporary.replace(path)
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__.splitlines()[0])
    parser.add_argument("targets", type=int)
    parser.add_argument("--per-target", type=int, default=40)
    parser.add_argument("--anchor", type=date.fromisoformat, default=DEFAULT_ANCHOR)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--check", action="store_true", help="validate against tracker/bundles/schema.json")
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args(argv)
    data = generate(args.targets, args.per_target, anchor=args.anchor, seed=args.seed)
    if args.check:
        from tracker.bundles.validate import validate_bundle

        problems = validate_bundle(data)
        for problem in problems[:20]:
            print(problem, file=sys.stderr)
        if problems:
            return 1
    text = json.dumps(data, ensure_ascii=False, indent=1)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
