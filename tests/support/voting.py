"""People's Choice for tests: a published shortlist with a vote open on one of its categories, and the
token a confirmation e-mail carries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from awards.domain.core.clock import utcnow
from awards.domain.voting import votes
from awards.extensions import db
from awards.models import Category, Cycle, OutboxMessage, PublicVote, VoteSource
from tests.factories import make_published_case, make_published_cycle, make_user

# The entries' organisations and the domains their owners' and contacts' addresses are at.
ENTRANTS = (
    ("Smarter bin collections", "Riverside Council", "riverside.gov.uk"),
    ("Faster GP triage", "Hillshire NHS Trust", "hillshire.nhs.uk"),
    ("Digital library cards", "Lakeside District Council", "lakeside.gov.uk"),
)
_TOKEN = re.compile(r"/peoples-choice/confirm/(\S+)")


@dataclass
class VoteSetup:
    cycle: Cycle
    category: Category
    vote: PublicVote

    def option_titled(self, title: str):
        return next(o for o in self.vote.options if o.title == title)


def shortlist_cases(cycle: Cycle, category: Category, entrants=ENTRANTS) -> None:
    """Public impact cases in the category, one per entrant; the owner at the entrant's domain, the contact
    at a subdomain of it."""
    for title, organisation, domain in entrants:
        owner = make_user(email=f"owner@{domain}", organisation=organisation)
        make_published_case(
            cycle,
            category=category,
            title=title,
            organisation=organisation,
            nominator=owner,
            contact_email=f"casey@digital.{domain}",
            summary=f"What {organisation} did.",
        )


def open_shortlist_vote(
    *, opens_at: datetime | None = None, closes_at: datetime | None = None, entrants=ENTRANTS
) -> VoteSetup:
    """A published cycle whose first category's shortlist is put to a vote, open now (unless told) for a week."""
    cycle = make_published_cycle()
    category = cycle.categories[0]
    shortlist_cases(cycle, category, entrants)
    now = utcnow()
    vote = votes.open_vote(
        cycle,
        category,
        source=VoteSource.SHORTLIST,
        opens_at=opens_at or now - timedelta(minutes=1),
        closes_at=closes_at or now + timedelta(days=7),
        by=None,
    )
    db.session.commit()
    return VoteSetup(cycle, category, vote)


def confirmation_token(message: OutboxMessage) -> str:
    """The token in the link of a vote_confirm e-mail."""
    match = _TOKEN.search(message.body_text)
    assert match, "no confirmation link in the e-mail"
    return match.group(1)
