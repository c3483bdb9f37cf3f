"""Fixtures: app, client, runner, a fresh database per test on SQLite and on PostgreSQL,
signed-in clients per role, and helpers to post forms with their CSRF token."""

from __future__ import annotations

import contextvars
import os
import re

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient

from awards import create_app
from awards.domain.core.clock import utcnow
from awards.extensions import db
from awards.security import session_identifier
from awards.web.caching import page_cache
from tests.factories import DEFAULT_PASSWORD, ROLE_PEOPLE, make_user
from tests.support.visible import allow_typed, assert_no_markup_on_screen, forget_typed, markup_on_screen, visible_texts

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class Client(FlaskClient):
    """The Flask test client, plus form posting with a real CSRF token from a page.

    Each request runs in an empty context, so it gets its own app context, `g` and
    database session, exactly as in production, however the test's own context
    is set up. The test's session is committed before and reset after, so it
    neither hides a request's writes nor holds an old snapshot.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        kwargs.setdefault("buffered", True)  # streamed responses are read inside the request's context
        try:
            response = contextvars.Context().run(super().open, *args, **kwargs)
        finally:
            if has_app_context():
                db.session.rollback()
        if response.mimetype == "text/html" and not response.is_streamed:
            # No page may show markup as text (a tag joined to an escaped value is escaped too).
            assert_no_markup_on_screen(
                response.get_data(as_text=True),
                f"{response.request.method} {response.request.path} ({response.status_code})",
            )
        return response

    def csrf_token(self, page: str = "/sign-in") -> str:
        """The session's CSRF token, as a form on `page` carries it. A page that sends the person elsewhere (the
        sign-in page, to someone signed in) is not followed: the token is the session's, so the privacy notice's
        sign-out form gives it as well, without building the page the redirect leads to (a dashboard, half of the
        access matrix's time)."""
        for url in (page, "/privacy"):
            match = TOKEN_RE.search(self.get(url).get_data(as_text=True))
            if match:
                return match.group(1)
        response = self.get("/sign-in", follow_redirects=True)
        match = TOKEN_RE.search(response.get_data(as_text=True))
        assert match, "no CSRF token found on the page"
        return match.group(1)

    def post_form(self, url: str, data: dict | None = None, *, token_from: str | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(token_from or "/sign-in"))
        return self.post(url, data=data, **kwargs)

    def sign_in_as(self, user) -> None:
        """Start a signed-in session without going through the form (fast, for role clients).
        It starts at the current (possibly travelled) time, as signing in would; a test that moves
        the clock more than the absolute timeout ahead signs in again."""
        with self.session_transaction() as session:
            session["_user_id"] = session_identifier(user.session_token, int(utcnow().timestamp()))
            session["_fresh"] = True


def _postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory, worker_id):
    """A migrated, empty database for this test session (and xdist worker)."""
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "awards-test.db")
    else:
        base = _postgres_url()
        if not base:
            pytest.skip(
                "PostgreSQL tests skipped: set TEST_DATABASE_URL "
                "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to run them"
            )
        schema = f"awards_test_{worker_id}_{os.getpid()}".replace("-", "_")
        base_url = sa.make_url(
            base.replace("postgresql://", "postgresql+psycopg://", 1) if base.startswith("postgresql://") else base
        )
        engine = sa.create_engine(base_url)
        with engine.begin() as conn:  # unreachable → error, never a silent skip
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()

        def drop_schema():
            engine = sa.create_engine(base_url)
            with engine.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            engine.dispose()

        request.addfinalizer(drop_schema)
        # The tests' connections commit without waiting for the write-ahead log to reach the disk: what a commit makes
        # visible to other connections is the same, only a crash of the server could lose it (nothing a test looks
        # at), and the PostgreSQL half of the suite no longer waits on the disk at each of its thousands of commits.
        options = f"-csearch_path={schema} -csynchronous_commit=off"
        url = base_url.update_query_dict({"options": options}).render_as_string(hide_password=False)
    app = create_app({"ENVIRONMENT": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return url


def _empty_all_tables() -> None:
    """Delete every row (children first). Plain DELETEs of a test's few rows are much
    faster than TRUNCATE on PostgreSQL; ids keep counting up, and no test relies on them."""
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        # the table names come from the models' metadata, never from input
        statements = [f'DELETE FROM "{t.name}"' for t in tables]  # noqa: S608 (names from metadata)
        db.session.connection().exec_driver_sql("; ".join(statements))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


def _check_emails_show_no_markup() -> None:
    """Every e-mail the test queued: neither its HTML part nor its text part shows markup as text."""
    from awards.models import OutboxMessage

    hits = []
    for message in db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)):
        found = markup_on_screen(visible_texts(message.body_html or "")) + markup_on_screen(message.body_text or "")
        found += markup_on_screen(message.subject or "")
        hits += [f"{message.kind} to {message.to_address}: {hit}" for hit in found]
    assert not hits, "markup shown as text in e-mails:\n- " + "\n- ".join(hits[:10])


