"""People's Choice under attack: 1,000 scripted stuffing attempts of many kinds, every accepted one confirmed, and
the counted ballots are exactly the distinct legitimate addresses that were allowed to vote, none breaking a rule.

`pytest -s` prints the table: kind, attempts, refused, counted (ballots whose address first came from that kind).
For the links confirmed too late (expired, after the close) the attempts are the asks, accepted at the time, and the
tries of their links, refused. The network and domain hammering count as many addresses as their limits allow: each
such address broke no rule of its own, and the limit is what stops the rest. For the entry that left the vote (its
nomination withdrawn while the vote ran), the links asked for it before are refused when used, and so is every ask
after.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from awards.domain.core.clock import utcnow
from awards.domain.voting import ballots, rules, tallies
from awards.extensions import db
from awards.models import Ballot, Nomination, NominationStatus, OutboxMessage, VoteAttempt, VoteOption
from tests.support.voting import (
    DISPOSABLE_DOMAINS,
    ENTRANTS,
    LOOKALIKE_ADDRESSES,
    assert_ballot_keeps_every_rule,
    confirmation_token,
    forged_token,
    open_second_category_vote,
    open_shortlist_vote,
)

BIN, GP, LIBRARY = TITLES = tuple(title for title, _org, _domain in ENTRANTS)


@dataclass
class Kind:
    name: str
    attempts: int = 0
    refused: int = 0
    counted: int = 0


class Script:
    """Runs the attempts, remembering each kind's figures, which address each key stands for, and the tokens."""

    def __init__(self, setup):
        self.setup = setup
        self.kinds: dict[str, Kind] = {}
        self.address_of: dict[str, str] = {}  # voter key → an address given for it
        self.origin: dict[str, str] = {}  # voter key → the kind whose accepted attempt first used it
        self.to_confirm: list[tuple[str, str]] = []  # (kind, token)
        self.used: list[str] = []
        self.ip_count = 0

    def kind(self, name: str) -> Kind:
        return self.kinds.setdefault(name, Kind(name))

    def fresh_ip(self) -> str:
        """An address in a network of its own."""
        self.ip_count += 1
        return f"100.{64 + self.ip_count // 256}.{self.ip_count % 256}.7"

    def ask(
        self, kind: str, address: str, title: str = BIN, *, ip: str | None = None, option_id=None, now=None, vote=None
    ):
        found = self.kind(kind)
        found.attempts += 1
        option_id = option_id or self.setup.option_titled(title).id
        vote = vote or self.setup.vote
        asked = ballots.ask_to_vote(vote, option_id, address, client_ip=ip or self.fresh_ip(), now=now)
        db.session.commit()
        if not asked.accepted:
            found.refused += 1
            return None
        key = rules.voter_key(address)
        self.address_of.setdefault(key, address)
        self.origin.setdefault(key, kind)
        message = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1)).one()
        return confirmation_token(message)

    def confirm(self, kind: str | None, token: str) -> bool:
        """Use a link; a confirmation counts as an attempt of `kind` when it is one (forged, replayed, …)."""
        try:
            ballots.confirm_vote(token, client_ip=self.fresh_ip())
            db.session.commit()
            self.used.append(token)
            return True
        except ballots.VoteRefused:
            db.session.rollback()
            if kind:
                self.kind(kind).attempts += 1
                self.kind(kind).refused += 1
            return False


@pytest.fixture
def setup(app):
    now = utcnow()
    return open_shortlist_vote(opens_at=now - timedelta(days=3), closes_at=now + timedelta(days=4))


