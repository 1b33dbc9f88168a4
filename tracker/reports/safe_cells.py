"""Spreadsheet formula neutralisation for every text cell an export writes (DESIGN.md §8).

Excel, LibreOffice and WPS run a cell as a formula (or DDE command) when its text starts with
= + - @, and some also after a leading tab, CR or LF. Prefixing a single quote keeps the text
readable and makes it plain text in every one of them (OWASP "CSV injection").
"""
from __future__ import annotations

import re

# XML 1.0 forbids these control characters; openpyxl refuses them and a CSV reader chokes.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
GUARD = "'"


def safe_text(value: object) -> str:
    """The text of ``value`` made safe to put in a spreadsheet or CSV cell ("" for None)."""
    if value is None:
        return ""
    text = _CONTROL.sub("", str(value))
    if text.startswith(FORMULA_TRIGGERS):
        return GUARD + text
    return text
