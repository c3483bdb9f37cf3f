"""A People's Choice vote on a round's entries, before any result is published: the public pages and the API show
each entry's title, organisation and summary, and nothing else of it (no contact, no other answer, no reference,
no partner), and nothing at all of an entry whose entrant did not agree to publication."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from awards.domain.voting import ballots, votes
from awards.extensions import db
from awards.models import OutboxMessage, VoteSource
from tests.factories import make_cycle, make_nomination, make_user
from tests.support.dates import utc
from tests.support.visible import page_text
from tests.support.voting import confirmation_token

START = utc(2026, 5, 4, 9)
PRIVATE_WORDS = (
    "Quentin Quiet",  # the contact's name
    "quentin@quietshire.gov.uk",
    "07700 900123",
    "The challenge nobody may read",
    "Our secret approach",
    "Hidden Partner Ltd",
    "Not for the public project",  # the title of an entry that did not agree to publication
    "Nobody may read this summary",
    "PSDA-",  # entries' references
)


def _round_entries_with_secrets(cycle):
    category = cycle.categories[0]
    nominator = make_user(email="owner@quietshire.gov.uk")
    for n, title in enumerate(("Open data for parks", "Bus times by text")):
        nomination = make_nomination(
            cycle,
            nominator=nominator,
            category=category,
            title=title,
            organisation_name=f"Quietshire Council {n}",
            summary=f"What {title} did.",
            contact_name="Quentin Quiet",
            contact_email="quentin@quietshire.gov.uk",
            contact_phone="07700 900123",
            challenge="The challenge nobody may read.",
            approach="Our secret approach.",
        )
        nomination.partners[0].name = "Hidden Partner Ltd"
    make_nomination(
        cycle,
        category=category,
        title="Not for the public project",
        summary="Nobody may read this summary.",
        consents_to_publish=False,
    )
    db.session.commit()
    return category


def test_a_round_vote_shows_only_public_words(client, app):
    with time_machine.travel(START, tick=False) as clock:
        cycle = make_cycle(status="judging")
        category = _round_entries_with_secrets(cycle)
        vote = votes.open_vote(
            cycle,
            category,
            source=VoteSource.ROUND,
            judging_round=cycle.rounds[0],
            opens_at=START,
            closes_at=START + timedelta(days=2),
            by=None,
        )
        db.session.commit()
        assert sorted(o.title for o in vote.options) == ["Bus times by text", "Open data for parks"]
        ballots.ask_to_vote(vote, vote.options[0].id, "voter@example.com", client_ip="192.0.2.7")
        db.session.commit()
        message = db.session.query(OutboxMessage).filter_by(kind="vote_confirm").one()
        token = confirmation_token(message)
        base = f"/cycles/{cycle.slug}/peoples-choice"
        urls = [base, f"{base}/{category.slug}", f"{base}/{category.slug}/check-your-email"]
        pages = [client.get(url) for url in urls]
        pages.append(client.get(f"/peoples-choice/confirm/{token}"))
        texts = [page_text(p) for p in pages] + [client.get(f"/api/v1{base}").get_data(as_text=True)]
        assert "What Open data for parks did." in texts[1] and "Quietshire Council 0" in texts[1]
        clock.move_to(START + timedelta(days=3))
        texts += [page_text(client.get(url)) for url in urls[:2]]
        texts.append(client.get(f"/api/v1{base}").get_data(as_text=True))
        assert all(p.status_code == 200 for p in pages)
        for text in texts:
            for words in PRIVATE_WORDS:
                assert words not in text
