"""A hypothesis state machine over the real pages: create requests, edit them, edit them again from a
stale page (a conflict), save score facts (also from a stale page), and round-trip the campaign
through export → import. After every step the database must equal an in-memory model of what the
server acknowledged: nothing lost, nothing silently altered, no conflict that overwrote anything."""
from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from tests.conftest import Browserless, join_everyone, reset_database
from tests.load.htmlforms import form_posting_to

CAMPAIGN = "状态机考评（2020）"
COPY = "状态机考评（2020）·导入副本"
# The kinds of request the machine creates (channel, purpose, the channel field it edits).
KINDS = [("online", "21", "online.confirmation_number"), ("mail", "19.2", "letter.addressee"),
         ("oral", "17", "oral.place"), ("phone", "18", "phone.question")]
# Checklist indicators and their sub-items' maxima (Wuwei 2020).
CHECKLISTS = {2: [1, 1], 4: [1, 1, 1, 1], 13: [1, 1], 27: [1, 0.5, 0.5]}
# Text a person might type: Chinese, Latin, digits, punctuation, emoji (no control characters).
TEXT = st.text(st.sampled_from(list("凉州区政府信息公开申请答复ABCxyz0189 -_.，。！？“”<>&'\"🙂✅𠀀")), max_size=40)


def item_choices(maximum: float) -> list[str]:
    steps = int(maximum * 2)
    return [("%g" % (n / 2)) for n in range(steps + 1)]


def stored_item(text: str, maximum: float):
    value = float(text)
    return True if value == maximum else False if value == 0 else (int(value) if value.is_integer() else value)


