"""Single sign-on with OpenID Connect: the providers the operator configured, and who a provider's
person is here.

The web layer (awards/web/auth/single_sign_on.py) runs the authorisation code flow with Authlib (PKCE
S256, state and nonce) and hands over the claims of an id token Authlib has checked (signature, iss,
aud, exp, nonce). This module decides, without reading the request or the session:

1. An identity already linked (the provider's issuer and subject, `sub`) signs in to its account.
2. Otherwise the e-mail address is used only when the provider says it verified it (`email_verified`
   true, or the claim the provider is configured with) and its domain is one of the provider's
   allowed domains: it links to the account with that address, or creates one with the provider's
   role (nominee or judge, never organiser), its address confirmed and no password.
3. A disabled account never signs in; an account already linked to another subject at the same
   issuer is not linked again (an address a provider gave to someone new does not open the old
   owner's account).

Every sign-in is audited as "sign_in.sso" (one of accounts.SIGN_IN_ACTIONS, so it ends older sign-in
links), every refusal as "sign_in.sso_refused" with its reason, never a token.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import DomainError
from awards.domain.people import accounts
from awards.extensions import db
from awards.models import LinkedIdentity, Role, User

SETTING = "AWARDS_SSO_PROVIDERS"
SIGN_IN = accounts.SSO_SIGN_IN
REFUSED = "sign_in.sso_refused"
SCOPES = "openid email profile"

# `amr` values (RFC 8176) that say the provider checked more than one factor. "mfa" says so outright;
# otherwise two different methods from FACTORS (e.g. ["pwd", "otp"], ["pin", "hwk"]) count, one alone
# (["otp"], a passwordless code) does not.
MFA_AMR = "mfa"
FACTORS = frozenset(
    {"pwd", "pin", "kba", "otp", "sms", "tel", "hwk", "swk", "sc", "fpt", "face", "iris", "retina", "vbm"}
)

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_KEYS = {"name", "label", "issuer", "client_id", "client_secret", "email_domains", "role", "email_verified_claim"}
_REQUIRED = ("name", "label", "issuer", "client_id", "client_secret", "email_domains", "role")
_ROLES = {"nominee": Role.NOMINEE, "judge": Role.JUDGE}
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Provider:
    name: str  # in URLs: /sign-in/sso/<name>
    label: str  # what people see: "Sign in with <label>"
    issuer: str
    client_id: str
    client_secret: str
    email_domains: tuple[str, ...]
    role: Role
    email_verified_claim: str = "email_verified"

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


class ProviderSettingError(ValueError):
    pass


def _provider(entry: Any, index: int) -> Provider:
    """The provider of one entry of the setting (the `index`-th, from 0), or ProviderSettingError
    naming the first thing wrong with it: its keys, its name, its texts, its issuer, its domains,
    its role, in that order."""
    if not isinstance(entry, Mapping):
        raise ProviderSettingError(
            f"provider {index + 1} must be a mapping of name, label, issuer, client_id, "
            "client_secret, email_domains and role"
        )
    name = entry.get("name")
    where = f"provider {name!r}" if isinstance(name, str) and name else f"provider {index + 1}"
    _check_keys(entry, where)
    if not isinstance(name, str) or not _NAME.match(name):
        raise ProviderSettingError(
            f"{where}: name must be lower-case letters, digits and hyphens (it is used in "
            "the sign-in address), like riverside"
        )
    for key in ("label", "client_id", "client_secret", "email_verified_claim"):
        if key in entry and (not isinstance(entry[key], str) or not entry[key].strip()):
            raise ProviderSettingError(f"{where}: {key} must be text")
    issuer = _checked_issuer(entry["issuer"], where)
    domains = _checked_domains(entry["email_domains"], where)
    role = entry["role"]
    if role not in _ROLES:
        raise ProviderSettingError(
            f"{where}: role must be nominee or judge (new accounts never get the organiser "
            f"role from single sign-on), not {role!r}"
        )
    return Provider(
        name=name,
        label=entry["label"].strip(),
        issuer=issuer,
        client_id=entry["client_id"].strip(),
        client_secret=entry["client_secret"],
        email_domains=domains,
        role=_ROLES[role],
        email_verified_claim=entry.get("email_verified_claim", "email_verified").strip(),
    )


def _check_keys(entry: Mapping, where: str) -> None:
    """Refuse a provider entry with a setting this module does not know, or without a required one."""
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise ProviderSettingError(
            f"{where} has unknown settings {', '.join(map(str, unknown))} (known: {', '.join(sorted(_KEYS))})"
        )
    missing = [key for key in _REQUIRED if key not in entry or entry[key] in (None, "", [])]
    if missing:
        raise ProviderSettingError(f"{where} is missing {', '.join(missing)}")


def _checked_issuer(issuer: Any, where: str) -> str:
    """The issuer, if it is an https address (http only on this machine, for tests) with no query or fragment."""
    parts = urlsplit(issuer) if isinstance(issuer, str) else None
    if (
        parts is None
        or not parts.hostname
        or parts.query
        or parts.fragment
        or not (parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK))
    ):
        raise ProviderSettingError(
            f"{where}: issuer must be the provider's https address, like "
            f"https://login.microsoftonline.com/<tenant id>/v2.0, not {issuer!r}"
        )
    return issuer


def _checked_domains(domains: Any, where: str) -> tuple[str, ...]:
    """The allowed e-mail domains, lower case, if the setting is a list of domain names."""
    if isinstance(domains, str) or not isinstance(domains, list | tuple):
        raise ProviderSettingError(f'{where}: email_domains must be a list of domains, like ["riverside.gov.uk"]')
    cleaned = []
    for domain in domains:
        if not isinstance(domain, str) or not _DOMAIN.match(domain.strip().lower()):
            raise ProviderSettingError(
                f"{where}: email_domains must be domains like riverside.gov.uk (no @), not {domain!r}"
            )
        cleaned.append(domain.strip().lower())
    return tuple(cleaned)


def parse_providers(value: Any) -> tuple[Provider, ...]:
    """The providers in the SSO_PROVIDERS setting (a list of mappings; None or empty for none), or
    ProviderSettingError saying, in one line, what is wrong."""
    if value in (None, "", [], ()):
        return ()
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ProviderSettingError(
            "must be a list of providers (in the environment, a JSON list such as "
            '[{"name": "riverside", "label": "Riverside Council staff", ...}])'
        )
    providers = tuple(_provider(entry, index) for index, entry in enumerate(value))
    names = [p.name for p in providers]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise ProviderSettingError(f"provider names must differ: {', '.join(doubled)} is given twice")
    return providers


def settings_problem(config: Mapping) -> str | None:
    """One line naming what is wrong with the providers' setting, or None."""
    try:
        parse_providers(config.get("SSO_PROVIDERS"))
    except ProviderSettingError as error:
        return f"{SETTING}: {error}"
    return None