def test_a_thousand_stuffing_attempts_count_only_legitimate_addresses(setup, app):
    cfg = app.config
    ip_limit, domain_limit = cfg["VOTE_IP_PREFIX_LIMIT_PER_HOUR"], cfg["VOTE_DOMAIN_LIMIT_PER_HOUR"]
    script = Script(setup)
    vote = setup.vote
    other_vote = open_second_category_vote(setup)
    start = utcnow()

    # Links asked for 50 hours ago (the vote was open then): they have expired by now.
    with time_machine.travel(start - timedelta(hours=50), tick=False):
        expired = [script.ask("expired links", f"slow{n}@example.net", TITLES[n % 3]) for n in range(10)]
    with time_machine.travel(start, tick=False):
        late_links = _ask_all(script, vote, other_vote)
        _confirm_all(script, expired)
        left = _for_an_entry_that_leaves(script, other_vote)

    with time_machine.travel(vote.closes_at + timedelta(seconds=1), tick=False):
        for token in late_links:
            script.confirm("confirmed after the close", token)
        counted = tallies.tally(vote)

    kinds = script.kinds
    assert sum(k.attempts for k in kinds.values()) == 1000

    # The counted ballots: exactly the distinct legitimate canonical addresses allowed to vote and confirmed in time.
    ballot_rows = db.session.scalars(sa.select(Ballot).where(Ballot.vote_id == vote.id)).all()
    never_confirmed = {"expired links", "confirmed after the close", LEFT}
    allowed = {key for key, kind in script.origin.items() if kind not in never_confirmed}
    assert {b.voter_key for b in ballot_rows} == allowed
    assert sum(c.count for c in counted) == len(ballot_rows) == len(allowed)
    for ballot in ballot_rows:
        kinds[script.origin[ballot.voter_key]].counted += 1
        assert_ballot_keeps_every_rule(ballot, script.address_of[ballot.voter_key], vote)
    by_network = Counter(b.attempt.ip_prefix for b in ballot_rows)
    assert max(by_network.values()) <= ip_limit
    by_domain = Counter(
        rules.base_domain(rules.parse_address(script.address_of[b.voter_key]).domain) for b in ballot_rows
    )
    assert all(n <= domain_limit for d, n in by_domain.items() if not rules.is_webmail(d))

    expected_counted = {
        "legitimate": 70,
        "one network hammering": ip_limit,
        "one domain hammering": domain_limit,
    }
    for kind in kinds.values():
        assert kind.counted == expected_counted.get(kind.name, 0), kind
    for name in (
        "confusable look-alikes",
        "disposable domains",
        "own organisation's domains",
        "another category's entry",
        "invalid addresses",
        "before the open",
        "after the close",
        "forged tokens",
        "replayed tokens",
    ):
        assert kinds[name].refused == kinds[name].attempts, name
    # The entry that left: its links from before refused when used, every later ask refused, no ballot for it.
    assert (kinds[LEFT].attempts, kinds[LEFT].refused) == (40, 30)
    assert db.session.scalar(sa.select(sa.func.count(Ballot.id)).where(Ballot.option_id == left.id)) == 0
    assert kinds["one network hammering"].refused == 150 - ip_limit
    assert kinds["one domain hammering"].refused == 150 - domain_limit
    assert kinds["legitimate"].refused == 0
    # The variants and repeats replaced ballots (at most three links an hour each), never added one.
    replaced = db.session.scalar(sa.select(sa.func.sum(Ballot.replaced_count)).where(Ballot.vote_id == vote.id))
    accepted_replacements = sum(
        kinds[k].attempts - kinds[k].refused for k in ("repeat address", "+tag, dot, case variants")
    )
    assert replaced == accepted_replacements > 0
    refusals = dict(
        db.session.execute(
            sa.select(VoteAttempt.refusal, sa.func.count())
            .where(VoteAttempt.refusal.is_not(None))
            .group_by(VoteAttempt.refusal)
        ).all()
    )
    assert set(refusals) >= {r.name for r in (*rules.RULES, rules.ENTRY_WITHDRAWN)}  # every rule met at least once

    print(f"\n{'kind':<30}{'attempts':>10}{'refused':>10}{'counted':>10}")
    for kind in kinds.values():
        print(f"{kind.name:<30}{kind.attempts:>10}{kind.refused:>10}{kind.counted:>10}")
    total = Kind("total", *(sum(getattr(k, f) for k in kinds.values()) for f in ("attempts", "refused", "counted")))
    print(f"{total.name:<30}{total.attempts:>10}{total.refused:>10}{total.counted:>10}")
    print("refused by rule: " + ", ".join(f"{name} {n}" for name, n in sorted(refusals.items())))


def test_the_script_meets_every_rule(app):
    """The control: the rules the script expects to meet are the rules there are."""
    assert {r.name for r in rules.RULES} == {
        "not_open",
        "unknown_entry",
        "invalid_address",
        "confusable_address",
        "disposable_address",
        "own_organisation",
        "address_rate",
        "ip_prefix_rate",
        "domain_rate",
    }


