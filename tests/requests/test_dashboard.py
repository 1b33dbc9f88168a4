"""The 今日工作 phone list: tests still open, cut at the list limit, counted in full per target."""
from __future__ import annotations

import re

from .test_views import frozen_now, make_request, phone_request, setup  # noqa: F401 — fixtures


def per_target_phone_counts(page: str) -> dict[str, str]:
    table = re.search(r'<table[^>]*id="per-target".*?</table>', page, re.S).group(0)
    rows = re.findall(r"<tr><td>(\S+) <small.*?</small></td><td>(\d*)</td>", table, re.S)
    return dict(rows)


def test_phone_list_is_cut_at_the_limit_and_counted_in_full(app, login, setup, frozen_now, monkeypatch):
    from tracker.main import dashboard

    monkeypatch.setattr(dashboard, "LIST_LIMIT", 3)
    waiting = [phone_request(app, setup) for _ in range(4)]  # 凉州区: no call yet
    minqin = {"target": "minqin", "channel": "phone", "purpose": "18", "phone": {"question": "预算公开在哪里？"}}
    over, sunday_only = make_request(app, setup, **minqin), make_request(app, setup, **minqin)
    evaluator = login("evaluator")
    # Yesterday (a working day) in office hours: that test day is over. On a Sunday: not yet begun.
    for request_id, at in ((over, "2020-09-01T10:00"), (sunday_only, "2020-08-30T10:00")):
        response = evaluator.post(f"/requests/{request_id}/attempts", data={"at": at, "connected": "false"})
        assert response.status_code == 302

    page = login("admin").get("/?scope=all").get_data(as_text=True)
    phone_list = re.search(r'id="phone-tests".*?</ul>', page, re.S).group(0)
    shown = [int(ident) for ident in re.findall(r'href="/requests/(\d+)"', phone_list)]
    assert shown == sorted(waiting + [sunday_only])[:3]
    assert over not in shown
    assert per_target_phone_counts(page) == {"凉州区": "4", "民勤县": "1"}
