"""The rules of the house for reading reply letters, loaded from rules/*.toml (pure: no Flask, no SQLAlchemy).

Kept as data so that a phrase seen in a real letter is added without touching code; every rule
names the article of the 条例 it stands for.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RULES_DIR = Path(__file__).with_name("rules")


@dataclass(frozen=True)
class Phrase:
    pattern: re.Pattern
    weight: float


@dataclass(frozen=True)
class OutcomeRule:
    name: str
    article: str
    phrases: tuple[Phrase, ...]
    unless: tuple[re.Pattern, ...]


@dataclass(frozen=True)
class Combination:
    when: tuple[str, ...]
    then: str
    weight: float


@dataclass(frozen=True)
class OutcomeRules:
    outcomes: tuple[OutcomeRule, ...]
    combinations: tuple[Combination, ...]
    priority: tuple[str, ...]
    minimum_score: float
    others_share: float


@dataclass(frozen=True)
class CheckRule:
    groups: tuple[tuple[re.Pattern, ...], ...]
    unless: tuple[re.Pattern, ...]
    whole_letter: bool


@dataclass(frozen=True)
class Check:
    name: str
    article: str
    rules: tuple[CheckRule, ...]


@dataclass(frozen=True)
class CheckRules:
    checks: tuple[Check, ...]
    quotes: tuple[re.Pattern, ...]


def _compile(patterns) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(pattern) for pattern in patterns)


def _load(name: str) -> dict:
    with open(RULES_DIR / name, "rb") as handle:
        return tomllib.load(handle)


@cache
def outcome_rules() -> OutcomeRules:
    data = _load("outcomes.toml")
    outcomes = tuple(
        OutcomeRule(name=item["name"], article=item["article"],
                    phrases=tuple(Phrase(re.compile(p["pattern"]), float(p["weight"])) for p in item["phrases"]),
                    unless=_compile(item.get("unless", ())))
        for item in data["outcome"])
    combinations = tuple(Combination(tuple(c["when"]), c["then"], float(c["weight"]))
                         for c in data.get("combination", ()))
    return OutcomeRules(outcomes, combinations, tuple(data["priority"]), float(data["minimum_score"]),
                        float(data["others_share"]))


@cache
def check_rules() -> CheckRules:
    data = _load("checks.toml")
    checks = tuple(
        Check(name=item["name"], article=item["article"],
              rules=tuple(CheckRule(groups=tuple(_compile(group) for group in rule["all_of"]),
                                    unless=_compile(rule.get("unless", ())),
                                    whole_letter=rule.get("scope") == "letter")
                          for rule in item["rule"]))
        for item in data["check"])
    return CheckRules(checks, _compile(data["quotes"]["patterns"]))