@pytest.fixture(autouse=True)
def _forget_typed_markup():
    forget_typed()
    yield


@pytest.fixture
def typed_markup():
    """typed_markup("<b>x</b>", ...): strings this test types on purpose, whose markup may show as typed."""
    return allow_typed


# One app per database for the whole session: building an app and compiling its templates
# costs more than most tests. Tests that need other settings get their own app (make_app(**config)).
_shared_apps: dict[str, object] = {}


@pytest.fixture(scope="session")
def s3_server():
    """An S3-compatible server on loopback for this test session (and xdist worker), started on first use:
    moto in server mode, with credentials for it in boto3's usual environment variables."""
    from tests.support.object_storage import CREDENTIALS, NOT_FROM_THE_MACHINE, S3Server

    environment = pytest.MonkeyPatch()
    for name, value in CREDENTIALS.items():
        environment.setenv(name, value)
    for name in NOT_FROM_THE_MACHINE:
        environment.delenv(name, raising=False)
    server = S3Server().start()
    yield server
    server.stop()
    environment.undo()


@pytest.fixture
def storage(request, tmp_path):
    """Where this test's uploads are kept: the local folder tmp_path/uploads, or (with `both_storages` from
    tests/support/object_storage.py, or AWARDS_TEST_STORAGE=s3 for every test) a bucket prefix of its own."""
    from tests.support.object_storage import StorageUnderTest

    kind = getattr(request, "param", None) or os.environ.get("AWARDS_TEST_STORAGE") or "local"
    if kind == "s3":
        return StorageUnderTest.s3(request.getfixturevalue("s3_server"), tmp_path / "uploads")
    assert kind == "local", f"AWARDS_TEST_STORAGE must be local or s3, not {kind!r}"
    return StorageUnderTest.local(tmp_path / "uploads")


@pytest.fixture
def make_app(database_url, tmp_path, storage):
    """An app on the test database (the shared one, or a new one with extra config); tables are emptied afterwards."""
    apps = []
    per_test = {"MAIL_FILE_DIR": str(tmp_path / "outbox"), **storage.settings}

    def factory(**config):
        if not config:
            app = _shared_apps.get(database_url)
            if app is None:
                app = create_app({"ENVIRONMENT": "testing", "SQLALCHEMY_DATABASE_URI": database_url, **per_test})
                app.test_client_class = Client
                _shared_apps[database_url] = app
            app.config.update(per_test)
            apps.append(app)
            return app
        settings = {"ENVIRONMENT": "testing", "SQLALCHEMY_DATABASE_URI": database_url, **per_test}
        settings.update(config)
        app = create_app(settings)
        app.test_client_class = Client
        apps.append(app)
        return app

    yield factory
    for app in [a for a in apps if a.config["SQLALCHEMY_DATABASE_URI"] == database_url][:1]:
        with app.app_context():
            db.session.rollback()
            _check_emails_show_no_markup()
            _empty_all_tables()
    for app in apps:
        page_cache(app).clear()  # pages built in this test must not outlive its data
        with app.app_context():
            db.session.remove()
            if app is not _shared_apps.get(database_url):
                db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app) -> Client:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def nominee(app):
    return make_user(**ROLE_PEOPLE["nominee"])


@pytest.fixture
def judge(app):
    return make_user(**ROLE_PEOPLE["judge"])


@pytest.fixture
def organiser(app):
    return make_user(**ROLE_PEOPLE["organiser"])


def _client_for(app, user) -> Client:
    client = app.test_client()
    client.sign_in_as(user)
    return client


@pytest.fixture
def nominee_client(app, nominee) -> Client:
    return _client_for(app, nominee)


@pytest.fixture
def judge_client(app, judge) -> Client:
    return _client_for(app, judge)


@pytest.fixture
def organiser_client(app, organiser) -> Client:
    return _client_for(app, organiser)


@pytest.fixture
def outbox(app):
    """The outbox rows, newest last."""
    from awards.models import OutboxMessage

    def read(kind: str | None = None):
        db.session.expire_all()
        query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return db.session.scalars(query).all()

    return read


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback: (its aiosmtpd controller, the sink holding what it received)."""
    from aiosmtpd.controller import Controller

    from tests.network import SmtpSink, free_port

    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, sink
    controller.stop()


@pytest.fixture
def oidc_provider():
    """A standards-compliant OpenID Connect provider on loopback (tests/support/oidc_provider.py), running."""
    from tests.support.oidc_provider import LoopbackProvider

    provider = LoopbackProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def password():
    return DEFAULT_PASSWORD


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: longer tests")


def pytest_report_header(config):
    if _postgres_url():
        return f"PostgreSQL: tests run against {_postgres_url()}"
    return (
        "PostgreSQL: its half of the suite is SKIPPED; set TEST_DATABASE_URL="
        "postgresql+psycopg://postgres@127.0.0.1:5432/test to run it"
    )
