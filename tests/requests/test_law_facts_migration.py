"""Migration 0005 carries existing data over (README: letters become `registered`, or `to_other` for
purpose 20; existing replies were written replies, their form set by channel)."""
from __future__ import annotations

from sqlalchemy import text

from tests.foundation.test_migrations import _diff, _revisions, _seed_rows, scratch_app  # noqa: F401

_REQUEST = ("INSERT INTO requests (campaign_id, target_id, key, channel, purpose, subject, notes, voided, void_reason, "
            "online_url, online_confirmation_number, oral_place, phone_question, letter_addressee, letter_marked, "
            "letter_tracking_number, letter_returned, status, provisional, created_at, version) VALUES "
            "(1, 1, :key, :channel, :purpose, '', '', false, '', '', '', '', '', '', '', '', false, 'awaiting_reply', "
            "false, '2020-09-01 00:00:00', 1)")
_REPLY = ("INSERT INTO replies (request_id, outcome, told_route, provided_or_route_and_time, reasons_given, "
          "special_law_referral, fee_charged, remedy_notice, sealed, notes, version) VALUES "
          "(:request, 'disclosed', false, true, false, false, 0, false, false, '', 1)")


def test_letters_and_replies_are_carried_over(scratch_app):  # noqa: F811
    from flask_migrate import upgrade

    from tracker.extensions import db

    revisions = _revisions()
    with scratch_app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as connection:
            _seed_rows(connection)
            for key, channel, purpose in (("L20", "mail", "20"), ("L19", "mail", "19.2"), ("O21", "online", "21"),
                                          ("V17", "oral", "17")):
                connection.execute(text(_REQUEST), {"key": key, "channel": channel, "purpose": purpose})
            for request in (1, 2, 3, 4):
                connection.execute(text(_REPLY), {"request": request})
        upgrade(revision=revisions[-1])
        with db.engine.connect() as connection:
            kinds = dict(connection.execute(text("SELECT key, letter_kind FROM requests")).all())
            forms = dict(connection.execute(text(
                "SELECT requests.key, replies.form FROM replies JOIN requests ON requests.id = replies.request_id")).all())
            phone_numbers = set(connection.execute(text("SELECT phone_number_called FROM requests")).scalars())
        assert kinds == {"L20": "to_other", "L19": "registered", "O21": None, "V17": None}
        assert forms == {"L20": "letter", "L19": "letter", "O21": "platform", "V17": "on_the_spot"}
        assert phone_numbers == {""}
        assert _diff(scratch_app) == []
