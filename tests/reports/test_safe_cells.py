import pytest

from tracker.reports.safe_cells import safe_text


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+2", "'=1+2"),
    ("+SUM(A1)", "'+SUM(A1)"),
    ("-2+3", "'-2+3"),
    ("@SUM(1)", "'@SUM(1)"),
    ("\t=cmd", "'\t=cmd"),
    ("\r=cmd", "'\r=cmd"),
    ("凉州区", "凉州区"),
    ("a=b", "a=b"),
    ("", ""),
    (None, ""),
    (12, "12"),
    ("\x01=cmd", "'=cmd"),  # a control character cannot hide a formula, and is dropped
])
def test_safe_text(value, expected):
    assert safe_text(value) == expected
