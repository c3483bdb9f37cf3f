"""Opening a category's People's Choice vote, and the state of votes.

A vote is between the category's published shortlist (its public impact cases, in the shortlist's
order: winner, highly commended, shortlisted, then by title) or the category's entries in a judging
round (alphabetical by title). A round's entries go to a public vote only if their entrants agreed to
publication: a vote shows each entry's title, organisation and summary to anyone. What each option
shows is copied when the vote opens, so later edits of an entry never change a running vote.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.dates import govuk_datetime
from awards.domain.core.errors import Conflict, DomainError
from awards.domain.judging.conflicts import SHARED_DOMAINS, email_domain
from awards.domain.judging.rounds import entry_filter
from awards.domain.programme.translations import NameShown
from awards.domain.publishing.impact_cases import is_public, result_rank
from awards.domain.voting.rules import base_domain
from awards.extensions import db
from awards.models import (
    Category,
    Cycle,
    CycleStatus,
    Eligibility,
    ImpactCase,
    JudgingRound,
    Nomination,
    NominationStatus,
    PublicVote,
    User,
    VoteAttempt,
    VoteOption,
    VoteSource,
)


class VoteState(enum.Enum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"scheduled": _("Not open yet"), "open": _("Open"), "closed": _("Closed")}[self.value]


class VoteProblem(DomainError):
    """The organiser asked for a vote (or a change to one) that cannot be."""


def vote_state(vote: PublicVote, now: datetime | None = None) -> VoteState:
    """Open from its opening instant up to (not including) its closing instant."""
    now = now or utcnow()
    if now < vote.opens_at:
        return VoteState.SCHEDULED
    if now < vote.closes_at:
        return VoteState.OPEN
    return VoteState.CLOSED


# --- Candidates ------------------------------------------------------------------------------------


@dataclass
class Candidate:
    """An entry a vote would be between, with the public words shown for it."""

    nomination: Nomination
    impact_case: ImpactCase | None
    title: str
    organisation: str
    summary: str


def candidates(
    cycle: Cycle, category: Category, source: VoteSource, judging_round: JudgingRound | None = None
) -> list[Candidate]:
    """What the category's vote would be between (see the module's note for the order and who is left out)."""
    if source is VoteSource.SHORTLIST:
        cases = db.session.scalars(
            select(ImpactCase)
            .where(
                ImpactCase.cycle_id == cycle.id,
                ImpactCase.category_id == category.id,
                ImpactCase.nomination_id.is_not(None),
                is_public(),
            )
            .options(selectinload(ImpactCase.nomination))
            .order_by(result_rank(), func.lower(ImpactCase.title), ImpactCase.id)
        )
        return [
            Candidate(case.nomination, case, case.title, case.organisation, case.summary)
            for case in cases
            if case.nomination is not None
        ]
    if judging_round is None or judging_round.cycle_id != cycle.id:
        return []
    nominations = db.session.scalars(
        select(Nomination)
        .where(
            *entry_filter(judging_round),
            Nomination.category_id == category.id,
            Nomination.consents_to_publish.is_(True),
            or_(Nomination.eligibility.is_(None), Nomination.eligibility != Eligibility.INELIGIBLE),
        )
        .order_by(func.lower(Nomination.title), Nomination.id)
    )
    return [Candidate(n, None, n.title, n.organisation_name, n.summary) for n in nominations]


def own_domains(nomination: Nomination) -> list[str]:
    """The entry's organisational e-mail domains (its owner's and its contact's, never a webmail or shared
    domain), each with the domain its organisation registered ('digital.testshire.gov.uk' adds
    'testshire.gov.uk')."""
    found: set[str] = set()
    addresses = (nomination.contact_email, nomination.nominator.email if nomination.nominator else None)
    for domain in (email_domain(a) for a in addresses):
        if domain and domain not in SHARED_DOMAINS:
            found.add(domain)
            registered = base_domain(domain)
            if registered not in SHARED_DOMAINS:
                found.add(registered)
    return sorted(found)


# --- Opening and changing --------------------------------------------------------------------------


def _check_times(opens_at: datetime, closes_at: datetime, now: datetime) -> None:
    if closes_at <= opens_at:
        raise VoteProblem(_("The closing time must be after the opening time"), field="closes_at")
    if closes_at <= now:
        raise VoteProblem(_("The closing time must be in the future"), field="closes_at")


def _when(vote: PublicVote) -> dict[str, str]:
    return {"opens_at": vote.opens_at.isoformat(), "closes_at": vote.closes_at.isoformat()}


def open_vote(
    cycle: Cycle,
    category: Category,
    *,
    source: VoteSource,
    judging_round: JudgingRound | None = None,
    opens_at: datetime,
    closes_at: datetime,
    by: User | None,
) -> PublicVote:
    """Open (schedule) the category's vote between `opens_at` and `closes_at`, on its candidates."""
    now = utcnow()
    if category.cycle_id != cycle.id:
        raise VoteProblem(_("That category is not one of this cycle’s"), field="category")
    if source is VoteSource.ROUND and (judging_round is None or judging_round.cycle_id != cycle.id):
        raise VoteProblem(_("Choose a judging round of this cycle for a vote on its finalists"), field="round")
    _check_times(opens_at, closes_at, now)
    existing = db.session.scalar(
        select(PublicVote.id).where(PublicVote.cycle_id == cycle.id, PublicVote.category_id == category.id)
    )
    if existing is not None:
        raise Conflict(
            _("%(name)s already has a People’s Choice vote: change that one instead", name=NameShown(category))
        )
    found = candidates(cycle, category, source, judging_round)
    if len(found) < 2:
        message = (
            _(
                "A vote needs at least 2 entries to choose between: %(category)s’s published shortlist has %(num)s",
                category=NameShown(category),
                num=len(found),
            )
            if source is VoteSource.SHORTLIST
            else _(
                "A vote needs at least 2 entries to choose between: %(category)s’s entries in %(round)s that agreed "
                "to publication are %(num)s",
                category=NameShown(category),
                round=judging_round.display_name if judging_round else _("the round"),
                num=len(found),
            )
        )
        raise VoteProblem(message, field="source")
    vote = PublicVote(
        cycle_id=cycle.id,
        category_id=category.id,
        source=source,
        round_id=judging_round.id if source is VoteSource.ROUND and judging_round else None,
        opens_at=opens_at,
        closes_at=closes_at,
        created_at=now,
        created_by_id=by.id if by is not None else None,
    )
    vote.options = [
        VoteOption(
            nomination_id=c.nomination.id,
            impact_case_id=c.impact_case.id if c.impact_case else None,
            position=i,
            title=(c.title or c.nomination.reference)[:200],
            organisation=(c.organisation or "")[:200],
            summary=c.summary or "",
            own_domains=own_domains(c.nomination),
        )
        for i, c in enumerate(found)
    ]
    db.session.add(vote)
    db.session.flush()
    audit.record(
        "vote.opened",
        actor=by,
        obj=vote,
        cycle=cycle.id,
        category=category.slug,
        source=source.value,
        round=vote.round_id,
        options=[o.nomination_id for o in vote.options],
        **_when(vote),
    )
    return vote


