"""People's Choice under attack through the web: 1,000 scripted stuffing attempts of many kinds against the real
pages (the vote form with its CSRF token, the confirmation page, the per-client request limits counted per client
address), the links taken from the outbox's e-mails, and the counted ballots are exactly the distinct legitimate
addresses that were allowed to vote, none breaking a rule.

Every kind of attempt runs beside a control group of legitimate voters in the same conditions (the same moment,
network, organisation or phase), each of whom must count. `pytest -s` prints the table: kind, attempts, refused,
counted (ballots whose address first came from that kind), controls and how many of them counted.

The hammering kinds count as many addresses as their limits let through: each such address broke no rule of its
own, and the limit is what stops the rest (one client address: the web's per-address request limit, 429; one
network or one e-mail domain: the vote's own hourly limits, counted in the database).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from limits import parse_many

from awards.domain.core.clock import utcnow
from awards.domain.voting import rules, tallies
from awards.extensions import db
from awards.models import Ballot, OutboxMessage, VoteAttempt
from tests.support.visible import error_messages, main_text
from tests.support.voting import (
    DISPOSABLE_DOMAINS,
    ENTRANTS,
    LOOKALIKE_ADDRESSES,
    StuffingKind,
    assert_ballot_keeps_every_rule,
    confirmation_token,
    forged_token,
    network_ip,
    open_second_category_vote,
    open_shortlist_vote,
    stuffing_table,
)

BIN, GP, LIBRARY = TITLES = tuple(title for title, _org, _domain in ENTRANTS)
CONTROLS = 5  # legitimate voters beside each kind of attempt
STEP = timedelta(milliseconds=200)  # between two asks: 300 a minute, under the form's overall limit of 600
REQUEST_LIMIT = "request limit (429)"
MESSAGES = {rule.voter_message: rule.name for rule in rules.RULES}


class Voters:
    """Strangers at the vote's pages: each ask and confirmation comes from a client address of its own (unless
    told), in one browser session whose CSRF token the vote page gave. Remembers each kind's figures, which
    address each voter key stands for, whose ask first used it, and the links to confirm."""

    def __init__(self, app, setup, clock):
        self.app, self.setup, self.clock = app, setup, clock
        self.vote_url = f"/cycles/{setup.cycle.slug}/peoples-choice/{setup.category.slug}"
        self.kinds: dict[str, StuffingKind] = {}
        self.address_of: dict[str, str] = {}  # voter key → an address given for it
        self.origin: dict[str, str] = {}  # voter key → the kind whose accepted ask first used it
        self.control_keys: dict[str, str] = {}  # voter key → the kind it was a control of
        self.to_confirm: list[tuple[str, str, bool]] = []  # (kind, link's token, a control's)
        self.used: list[str] = []
        self.late: set[str] = set()  # voter keys whose only links were used too late
        self.refusals: Counter[str] = Counter()
        self.ips = 0
        self.controls_made = 0
        self.new_session()

    def new_session(self) -> None:
        """A browser opening the vote page (as after a while away: the CSRF token is good for an hour)."""
        self.browser = self.app.test_client()
        self.csrf = self.browser.csrf_token(self.vote_url)

    def kind(self, name: str) -> StuffingKind:
        return self.kinds.setdefault(name, StuffingKind(name))

    def fresh_ip(self) -> str:
        self.ips += 1
        return network_ip(self.ips)

    def ask(
        self, kind: str, address: str, title: str = BIN, *, ip=None, option_id=None, control=False, later=False
    ) -> str | None:
        """Post the vote form; the link's token if a link was e-mailed (kept to be confirmed, unless `later`), else
        None (the refusal is counted). An ask for `later` is the honest first half of an attempt whose link is used
        too late: the use is the attempt."""
        found = self.kind(kind)
        if control:
            found.controls += 1
        elif not later:
            found.attempts += 1
        self.clock.shift(STEP)
        form = {"csrf_token": self.csrf, "option": str(option_id or self.setup.option_titled(title).id)}
        response = self.browser.post(
            self.vote_url, data={**form, "email": address}, environ_base={"REMOTE_ADDR": ip or self.fresh_ip()}
        )
        if response.status_code != 302:
            assert not control, (kind, address, response.status_code, main_text(response))
            found.refused += 1
            self.refusals[self._refusal(response)] += 1
            return None
        assert response.headers["Location"].endswith("/check-your-email")
        key = rules.voter_key(address)
        self.address_of.setdefault(key, address)
        self.origin.setdefault(key, kind)
        if control:
            self.control_keys.setdefault(key, kind)
        message = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "vote_confirm").order_by(OutboxMessage.id.desc())
        ).first()
        assert message is not None and message.to_address == rules.parse_address(address).normalised
        token = confirmation_token(message)
        if later:
            self.late.add(key)
        else:
            self.to_confirm.append((kind, token, control))
        return token

    @staticmethod
    def _refusal(response) -> str:
        """Why the page refused, as the person reads it: the rule its error names, the 429 page, or a closed vote."""
        if response.status_code == 429:
            assert "Too many requests" in main_text(response)
            return REQUEST_LIMIT
        if response.status_code == 409:
            assert "Voting closed at" in main_text(response)
            return "vote closed (409)"
        assert response.status_code == 200
        [message] = error_messages(response)
        return MESSAGES[message]

    def control(self, kind: str, title: str = BIN, *, ip=None, address=None) -> None:
        """A legitimate voter beside `kind`: asks (it must be e-mailed a link) and is confirmed later."""
        self.controls_made += 1
        address = address or f"resident{self.controls_made}@council{self.controls_made}.gov.uk"
        token = self.ask(kind, address, title, ip=ip, control=True)
        assert token is not None

    def confirm(self, kind: str | None, token: str, *, open_first: bool = True) -> bool:
        """Use a link: open the page it leads to, then press the button (a forger just posts). A refused use
        counts as an attempt of `kind` when it is one (forged, replayed, expired, after the close)."""
        url = f"/peoples-choice/confirm/{token}"
        environ = {"REMOTE_ADDR": self.fresh_ip()}
        self.clock.shift(STEP)
        if open_first:
            page = self.browser.get(url, environ_base=environ)
            if page.status_code == 200:
                assert "Confirm your vote for" in main_text(page)
        done = self.browser.post(url, data={"csrf_token": self.csrf}, environ_base=environ)
        if done.status_code == 200:
            assert "Your vote is counted" in main_text(done) or "Your vote has changed" in main_text(done)
            self.used.append(token)
            return True
        assert done.status_code in (400, 410), done.status_code
        assert "This link cannot be used" in main_text(done)
        if kind:
            self.kind(kind).attempts += 1
            self.kind(kind).refused += 1
            self.refusals[f"link {done.status_code}"] += 1
        return False


@pytest.fixture
def voting_app(make_app):
    """The app as production runs it in this respect: the request limits on, counted in the process (in memory,
    so they follow the test's clock)."""
    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        yield app


def test_a_thousand_stuffing_attempts_through_the_web_count_only_legitimate_addresses(voting_app):
    cfg = voting_app.config
    ip_limit, domain_limit = cfg["VOTE_IP_PREFIX_LIMIT_PER_HOUR"], cfg["VOTE_DOMAIN_LIMIT_PER_HOUR"]
    per_client = min(item.amount for item in parse_many(cfg["RATELIMIT_VOTE"]))  # asks per client address
    per_address = cfg["VOTE_ADDRESS_LIMIT_PER_HOUR"]  # links per e-mail address
    start = utcnow().replace(microsecond=0)
    setup = open_shortlist_vote(opens_at=start - timedelta(days=3), closes_at=start + timedelta(days=1))
    other_vote = open_second_category_vote(setup)
    vote = setup.vote

    with time_machine.travel(start - timedelta(hours=50), tick=False) as clock:
        voters = Voters(voting_app, setup, clock)
        expired = [voters.ask("expired links", f"slow{n}@slow{n}.org.uk", TITLES[n % 3], later=True) for n in range(20)]
    with time_machine.travel(start, tick=False) as clock:
        voters.clock = clock
        voters.new_session()
        late_links = _ask_every_kind(voters, other_vote)
        _confirm_every_link(voters, expired)
    with time_machine.travel(vote.closes_at + timedelta(seconds=1), tick=False) as clock:
        voters.clock = clock
        voters.new_session()
        for token in late_links:
            voters.confirm("confirmed after the close", token)
        for n in range(30):
            voters.ask("asking after the close", f"late{n}@late{n}.org.uk")
        counted = tallies.tally(vote)

    kinds = voters.kinds
    assert sum(k.attempts for k in kinds.values()) == 1000

    # The counted ballots: exactly the distinct canonical addresses allowed to vote whose links were confirmed in time.
    ballot_rows = db.session.scalars(sa.select(Ballot).where(Ballot.vote_id == vote.id)).all()
    allowed = set(voters.origin) - voters.late
    assert {b.voter_key for b in ballot_rows} == allowed
    assert len({rules.canonical_address(voters.address_of[key]) for key in allowed}) == len(allowed)
    assert sum(c.count for c in counted) == len(ballot_rows) == len(allowed)
    for ballot in ballot_rows:
        assert_ballot_keeps_every_rule(ballot, voters.address_of[ballot.voter_key], vote)
        if ballot.voter_key in voters.control_keys:
            kinds[voters.control_keys[ballot.voter_key]].controls_counted += 1
        else:
            kinds[voters.origin[ballot.voter_key]].counted += 1
    assert max(Counter(b.attempt.ip_prefix for b in ballot_rows).values()) <= ip_limit
    by_domain = Counter(b.attempt.domain for b in ballot_rows)
    assert all(n <= domain_limit for domain, n in by_domain.items() if not rules.is_webmail(domain))
    # The other category's vote got nothing.
    assert db.session.scalar(sa.select(sa.func.count(Ballot.id)).where(Ballot.vote_id == other_vote.id)) == 0

    # Every control counted; each kind counted nothing of its own but what its limit lets through.
    for kind in kinds.values():
        assert kind.controls_counted == kind.controls, kind
    expected_counted = {"one client address hammering": per_client, "one network hammering": ip_limit - CONTROLS}
    expected_counted["one domain hammering"] = domain_limit
    # The repeats and variants only replaced their controls' ballots: two more links an hour each, the rest refused.
    replacing = {
        "one address again and again": per_address - 1,
        "+tag, dot, case variants": CONTROLS * (per_address - 1),
    }
    for kind in kinds.values():
        assert kind.counted == expected_counted.get(kind.name, 0), kind
        accepted = kind.attempts - kind.refused
        assert accepted == expected_counted.get(kind.name, replacing.get(kind.name, 0)), kind
    replaced = db.session.scalar(sa.select(sa.func.sum(Ballot.replaced_count)).where(Ballot.vote_id == vote.id))
    assert replaced == len(voters.used) - len(ballot_rows) == sum(replacing.values())
    assert db.session.scalar(
        sa.select(sa.func.count(VoteAttempt.id)).where(VoteAttempt.confirmed_at.is_not(None))
    ) == len(voters.used)
    # Every rule was met, each through its page.
    met = {name for name in voters.refusals}
    assert {r.name for r in rules.RULES} - {rules.NOT_OPEN.name} <= met
    assert {REQUEST_LIMIT, "link 400", "link 410", "vote closed (409)"} <= met

    print("\n" + stuffing_table(kinds.values(), dict(voters.refusals)))


def _ask_every_kind(voters: Voters, other_vote) -> list[str | None]:
    """Every kind of ask, each beside its controls, one step of the clock apart (so every hourly limit counts
    them all); returns the links to be confirmed only after the close."""
    _ask_again_and_again(voters)
    _ask_from_bad_addresses(voters)
    _ask_hammering(voters)
    for n in range(40):
        if n % 8 == 0:
            voters.control("another category's entry", TITLES[n % 3])
        option = other_vote.options[n % len(other_vote.options)]
        voters.ask("another category's entry", f"cross{n}@cross{n}.org.uk", option_id=option.id)
    for kind in ("forged and tampered links", "replayed links", "expired links", "confirmed after the close"):
        for _ in range(CONTROLS):
            voters.control(kind)
    for _ in range(CONTROLS):
        voters.control("asking after the close")
    return [voters.ask("confirmed after the close", f"tardy{n}@tardy{n}.org.uk", later=True) for n in range(20)]


def _ask_again_and_again(voters: Voters) -> None:
    """One address again and again (for each entry in turn, from many networks), and Gmail mailboxes spelt
    otherwise: each a control's, whose one ballot the two more links an hour allows replace."""
    repeated = "pat.jones@council-repeat.gov.uk"
    voters.control("one address again and again", address=repeated)
    for n in range(CONTROLS - 1):
        voters.control("one address again and again", TITLES[n % 3])
    for n in range(60):
        voters.ask("one address again and again", repeated, TITLES[(n + 1) % 3])
    for n in range(CONTROLS):
        voters.control("+tag, dot, case variants", TITLES[n % 3], address=f"first.last{n}@gmail.com")
    for n in range(100):
        local = f"firstlast{n % CONTROLS}"
        variant = (
            f"{local[:5]}.{local[5:]}+vote{n}@gmail.com",
            f"{local.upper()}@googlemail.com",
            f"f.i.r.s.t.l.a.s.t{n % CONTROLS}@GMail.com",
            f"{local}+{n}@googlemail.com",
        )[n % 4]
        voters.ask("+tag, dot, case variants", variant)


def _ask_from_bad_addresses(voters: Voters) -> None:
    """Look-alike, disposable, invalid addresses, and addresses at the entry's own organisation (whose staff
    may vote for another entry)."""
    for n in range(80):
        if n % 16 == 0:
            voters.control("confusable look-alikes", address=f"paypal{n}@example.com")
        voters.ask("confusable look-alikes", LOOKALIKE_ADDRESSES[n % len(LOOKALIKE_ADDRESSES)].format(n=n))
    for n in range(80):
        if n % 16 == 0:
            voters.control("disposable domains")
        domain = DISPOSABLE_DOMAINS[n % len(DISPOSABLE_DOMAINS)]
        voters.ask("disposable domains", f"vote{n}@{'inbox.' if n % 2 else ''}{domain}")
    own = [(BIN, GP, "riverside.gov.uk"), (GP, LIBRARY, "hillshire.nhs.uk"), (LIBRARY, BIN, "lakeside.gov.uk")]
    for n in range(80):
        title, another, domain = own[n % 3]
        address = f"staff{n}@{('', 'digital.', 'parks.digital.', 'mail.')[n % 4]}{domain}"
        if n % 16 == 0:
            voters.control("own organisation's domains", another, address=address)
        voters.ask("own organisation's domains", address, title)
    invalid = ("no-at-sign{n}", "two{n}@@example.com", "x{n}@", "a b{n}@example.com")
    for n in range(20):
        if n % 4 == 0:
            voters.control("invalid addresses")
        voters.ask("invalid addresses", invalid[n % 4].format(n=n))


def _ask_hammering(voters: Voters) -> None:
    """Many addresses from one client address (the web's per-address limit; the controls from other addresses
    of its network), from one network (the vote's hourly limit per network, which serves whoever asks first: the
    controls), and at one e-mail domain and its subdomains from many networks (the controls at other ones)."""
    for n in range(120):
        if n % 24 == 0:
            voters.control("one client address hammering", ip=f"192.0.2.{100 + n}")
        voters.ask("one client address hammering", f"user{n}@ipflood{n}.org.uk", ip="192.0.2.10")
    for n in range(CONTROLS):
        voters.control("one network hammering", ip=f"203.0.113.{200 + n}")
    for n in range(120):
        voters.ask("one network hammering", f"user{n}@netflood{n}.org.uk", ip=f"203.0.113.{n}")
    for n in range(130):
        if n % 26 == 0:
            voters.control("one domain hammering")
        voters.ask("one domain hammering", f"user{n}@{('', 'a.', 'b.')[n % 3]}stuffer-ltd.co.uk")


def _confirm_every_link(voters: Voters, expired: list[str | None]) -> None:
    """Confirm every link e-mailed (a refused ask has none), then try the expired, forged and replayed links."""
    for kind, token, _control in voters.to_confirm:
        assert voters.confirm(None, token), kind
    for token in expired:
        assert token is not None
        voters.confirm("expired links", token)
    for n in range(60):
        voters.confirm("forged and tampered links", forged_token(voters.used[n], n), open_first=False)
    for n in range(40):
        voters.confirm("replayed links", voters.used[n * 3], open_first=False)
