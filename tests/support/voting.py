"""People's Choice for tests: a published shortlist with a vote open on one of its categories, and the
token a confirmation e-mail carries."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from awards.domain.core.clock import utcnow
from awards.domain.voting import ballots, rules, votes
from awards.extensions import db
from awards.models import AttemptOutcome, Ballot, Category, Cycle, OutboxMessage, PublicVote, VoteSource
from tests.factories import make_published_case, make_published_cycle, make_user

# The entries' organisations and the domains their owners' and contacts' addresses are at.
ENTRANTS = (
    ("Smarter bin collections", "Riverside Council", "riverside.gov.uk"),
    ("Faster GP triage", "Hillshire NHS Trust", "hillshire.nhs.uk"),
    ("Digital library cards", "Lakeside District Council", "lakeside.gov.uk"),
)


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
    *,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    entrants=ENTRANTS,
    category_name: str | None = None,
) -> VoteSetup:
    """A published cycle whose first category (renamed, if told, before its cases are published) has its shortlist
    put to a vote, open now (unless told) for a week."""
    cycle = make_published_cycle()
    category = cycle.categories[0]
    if category_name is not None:
        category.name = category_name
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


def open_second_category_vote(setup: VoteSetup) -> PublicVote:
    """A vote in the cycle's second category (two entries of their own), open when the first vote is."""
    category = setup.cycle.categories[1]
    shortlist_cases(setup.cycle, category, [("Other A", "Org A", "orga.gov.uk"), ("Other B", "Org B", "orgb.gov.uk")])
    vote = votes.open_vote(
        setup.cycle,
        category,
        source=VoteSource.SHORTLIST,
        opens_at=setup.vote.opens_at,
        closes_at=setup.vote.closes_at,
        by=None,
    )
    db.session.commit()
    return vote


def confirmation_token(message: OutboxMessage) -> str:
    """The token in the link of a vote_confirm e-mail."""
    token = ballots.link_token(message.body_text)
    assert token, "no confirmation link in the e-mail"
    return token


# --- Scripted stuffing (tests/domain and tests/web run the same kinds of attempt) -------------------------

# Disposable e-mail services (on the block list), and look-alike addresses: letters that pass for Latin ones
# (Cyrillic а, е, о, р, с; Greek ο) in the local part or the domain.
DISPOSABLE_DOMAINS = ("mailinator.com", "guerrillamail.com", "10minutemail.com", "yopmail.com", "trashmail.com")
LOOKALIKE_ADDRESSES = (
    "p\u0430ypal{n}@example.com",
    "s\u0435cure{n}@example.org",
    "j\u03bfhn{n}@example.net",
    "vote{n}@ex\u0430mple.com",
    "\u0441\u043e\u0441\u043e{n}@example.com",
)


@dataclass
class StuffingKind:
    """One kind of stuffing attempt: how many were made, refused and counted (ballots whose address first came
    from this kind), and the legitimate control group run beside it (every one of which must count)."""

    name: str
    attempts: int = 0
    refused: int = 0
    counted: int = 0
    controls: int = 0
    controls_counted: int = 0


def stuffing_table(kinds, refusals: dict[str, int]) -> str:
    """The figures as `pytest -s` prints them: a row per kind, the totals, and the refusals by reason."""
    kinds = list(kinds)
    header = f"{'kind':<32}{'attempts':>9}{'refused':>9}{'counted':>9}{'controls':>10}{'counted':>9}"
    lines = [header, "-" * len(header)]
    fields = ("attempts", "refused", "counted", "controls", "controls_counted")
    total = StuffingKind("total", *(sum(getattr(k, f) for k in kinds) for f in fields))
    for kind in [*kinds, total]:
        lines.append(
            f"{kind.name:<32}{kind.attempts:>9}{kind.refused:>9}{kind.counted:>9}{kind.controls:>10}"
            f"{kind.controls_counted:>9}"
        )
    lines.append("refused by: " + ", ".join(f"{name} {n}" for name, n in sorted(refusals.items())))
    return "\n".join(lines)


def forged_token(token: str, n: int) -> str:
    """A confirmation token changed as a forger might: the payload, the signature, a made-up one, a truncation."""
    payload, stamp, signature = token.split(".")
    return (
        f"{payload[:-2]}Zz.{stamp}.{signature}",
        f"{payload}.{stamp}.{secrets.token_urlsafe(20)}",
        secrets.token_urlsafe(40),
        token[: len(token) // 2],
    )[n % 4]


def network_ip(n: int) -> str:
    """An address in a network (/24) of its own for each n."""
    return f"100.{64 + n // 256}.{n % 256}.7"


def assert_ballot_keeps_every_rule(ballot: Ballot, address: str, vote: PublicVote) -> None:
    """A counted ballot came from a confirmed attempt in the vote's window, for one of its entries, from an address
    that is neither a look-alike, nor disposable, nor at the entry's own organisation."""
    attempt = ballot.attempt
    assert attempt is not None and attempt.outcome is AttemptOutcome.CONFIRMED and attempt.vote_id == vote.id
    assert attempt.voter_key == ballot.voter_key and attempt.option_id == ballot.option_id
    assert attempt.token_digest is not None and attempt.confirmed_at is not None
    assert vote.opens_at <= attempt.attempted_at < vote.closes_at
    assert vote.opens_at <= attempt.confirmed_at < vote.closes_at
    parsed = rules.parse_address(address)
    assert rules.address_rule(parsed) is None, address
    assert ballot.option.vote_id == vote.id
    assert not rules.under(parsed.domain, ballot.option.own_domains), address
