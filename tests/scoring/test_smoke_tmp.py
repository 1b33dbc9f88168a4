from tests.scoring.helpers import make_campaign, sheet_url


def test_page(app, login):
    cid, (tid,) = make_campaign(app)
    ev = login("evaluator")
    r = ev.get(sheet_url(cid, tid))
    assert r.status_code == 200, r.get_data(as_text=True)[:3000]
    open("/tmp/sheet.html", "w").write(r.get_data(as_text=True))