class Tracker(RuleBasedStateMachine):
    app = None  # set by the test
    password_hash = None

    def __init__(self):
        super().__init__()
        from tracker.campaigns import operations as campaign_ops
        from tracker.extensions import db
        from tracker.users.models import User

        app = self.app
        with app.app_context():
            db.session.remove()
            reset_database(db)
            db.session.add(User(username="evaluator", name="张填报", role="evaluator", email="e@example.org",
                                password_hash=self.password_hash))
            db.session.add(User(username="admin", name="管理员", role="admin", email="a@example.org",
                                password_hash=self.password_hash))
            campaign = campaign_ops.create_campaign(None, {"name": CAMPAIGN, "year": 2020,
                                                           "rubric_code": "wuwei-2020-county"})
            join_everyone(campaign)
            # Joins no team: whatever the machine does, this user sees and changes nothing of it.
            db.session.add(User(username="outsider", name="外组成员", role="evaluator", email="o@example.org",
                                password_hash=self.password_hash))
            target = campaign_ops.create_target(None, campaign, {"key": "lz", "name": "凉州区",
                                                                 "apply_url": "https://lz.example.org/apply"})
            db.session.commit()
            self.campaign, self.target = campaign.id, target.id
        self.browser = Browserless(app.test_client())
        assert self.browser.login("evaluator").status_code == 302
        self.outsider = Browserless(app.test_client())
        assert self.outsider.login("outsider").status_code == 302
        self.requests: dict[str, dict] = {}  # key → {"id", "subject", "notes", "field", "value", "version"}
        self.facts: dict[int, dict] = {}  # indicator → stored facts
        self.versions: dict[int, int] = {}  # indicator → facts row version
        self.counter = 0
        self.conflicts = 0
        self.signed: dict | None = None  # while the sheet is signed: its code and the report as signed

    # ---------------------------------------------------------------- rules

    @precondition(lambda self: not self.signed)  # signed: locked_changes_are_refused instead
    @rule(kind=st.sampled_from(KINDS), subject=TEXT, notes=TEXT)
    def create_request(self, kind, subject, notes):
        channel, purpose, field = kind
        self.counter += 1
        key = f"SM-{self.counter}"
        url = f"/campaigns/{self.campaign}/requests/new"
        page = self.browser.get(f"{url}?target={self.target}&channel={channel}&purpose={purpose}")
        data = form_posting_to(page.get_data(as_text=True), r"^$|/requests/new").defaults()
        data.update({"key": key, "subject": subject, "notes": notes, "submitted_at": "2020-09-01T10:00"})
        response = self.browser.post(url, data)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        request_id = int(response.headers["Location"].rsplit("/", 1)[-1])
        version = int(self._edit_form(request_id)["version"])  # the server's starting version
        self.requests[key] = {"id": request_id, "subject": subject.strip(), "notes": notes.strip(),
                              "field": field, "value": data.get(field, "").strip(), "version": version}

    @precondition(lambda self: not self.signed)  # signed: locked_changes_are_refused instead
    @precondition(lambda self: self.requests)
    @rule(data=st.data(), subject=TEXT, value=TEXT)
    def edit_request(self, data, subject, value):
        key = data.draw(st.sampled_from(sorted(self.requests)))
        model = self.requests[key]
        form = self._edit_form(model["id"])
        assert form["version"] == str(model["version"])
        form.update({"subject": subject, model["field"]: value})
        response = self.browser.post(f"/requests/{model['id']}/edit", form)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        changed = (subject.strip(), value.strip()) != (model["subject"], model["value"])
        # A save that changes nothing writes nothing: the version moves only with a change.
        model.update(subject=subject.strip(), value=value.strip(), version=model["version"] + changed)

    @precondition(lambda self: not self.signed)  # signed: locked_changes_are_refused instead
    @precondition(lambda self: self.requests)
    @rule(data=st.data(), subject=TEXT)
    def stale_edit_is_a_conflict(self, data, subject):
        """Open the edit page, let someone else save first, then post the stale page: 409, nothing changes."""
        key = data.draw(st.sampled_from(sorted(self.requests)))
        model = self.requests[key]
        stale = self._edit_form(model["id"])
        self.edit_request_directly(model)
        stale.update({"subject": subject + "（过时的页面）"})
        response = self.browser.post(f"/requests/{model['id']}/edit", stale)
        assert response.status_code == 409, response.status_code
        assert "已被他人修改" in response.get_data(as_text=True)
        self.conflicts += 1

    def edit_request_directly(self, model):
        other = Browserless(self.app.test_client())
        assert other.login("admin").status_code == 302
        form = form_posting_to(other.get(f"/requests/{model['id']}/edit").get_data(as_text=True), r"^$|/edit$").defaults()
        self.counter += 1
        form["notes"] = f"管理员修改 {self.counter}"  # always a change, so the stale page really is stale
        assert other.post(f"/requests/{model['id']}/edit", form).status_code == 302
        model.update(notes=form["notes"], version=model["version"] + 1)

    @precondition(lambda self: not self.signed)  # signed: locked_changes_are_refused instead
    @rule(indicator=st.sampled_from(sorted(CHECKLISTS)), data=st.data(), note=TEXT)
    def save_facts(self, indicator, data, note):
        maxima = CHECKLISTS[indicator]
        action, form = self._facts_form(indicator)
        assert form["version"] == str(self.versions.get(indicator, 0))
        choices = [data.draw(st.sampled_from(item_choices(m))) for m in maxima]
        form.update({f"item-{i}": c for i, c in enumerate(choices)} | {"note": note})
        response = self.browser.post(action, form)
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        facts = {"items": [stored_item(c, m) for c, m in zip(choices, maxima)]}
        if note.strip():
            facts["note"] = note.strip()
        if facts != self.facts.get(indicator):
            self.versions[indicator] = self.versions.get(indicator, 0) + 1
        self.facts[indicator] = facts

    @precondition(lambda self: not self.signed)  # signed: locked_changes_are_refused instead
    @precondition(lambda self: self.facts)
    @rule(data=st.data())
    def stale_facts_save_is_a_conflict(self, data):
        indicator = data.draw(st.sampled_from(sorted(self.facts)))
        action, form = self._facts_form(indicator)
        form["version"] = str(self.versions[indicator] - 1)
        form["note"] = "过时页面上的说明"
        response = self.browser.post(action, form)
        assert response.status_code == 409
        self.conflicts += 1

    @precondition(lambda self: not self.signed)  # signed: locked_changes_are_refused instead
    @precondition(lambda self: self.requests or self.facts)
    @rule()
    def export_import_round_trip(self):
        """Export the campaign, import the bundle as a copy and back onto itself: nothing may change."""
        from tracker.bundles.exporter import export_bundle
        from tracker.bundles.importer import import_bundle
        from tracker.campaigns.models import Campaign
        from tracker.extensions import db

        with self.app.app_context():
            campaign = db.session.get(Campaign, self.campaign)
            bundle = export_bundle(campaign, campaign_today())
            copy_bundle = copy.deepcopy(bundle)
            copy_bundle["campaign"]["name"] = COPY
            import_bundle(None, copy_bundle)
            import_bundle(None, copy.deepcopy(bundle))  # merge onto itself: a no-op
            db.session.commit()
            copied = db.session.scalar(select(Campaign).where(Campaign.name == COPY))
            again = export_bundle(copied, campaign_today())
            original = export_bundle(db.session.get(Campaign, self.campaign), campaign_today())
            db.session.remove()
        assert strip(again) == strip(bundle) == strip(original)
        self._check_campaign(COPY, versions=False)
        with self.app.app_context():  # the copy is gone before the next step: its keys would clash
            from tracker.extensions import db as _db

            _db.session.delete(_db.session.scalar(select(Campaign).where(Campaign.name == COPY)))
            _db.session.commit()

    @precondition(lambda self: self.requests)
    @rule(data=st.data(), subject=TEXT)
    def outsider_tries_to_edit(self, data, subject):
        """A user outside the team posts an edit with a valid form: 404, and the model (unchanged) must hold."""
        key = data.draw(st.sampled_from(sorted(self.requests)))
        model = self.requests[key]
        form = self._edit_form(model["id"]) | {"subject": subject + "（外组）"}
        form["csrf_token"] = self.outsider.token
        assert self.outsider.post(f"/requests/{model['id']}/edit", form).status_code == 404
        sheet = f"/campaigns/{self.campaign}/targets/{self.target}/sheet/indicators/2"
        assert self.outsider.post(sheet, {"item-0": "1", "item-1": "1", "version": "0"}).status_code == 404

    @precondition(lambda self: not self.signed and self.requests)  # a sheet that rests on requests too
    @rule()
    def submit_and_sign(self):
        """Close the open indicators, submit as the evaluator, sign as the admin (who filled nothing)."""
        from tests.scoring.helpers import sign

        self._close_open_indicators()
        sheet = f"/campaigns/{self.campaign}/targets/{self.target}/sheet"
        assert self.browser.post(f"{sheet}/submit").status_code == 302
        signer = Browserless(self.app.test_client())
        assert signer.login("admin").status_code == 302
        response, code = sign(signer, self.campaign, self.target)
        assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
        self.signed = {"code": code, "report": self._report(), "print": self._print_figures()}

    @precondition(lambda self: self.signed)
    @rule(data=st.data(), subject=TEXT)
    def locked_changes_are_refused(self, data, subject):
        """While signed, the evaluator's edits of facts and of the county's requests are refused (409)."""
        indicator = data.draw(st.sampled_from(sorted(CHECKLISTS)))
        action, form = self._facts_form(indicator)
        assert self.browser.post(action, form | {"note": subject + "（锁定后）"}).status_code == 409
        if self.requests:
            model = self.requests[data.draw(st.sampled_from(sorted(self.requests)))]
            form = self._edit_form(model["id"]) | {"subject": subject + "（锁定后）"}
            assert self.browser.post(f"/requests/{model['id']}/edit", form).status_code == 409

    @precondition(lambda self: self.signed)
    @rule(reason=TEXT.filter(lambda text: text.strip()))
    def unlock(self, reason):
        admin = Browserless(self.app.test_client())
        assert admin.login("admin").status_code == 302
        response = admin.post(f"/campaigns/{self.campaign}/targets/{self.target}/sheet/unlock", {"reason": reason})
        assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
        self.signed = None

    def _close_open_indicators(self):
        """The checklists the machine edits get all items 0 (as its form would save them); others an override."""
        from tracker.campaigns.models import Campaign, Target
        from tracker.extensions import db
        from tracker.scoring import operations as ops
        from tracker.scoring.service import target_scores
        from tracker.users.models import User

        with self.app.app_context():
            db.session.remove()
            campaign, target = db.session.get(Campaign, self.campaign), db.session.get(Target, self.target)
            evaluator = db.session.scalar(select(User).where(User.username == "evaluator"))
            scores = target_scores(campaign, target, campaign_today())
            for ident in scores.score.pending:
                facts = ({"items": [False] * len(CHECKLISTS[ident])} if ident in CHECKLISTS
                         else {"override": {"points": 0, "reason": "状态机：已核实"}})
                version = scores.facts[ident].version if ident in scores.facts else 0
                ops.save_facts(evaluator, campaign, target, ident, facts, version=version)
                self.facts[ident] = (self.facts.get(ident) or {}) | facts
                self.versions[ident] = version + 1
            db.session.commit()
            db.session.remove()

    def _report(self) -> dict:
        from tracker.campaigns.models import Campaign
        from tracker.extensions import db
        from tracker.reports.json_report import report_json

        with self.app.app_context():
            db.session.remove()
            report = report_json(db.session.get(Campaign, self.campaign), campaign_today())
            db.session.remove()
        return report["targets"][0]

    def _print_figures(self) -> tuple:
        """What the print report shows of the signature: the total and the printed 核验码."""
        import re

        page = self.browser.get(f"/campaigns/{self.campaign}/targets/{self.target}/report?today="
                                f"{campaign_today().isoformat()}").get_data(as_text=True)
        total = re.search(r'class="total-score">([^<]+)<', page).group(1)
        code = re.search(r'class="verification-code">([^<]+)<', page).group(1)
        return total, code

    # ---------------------------------------------------------------- the model must hold

    @invariant()
    def a_signed_report_never_changes_until_unlocked(self):
        if self.signed:
            assert self._report() == self.signed["report"]
            assert self._print_figures() == self.signed["print"]
            code = self.signed["code"]
            assert self.signed["print"][1] == "-".join(code[i:i + 4] for i in (0, 4, 8)).upper()

    @invariant()
    def outsider_sees_nothing(self):
        pages = [f"/campaigns/{self.campaign}", f"/campaigns/{self.campaign}/requests",
                 f"/campaigns/{self.campaign}/targets/{self.target}/sheet", f"/campaigns/{self.campaign}/report"]
        pages += [f"/requests/{model['id']}" for model in self.requests.values()]
        assert {url: self.outsider.get(url).status_code for url in pages} == {url: 404 for url in pages}
        assert CAMPAIGN not in self.outsider.get("/").get_data(as_text=True)

    @invariant()
    def database_matches_the_model(self):
        self._check_campaign(CAMPAIGN, versions=True)

    @invariant()
    def kept_overview_is_current(self):
        """The overview a process keeps (reports/overview_cache.py) equals one computed afresh."""
        from tracker.campaigns.models import Campaign
        from tracker.extensions import db
        from tracker.reports.overview import campaign_overview
        from tracker.reports.overview_cache import cached_campaign_overview

        with self.app.app_context():
            db.session.remove()
            campaign = db.session.get(Campaign, self.campaign)
            kept = cached_campaign_overview(campaign, campaign_today())
            assert kept == campaign_overview(campaign, campaign_today())
            db.session.remove()

    @invariant()
    def kept_dashboard_summary_is_current(self):
        """The dashboard's kept per-target counts and phone candidates equal ones computed afresh."""
        from tracker.calendar.service import current_calendar
        from tracker.extensions import db
        from tracker.main.dashboard import DUE_SOON_WORKING_DAYS, _kinds, _scope
        from tracker.main.dashboard_summary import _summary, dashboard_summary
        from tracker.users.models import User

        today = campaign_today()
        with self.app.app_context():
            db.session.remove()
            user = db.session.scalar(select(User).where(User.username == "admin"))
            scope, kinds = _scope(user, False), _kinds(today, current_calendar().add(today, DUE_SOON_WORKING_DAYS))
            kept = dashboard_summary(("all",), scope, kinds, today)
            assert _plain_summary(kept) == _plain_summary(_summary(scope, kinds, today))
            db.session.remove()

    def _check_campaign(self, name: str, versions: bool):
        from tracker.campaigns.models import Campaign
        from tracker.extensions import db
        from tracker.requests.fields import SUB_OBJECTS
        from tracker.requests.models import MockRequest
        from tracker.scoring.models import IndicatorFacts, ScoreSheet

        with self.app.app_context():
            db.session.remove()
            campaign = db.session.scalar(select(Campaign).where(Campaign.name == name))
            rows = {r.key: r for r in db.session.scalars(select(MockRequest).where(MockRequest.campaign_id == campaign.id))}
            assert sorted(rows) == sorted(self.requests)
            for key, model in self.requests.items():
                row = rows[key]
                _, mapping = SUB_OBJECTS[row.channel]
                column = mapping[model["field"].split(".", 1)[1]]
                assert (row.subject, row.notes, getattr(row, column) or "") == (
                    model["subject"], model["notes"], model["value"]), key
                if versions:
                    assert row.version == model["version"], key
            stored = {f.indicator_id: f for f in db.session.scalars(
                select(IndicatorFacts).join(ScoreSheet).where(ScoreSheet.campaign_id == campaign.id))}
            assert {i: f.facts for i, f in stored.items() if f.facts} == self.facts
            if versions:
                assert {i: f.version for i, f in stored.items()} == self.versions
            db.session.remove()

    # ---------------------------------------------------------------- page helpers

    def _edit_form(self, request_id: int) -> dict:
        page = self.browser.get(f"/requests/{request_id}/edit").get_data(as_text=True)
        return form_posting_to(page, r"^$|/edit$").defaults()

    def _facts_form(self, indicator: int) -> tuple[str, dict]:
        page = self.browser.get(f"/campaigns/{self.campaign}/targets/{self.target}/sheet").get_data(as_text=True)
        form = form_posting_to(page, rf"/indicators/{indicator}#")
        return form.action.split("#")[0], form.defaults()


def _plain_summary(summary) -> tuple:
    targets = {ident: (t.name, t.campaign_id, t.campaign.name) for ident, t in summary.targets.items()}
    return summary.counts, summary.provisional, summary.phone_candidates, summary.office_hours, targets


def campaign_today():
    from datetime import date

    return date(2020, 12, 31)


def strip(bundle: dict) -> dict:
    """A bundle without what legitimately differs between two campaigns: the name, the review rows
    (a sheet is only created when facts are first saved) and the team."""
    data = copy.deepcopy(bundle)
    data["campaign"].pop("name")
    data.pop("reviews", None)
    data.pop("team", None)
    return data


@pytest.mark.slow  # a state machine of many page round trips (over 30 s)
def test_pages_and_round_trips_never_lose_or_alter_a_value(app, password_hash):
    Tracker.app, Tracker.password_hash = app, password_hash
    run_state_machine_as_test(Tracker, settings=settings(
        max_examples=10, stateful_step_count=8, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
