"""People's Choice confirmation e-mails leave the outbox once their links no longer work: `flask outbox send`
(cron) removes them, so no voter's address stays there in clear after a vote's close; a message not yet sent is
never removed while its vote is open (nothing lost)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import time_machine

from awards.domain.voting import ballots
from awards.extensions import db
from awards.models import AuditEvent, OutboxMessage
from tests.support.voting import ENTRANTS, confirmation_token, open_shortlist_vote

BIN, GP, _LIBRARY = (title for title, _org, _domain in ENTRANTS)
VOTERS = ("used@example.com", "waiting@example.com", "unsent@example.com")


def outbox_addresses() -> list[str]:
    db.session.expire_all()
    rows = db.session.execute(sa.select(OutboxMessage.to_address, OutboxMessage.body_text)).all()
    return sorted(v for to, body in rows for v in VOTERS if v in to or v in (body or ""))


def test_outbox_send_removes_the_confirmations_once_their_links_are_dead(app, runner, outbox, monkeypatch):
    setup = open_shortlist_vote()
    ballots.ask_to_vote(setup.vote, setup.option_titled(BIN).id, VOTERS[0], client_ip="198.51.100.7")
    db.session.commit()
    ballots.confirm_vote(confirmation_token(outbox("vote_confirm")[-1]), client_ip="198.51.100.7")
    ballots.ask_to_vote(setup.vote, setup.option_titled(GP).id, VOTERS[1], client_ip="198.51.100.8")
    db.session.commit()
    monkeypatch.setitem(app.config, "MAIL_DELIVER_AFTER_COMMIT", False)
    ballots.ask_to_vote(setup.vote, setup.option_titled(GP).id, VOTERS[2], client_ip="198.51.100.9")
    db.session.commit()
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")  # unreachable: the unsent message stays unsent
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", 9)

    # While the vote is open: the used link's e-mail goes; the waiting one and the unsent one stay.
    result = runner.invoke(args=["outbox", "send"])
    assert "1 People’s Choice confirmation emails removed" in result.output
    assert outbox_addresses() == ["unsent@example.com", "waiting@example.com"]
    assert [m.sent_at is None for m in outbox("vote_confirm")] == [False, True]

    # After the close, every link is dead: no row holds a voter's address, sent or not.
    with time_machine.travel(setup.vote.closes_at + timedelta(minutes=1), tick=False):
        result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "0 sent, 0 failed" in result.output and "2 People’s Choice confirmation emails removed" in result.output
    assert outbox_addresses() == [] and outbox("vote_confirm") == []
    removed = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "vote.confirmation_emails_removed").order_by(AuditEvent.id)
    ).all()
    assert [e.detail["removed"] for e in removed] == [1, 2]


def test_an_unsent_confirmation_is_kept_until_the_close_even_after_its_link_expired(app, outbox, monkeypatch):
    setup = open_shortlist_vote(closes_at=None)
    monkeypatch.setitem(app.config, "MAIL_DELIVER_AFTER_COMMIT", False)
    ballots.ask_to_vote(setup.vote, setup.option_titled(BIN).id, VOTERS[2], client_ip="198.51.100.9")
    db.session.commit()
    with time_machine.travel(setup.vote.closes_at - timedelta(minutes=1), tick=False):
        assert ballots.forget_confirmation_emails() == 0
    assert len(outbox("vote_confirm")) == 1
    with time_machine.travel(setup.vote.closes_at, tick=False):
        assert ballots.forget_confirmation_emails() == 1
        db.session.commit()
    assert outbox("vote_confirm") == []


def test_removing_a_cycles_voters_removes_their_confirmation_emails(app, outbox):
    setup = open_shortlist_vote()
    ballots.ask_to_vote(setup.vote, setup.option_titled(BIN).id, VOTERS[1], client_ip="198.51.100.8")
    db.session.commit()
    ballots.forget_voters(setup.cycle.id)
    db.session.commit()
    assert outbox_addresses() == []