def change_times(vote: PublicVote, *, opens_at: datetime, closes_at: datetime, by: User | None) -> None:
    """Move the vote's opening or closing instant: before it opens, both (an opening moved into the past opens it
    now); while it is open, only its close; after the close, neither."""
    now = utcnow()
    state = vote_state(vote, now)
    if state is VoteState.CLOSED:
        raise Conflict(_("This vote has closed: its times can no longer change"))
    if state is VoteState.OPEN and opens_at != vote.opens_at:
        raise VoteProblem(_("This vote has opened: only its closing time can change now"), field="opens_at")
    _check_times(opens_at, closes_at, now)
    before = _when(vote)
    vote.opens_at, vote.closes_at = opens_at, closes_at
    db.session.flush()
    audit.record("vote.times_changed", actor=by, obj=vote, before=before, **_when(vote))


def close_now(vote: PublicVote, *, by: User | None) -> None:
    """End an open vote now (its results show from now on)."""
    now = utcnow()
    state = vote_state(vote, now)
    if state is VoteState.SCHEDULED:
        raise VoteProblem(_("This vote has not opened yet: withdraw it instead"))
    if state is VoteState.CLOSED:
        raise Conflict(
            _("This vote already closed at %(value)s", value=govuk_datetime(vote.closes_at, vote.cycle.time_zone))
        )
    before = vote.closes_at
    vote.closes_at = now
    db.session.flush()
    audit.record("vote.closed_early", actor=by, obj=vote, planned_close=before.isoformat(), closed_at=now.isoformat())


def withdraw(vote: PublicVote, *, by: User | None) -> None:
    """Take away a vote that has not opened (nobody has tried to vote in it)."""
    if vote_state(vote) is not VoteState.SCHEDULED:
        raise Conflict(_("This vote has opened, so it cannot be withdrawn: close it instead"))
    attempted = db.session.scalar(select(VoteAttempt.id).where(VoteAttempt.vote_id == vote.id).limit(1))
    if attempted is not None:  # (refused, as it was not open: their record stays with the vote)
        raise Conflict(_("People have already tried to vote in this vote, so it cannot be withdrawn: change its times"))
    audit.record(
        "vote.withdrawn",
        actor=by,
        obj=vote,
        cycle=vote.cycle_id,
        category=vote.category.slug,
        **_when(vote),
    )
    db.session.delete(vote)
    db.session.flush()


# --- Entries that left the vote --------------------------------------------------------------------

CASE_DELETED = "Its impact case was deleted"
CASE_NOT_PUBLIC = "Its impact case is no longer published"
NOMINATION_WITHDRAWN = "The nomination was withdrawn"
NOMINATION_INELIGIBLE = "The entry was found ineligible"
NO_CONSENT = "The entrant no longer agrees to publication"


