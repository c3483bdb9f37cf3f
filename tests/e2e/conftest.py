"""Browser journeys: the app on a real server in a thread, driven by Debian's Chromium.

Fixtures (see README.md beside this file for how to add a journey):

- `live_server`: the app on http://127.0.0.1:<free port>, its own migrated SQLite database
  (emptied before each test), e-mail to the outbox and to files. `live_server.make_user(...)`,
  `live_server.outbox(...)`, `live_server.email_link(...)`, `live_server.run(fn, ...)` work
  inside its app context.
- `page` (1280×800) and `phone_page` (375×667): a fresh browser context each, addressed
  relative to the server (`page.goto("/sign-in")`). `journey.new_page(...)` gives more
  (a second person, another size).
- `check_page(page, label)`: axe-core, no console errors or failed requests, no sideways
  scrolling, screenshots when AWARDS_SCREENSHOTS=1; the HTML the server sent is kept and
  all of a test's pages go through the Nu HTML Checker in one run when the test ends.

Without Chromium (or Java, for the HTML check) the tests skip with the reason, unless
AWARDS_REQUIRE_BROWSER=1 (CI), which makes that a failure.
"""

from __future__ import annotations

import contextlib
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from awards import create_app
from awards.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.support.browser import (
    CHROMIUM_ARGS,
    CHROMIUM_PATH,
    DESKTOP,
    PHONE,
    PageWatcher,
    assert_no_horizontal_overflow,
    axe_violations,
    check_html_batch,
    format_violations,
    screenshots_wanted,
    skip_or_fail,
    start_html_checker,
    take_screenshots,
)
from tests.support.visible import markup_on_screen

E2E_DIR = Path(__file__).resolve().parent
DEFAULT_TIMEOUT_MS = 10_000
_LINK = re.compile(r"https?://[^\s<>\"']+")


def pytest_collection_modifyitems(config, items):
    """Every test in tests/e2e is a browser test: give it the e2e marker even if a module forgets."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a test body passes, check the HTML of every page it visited, in one Java run, so an
    invalid page fails the test itself (not its teardown)."""
    result = yield
    journey = item.funcargs.get("journey")
    if journey is not None:
        journey.finish()
    return result


# --- the server ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserInfo:
    id: int
    email: str
    name: str
    password: str


@dataclass(frozen=True)
class Email:
    to_address: str
    subject: str
    body_text: str
    body_html: str | None
    kind: str
    sent: bool

    @property
    def links(self) -> list[str]:
        return _LINK.findall(self.body_text)


class LiveServer:
    def __init__(self, app, server):
        self.app = app
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_port}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="e2e-live-server", daemon=True
        )  # a short poll: shutdown() waits for the loop to look again

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
        self._server.server_close()
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()

    def run(self, fn, *args, **kwargs):
        """Call fn inside the app context and commit. Return plain values, not ORM objects:
        they are detached once the context ends."""
        with self.app.app_context():
            try:
                result = fn(*args, **kwargs)
                db.session.commit()
                return result
            finally:
                db.session.remove()

    def make_user(self, *, password: str = DEFAULT_PASSWORD, **kwargs) -> UserInfo:
        """A user through tests/factories (verified, role nominee unless `roles=` says more)."""

        def build():
            user = make_user(password=password, **kwargs)
            return UserInfo(id=user.id, email=user.email, name=user.name, password=password)

        return self.run(build)

    def outbox(self, kind: str | None = None, to: str | None = None) -> list[Email]:
        """The e-mails the app queued, oldest first (optionally of one kind, to one address)."""
        from awards.models import OutboxMessage

        def read():
            query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
            if kind:
                query = query.where(OutboxMessage.kind == kind)
            if to:
                query = query.where(sa.func.lower(OutboxMessage.to_address) == to.lower())
            return [
                Email(m.to_address, m.subject, m.body_text, m.body_html, m.kind, m.is_sent)
                for m in db.session.scalars(query)
            ]

        return self.run(read)

    def email_link(self, to: str, kind: str) -> str:
        """The link in the newest e-mail of this kind to this address, as a path on the server."""
        emails = self.outbox(kind=kind, to=to)
        assert emails, f"no {kind!r} e-mail to {to} in the outbox: {[(e.kind, e.to_address) for e in self.outbox()]}"
        links = [link for link in emails[-1].links if link.startswith(self.url)]
        assert links, f"no link to {self.url} in the {kind!r} e-mail:\n{emails[-1].body_text}"
        return links[0][len(self.url) :]

    def reset_database(self) -> None:
        def empty():
            existing = set(sa.inspect(db.session.connection()).get_table_names())
            for table in reversed(db.metadata.sorted_tables):
                if table.name in existing:  # a model whose migration is yet to come is not our business
                    db.session.execute(table.delete())

        self.run(empty)


