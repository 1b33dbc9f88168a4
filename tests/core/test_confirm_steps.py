"""Every form that deletes, voids or revokes asks first (static/confirm.js reads data-confirm): issue 18,
"No confirmation before deleting a call or reply or voiding a request". The browser side of the step is
tested in tests/browser/test_phone_field.py (a dismissed question deletes nothing)."""
from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
DESTRUCTIVE = re.compile(r"url_for\('[\w.]*(delete|void|revoke)[\w.]*'")


def destructive_forms() -> list[tuple[str, str]]:
    found = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        for tag in re.findall(r"<form\b[^>]*>", template.read_text(encoding="utf-8"), re.DOTALL):
            if DESTRUCTIVE.search(tag):
                found.append((str(template.relative_to(TEMPLATES)), tag))
    return found


def test_the_request_page_deletes_and_voids_are_found():
    names = {DESTRUCTIVE.search(tag).group(0) for _, tag in destructive_forms()}
    for endpoint in ("attempt_delete", "event_delete", "reply_delete", "document_delete", "request_void"):
        assert any(endpoint in name for name in names), endpoint


def test_every_delete_void_or_revoke_form_asks_first():
    unasked = [(name, tag[:120]) for name, tag in destructive_forms() if "data-confirm=" not in tag]
    assert unasked == []
