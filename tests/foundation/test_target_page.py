"""The team reads a county's particulars on a read-only page (issue 18: the postal address and
website were behind an admin-only edit form)."""
from __future__ import annotations

from tests.foundation.test_team_boundary import _login, two_teams  # noqa: F401  (fixture)


def test_the_team_reads_the_county_page(app, two_teams):  # noqa: F811
    from tracker.campaigns.models import Target
    from tracker.extensions import db

    a = two_teams["A"]
    with app.app_context():
        target = db.session.get(Target, a["target"])
        target.address, target.website, target.guide_phone = "武威市凉州区某路1号", "https://a.example.org", "0935-0000001"
        db.session.commit()
    url = f"/campaigns/{a['campaign']}/targets/{a['target']}"
    page = _login(app, "evalA").get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "武威市凉州区某路1号" in html and "https://a.example.org" in html and 'href="tel:0935-0000001"' in html
    assert "编辑</a>" not in html
    assert _login(app, "evalB").get(url).status_code == 404


def test_favicon_ico_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    response.close()


def test_a_county_not_yet_started_has_one_status_name_everywhere(app, two_teams):  # noqa: F811
    """A county with no sheet yet read 尚未填报 on the sheet list and 填报中 in the reports (issue 18)."""
    from tracker.campaigns import operations as campaigns
    from tracker.campaigns.models import Campaign
    from tracker.extensions import db

    a = two_teams["A"]
    with app.app_context():
        fresh = campaigns.create_target(None, db.session.get(Campaign, a["campaign"]), {"key": "new", "name": "新县"})
        db.session.commit()
        fresh_id = fresh.id
    member = _login(app, "evalA")
    rows = [page.split("新县", 1)[1].split("</tr>", 1)[0] for page in (
        member.get(f"/campaigns/{a['campaign']}/sheets").get_data(as_text=True),
        member.get(f"/campaigns/{a['campaign']}/report").get_data(as_text=True))]
    sheet = member.get(f"/campaigns/{a['campaign']}/targets/{fresh_id}/sheet").get_data(as_text=True)
    assert all("填报中" in text and "尚未填报" not in text for text in [*rows, sheet])
