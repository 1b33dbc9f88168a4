"""Import of a tracker-bundle/1: validate everything first, then merge by key; all or nothing.

Operations flush; the caller's edge commits once, or rolls back when BundleError is raised.

New requests and facts are built with the operations' own rules (build_request, attach_new_reply,
apply_void, stage_facts) but written in chunks of CHUNK: new requests with their replies, events
and attempts by one Core INSERT per table (new_rows.py: ids reserved up front), facts likewise;
the audit records follow each chunk. A 12 000-request campaign costs a few hundred statements instead
of ~200 000 (DESIGN.md §8: ≤ 20 s). Requests that already exist are merged one by one, as before.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import select

from ..calendar.operations import merge_calendar
from ..calendar.service import current_calendar
from ..campaigns import operations as campaign_ops
from ..campaigns.models import Campaign, Target
from ..core import audit, clock
from ..core.policy import CLOSED_MESSAGE
from ..core import parsing as p
from ..core.audit import AuditEntry
from ..core.bulk import insert_many
from ..core.db import insert_values, new_row, numbered_inserts, reserve_ids, to_db_time
from ..core.errors import TrackerError, ValidationError
from ..core.heap import collector_paused, free_young_cycles
from ..core.problems import Problem
from ..extensions import db
from ..requests import operations as request_ops
from ..requests.law_bridge import clock_of, store_clock
from ..requests.scores import requests_preloaded
from ..requests.fields import document_values, event_values
from ..requests.models import MockRequest, PhoneAttempt, RequestDocument, RequestEvent
from ..scoring import operations as scoring_ops
from ..scoring.lock import hold_campaign_sheets
from ..scoring.models import IndicatorFacts, ScoreSheet
from ..scoring.rubric_store import get_rubric, rubric_exists
from ..users import operations as user_ops
from ..users.models import User
from .locks import frozen_targets, unchanged
from .new_rows import insert_new_requests
from .reviews import apply_review, reopen_for_review
from .validate import validate_bundle

CHUNK = 500  # new rows per flush


class BundleError(TrackerError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"数据包有 {len(problems)} 个问题，未导入任何内容：" + "；".join(str(x) for x in problems[:5]))


@dataclass
class ImportSummary:
    campaign: Campaign | None = None
    created: dict[str, int] = field(default_factory=lambda: {"users": 0, "targets": 0, "requests": 0})
    updated: dict[str, int] = field(default_factory=lambda: {"targets": 0, "requests": 0, "facts": 0})

    def describe(self) -> str:
        c, u = self.created, self.updated
        return (f"导入完成：新建用户 {c['users']} 个、被考评对象 {c['targets']} 个、模拟申请 {c['requests']} 条；"
                f"更新被考评对象 {u['targets']} 个、模拟申请 {u['requests']} 条、评分事实 {u['facts']} 项"
                + (f"、节假日日历 {u['calendar']} 项" if u.get("calendar") else ""))


class _Importer:
    def __init__(self, actor, data: dict):
        self.actor, self.data = actor, data
        self.problems: list[Problem] = []
        self.summary = ImportSummary()
        self.targets: dict[str, Target] = {}
        self.deferred: list[Callable[[], None]] = []  # audit records that need the ids of the next flush
        self.calendar = None
        self.users: dict[str, User] = {}
        self.keys: dict[str, int | None] = {}  # the campaign's request keys → ids (None: not written yet)
        self.batch: list[tuple[MockRequest, Callable[[], None]]] = []  # new requests and their audit records
        self.new_facts: list[tuple[IndicatorFacts, Callable[[], None]]] = []  # new facts rows, the same
        self.export_names: tuple[dict, dict] | None = None  # usernames and target keys by id, for unchanged()

    def defer(self, record: Callable[[], None]) -> None:
        self.deferred.append(record)
        if len(self.deferred) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        self.write_batch()
        self.write_facts()
        db.session.flush()
        records, self.deferred = self.deferred, []
        self.write_audit(records)
        free_young_cycles()  # the chunk's rows are written: their cycles go now, not after the import

    def write_facts(self) -> None:
        batch, self.new_facts = self.new_facts, []
        if not batch:
            return
        rows = [row for row, _ in batch]
        ids = reserve_ids(db.session, IndicatorFacts.__table__, len(rows))
        if ids is None:
            db.session.add_all(rows)
            db.session.flush()
        else:
            for row, ident in zip(rows, ids):
                row.id = ident
            insert_many(db.session, IndicatorFacts.__table__, [insert_values(row) for row in rows])
        self.write_audit([record for _row, record in batch])

    @staticmethod
    def write_audit(records: list[Callable[[], None]]) -> None:
        """Run the deferred audit records and INSERT their entries in one statement."""
        with audit.collected() as entries:
            for record in records:
                record()
        insert_many(db.session, AuditEntry.__table__, entries)

    def write_batch(self) -> None:
        """INSERT the new requests of the batch with their replies, events and attempts, then audit them."""
        batch, self.batch = self.batch, []
        if not batch:
            return
        rows = [row for row, _ in batch]
        if not insert_new_requests(db.session, rows):  # ids cannot be taken safely here: the ORM inserts
            db.session.add_all(rows)
            db.session.flush()
        self.write_audit([record for _row, record in batch])

    @contextmanager
    def at(self, path: str):
        try:
            yield
        except ValidationError as error:
            for name, message in error.errors.items():
                self.problems.append(Problem(path if name == "_" else f"{path}.{name}", message))
        except TrackerError as error:
            self.problems.append(Problem(path, error.message))

    def run(self) -> ImportSummary:
        campaign = self.campaign()
        if campaign is None:
            return self.summary
        if campaign.closed:
            self.problems.append(Problem("$.campaign.name", CLOSED_MESSAGE))
            return self.summary
        # Every sheet of the campaign held until the commit, in one statement: a web save or sign of
        # one of them waits for the import, and the import's reviews sign what it read (scoring/lock.py).
        hold_campaign_sheets(campaign.id)
        self.team(campaign)
        self.load_targets(campaign)
        for index, item in enumerate(self.data.get("targets") or []):
            with self.at(f"$.targets[{index}]"):
                self.target(campaign, item)
        self.flush_targets()
        self.targets.update({t.key: t for t in campaign.targets if t.key not in self.targets})
        self.reviews(campaign, reopen_for_review)
        self.merge_calendar()  # before the requests: their deadlines count with the bundle's calendar
        self.calendar = current_calendar()
        self.users = {u.username: u for u in db.session.scalars(select(User))}
        self.keys = dict(db.session.execute(select(MockRequest.key, MockRequest.id)
                                            .where(MockRequest.campaign_id == campaign.id)).all())
        self.frozen = frozen_targets(campaign.id)
        self.team_ids = {m.user_id for m in campaign.members}
        for index, item in enumerate(self.data.get("requests") or []):
            with self.at(f"$.requests[{index}]"):
                self.request(campaign, item)
        self.flush()
        self.facts(campaign)
        self.flush()
        reviewed = {t.id for key, t in self.targets.items() if key in (self.data.get("reviews") or {})}
        with requests_preloaded(campaign.id, reviewed):  # the requests are all written: reviews only read them
            self.reviews(campaign)
        return self.summary

    def campaign(self) -> Campaign | None:
        spec = self.data["campaign"]
        campaign = db.session.scalar(select(Campaign).where(Campaign.name == spec["name"]))
        if campaign is None:
            with self.at("$.campaign"):
                campaign = campaign_ops.create_campaign(self.actor, {"name": spec["name"], "year": spec["year"],
                                                                     "rubric_code": spec["rubric"]})
        elif campaign.rubric_code != spec["rubric"]:
            self.problems.append(Problem("$.campaign.rubric", f"考评已存在且使用 {campaign.rubric_code}，与数据包不一致"))
        self.summary.campaign = campaign
        return campaign

    def team(self, campaign: Campaign) -> None:
        member_ids = {m.user_id for m in campaign.members}
        for index, item in enumerate(self.data.get("team") or []):
            with self.at(f"$.team[{index}]"):
                user = db.session.scalar(select(User).where(User.username == item["username"]))
                if user is None:
                    user = user_ops.create_user(self.actor, item["username"], item.get("role", "evaluator"),
                                                name=item.get("name", ""), email=item.get("email"))
                    self.summary.created["users"] += 1
                member_ids.add(user.id)
        campaign_ops.set_team(self.actor, campaign, member_ids)

    def load_targets(self, campaign: Campaign) -> None:
        self.existing_targets = {t.key: t for t in db.session.scalars(
            select(Target).where(Target.campaign_id == campaign.id))}
        self.taken_targets = {"key": {t.key: t.id for t in self.existing_targets.values()},
                              "name": {t.name: t.id for t in self.existing_targets.values()}}
        self.new_targets: list[Target] = []

    def target(self, campaign: Campaign, item: dict) -> None:
        existing = self.existing_targets.get(item["key"])
        if existing is None:
            target = campaign_ops.build_target(campaign, item, self.taken_targets)
            self.taken_targets["key"][target.key] = self.taken_targets["name"][target.name] = None
            self.new_targets.append(target)
            self.targets[item["key"]] = target
            self.summary.created["targets"] += 1
        else:
            self.flush_targets()  # a renamed target may free a name a new one takes: keep their order
            self.targets[item["key"]] = campaign_ops.update_target(self.actor, existing, item)
            self.taken_targets["name"] = {t.name: t.id for t in self.targets.values()} | {
                t.name: t.id for t in self.existing_targets.values()}
            self.summary.updated["targets"] += 1

    def flush_targets(self) -> None:
        """The new targets so far in one flush, then their audit records."""
        if self.new_targets:
            db.session.flush()
            for target in self.new_targets:
                campaign_ops.record_target_creation(self.actor, target)
            self.new_targets = []

    def request(self, campaign: Campaign, item: dict) -> None:
        target = self.targets.get(item["target"])
        if target is None:
            raise ValidationError({"target": f"被考评对象 {item['target']} 不存在"})
        data = dict(item, target=target)
        if item["key"] not in self.keys:
            self.new_request(campaign, item, data)
            return
        self.flush()  # the merged row may be one of this import's, and is read from the database
        row_id = self.keys[item["key"]]
        row = db.session.get(MockRequest, row_id) if row_id is not None else db.session.scalar(
            select(MockRequest).where(MockRequest.campaign_id == campaign.id, MockRequest.key == item["key"]))
        if row.target_id != target.id:
            raise ValidationError({"target": "已存在的申请不能改到另一个被考评对象"})
        if target.id in self.frozen and self.unchanged(row, item):
            return  # re-importing what a locked county already has changes nothing
        request_ops.update_request(self.actor, row, data, allow_voided=True, bundle=True)
        self.summary.updated["requests"] += 1
        self.request_details(row, item)

    def new_request(self, campaign: Campaign, item: dict, data: dict) -> None:
        """create_request + request_details, flushed and audited with the chunk."""
        actor = self.actor
        row = request_ops.build_request(actor, campaign, data, self.calendar, users=self.users, taken=self.keys,
                                        add=False, clock=False, frozen=self.frozen,
                                        bundle=True, team=self.team_ids)
        self.keys[row.key] = None
        created = request_ops.creation_snapshot(row)
        self.add_history(row, item)
        reply = void = deadline = None
        if item.get("reply"):
            reply = request_ops.attach_new_reply(row, item["reply"])
        # The clock is complete now (events, reply; voiding does not move it): read once, then
        # stored and checked in the order save_reply, void and check_dates always took.
        request_clock = clock_of(row)
        if reply is not None:
            deadline = store_clock(row, self.calendar, request_clock=request_clock)
        if item.get("voided") is not None and bool(item["voided"]) != bool(row.voided):
            void = request_ops.apply_void(row, item.get("void_reason") or "数据包导入", bool(item["voided"]))
        request_ops.check_dates(row, request_clock)  # contradictions refused; future dates allowed in a bundle
        if reply is None:
            store_clock(row, self.calendar, request_clock=request_clock)
        self.summary.created["requests"] += 1

        def record() -> None:
            self.keys[row.key] = row.id
            request_ops.record_creation(actor, row, created)
            if reply is not None:
                request_ops.record_reply(actor, row, reply[0], None, reply[1], deadline.status_label)
            if void is not None:
                request_ops.record_void(actor, row, *void)

        self.batch.append((row, record))
        if len(self.batch) >= CHUNK:
            self.flush()

    def unchanged(self, row: MockRequest, item: dict) -> bool:
        if self.export_names is None:  # once per import: a locked county may have thousands of rows
            self.export_names = ({u.id: u.username for u in self.users.values()},
                                 {t.id: t.key for t in self.targets.values()})
        return unchanged(row, item, *self.export_names, self.calendar, clock.today())

    def add_history(self, row: MockRequest, item: dict) -> None:
        """The deadline events and phone attempts of the bundle, replacing the row's."""
        if "events" in item:
            row.events[:] = []
            for index, event in enumerate(item["events"] or []):
                with self.at(f"events[{index}]"):
                    row.events.append(new_row(RequestEvent, dict(event_values(event),
                                                                 created_by_id=getattr(self.actor, "id", None))))
        if "documents" in item:
            row.documents[:] = []
            for index, document in enumerate(item["documents"] or []):
                with self.at(f"documents[{index}]"):
                    values = document_values(document) | {"attachment_id": None}  # files do not travel in bundles
                    row.documents.append(new_row(RequestDocument, values | {"created_by_id": getattr(self.actor, "id", None)}))
        attempts = (item.get("phone") or {}).get("attempts")
        if row.channel == "phone" and attempts is not None:
            # Imported attempts are history: kept as recorded, judged (not refused) by the protocol.
            row.attempts[:] = [new_row(PhoneAttempt, {
                "at": to_db_time(p.optional_datetime(a["at"], field="phone.attempts.at")),
                "connected": bool(a.get("connected"))}) for a in attempts]

    def request_details(self, row: MockRequest, item: dict) -> None:
        self.add_history(row, item)
        if item.get("reply"):
            request_ops.save_reply(self.actor, row, item["reply"], allow_voided=True, bundle=True)
        request_ops.check_dates(row)
        if item.get("voided") is not None and bool(item["voided"]) != row.voided:
            request_ops.void_request(self.actor, row, item.get("void_reason") or "数据包导入", bool(item["voided"]))
        store_clock(row, self.calendar)
        db.session.flush()

    def facts(self, campaign: Campaign) -> None:
        """save_facts for every entry, with the campaign's sheets and facts loaded once."""
        entries = self.data.get("facts") or {}
        if not entries:
            return
        rubric = get_rubric(campaign.rubric_code)
        sheets = {s.target_id: s for s in db.session.scalars(
            select(ScoreSheet).where(ScoreSheet.campaign_id == campaign.id))}
        for target_key, by_indicator in entries.items():
            target = self.targets.get(target_key)
            if by_indicator and target is not None and target.id not in sheets:
                sheets[target.id] = ScoreSheet(campaign_id=campaign.id, target_id=target.id, status="draft")
                db.session.add(sheets[target.id])
        db.session.flush()
        rows = {(r.sheet_id, r.indicator_id): r for r in db.session.scalars(
            select(IndicatorFacts).join(ScoreSheet).where(ScoreSheet.campaign_id == campaign.id))}
        for target_key, by_indicator in entries.items():
            target = self.targets.get(target_key)
            for indicator_id, facts in by_indicator.items():
                with self.at(f"$.facts.{target_key}.{indicator_id}"):
                    if target is None:
                        raise ValidationError({"_": f"被考评对象 {target_key} 不存在"})
                    self.stage_facts(rubric, sheets[target.id], rows, target, indicator_id, facts)
                    self.summary.updated["facts"] += 1

    def stage_facts(self, rubric, sheet: ScoreSheet, rows: dict, target: Target, indicator_id, facts) -> None:
        indicator = scoring_ops.indicator_of(rubric, int(indicator_id))
        existing = rows.get((sheet.id, indicator.id))
        change = scoring_ops.stage_facts(self.actor, sheet, existing, indicator, facts, add=False)
        if change is None:
            return
        row, before = change
        rows[(sheet.id, indicator.id)] = row
        record = lambda: scoring_ops.record_facts(self.actor, target, row, before)
        if existing is None:
            self.new_facts.append((row, record))
            if len(self.new_facts) >= CHUNK:
                self.flush()
        else:
            self.defer(record)

    def merge_calendar(self) -> None:
        if self.data.get("calendar"):
            with self.at("$.calendar"):
                self.summary.updated["calendar"] = merge_calendar(self.actor, self.data["calendar"])

    def reviews(self, campaign: Campaign, step=apply_review) -> None:
        for target_key, review in (self.data.get("reviews") or {}).items():
            with self.at(f"$.reviews.{target_key}"):
                target = self.targets.get(target_key)
                if target is None:
                    raise ValidationError({"_": f"被考评对象 {target_key} 不存在"})
                step(campaign, target, review)


