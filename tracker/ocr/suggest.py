"""From a reply letter's text to the suggestions of DESIGN.md §10.5 (pure: no Flask, no SQLAlchemy).

Every suggestion carries the words it rests on. The outcome is the one of the decisive sentence —
the sentence with the highest weighted score — plus a small share of every other mention, so a
courtesy phrase before the answer never decides it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from . import letterhead
from .rules import CheckRules, OutcomeRules, check_rules, outcome_rules
from .text import Normalised, Sentence, normalise, sentences

CHECKS = ("told_route", "provided_or_route_and_time", "reasons_given", "special_law_referral", "remedy_notice",
          "fee_charged")
QUOTE_WEIGHT = 0.5  # a sentence quoting the request ("您于…提出的…申请") may still hold the answer, but weakly
SYNONYM_SHARE = 0.5  # each further phrase of the same outcome in one sentence counts half
STRONG = 3.0        # a sentence this sure of an outcome counts for a letter-wide combination


@dataclass
class Suggestions:
    text: str
    outcome: str | None = None
    checks: dict[str, bool | None] = field(default_factory=lambda: dict.fromkeys(CHECKS))
    letter_date: date | None = None
    doc_number: str | None = None
    sealed: bool | None = None
    evidence: dict[str, str] = field(default_factory=dict)
    fee_amount: str | None = None

    def as_json(self) -> dict:
        """The contract of `tracker ocr suggest --format json`."""
        return {"text": self.text, "outcome": self.outcome, "checks": dict(self.checks),
                "letter_date": self.letter_date.isoformat() if self.letter_date else None,
                "doc_number": self.doc_number, "sealed": self.sealed, "evidence": dict(self.evidence)}


def suggest(text: str, seal: tuple[bool | None, str] = (None, "")) -> Suggestions:
    """Suggestions for `text`; `seal` is what the image said about a red seal (found, evidence)."""
    result = Suggestions(text=text)
    result.sealed = seal[0]
    if seal[1]:
        result.evidence["sealed"] = seal[1]
    norm = normalise(text)
    if not norm.text:
        return result
    parts = sentences(norm)
    quoting = [_quotes_request(s, check_rules()) for s in parts]
    outcome, decisive = decide_outcome(parts, quoting, outcome_rules())
    if outcome:
        result.outcome = outcome
        result.evidence["outcome"] = norm.span(decisive.start, decisive.end)
    for name, evidence in content_checks(norm, parts, quoting, check_rules()).items():
        result.checks[name] = evidence is not None
        if evidence:
            result.evidence[name] = evidence
    if result.checks.get("fee_charged"):
        result.fee_amount = letterhead.fee_amount(normalise(result.evidence["fee_charged"]).text)
    found_date = letterhead.letter_date(text)
    if found_date:
        result.letter_date, result.evidence["letter_date"] = found_date
    found_number = letterhead.doc_number(text)
    if found_number:
        result.doc_number, result.evidence["doc_number"] = found_number
    return result


def _quotes_request(sentence: Sentence, rules: CheckRules) -> bool:
    return any(pattern.search(sentence.text) for pattern in rules.quotes)


# ---------------------------------------------------------------------------- outcome

def sentence_scores(sentence: str, rules: OutcomeRules) -> tuple[dict[str, float], dict[str, float]]:
    """(scores after the `unless` negations, raw scores) of one sentence, per outcome."""
    kept, raw = {}, {}
    for rule in rules.outcomes:
        weights = sorted((phrase.weight for phrase in rule.phrases if phrase.pattern.search(sentence)), reverse=True)
        score = weights[0] + SYNONYM_SHARE * sum(weights[1:]) if weights else 0.0
        if score:
            raw[rule.name] = score
            if not any(pattern.search(sentence) for pattern in rule.unless):
                kept[rule.name] = score
    for combination in rules.combinations:
        if all(raw.get(name) for name in combination.when):
            kept[combination.then] = kept.get(combination.then, 0.0) + combination.weight
    return kept, raw


def decide_outcome(parts: list[Sentence], quoting: list[bool],
                   rules: OutcomeRules) -> tuple[str | None, Sentence | None]:
    best: dict[str, tuple[float, Sentence]] = {}
    totals: dict[str, float] = {}
    for sentence, quotes in zip(parts, quoting):
        kept, _raw = sentence_scores(sentence.text, rules)
        for name, score in kept.items():
            score *= QUOTE_WEIGHT if quotes else 1.0
            totals[name] = totals.get(name, 0.0) + score
            if score > best.get(name, (0.0, None))[0]:
                best[name] = (score, sentence)
    final = {name: peak + rules.others_share * (totals[name] - peak) for name, (peak, _s) in best.items()}
    _letter_combinations(final, best, rules)
    if not final:
        return None, None
    order = {name: index for index, name in enumerate(rules.priority)}
    name = max(final, key=lambda n: (round(final[n], 6), -order.get(n, len(order))))
    if final[name] < rules.minimum_score:
        return None, None
    return name, best[name][1]


def _letter_combinations(final: dict[str, float], best: dict[str, tuple[float, Sentence]],
                         rules: OutcomeRules) -> None:
    """A letter that grants in one sentence and refuses in another is a partial disclosure."""
    for combination in rules.combinations:
        peaks = [best[name] for name in combination.when if name in best and best[name][0] >= STRONG]
        if len(peaks) == len(combination.when):
            score, sentence = max(peaks, key=lambda item: item[0])
            if final.get(combination.then, 0.0) < score + 1:
                final[combination.then] = score + 1
                best[combination.then] = (score + 1, sentence)


# ---------------------------------------------------------------------------- content checks

def content_checks(norm: Normalised, parts: list[Sentence], quoting: list[bool],
                   rules: CheckRules) -> dict[str, str | None]:
    """Each check → the original words it rests on, or None when the letter does not carry it."""
    usable = [s for s, quotes in zip(parts, quoting) if not quotes]
    found: dict[str, str | None] = {}
    for check in rules.checks:
        found[check.name] = None
        for rule in check.rules:
            hits = _letter_hits(rule, usable) if rule.whole_letter else _sentence_hit(rule, usable)
            if hits:
                found[check.name] = "……".join(norm.span(s.start, s.end) for s in hits)
                break
    return found


def _sentence_hit(rule, usable: list[Sentence]) -> list[Sentence]:
    for sentence in usable:
        if any(p.search(sentence.text) for p in rule.unless):
            continue
        if all(any(p.search(sentence.text) for p in group) for group in rule.groups):
            return [sentence]
    return []


def _letter_hits(rule, usable: list[Sentence]) -> list[Sentence]:
    hits: list[Sentence] = []
    for group in rule.groups:
        match = next((s for s in usable if any(p.search(s.text) for p in group)
                      and not any(p.search(s.text) for p in rule.unless)), None)
        if match is None:
            return []
        if match not in hits:
            hits.append(match)
    return sorted(hits, key=lambda s: s.start)