# Signing in ---------------------------------------------------------------------------------------


class Refused(DomainError):
    """A sign-in the rules refuse; `reason` names which rule (also in the audit log)."""

    def __init__(self, reason: str, message: str | None = None):
        super().__init__(message or _("Single sign-on was refused"))
        self.reason = reason


def mfa_asserted(claims: Mapping) -> bool:
    """Whether the id token's `amr` says the provider checked a second factor (see MFA_AMR, FACTORS)."""
    amr = claims.get("amr")
    if not isinstance(amr, list):
        return False
    methods = {m for m in amr if isinstance(m, str)}
    return MFA_AMR in methods or len(methods & FACTORS) >= 2


def email_verified(provider: Provider, claims: Mapping) -> bool:
    """Only a true (or the text "true", as some providers send it): absent or anything else is not verified."""
    value = claims.get(provider.email_verified_claim)
    return value is True or (isinstance(value, str) and value.lower() == "true")


def email_domain(email: str) -> str:
    return email.rpartition("@")[2]


def record_refusal(
    provider: Provider | None,
    reason: str,
    *,
    user: User | None = None,
    email: str | None = None,
    provider_name: str | None = None,
) -> None:
    """Audit a refused single sign-on (the reason only: never a token, code or claim set)."""
    detail: dict[str, Any] = {"provider": provider.name if provider else provider_name, "reason": reason}
    if email:
        detail["email"] = email
    audit.record(REFUSED, actor=None, object_type="users", object_id=user.id if user else None, **detail)