def import_bundle(actor, data: dict) -> ImportSummary:
    """Validate and merge `data`; raise BundleError listing every problem (the caller rolls back)."""
    # A national bundle is ~1 million live objects, and the import makes more: each automatic full
    # collection would walk them all again (core/heap.py), every edge (web, CLI) pays it.
    with collector_paused():
        return _import_bundle(actor, data)


def _import_bundle(actor, data: dict) -> ImportSummary:
    campaign_spec = data.get("campaign") if isinstance(data, dict) else None
    name = campaign_spec.get("name") if isinstance(campaign_spec, dict) else None
    existing = db.session.scalar(select(Campaign).where(Campaign.name == name)) if isinstance(name, str) else None
    known_targets = [t.key for t in existing.targets] if existing else []
    known_users = list(db.session.scalars(select(User.username)))
    rubric_code = campaign_spec.get("rubric") if isinstance(campaign_spec, dict) else None
    indicator_ids = None
    if isinstance(rubric_code, str) and rubric_exists(rubric_code):
        indicator_ids = [str(i.id) for i in get_rubric(rubric_code).indicators]
    problems = validate_bundle(data, known_targets=known_targets, known_users=known_users,
                               **({"known_indicators": indicator_ids} if indicator_ids else {}))
    if isinstance(rubric_code, str) and indicator_ids is None:
        problems.append(Problem("$.campaign.rubric", f"考评指标版本 {rubric_code} 不存在"))
    if problems:
        raise BundleError(problems)
    importer = _Importer(actor, data)
    with numbered_inserts(db.session):
        summary = importer.run()
    if importer.problems:
        raise BundleError(importer.problems)
    return summary