def _why_withdrawn(source: VoteSource, case_id: int | None, public_case_id: int | None, nomination) -> str | None:
    status, eligibility, consents = nomination
    if status is NominationStatus.WITHDRAWN:
        return NOMINATION_WITHDRAWN
    if source is VoteSource.SHORTLIST:
        if case_id is None:
            return CASE_DELETED
        if public_case_id is None:
            return CASE_NOT_PUBLIC
        return None
    if status is NominationStatus.INELIGIBLE or eligibility is Eligibility.INELIGIBLE:
        return NOMINATION_INELIGIBLE
    if not consents:
        return NO_CONSENT
    return None


def _option_rows(vote_ids: list[int], option_id: int | None = None) -> Iterator[tuple[int, str | None, str | None]]:
    """Per option of these votes (or the one option): its id, why it has left the vote (None while it is
    in), and its impact case's slug while that case is public (None otherwise). One query."""
    query = (
        select(
            VoteOption.id,
            PublicVote.source,
            VoteOption.impact_case_id,
            ImpactCase.id,  # only when public (the outer join's condition)
            ImpactCase.slug,
            Nomination.status,
            Nomination.eligibility,
            Nomination.consents_to_publish,
        )
        .join(PublicVote, PublicVote.id == VoteOption.vote_id)
        .join(Nomination, Nomination.id == VoteOption.nomination_id)
        .outerjoin(ImpactCase, and_(ImpactCase.id == VoteOption.impact_case_id, is_public()))
        .where(VoteOption.vote_id.in_(vote_ids))
    )
    if option_id is not None:
        query = query.where(VoteOption.id == option_id)
    for row_id, source, case_id, public_case_id, public_slug, *nomination in db.session.execute(query):
        yield row_id, _why_withdrawn(VoteSource(source), case_id, public_case_id, tuple(nomination)), public_slug


def withdrawn_options(vote_ids: Iterable[int], option_id: int | None = None) -> dict[int, str]:
    """The options of these votes (or the one option) that have left the vote since it opened, each with why, in
    one query: on a shortlist vote, its impact case taken down or deleted; on a round's, its entrant's consent to
    publication taken back or the entry found ineligible; on either, its nomination withdrawn. Such an option is
    no longer offered, and its ballots (kept) are left out of the ranking."""
    ids = list(vote_ids)
    if not ids:
        return {}
    return {row_id: why for row_id, why, _slug in _option_rows(ids, option_id) if why is not None}


@dataclass
class Standing:
    """A vote's options as its page shows them: those one can vote for, those that left (with why), and
    the public impact case of each option that has one (by option id)."""

    offered: list[VoteOption]
    withdrawn: dict[int, str]
    case_slugs: dict[int, str]


def standing(vote: PublicVote) -> Standing:
    """The vote's options now, for its page (one query beside the vote's own options)."""
    withdrawn, slugs = {}, {}
    for row_id, why, slug in _option_rows([vote.id]):
        if why is not None:
            withdrawn[row_id] = why
        elif slug is not None:
            slugs[row_id] = slug
    return Standing(offered_options(vote, withdrawn), withdrawn, slugs)


def offered_options(vote: PublicVote, withdrawn: dict[int, str] | None = None) -> list[VoteOption]:
    """The options one can still vote for (the vote's options less those withdrawn)."""
    gone = withdrawn_options([vote.id]) if withdrawn is None else withdrawn
    return [option for option in vote.options if option.id not in gone]


# --- Reading ---------------------------------------------------------------------------------------


def votes_of_cycle(cycle: Cycle) -> list[PublicVote]:
    """The cycle's votes in category order, with their categories and options (two queries)."""
    return list(
        db.session.scalars(
            select(PublicVote)
            .join(Category, Category.id == PublicVote.category_id)
            .where(PublicVote.cycle_id == cycle.id)
            .options(contains_eager(PublicVote.category), selectinload(PublicVote.options))
            .order_by(Category.position, Category.id)
        )
    )


def vote_in_category(cycle: Cycle, category_slug: str) -> PublicVote | None:
    return db.session.scalar(
        select(PublicVote)
        .join(Category, Category.id == PublicVote.category_id)
        .where(PublicVote.cycle_id == cycle.id, Category.slug == category_slug)
        .options(selectinload(PublicVote.options))
    )


def public_vote(cycle_slug: str, category_slug: str, *, with_options: bool = True) -> PublicVote | None:
    """The vote a category's public pages are about, with its cycle and category in the same query (and its
    options in a second, unless not needed); None when there is none, or its cycle is a draft."""
    query = (
        select(PublicVote)
        .join(Cycle, Cycle.id == PublicVote.cycle_id)
        .join(Category, Category.id == PublicVote.category_id)
        .where(Cycle.slug == cycle_slug, Category.slug == category_slug, Cycle.status != CycleStatus.DRAFT)
        .options(contains_eager(PublicVote.cycle), contains_eager(PublicVote.category))
    )
    if with_options:
        query = query.options(selectinload(PublicVote.options))
    return db.session.scalar(query)


def vote_with_names(vote_id: int) -> PublicVote:
    """A vote with its cycle and category (what a page names it by) in one query, and its options in a second."""
    return db.session.scalars(
        select(PublicVote)
        .where(PublicVote.id == vote_id)
        .options(joinedload(PublicVote.cycle), joinedload(PublicVote.category), selectinload(PublicVote.options))
    ).one()
