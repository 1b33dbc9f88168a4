"""`tracker export` is streamed (DESIGN.md §10.6): the same text as the whole document dumped at once."""
from __future__ import annotations

import json

from click.testing import CliRunner

from tracker.bundles import exporter
from tracker.cli import main


def test_streamed_export_is_the_document_dumped_at_once(app, ctx, tmp_path, monkeypatch):
    from tracker.bundles.importer import import_bundle
    from tracker.extensions import db
    from tracker.campaigns.models import Campaign
    from tracker.core.clock import today as beijing_today
    from benchmarks.generate import generate

    today = beijing_today()
    import_bundle(None, generate(3, anchor=today))
    db.session.commit()
    campaign = db.session.query(Campaign).one()
    # Windows of 7 requests: the key order must hold across windows, not only inside one.
    monkeypatch.setattr(exporter, "WINDOW", 7)
    whole = json.dumps(exporter.export_bundle(campaign, today), ensure_ascii=False, indent=2)
    assert "".join(exporter.stream_bundle(campaign, today)) == whole
    keys = [r["key"] for r in json.loads(whole)["requests"]]
    assert keys == sorted(keys) and len(keys) == 120
    name = campaign.name
    db.session.rollback()  # end this session's write transaction: the command opens its own
    out = tmp_path / "export.json"
    result = CliRunner().invoke(main, ["export", "--campaign", name, "--today", today.isoformat(),
                                       "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == whole + "\n"
    printed = CliRunner().invoke(main, ["export", "--campaign", name, "--today", today.isoformat()])
    assert printed.output == whole + "\n"
