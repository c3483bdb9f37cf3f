"""Security basics: headers, CSP, cookies, CSRF, health, configuration."""

import base64
import hashlib
import re

import pytest
import sqlalchemy as sa

from awards import create_app
from awards.extensions import db
from awards.models import User
from tests.factories import DEFAULT_PASSWORD


def _csp(response):
    return response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path,status", [("/", 200), ("/no-such-page", 404), ("/sign-in", 200)])
def test_security_headers_on_every_response(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    csp = _csp(response)
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_inline_script_is_allowed_by_its_hash(client):
    response = client.get("/")
    allowed = re.search(r"script-src ([^;]+)", _csp(response)).group(1).split()
    page = response.get_data(as_text=True)
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", page, re.S)
    assert inline_scripts, "the js-enabled snippet should be there"
    for attrs, body in inline_scripts:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed and "nonce" not in attrs
    # the same policy for every response, so a page kept by a cache still runs its script
    assert client.get("/").headers["Content-Security-Policy"] == _csp(response)


def test_500_has_security_headers(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("x")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "frame-ancestors 'none'" in _csp(response)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_signed_in_pages_are_not_stored(nominee_client, client):
    assert nominee_client.get("/account").headers["Cache-Control"] == "no-store"
    assert nominee_client.get("/").headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")


def test_session_cookie_flags_in_development_and_production(client, nominee, make_app):
    client.post_form("/sign-in", {"email": nominee.email, "password": DEFAULT_PASSWORD})
    cookie = client.get_cookie("awards_session")
    assert cookie.http_only and cookie.same_site == "Lax"
    prod = make_app(
        ENVIRONMENT="production", SECRET_KEY="x" * 64, BASE_URL="https://awards.example.org", TRUSTED_HOSTS=None
    )
    assert prod.config["SESSION_COOKIE_SECURE"] and prod.config["REMEMBER_COOKIE_SECURE"]
    assert prod.config["SESSION_COOKIE_HTTPONLY"] and prod.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    c = prod.test_client()
    response = c.get("/sign-in", base_url="https://awards.example.org")
    token = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True)).group(1)
    set_cookie = response.headers["Set-Cookie"]
    assert "Secure" in set_cookie and "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    assert token
    assert "max-age" in response.headers.get("Strict-Transport-Security", "")


def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(
            {
                "ENVIRONMENT": "production",
                "SECRET_KEY": None,
                "BASE_URL": "https://a.example.org",
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
            }
        )


def test_production_refuses_to_start_without_base_url():
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app(
            {
                "ENVIRONMENT": "production",
                "SECRET_KEY": "k" * 64,
                "BASE_URL": None,
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
            }
        )


def test_environment_overrides_defaults(monkeypatch):
    monkeypatch.setenv("AWARDS_SERVICE_NAME", "Env Awards")
    monkeypatch.setenv("AWARDS_MAIL_PORT", "2525")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example.org/awards")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    app = create_app({"ENVIRONMENT": "development"})
    assert app.config["SERVICE_NAME"] == "Env Awards"
    assert app.config["MAIL_PORT"] == 2525
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example.org/awards"
    # checked before use only after lying idle (awards/db_ping.py), not before every use
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is False
    with app.app_context():
        assert db.engine._awards_ping_when_idle
    assert app.config["SECRET_KEY"] == "from-the-environment"


def test_sqlite_gets_wal_foreign_keys_busy_timeout_and_a_larger_page_cache(app):
    if db.engine.dialect.name != "sqlite":  # PostgreSQL: connections checked before use after lying idle
        assert db.engine._awards_ping_when_idle and not db.engine.pool._pre_ping
        return
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -32768  # KiB: 32 MiB, not the default 2


@pytest.mark.parametrize(
    "path,data",
    [
        ("/sign-in", {"email": "x@y.gov.uk", "password": "whatever password"}),
        (
            "/register",
            {
                "name": "N",
                "email": "new@riverside.gov.uk",
                "organisation": "O",
                "password": "long enough passphrase",
                "confirm_password": "long enough passphrase",
            },
        ),
        ("/account/reset-password", {"email": "x@y.gov.uk"}),
        ("/sign-in/email-link", {"email": "x@y.gov.uk"}),
    ],
)
def test_post_without_csrf_token_is_refused_and_changes_nothing(client, path, data, outbox):
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert "Your form has expired" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0
    assert outbox() == []


def test_csrf_token_from_another_session_is_refused(app, nominee):
    other = app.test_client()
    token = other.csrf_token()
    victim = app.test_client()
    victim.sign_in_as(nominee)
    response = victim.post(
        "/account",
        data={"csrf_token": token, "profile-name": "Hacked", "profile-organisation": "x", "profile-submit": "1"},
    )
    assert response.status_code == 400
    assert db.session.get(User, nominee.id).name != "Hacked"


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_unreachable(make_app):
    app = make_app(
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:9/unreachable",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}},
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "error"}


def test_finding_the_templates_inline_scripts_takes_no_time_whatever_their_tags():
    """A templated <script src> with no body, in a template with many other tags, once made start-up hang
    (the pattern backtracked across the whole file); the static inline script after it is still found."""
    import time

    from awards.security import inline_script_hashes

    source = (
        "{{ a }} " * 200
        + '<script src="{{ url_for("static", filename="x.js") }}" type="module"></script>'
        + "{{ b }}" * 3000
        + '<script nonce="{% if x %}{{ y }}{% endif %}">let a = 2;</script>'
    )
    started = time.process_time()
    hashes = inline_script_hashes([source])
    assert time.process_time() - started < 5  # a guard against a hang, not a speed target: it took minutes before
    assert hashes == ["'sha256-5yyPedEDd3N1rLc8FBGnmhO44/FSKSVXrrWULzJJRO4='"]
