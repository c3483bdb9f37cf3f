"""Configuration: defaults here, then instance/config.py, then the environment.

Environment variables: DATABASE_URL, SECRET_KEY, BASE_URL, and any AWARDS_* key
(AWARDS_MAIL_SERVER=... sets MAIL_SERVER). AWARDS_ENVIRONMENT chooses
"production" (the default: secure unless told otherwise) or "development".
"""

from __future__ import annotations

import os
from pathlib import Path


class Defaults:
    ENVIRONMENT = "production"
    SERVICE_NAME = "Public Sector Digital Awards"
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # set from DATABASE_URL or instance/awards.db
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    # Sessions and cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "awards_session"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_NAME = "awards_remember"
    # A session ends after this long without a request (idle) and this long after signing in
    # (absolute), whatever happens in between; "remember me" keeps it across browser restarts
    # within the absolute timeout and never beyond it (docs/operations.md, "Sessions").
    SESSION_IDLE_TIMEOUT = 2 * 3600
    SESSION_ABSOLUTE_TIMEOUT = 12 * 3600
    REMEMBER_COOKIE_DURATION = 12 * 3600
    PERMANENT_SESSION_LIFETIME = 12 * 3600

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 50 * 1024 * 1024
    UPLOAD_FOLDER: str | None = None  # default instance/uploads; outside the static folder

    # Passwords (Argon2id). Tests lower the cost; production keeps the library's defaults.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4

    # Sign-in throttling: this many failures for one account within the window lock it for the window.
    SIGN_IN_MAX_FAILURES = 10
    SIGN_IN_WINDOW_SECONDS = 15 * 60

    EMAIL_VERIFICATION_MAX_AGE = 3 * 24 * 3600
    # Days after a cycle's results are published (or it closed without results) before organisers
    # can remove its personal data (docs/operations.md, "Data protection").
    RETENTION_DAYS = 365
    PASSWORD_RESET_MAX_AGE = 3600

    # Mail
    MAIL_BACKEND = "smtp"  # "smtp" or "file"
    MAIL_DEFAULT_SENDER = "awards@localhost"
    MAIL_SENDER_NAME = "Public Sector Digital Awards"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False  # STARTTLS
    MAIL_USE_SSL = False  # implicit TLS
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_TIMEOUT = 10
    MAIL_FILE_DIR: str | None = None  # default instance/outbox
    MAIL_DELIVER_AFTER_COMMIT = True

    # Links in e-mails are built from BASE_URL (scheme://host[:port]), never from the request.
    # Required in production; its host is also the only one accepted in the Host header
    # unless TRUSTED_HOSTS lists more.
    BASE_URL: str | None = None
    TRUSTED_HOSTS: list[str] | None = None
    PREFERRED_URL_SCHEME = "https"

    # Public pages built for anonymous readers, kept in each process (see awards/web/caching.py).
    PUBLIC_CACHE_ENTRIES = 256  # 0 turns the in-process cache off (HTTP caching stays)
    PUBLIC_CACHE_MAX_BODY_BYTES = 1024 * 1024
    # Cycles whose ranked results each process keeps until a review, nomination or setting changes
    # (awards/domain/results.py, docs/performance.md); 0 aggregates on every request.
    RESULTS_CACHE_ENTRIES = 4


class Development:
    ENVIRONMENT = "development"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    PREFERRED_URL_SCHEME = "http"
    MAIL_BACKEND = "file"


class Testing:
    ENVIRONMENT = "testing"
    TESTING = True
    # Off: tests empty the tables between them and reuse ids, which a kept ranking could confuse;
    # tests that check the cache turn it on.
    RESULTS_CACHE_ENTRIES = 0
    SECRET_KEY = "testing-secret-key-not-for-production"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    PREFERRED_URL_SCHEME = "http"
    SERVER_NAME = None
    TRUSTED_HOSTS = ["localhost", "127.0.0.1"]
    MAIL_BACKEND = "file"
    # Cheap but still Argon2id, so the suite stays fast.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1


ENVIRONMENTS = {"production": None, "development": Development, "testing": Testing}


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for any PostgreSQL URL (Heroku-style postgres:// included)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def default_sqlite_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "awards.db")


def environment_name(override: dict | None) -> str:
    if override and "ENVIRONMENT" in override:
        return override["ENVIRONMENT"]
    return os.environ.get("AWARDS_ENVIRONMENT", "production")
