"""People's Choice results, and the patterns of attempts the organiser's abuse view shows.

Counts stay hidden from everyone, organisers included, until a vote closes: `tally` answers None
before then, and `patterns` never groups attempts by entry while the vote runs. Ranks are shared by
ties, the next rank skipping as many places ("1, 1, 3"): two entries with the most votes are both
winners.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager, joinedload

from awards.domain.core.clock import utcnow
from awards.domain.core.dates import govuk_datetime
from awards.domain.voting.rules import NO_DOMAIN_LABEL, RULES_BY_NAME, is_webmail
from awards.domain.voting.votes import VoteState, vote_state, withdrawn_options
from awards.extensions import db
from awards.models import AttemptOutcome, Ballot, Category, Cycle, PublicVote, VoteAttempt, VoteOption


@dataclass
class OptionCount:
    option: VoteOption
    count: int
    share: float  # of the counted ballots, 0 to 1 (0 when nobody voted)
    rank: int  # 1 for the most votes; ties share a rank


@dataclass
class WithdrawnCount:
    """An option that left the vote while it ran: its ballots are kept, but left out of the ranking."""

    option: VoteOption
    count: int
    reason: str


@dataclass
class CategoryResult:
    vote: PublicVote
    category: Category
    counts: list[OptionCount]  # the options still in the vote, ranked
    total: int  # their ballots (not the withdrawn options')
    withdrawn: list[WithdrawnCount] = field(default_factory=list)

    @property
    def winners(self) -> list[VoteOption]:
        """The option(s) with the most votes (none if nobody voted)."""
        return [c.option for c in self.counts if c.rank == 1 and c.count > 0]


def _ranked(options: list[VoteOption], counts: dict[int, int]) -> list[OptionCount]:
    total = sum(counts.get(o.id, 0) for o in options)
    ordered = sorted(options, key=lambda o: (-counts.get(o.id, 0), o.position, o.id))
    found: list[OptionCount] = []
    for place, option in enumerate(ordered, start=1):
        count = counts.get(option.id, 0)
        rank = found[-1].rank if found and found[-1].count == count else place
        found.append(OptionCount(option, count, count / total if total else 0.0, rank))
    return found


def _ballot_counts(vote_ids: list[int]) -> dict[int, int]:
    if not vote_ids:
        return {}
    return dict(
        db.session.execute(
            select(Ballot.option_id, func.count(Ballot.id))
            .where(Ballot.vote_id.in_(vote_ids))
            .group_by(Ballot.option_id)
        ).all()
    )


def _result(vote: PublicVote, counts: dict[int, int], withdrawn: dict[int, str]) -> CategoryResult:
    """The options still in the vote ranked (shares of their ballots), and the withdrawn ones apart."""
    ranked = _ranked([o for o in vote.options if o.id not in withdrawn], counts)
    gone = [WithdrawnCount(o, counts.get(o.id, 0), withdrawn[o.id]) for o in vote.options if o.id in withdrawn]
    return CategoryResult(vote, vote.category, ranked, sum(c.count for c in ranked), gone)


def result(
    vote: PublicVote, now: datetime | None = None, withdrawn: dict[int, str] | None = None
) -> CategoryResult | None:
    """The vote's result (see `tally`), with the options withdrawn while it ran (read here unless the caller has
    them: `votes.withdrawn_options`); None until it has closed."""
    if vote_state(vote, now) is not VoteState.CLOSED:
        return None
    return _result(vote, _ballot_counts([vote.id]), withdrawn_options([vote.id]) if withdrawn is None else withdrawn)


def tally(vote: PublicVote, now: datetime | None = None) -> list[OptionCount] | None:
    """Every option still in the vote with its count, share and rank, most votes first (an option withdrawn while
    the vote ran is left out of the ranking: see `result`); None until the vote has closed."""
    found = result(vote, now)
    return found.counts if found is not None else None


def cycle_results(cycle: Cycle, now: datetime | None = None) -> list[CategoryResult]:
    """The cycle's closed votes, in category order, with their counts and winners (three queries: the votes with
    their categories and options, the counts, the options withdrawn; one when none has closed)."""
    now = now or utcnow()
    closed = list(
        db.session.scalars(
            select(PublicVote)
            .join(Category, Category.id == PublicVote.category_id)
            .where(PublicVote.cycle_id == cycle.id, PublicVote.closes_at <= now)
            .options(contains_eager(PublicVote.category), joinedload(PublicVote.options))
            .order_by(Category.position, Category.id)
        ).unique()
    )
    counts = _ballot_counts([v.id for v in closed])
    withdrawn = withdrawn_options([v.id for v in closed])
    return [_result(vote, counts, withdrawn) for vote in closed]


# --- Patterns for the organiser's abuse view -------------------------------------------------------------

WINDOW = timedelta(minutes=10)


@dataclass
class Burst:
    minute: datetime  # the minute's start (UTC)
    attempts: int


@dataclass
class Source:
    """An e-mail domain or a network, with its attempts and the distinct addresses among them."""

    name: str
    attempts: int
    addresses: int
    refused: int


@dataclass
class Flag:
    """Something that looks like stuffing, in plain words."""

    kind: str  # "burst", "network", "domain"
    subject: str
    text: str


@dataclass
class Patterns:
    attempts: int = 0
    confirmed: int = 0
    awaiting: int = 0
    refused: int = 0
    # (rule name, the organiser's words for it, count), most first
    refused_by_rule: list[tuple[str, str, int]] = field(default_factory=list)
    bursts: list[Burst] = field(default_factory=list)
    # The busiest by attempts, and by distinct addresses (many addresses from one place is the stuffer's sign).
    top_domains: list[Source] = field(default_factory=list)
    top_networks: list[Source] = field(default_factory=list)
    domains_by_addresses: list[Source] = field(default_factory=list)
    networks_by_addresses: list[Source] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    # After the close only: per entry, (option, counted ballots, attempts, distinct networks of its ballots).
    by_entry: list[tuple[VoteOption, int, int, int]] | None = None


def _sources(column, vote_id: int, limit: int, *, by_addresses: bool = False) -> list[Source]:
    refused = func.sum(case((VoteAttempt.outcome == AttemptOutcome.REFUSED, 1), else_=0))
    attempts, addresses = func.count(VoteAttempt.id), func.count(func.distinct(VoteAttempt.voter_key))
    order = (addresses.desc(), attempts.desc()) if by_addresses else (attempts.desc(), addresses.desc())
    rows = db.session.execute(
        select(column, attempts, addresses, refused)
        .where(VoteAttempt.vote_id == vote_id)
        .group_by(column)
        .order_by(*order, column)
        .limit(limit)
    ).all()
    blank = NO_DOMAIN_LABEL if column is VoteAttempt.domain else "(none)"
    return [Source(name or blank, attempts, addresses, int(r or 0)) for name, attempts, addresses, r in rows]


def _most_addresses_in_window(rows: list[tuple[datetime, str]]) -> tuple[int, datetime | None]:
    """The most distinct addresses within any WINDOW, and when that window began; rows sorted by time."""
    best, best_start = 0, None
    seen: Counter[str] = Counter()
    start = 0
    for at, key in rows:
        seen[key] += 1
        while rows[start][0] <= at - WINDOW:
            old = rows[start][1]
            seen[old] -= 1
            if not seen[old]:
                del seen[old]
            start += 1
        if len(seen) > best:
            best, best_start = len(seen), rows[start][0]
    return best, best_start


def patterns(vote: PublicVote, now: datetime | None = None, limit: int = 10) -> Patterns:
    """What the organiser's abuse view shows: attempts by outcome and by refusal, bursts, the domains and
    networks with most attempts, and flags in words. Nothing by entry until the vote has closed."""
    cfg = current_app.config
    found = Patterns()
    for outcome, count in db.session.execute(
        select(VoteAttempt.outcome, func.count(VoteAttempt.id))
        .where(VoteAttempt.vote_id == vote.id)
        .group_by(VoteAttempt.outcome)
    ):
        setattr(found, AttemptOutcome(outcome).value, count)
    found.attempts = found.confirmed + found.awaiting + found.refused
    by_rule = db.session.execute(
        select(VoteAttempt.refusal, func.count(VoteAttempt.id))
        .where(VoteAttempt.vote_id == vote.id, VoteAttempt.refusal.is_not(None))
        .group_by(VoteAttempt.refusal)
    ).all()
    found.refused_by_rule = sorted(
        (
            (str(name), RULES_BY_NAME[name].organiser_label if name in RULES_BY_NAME else str(name), count)
            for name, count in by_rule
        ),
        key=lambda r: (-r[2], r[0]),
    )
    found.top_domains = _sources(VoteAttempt.domain, vote.id, limit)
    found.top_networks = _sources(VoteAttempt.ip_prefix, vote.id, limit)
    found.domains_by_addresses = _sources(VoteAttempt.domain, vote.id, limit, by_addresses=True)
    found.networks_by_addresses = _sources(VoteAttempt.ip_prefix, vote.id, limit, by_addresses=True)

    # Bursts and the flags read the attempts' times, networks, domains and keys (no entry).
    rows = db.session.execute(
        select(VoteAttempt.attempted_at, VoteAttempt.ip_prefix, VoteAttempt.domain, VoteAttempt.voter_key)
        .where(VoteAttempt.vote_id == vote.id)
        .order_by(VoteAttempt.attempted_at, VoteAttempt.id)
    ).all()
    tz = vote.cycle.time_zone
    per_minute = Counter(at.replace(second=0, microsecond=0) for at, *_ in rows)
    threshold = int(cfg["VOTE_BURST_PER_MINUTE"])
    found.bursts = [Burst(minute, n) for minute, n in sorted(per_minute.items()) if n > threshold]
    for burst in sorted(found.bursts, key=lambda b: -b.attempts)[:limit]:
        found.flags.append(
            Flag(
                "burst",
                burst.minute.isoformat(),
                f"{burst.attempts} attempts in one minute, at {govuk_datetime(burst.minute, tz)}",
            )
        )
    flag_at = int(cfg["VOTE_FLAG_ADDRESSES_IN_10_MINUTES"])
    by_network: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    by_domain: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for at, prefix, domain, key in rows:
        by_network[prefix].append((at, key))
        by_domain[domain or NO_DOMAIN_LABEL].append((at, key))
    for kind, groups, words in (
        ("network", by_network, "one network"),
        ("domain", by_domain, "one email domain"),
    ):
        for name, group in sorted(groups.items()):
            if kind == "domain" and is_webmail(name):
                continue  # thousands of honest voters share gmail.com
            most, since = _most_addresses_in_window(group)
            if most >= flag_at and since is not None:
                found.flags.append(
                    Flag(
                        kind,
                        name,
                        f"{most} addresses from {words} ({name}) in 10 minutes, from {govuk_datetime(since, tz)}",
                    )
                )

    if vote_state(vote, now) is VoteState.CLOSED:
        found.by_entry = _by_entry(vote)
    return found


def _by_entry(vote: PublicVote) -> list[tuple[VoteOption, int, int, int]]:
    ballots = _ballot_counts([vote.id])
    attempts = dict(
        db.session.execute(
            select(VoteAttempt.option_id, func.count(VoteAttempt.id))
            .where(VoteAttempt.vote_id == vote.id)
            .group_by(VoteAttempt.option_id)
        ).all()
    )
    networks = dict(
        db.session.execute(
            select(Ballot.option_id, func.count(func.distinct(VoteAttempt.ip_prefix)))
            .join(VoteAttempt, VoteAttempt.id == Ballot.attempt_id)
            .where(Ballot.vote_id == vote.id)
            .group_by(Ballot.option_id)
        ).all()
    )
    return [(o, ballots.get(o.id, 0), attempts.get(o.id, 0), networks.get(o.id, 0)) for o in vote.options]
