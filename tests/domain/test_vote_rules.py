"""People's Choice: each address rule, with an attempt it lets through and one it refuses; canonical addresses, the
hashed key, network prefixes; and the organiser's patterns, which name no entry's count before the close."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from awards.domain.core.clock import utcnow
from awards.domain.voting import ballots, rules, tallies
from awards.extensions import db
from awards.models import AttemptOutcome, VoteAttempt
from tests.support.voting import ENTRANTS, open_second_category_vote, open_shortlist_vote

BIN, GP, LIBRARY = (title for title, _org, _domain in ENTRANTS)


@pytest.fixture
def setup(app):
    return open_shortlist_vote()


def attempt_vote(setup, address: str, title: str = BIN, ip: str = "198.51.100.7", **kwargs):
    option_id = kwargs.pop("option_id", None) or setup.option_titled(title).id
    asked = ballots.ask_to_vote(setup.vote, option_id, address, client_ip=ip, **kwargs)
    db.session.commit()
    return asked


def rule_refusing(setup, address: str, title: str = BIN, **kwargs) -> str | None:
    return attempt_vote(setup, address, title, **kwargs).refused_rule


# --- Canonical addresses, keys and networks -----------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("J.Smith+x@gmail.com", "jsmith@gmail.com"),
        ("jsmith@googlemail.com", "jsmith@gmail.com"),
        ("JSMITH@GMAIL.COM", "jsmith@gmail.com"),
        ("j.smith@outlook.com", "j.smith@outlook.com"),  # dots mean something beyond Gmail
        ("Sam+awards@Riverside.gov.uk", "sam@riverside.gov.uk"),
        ("anna@münchen.de", "anna@xn--mnchen-3ya.de"),
        ("ｊｏ@example.com", "jo@example.com"),  # full-width letters (NFKC)
    ],
)
def test_canonical_addresses(app, given, canonical):
    assert rules.canonical_address(given) == canonical


def test_the_voter_key_is_one_keyed_hash_per_canonical_address(app):
    key = rules.voter_key("J.Smith+x@gmail.com")
    assert key == rules.voter_key("jsmith@googlemail.com") and len(key) == 64
    assert key != rules.voter_key("jsmith@outlook.com")
    assert "jsmith" not in key
    app.config["SECRET_KEY"], secret = "another-secret", app.config["SECRET_KEY"]
    try:
        assert rules.voter_key("jsmith@gmail.com") != key  # keyed: without the secret, no one can rebuild it
    finally:
        app.config["SECRET_KEY"] = secret


@pytest.mark.parametrize(
    ("ip", "prefix"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.0/24"),
        (None, "unknown"),
        ("not an address", "unknown"),
    ],
)
def test_network_prefixes(ip, prefix):
    assert rules.ip_prefix(ip) == prefix


# --- Each rule: one let through, one refused -----------------------------------------------------------


def test_an_attempt_that_keeps_every_rule_is_emailed(setup):
    asked = attempt_vote(setup, "sam@example.com")
    assert asked.accepted and asked.message is None and asked.attempt.outcome is AttemptOutcome.AWAITING


def test_the_vote_must_be_open(setup):
    assert rule_refusing(setup, "sam@example.com", now=setup.vote.opens_at - timedelta(seconds=1)) == "not_open"
    assert rule_refusing(setup, "sam@example.com", now=setup.vote.closes_at) == "not_open"
    assert rule_refusing(setup, "sam@example.com", now=setup.vote.closes_at - timedelta(seconds=1)) is None


def test_the_entry_must_be_one_of_the_votes(setup, app):
    other = open_second_category_vote(setup)
    asked = attempt_vote(setup, "sam@example.com", option_id=other.options[0].id)
    assert asked.refused_rule == "unknown_entry" and asked.message == "Select an entry to vote for"
    assert asked.attempt.option_id is None
    assert rule_refusing(setup, "sam@example.com", option_id="not-a-number") == "unknown_entry"
    assert rule_refusing(setup, "sam@example.com", option_id=str(setup.option_titled(GP).id)) is None


@pytest.mark.parametrize("address", ["sam", "sam@", "@example.com", "sam@example", "sam example@example.com", ""])
def test_an_address_must_be_valid(setup, address):
    asked = attempt_vote(setup, address)
    assert asked.refused_rule == "invalid_address"
    assert asked.message == "Enter an email address in the correct format, like name@example.com"
    assert asked.attempt.domain == ""  # what was typed is not kept as a domain


def test_an_invalid_address_keeps_no_domain_even_when_it_names_one(setup):
    asked = attempt_vote(setup, "<script>alert(1)</script>@evil.example")
    assert asked.refused_rule == "invalid_address"
    assert db.session.get(VoteAttempt, asked.attempt.id).domain == ""


@pytest.mark.parametrize(
    ("address", "rule"),
    [
        ("p\u0430ypal@example.com", "confusable_address"),  # Cyrillic а among Latin letters
        ("sam@ex\u0430mple.com", "confusable_address"),  # … in the domain
        ("\u0441\u043e\u0441\u043e@example.com", "confusable_address"),  # all Cyrillic, reads as 'coco'
        ("sam@\u0440\u0430\u0443\u0440\u0430\u0441.com", "confusable_address"),  # a domain that reads 'paypac'
        ("josé@example.com", None),  # one alphabet, letters that do not pass for English ones
        ("иван@почта.рф", None),  # Cyrillic, not pretending to be Latin
        ("anna@münchen.de", None),
        ("plain.ascii-1@example.com", None),
    ],
)
def test_look_alike_addresses_are_refused(setup, address, rule):
    assert rule_refusing(setup, address) == rule


@pytest.mark.parametrize(
    ("address", "rule"),
    [
        ("sam@mailinator.com", "disposable_address"),
        ("sam@inbox.mailinator.com", "disposable_address"),  # a subdomain of a listed one
        ("sam@guerrillamail.com", "disposable_address"),
        ("sam@mailinator.co.uk.example.com", None),  # only the address's own domain and its parents count
        ("sam@example.org", None),
    ],
)
def test_disposable_domains_are_refused(setup, address, rule):
    assert rule_refusing(setup, address) == rule


@pytest.mark.parametrize(
    ("address", "title", "rule"),
    [
        ("sam@riverside.gov.uk", BIN, "own_organisation"),
        ("sam@digital.riverside.gov.uk", BIN, "own_organisation"),
        ("sam@parks.digital.riverside.gov.uk", BIN, "own_organisation"),
        ("sam@riverside.gov.uk", GP, None),  # another entry
        ("sam@myriverside.gov.uk", BIN, None),  # another domain that only ends the same
        ("sam@gmail.com", BIN, None),
    ],
)
def test_no_vote_for_ones_own_organisation(setup, address, title, rule):
    asked = attempt_vote(setup, address, title)
    assert asked.refused_rule == rule
    if rule:
        assert asked.message.startswith("You cannot vote for an entry from your own organisation")


def test_at_most_three_links_to_one_address_an_hour(setup):
    assert [rule_refusing(setup, a) for a in ("sam@example.com", "Sam+2@example.com", "SAM@example.com")] == [None] * 3
    assert rule_refusing(setup, "sam+4@example.com") == "address_rate"
    assert rule_refusing(setup, "kim@example.com") is None  # another address
    with time_machine.travel(utcnow() + timedelta(hours=1, seconds=1), tick=False):
        assert rule_refusing(setup, "sam@example.com") is None


def test_links_from_one_network_are_limited_an_hour(setup, app, monkeypatch):
    monkeypatch.setitem(app.config, "VOTE_IP_PREFIX_LIMIT_PER_HOUR", 3)
    found = [rule_refusing(setup, f"voter{n}@example{n}.org", ip=f"203.0.113.{n}") for n in range(5)]
    assert found == [None, None, None, "ip_prefix_rate", "ip_prefix_rate"]
    assert rule_refusing(setup, "voter9@example9.org", ip="203.0.114.1") is None  # the next /24
    assert rule_refusing(setup, "v6@example.org", ip="2001:db8:1:2::1") is None


def test_links_to_one_domain_are_limited_lower_for_an_organisation_than_for_webmail(setup, app, monkeypatch):
    monkeypatch.setitem(app.config, "VOTE_DOMAIN_LIMIT_PER_HOUR", 2)
    monkeypatch.setitem(app.config, "VOTE_WEBMAIL_DOMAIN_LIMIT_PER_HOUR", 4)
    org = [
        rule_refusing(setup, f"v{n}@{sub}lakeside-fc.org.uk", ip=f"192.0.{n}.1")
        for n, sub in enumerate(["", "a.", "b."])
    ]
    assert org == [None, None, "domain_rate"]  # subdomains count as the organisation's domain
    webmail = [rule_refusing(setup, f"person{n}@gmail.com", ip=f"198.18.{n}.1") for n in range(5)]
    assert webmail == [None] * 4 + ["domain_rate"]


def test_refused_attempts_use_up_no_allowance(setup, app, monkeypatch):
    monkeypatch.setitem(app.config, "VOTE_IP_PREFIX_LIMIT_PER_HOUR", 2)
    for n in range(10):
        assert rule_refusing(setup, f"junk{n}@mailinator.com") == "disposable_address"
    assert rule_refusing(setup, "honest@example.com") is None


def test_every_attempt_is_recorded_with_its_outcome(setup):
    attempt_vote(setup, "sam@example.com")
    attempt_vote(setup, "sam@mailinator.com")
    rows = db.session.execute(
        sa.select(VoteAttempt.outcome, VoteAttempt.refusal, VoteAttempt.domain, VoteAttempt.token_digest).order_by(
            VoteAttempt.id
        )
    ).all()
    assert [(o.value, r, d, t is not None) for o, r, d, t in rows] == [
        ("awaiting", None, "example.com", True),
        ("refused", "disposable_address", "mailinator.com", False),
    ]


def test_every_rule_has_words_for_the_voter_and_the_organiser():
    assert len({r.name for r in rules.RULES}) == len(rules.RULES)
    for rule in rules.RULES:
        assert rule.voter_message and rule.organiser_label and len(rule.name) <= 40
        assert not rule.voter_message.endswith(".")  # GOV.UK error messages


# --- Patterns ---------------------------------------------------------------------------------------------


def test_patterns_show_bursts_networks_and_domains_but_no_entrys_count_before_the_close(setup, app, monkeypatch):
    monkeypatch.setitem(app.config, "VOTE_IP_PREFIX_LIMIT_PER_HOUR", 1000)
    monkeypatch.setitem(app.config, "VOTE_DOMAIN_LIMIT_PER_HOUR", 1000)
    start = utcnow().replace(second=0, microsecond=0) + timedelta(minutes=2)
    for n in range(25):  # 25 in one minute, from one network, at one organisation's domain
        at = start + timedelta(seconds=n * 2)
        attempt_vote(setup, f"bot{n}@stuffing.example", ip=f"203.0.113.{n}", now=at)
    for n in range(5):  # a few ordinary voters over an hour
        attempt_vote(setup, f"voter{n}@gmail.com", GP, ip=f"198.51.{n}.9", now=start + timedelta(minutes=10 * n))
    attempt_vote(setup, "junk@mailinator.com", now=start)

    found = tallies.patterns(setup.vote)
    assert (found.attempts, found.awaiting, found.confirmed, found.refused) == (31, 30, 0, 1)
    assert found.refused_by_rule == [("disposable_address", "A disposable email address", 1)]
    assert [(b.minute, b.attempts) for b in found.bursts] == [(start, 27)]  # with a voter and the junk
    assert (found.top_networks[0].name, found.top_networks[0].attempts, found.top_networks[0].addresses) == (
        "203.0.113.0/24",
        25,
        25,
    )
    assert (found.top_domains[0].name, found.top_domains[0].addresses) == ("stuffing.example", 25)
    assert [(s.name, s.attempts, s.addresses) for s in found.domains_by_addresses[:2]] == [
        ("stuffing.example", 25, 25),
        ("gmail.com", 5, 5),
    ]
    assert found.networks_by_addresses[0].name == "203.0.113.0/24"
    texts = [f.text for f in found.flags]
    assert any(t.startswith("27 attempts in one minute") for t in texts)
    assert any(t.startswith("25 addresses from one network (203.0.113.0/24) in 10 minutes") for t in texts)
    assert any(t.startswith("25 addresses from one email domain (stuffing.example) in 10 minutes") for t in texts)
    assert not any("gmail.com" in t for t in texts)  # webmail is shared by honest voters
    assert found.by_entry is None  # nothing by entry while the vote runs

    with time_machine.travel(setup.vote.closes_at, tick=False):
        closed = tallies.patterns(setup.vote)
    by_entry = {option.title: (ballots_, attempts) for option, ballots_, attempts, _networks in closed.by_entry}
    assert by_entry == {BIN: (0, 26), GP: (0, 5), LIBRARY: (0, 0)}
