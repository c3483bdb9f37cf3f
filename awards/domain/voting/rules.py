"""The rules an attempt to vote must keep, one named rule each, with the words a voter reads when it
is refused and the words the organiser's abuse view uses for it.

An address is compared in its canonical form (`canonical_address`): lower case, NFKC, the domain in
its IDNA (xn--) form, any "+tag" after the local part taken off (every provider), and for Gmail
(gmail.com and googlemail.com, folded to gmail.com) the dots of the local part taken off too, since
Gmail delivers "j.smith", "jsmith" and "J.Smith+awards" to one mailbox. Other providers' dots are
kept: for them "j.smith" and "jsmith" can be two people. What is stored is never the address but a
keyed hash of its canonical form (`voter_key`), and never a client's address but its network
(`ip_prefix`: an IPv4 /24, an IPv6 /64).

The limits count the confirmation links e-mailed (attempts not refused) in the hour before the
attempt, in the same category's vote: refused attempts use up no allowance, so a flood of bad
addresses cannot lock out a network's or a domain's honest voters (a flood of requests meets the
web's per-client request limit first).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from confusable_homoglyphs import categories
from disposable_email_domains import blocklist
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import func, or_, select

from awards.domain.judging.conflicts import SHARED_DOMAINS
from awards.domain.people.accounts import email_skeleton
from awards.extensions import db
from awards.models import AttemptOutcome, VoteAttempt


@dataclass(frozen=True)
class Rule:
    """A rule an attempt must keep: its name (kept on a refused attempt), the voter's words, the organiser's."""

    name: str
    voter_message: str
    organiser_label: str


NOT_OPEN = Rule(
    "not_open",
    "Voting in this category is not open",
    "The vote was not open",
)
UNKNOWN_ENTRY = Rule(
    "unknown_entry",
    "Select an entry to vote for",
    "The entry is not one of this vote’s",
)
ENTRY_WITHDRAWN = Rule(
    "entry_withdrawn",
    "That entry is no longer in this vote. Select another entry",
    "The entry had been withdrawn from the vote",
)
INVALID_ADDRESS = Rule(
    "invalid_address",
    "Enter an email address in the correct format, like name@example.com",
    "Not a valid email address",
)
CONFUSABLE_ADDRESS = Rule(
    "confusable_address",
    "Enter an email address written in one alphabet: yours mixes letters from different alphabets, or uses "
    "letters that only look like English ones",
    "A look-alike address (mixed alphabets or letters that look like English ones)",
)
DISPOSABLE_ADDRESS = Rule(
    "disposable_address",
    "Enter an email address you keep: addresses from disposable email services cannot vote",
    "A disposable email address",
)
OWN_ORGANISATION = Rule(
    "own_organisation",
    "You cannot vote for an entry from your own organisation. You can vote for another entry",
    "An address at the entry’s own organisation",
)
ADDRESS_RATE = Rule(
    "address_rate",
    "We have already sent several links to this email address in the last hour. Use the link in one of "
    "those emails, or try again in an hour",
    "Too many links to one address in an hour",
)
IP_PREFIX_RATE = Rule(
    "ip_prefix_rate",
    "Too many votes have come from your network in the last hour. Try again later",
    "Too many links asked for from one network in an hour",
)
DOMAIN_RATE = Rule(
    "domain_rate",
    "Too many votes have come from your email domain in the last hour. Try again later",
    "Too many links to one email domain in an hour",
)

# In the order they are checked; a refused attempt names the first rule it broke.
RULES: tuple[Rule, ...] = (
    NOT_OPEN,
    UNKNOWN_ENTRY,
    INVALID_ADDRESS,
    CONFUSABLE_ADDRESS,
    DISPOSABLE_ADDRESS,
    OWN_ORGANISATION,
    ADDRESS_RATE,
    IP_PREFIX_RATE,
    DOMAIN_RATE,
)
# Checked after UNKNOWN_ENTRY, but not among RULES (the rules a voter can break, which the stuffing scripts meet):
# it refuses an entry that has left the vote since it opened (domain/voting/votes.py, `withdrawn_options`).
RULES_BY_NAME = {rule.name: rule for rule in (*RULES, ENTRY_WITHDRAWN)}

# Gmail's two domains, one mailbox; dots in its local parts mean nothing.
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
# Second-level labels under which organisations register (testshire.gov.uk, example.co.uk).
_SECOND_LEVELS = frozenset({"co", "gov", "ac", "org", "net", "ltd", "plc", "nhs", "police", "sch", "mod", "me", "com"})
HOUR = timedelta(hours=1)
# The domain kept for an attempt whose address does not parse (never the typed text), and the words shown for it.
NO_DOMAIN = ""
NO_DOMAIN_LABEL = "(not a valid address)"


# --- Addresses -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    """An address as given (its normalised form, to e-mail) and as compared (canonical, its domain)."""

    normalised: str
    canonical: str
    local: str
    domain: str  # the canonical (IDNA, lower-case) domain
    unicode_domain: str


class InvalidAddress(ValueError):
    """Not an e-mail address."""


def parse_address(address: str) -> Address:
    """The address checked for form (no deliverability lookup) and put in canonical form; InvalidAddress if not one."""
    text = unicodedata.normalize("NFKC", (address or "").strip())
    try:
        result = validate_email(text, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError:
        raise InvalidAddress(address) from None
    local = unicodedata.normalize("NFKC", result.local_part).casefold()
    domain = (result.ascii_domain or result.domain).lower()
    local = local.split("+", 1)[0] or local
    if domain in GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return Address(
        normalised=result.normalized,
        canonical=f"{local}@{domain}",
        local=unicodedata.normalize("NFKC", result.local_part),
        domain=domain,
        unicode_domain=unicodedata.normalize("NFKC", result.domain).lower(),
    )


def canonical_address(address: str) -> str:
    """'J.Smith+awards@GoogleMail.com' → 'jsmith@gmail.com'; InvalidAddress if it is not an address."""
    return parse_address(address).canonical


def voter_key(address: str) -> str:
    """The keyed hash (HMAC-SHA256, hex) of the address's canonical form; of the bare text if it is not an
    address. The key is derived from SECRET_KEY, so the hashes cannot be reversed by hashing a list of
    addresses without it."""
    try:
        text = canonical_address(address)
    except InvalidAddress:
        text = unicodedata.normalize("NFKC", (address or "").strip()).casefold()
    return hmac.new(_hash_key(current_app.config["SECRET_KEY"]), text.encode(), hashlib.sha256).hexdigest()


@lru_cache(maxsize=4)
def _hash_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"awards peoples-choice voter key", hashlib.sha256).digest()


def ip_prefix(ip: str | None) -> str:
    """The client's network: '203.0.113.0/24' for an IPv4 address, '2001:db8:1:2::/64' for IPv6; 'unknown'."""
    try:
        found = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return "unknown"
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
        found = found.ipv4_mapped
    bits = 24 if found.version == 4 else 64
    return str(ipaddress.ip_network(f"{found}/{bits}", strict=False))


