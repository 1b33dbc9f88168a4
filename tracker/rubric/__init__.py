"""The rubric engine (pure): rubric data, validation, rule kinds and score sheets."""
from ..core.problems import Problem
from .loader import (
    RubricError,
    builtin_codes,
    load_rubric,
    load_rubric_file,
    parse_rubric,
    read_rubric_mapping,
    rubric_to_contract,
    validate_rubric_file,
)
from .model import KINDS, Indicator, Item, Level1Group, Level2Group, Rubric
from .rules import (
    DerivedScore,
    FactError,
    FactsError,
    IndicatorScore,
    score_indicator,
    validate_facts,
)
from .sheet import SheetScore, score_sheet
from .validate import ValidationReport, validate_rubric

__all__ = [
    "KINDS",
    "DerivedScore",
    "FactError",
    "FactsError",
    "Indicator",
    "IndicatorScore",
    "Item",
    "Level1Group",
    "Level2Group",
    "Problem",
    "Rubric",
    "RubricError",
    "SheetScore",
    "ValidationReport",
    "builtin_codes",
    "load_rubric",
    "load_rubric_file",
    "parse_rubric",
    "read_rubric_mapping",
    "rubric_to_contract",
    "score_indicator",
    "score_sheet",
    "validate_facts",
    "validate_rubric",
    "validate_rubric_file",
]
