"""A finished campaign is closed (issue 18): read-only for everyone, out of the dashboards, still in
the reports; reopening is an admin's audited act."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.foundation.test_team_boundary import ONLINE, _login, _state, two_teams  # noqa: F401


def _close(app, campaign_id: int, action: str = "close"):
    admin = _login(app, "admin")
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db

    with app.app_context():
        version = db.session.get(Campaign, campaign_id).version
    return admin.post(f"/campaigns/{campaign_id}/close", data={"action": action, "version": str(version)})


def test_a_closed_campaign_is_read_only_and_leaves_the_dashboard(app, two_teams):  # noqa: F811
    a = two_teams["A"]
    member = _login(app, "evalA")
    assert _close(app, a["campaign"]).status_code == 302
    before = _state(app, a["request"])
    refused = member.post(f"/requests/{a['request']}/void", data={"reason": "归档后"})
    assert refused.status_code == 409 and "归档" in refused.get_data(as_text=True)
    facts = member.post(f"/campaigns/{a['campaign']}/targets/{a['target']}/sheet/indicators/2",
                        data={"item-0": "1", "item-1": "1", "version": "0"})
    assert facts.status_code == 409
    assert _state(app, a["request"]) == before
    page = member.get(f"/requests/{a['request']}").get_data(as_text=True)
    assert "作废</button>" not in page  # no edit controls on a closed campaign's pages
    home = member.get("/").get_data(as_text=True)
    assert "考评A" not in home
    assert member.get(f"/campaigns/{a['campaign']}/report").status_code == 200
    with app.app_context():
        from tracker.bundles.exporter import export_bundle
        from tracker.bundles.importer import BundleError, import_bundle
        from tracker.campaigns.models import Campaign
        from tracker.core.clock import today
        from tracker.extensions import db

        bundle = export_bundle(db.session.get(Campaign, a["campaign"]), today())
        with pytest.raises(BundleError) as closed:
            import_bundle(None, bundle)
        assert "归档" in str(closed.value)
        db.session.rollback()


def test_reopening_restores_editing_and_is_audited(app, two_teams):  # noqa: F811
    from tracker.core.audit import AuditEntry
    from tracker.extensions import db

    a = two_teams["A"]
    _close(app, a["campaign"])
    assert _close(app, a["campaign"], "reopen").status_code == 302
    member = _login(app, "evalA")
    assert member.post(f"/requests/{a['request']}/void", data={"reason": "重复"}).status_code == 302
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "campaign")))
    assert "close" in actions and "reopen" in actions


def test_only_admins_close(app, two_teams):  # noqa: F811
    a = two_teams["A"]
    member = _login(app, "evalA")
    assert member.post(f"/campaigns/{a['campaign']}/close", data={"action": "close"}).status_code == 403