def base_domain(domain: str) -> str:
    """The domain an organisation registered: 'digital.testshire.gov.uk' → 'testshire.gov.uk',
    'mail.example.com' → 'example.com' (a short list of second-level labels, not the public suffix list)."""
    labels = [label for label in domain.lower().strip(".").split(".") if label]
    keep = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVELS and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


def is_webmail(domain: str) -> bool:
    return domain in SHARED_DOMAINS


def under(domain: str, domains: Iterable[str]) -> bool:
    """Whether `domain` is one of `domains` or a subdomain of one."""
    return any(domain == d or domain.endswith(f".{d}") for d in domains if d)


# --- The rules on the address itself -------------------------------------------------------------


def _spoofs_latin(part: str) -> bool:
    """A mixed-script part ('pаypal' with a Cyrillic 'а'), or a non-ASCII part made only of letters that
    look like ASCII ones (all-Cyrillic 'раура1')."""
    if part.isascii():
        return False
    scripts = categories.unique_aliases(part) - {"COMMON", "INHERITED"}
    if len(scripts) > 1:
        return True
    return email_skeleton(part).isascii()


def is_confusable(address: Address) -> bool:
    """Whether the local part or any label of the domain mixes alphabets or passes for ASCII (plain ASCII passes)."""
    parts = [address.local, *address.unicode_domain.split(".")]
    return any(_spoofs_latin(part) for part in parts if part)


def is_disposable(domain: str) -> bool:
    """A domain (or a subdomain of one) on the disposable-email-domains block list."""
    labels = domain.split(".")
    return any(".".join(labels[i:]) in blocklist for i in range(len(labels) - 1))


def address_rule(address: Address) -> Rule | None:
    """The first rule the address breaks by itself (not counting the vote's rates or its entries)."""
    if is_confusable(address):
        return CONFUSABLE_ADDRESS
    if is_disposable(address.domain) or is_disposable(address.unicode_domain):
        return DISPOSABLE_ADDRESS
    return None


# --- The rates, counted in the database ------------------------------------------------------------


def _sent_in_last_hour(vote_id: int, now: datetime, key: str, prefix: str, domain: str) -> tuple[int, int, int]:
    """The links sent for the vote in the last hour (attempts not refused) to the address, from the network and
    to the domain: one statement, reading only the attempts that share one of the three (each has its index)."""
    by_key, by_prefix, by_domain = (
        VoteAttempt.voter_key == key,
        VoteAttempt.ip_prefix == prefix,
        VoteAttempt.domain == domain,
    )
    row = db.session.execute(
        select(
            func.count(VoteAttempt.id).filter(by_key),
            func.count(VoteAttempt.id).filter(by_prefix),
            func.count(VoteAttempt.id).filter(by_domain),
        ).where(
            VoteAttempt.vote_id == vote_id,
            VoteAttempt.outcome != AttemptOutcome.REFUSED,
            VoteAttempt.attempted_at > now - HOUR,
            or_(by_key, by_prefix, by_domain),
        )
    ).one()
    return row[0] or 0, row[1] or 0, row[2] or 0


def domain_limit(domain: str) -> int:
    cfg = current_app.config
    return int(cfg["VOTE_WEBMAIL_DOMAIN_LIMIT_PER_HOUR" if is_webmail(domain) else "VOTE_DOMAIN_LIMIT_PER_HOUR"])


def rate_rule(vote_id: int, *, key: str, domain: str, prefix: str, now: datetime) -> Rule | None:
    """The first rate the attempt would pass: links to the address, from the network, to the domain, per hour."""
    cfg = current_app.config
    to_address, from_network, to_domain = _sent_in_last_hour(vote_id, now, key, prefix, domain)
    if to_address >= int(cfg["VOTE_ADDRESS_LIMIT_PER_HOUR"]):
        return ADDRESS_RATE
    if from_network >= int(cfg["VOTE_IP_PREFIX_LIMIT_PER_HOUR"]):
        return IP_PREFIX_RATE
    if to_domain >= domain_limit(domain):
        return DOMAIN_RATE
    return None
