"""Password hashing (Argon2id) and the password rules."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 12
MAX_LENGTH = 128
COMMON_PASSWORD_COUNT = 1000
MIN_SCORE = 3  # zxcvbn's 0–4: 3 is "safely unguessable", about 10^8 guesses or more

# What made zxcvbn's estimate low (the patterns its own feedback is built from), in plain English.
_NAME_LISTS = {"surnames", "male_names", "female_names"}


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The most common passwords, from zxcvbn's ranked list (most common first)."""
    ranked = FREQUENCY_LISTS["passwords"]
    if isinstance(ranked, str):
        ranked = ranked.split(",")
    return frozenset(p.lower() for p in ranked[:COMMON_PASSWORD_COUNT])


def personal_words(*values: str | None) -> list[str]:
    """What a guesser would try first for this person: their e-mail address, its parts, their name
    and organisation and the words in them."""
    words: list[str] = []
    for value in values:
        value = (value or "").strip().lower()
        if not value:
            continue
        words.append(value)
        words.append(re.sub(r"[^\w]+", "", value))  # "Nina Nominee" is also guessed as "ninanominee"
        words.extend(w for w in re.split(r"[^\w]+", value) if len(w) >= 3)
        if "@" in value:
            words.extend(value.split("@", 1))
    return list(dict.fromkeys(words))


def _too_easy(sequence: list[dict]) -> str:
    """Why, from the matched patterns, a password is easy to guess, and what to try instead: one sentence each,
    so that each language words it whole."""
    patterns = {m["pattern"] for m in sequence}
    dictionaries = {m.get("dictionary_name") for m in sequence if m["pattern"] == "dictionary"}
    if "user_inputs" in dictionaries:
        return _(
            "Password is too easy to guess: it uses your name, email address or organisation. "
            "Try 3 or 4 unrelated words"
        )
    if "repeat" in patterns:
        return _(
            "Password is too easy to guess: it repeats the same letters, numbers or words. Try 3 or 4 unrelated words"
        )
    if "sequence" in patterns:
        return _("Password is too easy to guess: it uses a sequence like abc or 4321. Try 3 or 4 unrelated words")
    if "spatial" in patterns:
        return _(
            "Password is too easy to guess: it uses keys that are next to each other on a keyboard. "
            "Try 3 or 4 unrelated words"
        )
    if "passwords" in dictionaries:
        return _("Password is too easy to guess: it is a common password or close to one. Try 3 or 4 unrelated words")
    if "date" in patterns or "regex" in patterns:
        return _("Password is too easy to guess: it relies on a date or a year. Try 3 or 4 unrelated words")
    if dictionaries & _NAME_LISTS:
        return _("Password is too easy to guess: it is mostly a common name. Try 3 or 4 unrelated words")
    if dictionaries:
        return _("Password is too easy to guess: it is made of too few common words. Try 3 or 4 unrelated words")
    return _("Password is too easy to guess: it is too short and predictable. Try 3 or 4 unrelated words")


def password_problem(password: str, user_inputs: Iterable[str] = ()) -> str | None:
    """Why the password is refused, in words for the person choosing it; None if it is fine.

    Beyond the length, it must score at least MIN_SCORE in zxcvbn, with what is known of the
    person (name, e-mail address, organisation: see `personal_words`) as words a guesser tries first."""
    if len(password) < MIN_LENGTH:
        return _("Password must be %(num)s characters or more", num=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Password must be %(num)s characters or fewer", num=MAX_LENGTH)
    if password.lower() in common_passwords():
        return _("Password is one of the most common passwords. Choose a different password")
    result = zxcvbn(password, user_inputs=list(user_inputs), max_length=MAX_LENGTH)
    if result["score"] < MIN_SCORE:
        return _too_easy(result["sequence"])
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
        "timing equaliser for unknown accounts"
    )


def burn_verification_time(password: str) -> None:
    """Spend the same work as a real check, so unknown e-mails do not answer faster."""
    cfg = current_app.config
    verify_password(
        _dummy_hash((cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])), password
    )
