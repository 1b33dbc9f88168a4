"""Office hours as people type them (issue 18): variants accepted, overlaps refused, the bad part quoted."""
from __future__ import annotations

import pytest

from tracker.core.office_hours import OfficeHoursError, office_hours


@pytest.mark.parametrize("typed, parsed", [
    ("08:30-12:00, 14:30-18:00", [["08:30", "12:00"], ["14:30", "18:00"]]),
    ("9:00-12:00", [["09:00", "12:00"]]),
    ("09：00～12：00，14：30～18：00", [["09:00", "12:00"], ["14:30", "18:00"]]),
    ("8:30 - 12:00；14:30 — 18:00", [["08:30", "12:00"], ["14:30", "18:00"]]),
    ("14:30至18:00 8:30到12:00", [["08:30", "12:00"], ["14:30", "18:00"]]),
    ("8:30~12:00、14:30–17:30", [["08:30", "12:00"], ["14:30", "17:30"]]),
    ([["14:30", "18:00"], ["08:30", "12:00"]], [["08:30", "12:00"], ["14:30", "18:00"]]),
])
def test_variants_people_type_are_read(typed, parsed):
    assert office_hours(typed) == parsed


@pytest.mark.parametrize("typed, quoted", [
    ("08:30-12:00, 11:00-14:00", "“08:30-12:00”与“11:00-14:00”重叠"),
    ("9:0-12", "“9:0-12”无法识别"),
    ("08:30-12:00, 下午", "“下午”无法识别"),
    ("12:00-08:30", "“12:00-08:30”的开始须早于结束"),
    ("25:00-26:00", "“25:00-26:00”中的时间不存在"),
    ("", "请填写办公时间"),
])
def test_bad_hours_are_refused_quoting_the_part(typed, quoted):
    with pytest.raises(OfficeHoursError) as refused:
        office_hours(typed)
    assert quoted in str(refused.value)
