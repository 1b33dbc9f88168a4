"""How long the free text of a sheet's facts may be (issue 18: a 20 000-character override reason was
stored and printed on the county's report). Every path that saves facts — the sheet, the preview, the
API, the bundle and Excel imports — asks here, so a refusal reads the same wherever it happens."""
from __future__ import annotations

from collections.abc import Mapping

from ..core import parsing as p
from ..core.errors import ValidationError

# fact key → (its Chinese name, the most characters it may have)
TEXT_LIMITS = {"note": ("说明", 2000), "override.reason": ("人工调整原因", 500)}
NOTE_MAX = TEXT_LIMITS["note"][1]
REASON_MAX = TEXT_LIMITS["override.reason"][1]


def bounded_text(value, *, field: str) -> str:
    """A note or override reason, stripped; `field` is its error key ("12.override.reason")."""
    key = field.split(".", 1)[1] if field.split(".", 1)[0].isdigit() else field
    label, limit = TEXT_LIMITS[key]
    text = p.text(value, field=field, max_length=len(str(value or "")))  # refuses unstorable characters
    if len(text) > limit:
        raise ValidationError({field: f"{label}不能超过{limit}个字符（当前{len(text)}个）"})
    return text


def text_errors(indicator_id: int, facts: Mapping) -> dict[str, str]:
    """The length errors of a facts dict (texts of other types are validate_facts' business)."""
    override = facts.get("override")
    texts = {"note": facts.get("note"),
             "override.reason": override.get("reason") if isinstance(override, Mapping) else None}
    errors: dict[str, str] = {}
    for key, value in texts.items():
        if isinstance(value, str):
            try:
                bounded_text(value, field=f"{indicator_id}.{key}")
            except ValidationError as error:
                errors.update(error.errors)
    return errors
