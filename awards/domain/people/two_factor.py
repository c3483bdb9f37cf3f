"""Two-factor authentication: time-based one-time codes (TOTP, RFC 6238, with pyotp) and one-use
recovery codes.

A code is accepted for the current 30-second step and one step either side (clocks drift), and
never twice (the step of the last code taken is kept). Recovery codes are stored as keyed hashes
(HMAC-SHA-256 with the SECRET_KEY as pepper: they are long random strings, so a slow hash adds
nothing), and each is removed when used. Wrong codes count as failed sign-ins of the account
(accounts.lock_expiry), so guessing codes locks the guesser out as guessing passwords does.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
from flask import current_app
from flask_babel import gettext as _

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import DomainError
from awards.domain.people.accounts import SignInLocked, lock_expiry, normalise_email
from awards.extensions import db
from awards.models import Role, SignInFailure, TwoFactor, User

ISSUER = "Public sector digital awards"
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


class WrongCode(DomainError):
    """The code was wrong. The caller rolls back, then calls `record_wrong_code` and commits, so
    the failure counts (as with a wrong password)."""


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def two_factor_of(user: User) -> TwoFactor | None:
    return db.session.get(TwoFactor, user.id)


def _two_factor_on(user: User) -> TwoFactor:
    """The account's two-factor settings; a DomainError when it has none (two-factor is off)."""
    two_factor = two_factor_of(user)
    if two_factor is None:
        raise DomainError(_("Two-factor authentication is not on"), field="code")
    return two_factor


def is_enabled(user: User) -> bool:
    return two_factor_of(user) is not None


def is_required(user: User) -> bool:
    """Whether the person must have two-factor authentication on before using the service as
    themselves (organisers, when REQUIRE_ORGANISER_2FA is on)."""
    return bool(current_app.config.get("REQUIRE_ORGANISER_2FA")) and user.has_role(Role.ORGANISER)


def _normalise(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _recovery_hash(code: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"recovery-code:{_normalise(code)}".encode(), hashlib.sha256).hexdigest()


def _new_recovery_codes() -> list[str]:
    codes = []
    for _number in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _position in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def _matching_step(secret: str, code: str, after: int | None) -> int | None:
    """The time step `code` belongs to (now, or one step either side), if later than `after`."""
    code = _normalise(code)
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = utcnow()
    current = totp.timecode(now)
    for step in (current, current - 1, current + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _check_not_locked(user: User, ip: str | None) -> None:
    until = lock_expiry(user.email, ip=ip)
    if until is not None:
        audit.record("two_factor.refused_locked", actor=user, obj=user)
        raise DomainError(SignInLocked(until).message, field="code")


def record_wrong_code(user: User, *, ip: str | None = None, purpose: str) -> None:
    db.session.add(SignInFailure(email=normalise_email(user.email), at=utcnow(), ip=ip))
    audit.record("two_factor.failed", actor=user, obj=user, purpose=purpose)


def enable(user: User, *, secret: str, code: str, ip: str | None = None) -> list[str]:
    """Turn two-factor on with the secret the person's app was given, once they show it works
    (a current code). Returns the recovery codes, to show once."""
    if is_enabled(user):
        raise DomainError(_("Two-factor authentication is already on"), field="code")
    _check_not_locked(user, ip)
    if not _normalise(code):
        raise DomainError(_("Enter the 6-digit code from your authenticator app"), field="code")
    step = _matching_step(secret, code, None)
    if step is None:
        raise WrongCode(_("The code is not correct. Enter the 6-digit code your app shows now"), field="code")
    codes = _new_recovery_codes()
    db.session.add(
        TwoFactor(
            user_id=user.id,
            secret=secret,
            enabled_at=utcnow(),
            last_step=step,
            recovery_code_hashes=[_recovery_hash(c) for c in codes],
        )
    )
    audit.record("two_factor.enabled", actor=user, obj=user)
    db.session.flush()
    return codes


def verify(user: User, code: str, *, ip: str | None = None, purpose: str = "sign_in") -> str:
    """Check a code from the authenticator app, or a recovery code (used up). Returns "totp" or
    "recovery_code"; raises WrongCode (the caller records it) or a DomainError when locked."""
    two_factor = _two_factor_on(user)
    _check_not_locked(user, ip)
    if not _normalise(code):
        raise DomainError(_("Enter the 6-digit code from your authenticator app, or a recovery code"), field="code")
    step = _matching_step(two_factor.secret, code, two_factor.last_step)
    if step is not None:
        two_factor.last_step = step
        audit.record("two_factor.verified", actor=user, obj=user, purpose=purpose)
        return "totp"
    hashed = _recovery_hash(code)
    remaining = list(two_factor.recovery_code_hashes or [])
    if any(hmac.compare_digest(hashed, h) for h in remaining):
        two_factor.recovery_code_hashes = [h for h in remaining if h != hashed]
        audit.record(
            "two_factor.recovery_code_used",
            actor=user,
            obj=user,
            purpose=purpose,
            remaining=len(two_factor.recovery_code_hashes),
        )
        return "recovery_code"
    raise WrongCode(
        _("The code is not correct. Enter the 6-digit code your app shows now, or a recovery code"), field="code"
    )


def recovery_codes_left(user: User) -> int:
    two_factor = two_factor_of(user)
    return len(two_factor.recovery_code_hashes or []) if two_factor else 0


def disable(user: User, *, code: str, ip: str | None = None) -> None:
    """Turn two-factor off; needs a current code (or a recovery code). An organiser who must have it
    cannot turn it off."""
    if is_required(user):
        raise DomainError(_("Organisers must use two-factor authentication, so it cannot be turned off"), field="code")
    verify(user, code, ip=ip, purpose="disable")
    db.session.delete(_two_factor_on(user))
    audit.record("two_factor.disabled", actor=user, obj=user)
    db.session.flush()


def regenerate_recovery_codes(user: User, *, code: str, ip: str | None = None) -> list[str]:
    """New recovery codes (the old ones stop working); needs a current code."""
    verify(user, code, ip=ip, purpose="regenerate_recovery_codes")
    codes = _new_recovery_codes()
    _two_factor_on(user).recovery_code_hashes = [_recovery_hash(c) for c in codes]
    audit.record("two_factor.recovery_codes_regenerated", actor=user, obj=user)
    db.session.flush()
    return codes
