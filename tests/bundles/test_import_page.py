"""Bundles are imported from the browser too (issue 18): all or nothing, every problem listed."""
from __future__ import annotations

import io
import json
from pathlib import Path

from sqlalchemy import func, select

SMALL = Path(__file__).parent.parent / "data" / "bundle_small.json"


def _upload(browser, content: bytes):
    return browser.post("/admin/import", content_type="multipart/form-data",
                        data={"file": (io.BytesIO(content), "bundle.json")})


def _campaigns(app) -> int:
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Campaign))


def test_an_admin_imports_a_bundle(app, login):
    admin = login("admin")
    assert "导入数据包" in admin.get("/admin/import").get_data(as_text=True)
    response = _upload(admin, SMALL.read_bytes())
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert _campaigns(app) == 1


def test_a_bad_bundle_lists_its_problems_and_imports_nothing(app, login):
    data = json.loads(SMALL.read_text(encoding="utf-8"))
    data["requests"][0]["channel"] = "pigeon"
    response = _upload(login("admin"), json.dumps(data, ensure_ascii=False).encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "未导入任何内容" in page and "$.requests[0].channel" in page
    broken = _upload(login("admin"), b"{not json")
    assert broken.status_code == 400 and "file：" in broken.get_data(as_text=True)
    assert _campaigns(app) == 0


def test_only_admins_import(login):
    assert _upload(login("evaluator"), SMALL.read_bytes()).status_code == 403
