"""The forms of a rendered page, read the way a browser reads them (standard library only).

Used by the load test (fill and post the real forms) and by the robustness tests (fuzz every field
a form has). `forms(html)` → a list of `Form` with action, method, enctype and fields in order.
"""
from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    name: str
    tag: str  # input | select | textarea | button
    type: str = "text"  # the input's type (or "select" / "textarea" / "submit")
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)  # a select's option values
    selected: str | None = None
    disabled: bool = False


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    fields: list[Field] = field(default_factory=list)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def names(self) -> list[str]:
        return list(dict.fromkeys(f.name for f in self.fields))

    def defaults(self) -> dict[str, str]:
        """What a browser submits untouched: hidden and text values, selected options, checked boxes
        (submit buttons are left out: a test chooses one)."""
        data: dict[str, str] = {}
        for item in self.fields:
            if item.disabled or item.tag == "button" or item.type in ("submit", "button", "reset", "image", "file"):
                continue
            if item.type in ("checkbox", "radio"):
                if item.checked:
                    data[item.name] = item.value or "on"
                continue
            if item.tag == "select":
                chosen = item.selected if item.selected is not None else (item.options[0] if item.options else "")
                data[item.name] = chosen
                continue
            data.setdefault(item.name, item.value)
        return data


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None
        self._option_value: str | None = None
        self._option_text: list[str] = []
        self._option_selected = False
        self._fieldset_disabled = 0

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower(),
                              enctype=a.get("enctype", "application/x-www-form-urlencoded"))
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        disabled = "disabled" in a or self._fieldset_disabled > 0
        if tag == "fieldset":
            if "disabled" in a or self._fieldset_disabled:
                self._fieldset_disabled += 1
        elif tag == "input" and a.get("name"):
            self._form.fields.append(Field(a["name"], "input", a.get("type", "text").lower(), a.get("value", ""),
                                           "checked" in a, disabled=disabled))
        elif tag == "button" and a.get("name"):
            self._form.fields.append(Field(a["name"], "button", a.get("type", "submit").lower(), a.get("value", ""),
                                           disabled=disabled))
        elif tag == "select" and a.get("name"):
            self._select = Field(a["name"], "select", "select", disabled=disabled)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option_value = a.get("value")
            self._option_text = []
            self._option_selected = "selected" in a
        elif tag == "textarea" and a.get("name"):
            self._textarea = Field(a["name"], "textarea", "textarea", disabled=disabled)
            self._form.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        if self._option_value is None and self._select is not None:
            self._option_text.append(data)

    def _close_option(self):
        if self._select is None:
            return
        value = self._option_value if self._option_value is not None else "".join(self._option_text).strip()
        self._select.options.append(value)
        if self._option_selected:
            self._select.selected = value
        self._option_value, self._option_text, self._option_selected = None, [], False

    def handle_endtag(self, tag):
        if tag == "option":
            self._close_option()
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # A textarea's first newline is not part of its value.
            self._textarea.value = self._textarea.value.removeprefix("\n")
            self._textarea = None
        elif tag == "fieldset" and self._fieldset_disabled:
            self._fieldset_disabled -= 1
        elif tag == "form":
            self._form = None


def forms(page: str) -> list[Form]:
    parser = _Parser()
    parser.feed(page)
    parser.close()
    return parser.forms


def form_posting_to(page: str, pattern: str) -> Form:
    """The first POST form whose action matches the regular expression `pattern` (an empty action
    matches "" — a form that posts back to its own page)."""
    for form in forms(page):
        if form.method == "post" and re.search(pattern, form.action):
            return form
    raise LookupError(f"no POST form with an action matching {pattern!r}")


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if not match:
        raise LookupError("no CSRF token in the page")
    return html_lib.unescape(match.group(1))
