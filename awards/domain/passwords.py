"""Password hashing (Argon2id) and the password rules."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 12
MAX_LENGTH = 128
COMMON_PASSWORD_COUNT = 1000


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The most common passwords, from zxcvbn's ranked list (most common first)."""
    ranked = FREQUENCY_LISTS["passwords"]
    if isinstance(ranked, str):
        ranked = ranked.split(",")
    return frozenset(p.lower() for p in ranked[:COMMON_PASSWORD_COUNT])


def password_problem(password: str) -> str | None:
    """Why the password is refused, in words for the person choosing it; None if it is fine."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    if password.lower() in common_passwords():
        return "Password is one of the most common passwords. Choose a different password"
    return None


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST"],
        parallelism=cfg["ARGON2_PARALLELISM"],
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


@lru_cache(maxsize=4)
def _dummy_hash(params: tuple) -> str:
    return PasswordHasher(time_cost=params[0], memory_cost=params[1], parallelism=params[2]).hash(
        "timing equaliser for unknown accounts")


def burn_verification_time(password: str) -> None:
    """Spend the same work as a real check, so unknown e-mails do not answer faster."""
    cfg = current_app.config
    verify_password(_dummy_hash((cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"],
                                 cfg["ARGON2_PARALLELISM"])), password)