def start_live_server(folder: Path, name: str = "awards-e2e", **config) -> LiveServer:
    """The app on a free loopback port with its own migrated SQLite database in `folder`, started;
    `config` adds settings (a test that needs the request limits on, say). Stop it when done."""
    # Bind first, so the app knows its real address (e-mailed links are built from BASE_URL).
    server = make_server("127.0.0.1", 0, None, threaded=True)
    app = create_app(
        {
            "ENVIRONMENT": "testing",
            "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(folder / f"{name}.db"),
            "MAIL_BACKEND": "file",
            "MAIL_FILE_DIR": str(folder / "outbox"),
            "BASE_URL": f"http://127.0.0.1:{server.server_port}",
            # The browser sees the app's own error pages, as a user would; tracebacks go to the log.
            "PROPAGATE_EXCEPTIONS": False,
            **config,
        }
    )
    server.app = app
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.session.remove()
    live = LiveServer(app, server)
    live.start()
    return live


@pytest.fixture(scope="session")
def _live_server(tmp_path_factory):
    live = start_live_server(tmp_path_factory.mktemp("e2e"))
    yield live
    live.stop()


@pytest.fixture
def live_server(_live_server) -> LiveServer:
    """The running app, with an empty database for this test."""
    _live_server.reset_database()
    return _live_server


# --- the browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail(
            "Playwright for Python is not installed: browser tests skipped (.venv/bin/pip install -e '.[dev]')"
        )
    if not Path(CHROMIUM_PATH).exists():
        skip_or_fail(
            f"No Chromium at {CHROMIUM_PATH}: browser tests skipped "
            "(apt-get install chromium, or set AWARDS_CHROMIUM to a Chromium binary)"
        )
    start_html_checker()  # warms up while the first journey runs
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


class Journey:
    """One test's browser pages and the checks on them."""

    def __init__(self, browser, server: LiveServer):
        self.browser = browser
        self.server = server
        self._contexts = []
        self._watchers: dict[int, PageWatcher] = {}
        self._documents: list[tuple[str, str]] = []
        self._urls: dict[str, str] = {}
        self._checked_responses: list = []  # the Response objects already kept

    def new_page(self, *, viewport: dict = DESKTOP, **context_options):
        context = self.browser.new_context(base_url=self.server.url, viewport=viewport, **context_options)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        self._contexts.append(context)
        page = context.new_page()
        self._watchers[id(page)] = PageWatcher(page)
        return page

    def check(self, page, label: str, *, screenshot: bool = True) -> None:
        """Everything a page state must pass now; its HTML is checked when the test ends."""
        page.wait_for_load_state("load")
        watcher = self._watchers[id(page)]
        failures = []
        problems = watcher.take_problems()
        if problems:
            failures.append(f"the browser reported problems on {label!r} ({page.url}):\n- " + "\n- ".join(problems))
        violations = axe_violations(page)
        if violations:
            failures.append(format_violations(violations, label, page.url))
        hits = markup_on_screen(page.inner_text("body"))
        if hits:
            failures.append(f"markup shown as text on {label!r} ({page.url}):\n- " + "\n- ".join(hits[:10]))
        if failures:
            pytest.fail("\n\n".join(failures), pytrace=False)
        assert_no_horizontal_overflow(page, label)

        response = watcher.document
        if response is None or not any(r is response for r in self._checked_responses):
            if response is not None:
                self._checked_responses.append(response)
            unique = label
            n = 2
            while unique in self._urls:
                unique, n = f"{label} #{n}", n + 1
            self._documents.append((unique, watcher.document_html()))
            self._urls[unique] = page.url
        if screenshot and screenshots_wanted():
            take_screenshots(page, label)

    def finish(self) -> None:
        leftovers = []
        for watcher in self._watchers.values():
            if not watcher.page.is_closed():
                leftovers += [f"{p} (on {watcher.page.url})" for p in watcher.take_problems()]
        if leftovers:
            pytest.fail(
                "the browser reported problems after the last check:\n- " + "\n- ".join(leftovers), pytrace=False
            )
        documents, self._documents = self._documents, []
        check_html_batch(documents, self._urls)

    def close(self) -> None:
        for context in self._contexts:
            with contextlib.suppress(Exception):
                context.close()


@pytest.fixture
def journey(browser, live_server):
    j = Journey(browser, live_server)
    yield j
    j.close()


@pytest.fixture
def page(journey):
    """A desktop-sized page (1280×800) in its own browser context."""
    return journey.new_page()


@pytest.fixture
def phone_page(journey):
    """A phone-sized page (375×667) in its own browser context."""
    return journey.new_page(viewport=PHONE)


@pytest.fixture
def check_page(journey):
    """check_page(page, "label"): axe, browser errors, overflow, screenshots; HTML at the end."""
    return journey.check
