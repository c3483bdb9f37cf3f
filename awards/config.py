"""Configuration: defaults here, then instance/config.py, then the environment.

Environment variables: DATABASE_URL, SECRET_KEY, BASE_URL, and any AWARDS_* key
(AWARDS_MAIL_SERVER=... sets MAIL_SERVER). The environment is AWARDS_ENVIRONMENT if set,
else ENVIRONMENT in instance/config.py (`make` writes "development" there on the machine
it sets up), else "production" (secure unless told otherwise).

A missing or bad setting raises ConfigurationError, whose message is one line saying what to
set; the `flask` command prints just that line, and so does `wsgi.py` under gunicorn.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import click


class Defaults:
    ENVIRONMENT = "production"
    SERVICE_NAME = "Public Sector Digital Awards"
    # The languages offered (AWARDS_LANGUAGES="en,cy") and the one read until a person chooses (awards/i18n.py).
    LANGUAGES: tuple[str, ...] | str = ("en", "cy", "sv")
    DEFAULT_LANGUAGE = "en"
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
    # Uploads in S3-compatible object storage instead (awards/domain/core/storage.py, docs/operations.md
    # "Object storage"): s3://bucket/prefix; the server's address for MinIO or Ceph (none: AWS); the region.
    # Credentials come from boto3's usual chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, a role).
    STORAGE_URL: str | None = None
    STORAGE_ENDPOINT_URL: str | None = None
    STORAGE_REGION: str | None = None

    # Passwords (Argon2id). Tests lower the cost; production keeps the library's defaults.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 4

    # Sign-in throttling: this many failures for one account within the window lock it for the window.
    SIGN_IN_MAX_FAILURES = 10
    SIGN_IN_WINDOW_SECONDS = 15 * 60
    # Organisers must turn on two-factor authentication (TOTP) before they reach an organiser page.
    REQUIRE_ORGANISER_2FA = True

    # Request limits on the forms anyone can post (awards/throttling.py, docs/operations.md): per
    # client address and overall, in Flask-Limiter's notation; "" turns one off. Counted in Redis at
    # REDIS_URL (shared by every worker and server), else in each process.
    RATELIMIT_ENABLED = True
    REDIS_URL: str | None = None
    RATELIMIT_KEY_PREFIX = "awards"
    RATELIMIT_SIGN_IN = "20 per minute;100 per hour"
    RATELIMIT_SIGN_IN_OVERALL = "300 per minute"
    RATELIMIT_REGISTER = "10 per hour"
    RATELIMIT_REGISTER_OVERALL = "200 per hour"
    RATELIMIT_PASSWORD_RESET = "10 per hour"  # noqa: S105 (a limit, not a password)
    RATELIMIT_PASSWORD_RESET_OVERALL = "200 per hour"  # noqa: S105 (a limit, not a password)
    RATELIMIT_MAGIC_LINK = "10 per hour"
    RATELIMIT_MAGIC_LINK_OVERALL = "200 per hour"
    RATELIMIT_INVITATION = "20 per minute;100 per hour"
    RATELIMIT_INVITATION_OVERALL = "300 per minute"
    RATELIMIT_STASH = "10 per minute;60 per hour"
    RATELIMIT_STASH_OVERALL = "300 per minute"
    RATELIMIT_TWO_FACTOR = "20 per minute;100 per hour"
    RATELIMIT_TWO_FACTOR_OVERALL = "300 per minute"
    RATELIMIT_SSO_START = "20 per minute;100 per hour"
    RATELIMIT_SSO_START_OVERALL = "300 per minute"
    RATELIMIT_SSO_CALLBACK = "20 per minute;100 per hour"
    RATELIMIT_SSO_CALLBACK_OVERALL = "300 per minute"
    # People's Choice: asking for a link to vote (each sends an e-mail), and confirming one.
    RATELIMIT_VOTE = "10 per minute;30 per hour"
    RATELIMIT_VOTE_OVERALL = "600 per minute"
    RATELIMIT_VOTE_CONFIRM = "20 per minute;100 per hour"
    RATELIMIT_VOTE_CONFIRM_OVERALL = "600 per minute"
    # A judge's pack (a PDF made on request): per judge, and all judges together.
    RATELIMIT_JUDGE_PACK = "10 per minute;60 per hour"
    RATELIMIT_JUDGE_PACK_OVERALL = "30 per minute"
    # How many proxies in front of the app append to X-Forwarded-For; 0 (the default) trusts no
    # header and uses the connection's address (behind one nginx: 1).
    TRUSTED_PROXY_COUNT = 0

    # People's Choice (awards/domain/voting/rules.py, docs/operations.md "People's Choice"): confirmation
    # links e-mailed per hour in one category's vote, to one organisational e-mail domain, to one webmail
    # domain (gmail.com, outlook.com, …), from one network (IPv4 /24, IPv6 /64) and to one address.
    VOTE_DOMAIN_LIMIT_PER_HOUR = 20
    VOTE_WEBMAIL_DOMAIN_LIMIT_PER_HOUR = 300
    VOTE_IP_PREFIX_LIMIT_PER_HOUR = 30
    VOTE_ADDRESS_LIMIT_PER_HOUR = 3
    # The organiser's abuse view: a minute with more attempts than this is a burst; a network or an
    # organisational domain with this many addresses within 10 minutes is flagged.
    VOTE_BURST_PER_MINUTE = 20
    VOTE_FLAG_ADDRESSES_IN_10_MINUTES = 10

    EMAIL_VERIFICATION_MAX_AGE = 3 * 24 * 3600
    # Days after a cycle's results are published (or it closed without results) before organisers
    # can remove its personal data (docs/operations.md, "Data protection").
    RETENTION_DAYS = 365
    PASSWORD_RESET_MAX_AGE = 3600
    MAGIC_LINK_MAX_AGE = 15 * 60  # a sign-in link by e-mail works once, for this many seconds
    # Single sign-on with OpenID Connect (awards/domain/people/single_sign_on.py, README "Single sign-on"):
    # a list of providers, each {"name", "label", "issuer", "client_id", "client_secret", "email_domains",
    # "role"} (in the environment AWARDS_SSO_PROVIDERS as a JSON list). None: sign in as before.
    SSO_PROVIDERS: list[dict] = []
    SSO_TIMEOUT = 10  # seconds to wait for a provider's discovery, keys and token endpoints

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
    # (awards/domain/results/shortlists.py, docs/performance.md); 0 aggregates on every request.
    RESULTS_CACHE_ENTRIES = 4


class Development:
    ENVIRONMENT = "development"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    PREFERRED_URL_SCHEME = "http"
    MAIL_BACKEND = "file"
    REQUIRE_ORGANISER_2FA = False


class Testing:
    ENVIRONMENT = "testing"
    TESTING = True
    # Off: tests empty the tables between them and reuse ids, which a kept ranking could confuse;
    # tests that check the cache turn it on.
    RESULTS_CACHE_ENTRIES = 0
    SECRET_KEY = "testing-secret-key-not-for-production"  # noqa: S105 (tests only; production refuses a missing key)
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
    # Off, so no test is refused for the requests of another; the tests of the limits turn it on.
    RATELIMIT_ENABLED = False
    REQUIRE_ORGANISER_2FA = False  # the tests of two-factor turn it on


ENVIRONMENTS = {"production": None, "development": Development, "testing": Testing}


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for any PostgreSQL URL (Heroku-style postgres:// included)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def default_sqlite_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "awards.db")


class ConfigurationError(click.ClickException, RuntimeError):
    """A setting is missing or wrong. A ClickException, so the `flask` command shows
    "Error: <message>" on one line instead of a traceback."""


def environment_name(override: dict | None, instance_config: dict | None = None) -> str:
    if override and "ENVIRONMENT" in override:
        return override["ENVIRONMENT"]
    if os.environ.get("AWARDS_ENVIRONMENT"):
        return os.environ["AWARDS_ENVIRONMENT"]
    return (instance_config or {}).get("ENVIRONMENT") or "production"


def database_unreachable(uri: str, error: Exception) -> ConfigurationError:
    """One line for a database that cannot be opened: where, why (first line), and what to check."""
    import sqlalchemy as sa

    try:
        where = sa.make_url(uri).render_as_string(hide_password=True)
    except Exception:
        where = "the configured database"
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    return ConfigurationError(
        f"Could not open the database at {where} ({reason}): check DATABASE_URL and that the database server is running"
    )


def database_not_migrated(uri: str) -> ConfigurationError:
    import sqlalchemy as sa

    where = sa.make_url(uri).render_as_string(hide_password=True)
    return ConfigurationError(f"The database at {where} has no tables yet: run `flask --app awards db upgrade` first")


_INTEGER_SETTINGS = (
    "SESSION_IDLE_TIMEOUT",
    "SESSION_ABSOLUTE_TIMEOUT",
    "REMEMBER_COOKIE_DURATION",
    "MAX_CONTENT_LENGTH",
    "SIGN_IN_MAX_FAILURES",
    "SIGN_IN_WINDOW_SECONDS",
    "RETENTION_DAYS",
    "MAIL_PORT",
    "MAIL_TIMEOUT",
    "PUBLIC_CACHE_ENTRIES",
    "RESULTS_CACHE_ENTRIES",
    "EMAIL_VERIFICATION_MAX_AGE",
    "PASSWORD_RESET_MAX_AGE",
    "MAGIC_LINK_MAX_AGE",
    "TRUSTED_PROXY_COUNT",
    "SSO_TIMEOUT",
)
_BOOLEAN_SETTINGS = (
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "SESSION_COOKIE_SECURE",
    "REMEMBER_COOKIE_SECURE",
    "RATELIMIT_ENABLED",
    "REQUIRE_ORGANISER_2FA",
)


def _setting_name(key: str) -> str:
    """How a person sets `key`: the plain variable for the three the README names, else AWARDS_<KEY>."""
    if key == "SQLALCHEMY_DATABASE_URI":
        return "DATABASE_URL"
    return key if key in ("SECRET_KEY", "BASE_URL", "REDIS_URL") else f"AWARDS_{key}"


def check_settings(config: dict, env_name: str) -> None:
    """Refuse settings the service cannot run with, naming what to set (one line each)."""
    base_url = config.get("BASE_URL")
    if not base_url and env_name == "production":
        raise ConfigurationError(
            "BASE_URL is not set: set it to the public address, for example "
            "BASE_URL=https://awards.example.org (or AWARDS_ENVIRONMENT=development on a "
            "development machine)"
        )
    if base_url:
        parts = urlsplit(str(base_url))
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
            raise ConfigurationError(
                f"BASE_URL must be a scheme and host such as https://awards.example.org, not {base_url!r}"
            )
    if not config.get("SECRET_KEY") and env_name == "production":
        raise ConfigurationError(
            "SECRET_KEY is not set: set SECRET_KEY to a long random string, for example the "
            "output of: python3 -c 'import secrets; print(secrets.token_hex(32))'"
        )
    uri = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    if uri and not uri.startswith(("sqlite:", "postgresql")):
        raise ConfigurationError(
            "DATABASE_URL must be a PostgreSQL URL (postgresql://user:password@host/awards) "
            "or a SQLite one (sqlite:////path/to/awards.db)"
        )
    if config.get("MAIL_BACKEND") not in ("smtp", "file"):
        raise ConfigurationError(f"AWARDS_MAIL_BACKEND must be smtp or file, not {config.get('MAIL_BACKEND')!r}")
    redis_url = config.get("REDIS_URL")
    if redis_url and not str(redis_url).startswith(("redis://", "rediss://", "redis+unix://")):
        raise ConfigurationError(f"REDIS_URL must be a Redis URL such as redis://127.0.0.1:6379/0, not {redis_url!r}")
    from awards.i18n import settings_problem as language_problem

    problem = language_problem(config)
    if problem:
        raise ConfigurationError(problem)
    from awards.domain.core.storage import settings_problem as storage_problem
    from awards.domain.people.single_sign_on import settings_problem as sign_on_problem
    from awards.throttling import check_limit_settings

    for check in (storage_problem, sign_on_problem, check_limit_settings):
        problem = check(config)
        if problem:
            raise ConfigurationError(problem)
    for key in _INTEGER_SETTINGS:
        value = config.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ConfigurationError(f"{_setting_name(key)} must be a whole number of 0 or more, not {value!r}")
    for key in _BOOLEAN_SETTINGS:
        if not isinstance(config.get(key), bool):
            raise ConfigurationError(f"{_setting_name(key)} must be true or false, not {config.get(key)!r}")