def _ask_all(script: Script, vote, other_vote) -> list[str | None]:
    """Every kind of attempt to vote, at one instant (so every rate counts all of them); the links to confirm late."""
    titles = TITLES
    org_voters = [f"voter{n}@council{n}.gov.uk" for n in range(30)]
    gmail_voters = [f"first.last{n}@gmail.com" for n in range(40)]
    for n, address in enumerate(org_voters + gmail_voters):
        script.to_confirm.append(("legitimate", script.ask("legitimate", address, titles[n % 3])))
    for n in range(60):  # the same address again, for another entry
        address = org_voters[n % 30]
        script.to_confirm.append(("repeat address", script.ask("repeat address", address, titles[(n + 1) % 3])))
    for n in range(100):  # the same Gmail mailbox, spelt otherwise
        local = f"firstlast{n % 40}"
        variant = (
            f"{local[:5]}.{local[5:]}+vote{n}@gmail.com",
            f"{local.upper()}@googlemail.com",
            f"f.i.r.s.t.l.a.s.t{n % 40}@GMail.com",
            f"{local}+{n}@googlemail.com",
        )[n % 4]
        script.to_confirm.append(("+tag, dot, case variants", script.ask("+tag, dot, case variants", variant)))
    for n in range(60):
        pattern = LOOKALIKE_ADDRESSES[n % len(LOOKALIKE_ADDRESSES)]
        script.ask("confusable look-alikes", pattern.format(n=n))
    for n in range(60):
        domain = DISPOSABLE_DOMAINS[n % len(DISPOSABLE_DOMAINS)]
        script.ask("disposable domains", f"vote{n}@{'inbox.' if n % 2 else ''}{domain}")
    own = [(BIN, "riverside.gov.uk"), (GP, "hillshire.nhs.uk"), (LIBRARY, "lakeside.gov.uk")]
    for n in range(80):
        title, domain = own[n % 3]
        sub = ("", "digital.", "parks.digital.", "mail.")[n % 4]
        script.ask("own organisation's domains", f"staff{n}@{sub}{domain}", title)
    for n in range(150):  # one network, many addresses
        token = script.ask("one network hammering", f"user{n}@hammer{n}.org", ip=f"203.0.113.{n % 250}")
        script.to_confirm.append(("one network hammering", token))
    for n in range(150):  # one domain (and its subdomains), many networks
        address = f"user{n}@{('', 'a.', 'b.')[n % 3]}stuffer-ltd.co.uk"
        script.to_confirm.append(("one domain hammering", script.ask("one domain hammering", address)))
    for n in range(40):
        option = other_vote.options[n % len(other_vote.options)]
        script.ask("another category's entry", f"cross{n}@example.com", option_id=option.id)
    for n in range(20):
        invalid = ("no-at-sign{n}", "two{n}@@example.com", "x{n}@", "a b{n}@example.com")[n % 4]
        script.ask("invalid addresses", invalid.format(n=n))
    for n in range(30):
        script.ask("before the open", f"early{n}@example.com", now=vote.opens_at - timedelta(minutes=n + 1))
    for n in range(30):
        script.ask("after the close", f"late{n}@example.com", now=vote.closes_at + timedelta(minutes=n))
    late_links = [script.ask("confirmed after the close", f"tardy{n}@example.com") for n in range(10)]
    return late_links


def _confirm_all(script: Script, expired: list[str | None]) -> None:
    """Confirm every accepted attempt (a refused one has no link), then try the expired, forged and replayed links."""
    for kind, token in script.to_confirm:
        if token is not None:
            assert script.confirm(None, token), kind
    for token in expired:
        assert token is not None
        script.confirm("expired links", token)
    for n in range(40):
        script.confirm("forged tokens", forged_token(script.used[n], n))
    for n in range(30):
        script.confirm("replayed tokens", script.used[n * 3])


LEFT = "an entry that left the vote"


def _for_an_entry_that_leaves(script: Script, other_vote) -> VoteOption:
    """Links asked for an entry of the other vote while it is in it, its nomination then withdrawn: the links are
    refused when used, and so is every later ask for it (40 attempts: 10 asks accepted at the time, their 10 links,
    20 asks after). Returns the entry."""
    entry = other_vote.options[0]
    tokens = [script.ask(LEFT, f"fan{n}@example.org", option_id=entry.id, vote=other_vote) for n in range(10)]
    assert all(tokens)
    db.session.get(Nomination, entry.nomination_id).status = NominationStatus.WITHDRAWN
    db.session.commit()
    for token in tokens:
        assert not script.confirm(LEFT, token)
    for n in range(20):
        assert script.ask(LEFT, f"late-fan{n}@example.org", option_id=entry.id, vote=other_vote) is None
    return entry