def _refuse(provider: Provider, reason: str, *, user: User | None = None, email: str | None = None) -> Refused:
    record_refusal(provider, reason, user=user, email=email)
    return Refused(reason)


def _display_name(claims: Mapping, email: str) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get(k) for k in ("given_name", "family_name")]
        name = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return (name or email.partition("@")[0]).strip()[:200]


def _identity(issuer: str, subject: str) -> LinkedIdentity | None:
    return db.session.scalar(
        select(LinkedIdentity).where(LinkedIdentity.issuer == issuer, LinkedIdentity.subject == subject)
    )


def sign_in(provider: Provider, claims: Mapping) -> User:
    """The account the provider's person signs in to (linked or created as the rules above say), with
    the sign-in audited; or Refused (audited) with the rule's reason. The caller commits either way."""
    issuer, subject = claims.get("iss"), claims.get("sub")
    if not isinstance(issuer, str) or not isinstance(subject, str) or not subject or len(subject) > 255:
        raise _refuse(provider, "token")
    raw_email = claims.get("email")
    email = accounts.normalise_email(raw_email) if isinstance(raw_email, str) else ""
    now = utcnow()
    identity = _identity(issuer, subject)
    linked = created = False
    if identity is not None:
        user = db.session.get(User, identity.user_id)
        if user is None or not user.active:
            raise _refuse(provider, "disabled", user=user, email=email or None)
    else:
        user, created = _account_to_link(provider, claims, email, issuer, now)
        identity = LinkedIdentity(
            user_id=user.id, provider=provider.name, issuer=issuer, subject=subject, linked_at=now, last_used_at=now
        )
        db.session.add(identity)
        linked = True
    identity.last_used_at = now
    audit.record(
        SIGN_IN, actor=user, obj=user, provider=provider.name, linked=linked, created=created, mfa=mfa_asserted(claims)
    )
    db.session.flush()
    return user


def _account_to_link(provider: Provider, claims: Mapping, email: str, issuer: str, now: datetime) -> tuple[User, bool]:
    """For an identity not linked yet: the account with its e-mail address, or a new one (True when
    created), when the provider verified the address and its domain is allowed; else Refused."""
    if not email or "@" not in email:
        raise _refuse(provider, "no_email")
    if not email_verified(provider, claims):
        raise _refuse(provider, "unverified", email=email)
    if email_domain(email) not in provider.email_domains:
        raise _refuse(provider, "domain", email=email)
    user = accounts.find_user_by_email(email)
    if user is None:
        try:
            return accounts.create_user(
                email=email, name=_display_name(claims, email), password=None, roles=(provider.role,), verified=True
            ), True
        except DomainError:
            raise _refuse(provider, "account", email=email) from None
    if not user.active:
        raise _refuse(provider, "disabled", user=user, email=email)
    other = db.session.scalar(
        select(LinkedIdentity.id).where(LinkedIdentity.user_id == user.id, LinkedIdentity.issuer == issuer)
    )
    if other is not None:
        raise _refuse(provider, "linked_elsewhere", user=user, email=email)
    if user.email_verified_at is None:
        user.email_verified_at = now  # the provider verified it
    return user, False


def identities_of(user: User) -> list[LinkedIdentity]:
    return list(
        db.session.scalars(select(LinkedIdentity).where(LinkedIdentity.user_id == user.id).order_by(LinkedIdentity.id))
    )
