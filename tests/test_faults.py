"""Faults (issue 7, item 10): the database restarting under a running gunicorn, the SMTP server
being down while nominations are submitted, and a graceful gunicorn restart (HUP) under load.

The gunicorn tests start real processes on free ports with their own directories (so they run
side by side under pytest-xdist) and always stop them. The PostgreSQL restart uses a private
cluster made with initdb, never the shared server other tests use; it is skipped where initdb or
runuser is missing, and fails instead when AWARDS_REQUIRE_FAULTS=1 (as in CI).
"""

from __future__ import annotations

import glob
import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from awards import create_app
from awards.extensions import db
from awards.models import Nomination, NominationStatus, OutboxMessage
from tests.factories import make_cycle, make_nomination, make_user
from tests.network import SmtpSink, free_port

ROOT = Path(__file__).resolve().parent.parent


def http_get(port: int, path: str, timeout: float = 10) -> tuple[int, dict, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def wait_until(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while True:
        try:
            result = check()
            if result:
                return result
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.1)


def migrate(url: str) -> None:
    app = create_app({"ENVIRONMENT": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()


class Gunicorn:
    """gunicorn serving wsgi:app as in production, on a free port; stopped in `close`."""

    def __init__(self, database_url: str, workdir: Path, workers: int = 2):
        self.port = free_port()
        self.log = workdir / "gunicorn.log"
        env = {
            **os.environ,
            "AWARDS_ENVIRONMENT": "production",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "faults-test-secret",
            "AWARDS_BASE_URL": f"http://127.0.0.1:{self.port}",
            "AWARDS_MAIL_BACKEND": "file",
            "AWARDS_MAIL_FILE_DIR": str(workdir / "outbox"),
            "AWARDS_UPLOAD_FOLDER": str(workdir / "uploads"),
        }
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-w",
                    str(workers),
                    "-b",
                    f"127.0.0.1:{self.port}",
                    "--graceful-timeout",
                    "20",
                    "wsgi:app",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until(
                lambda: self.process.poll() is None and http_get(self.port, "/healthz", 2)[0] == 200,
                30,
                "gunicorn to answer /healthz",
            )
            wait_until(lambda: len(self.workers()) == workers, 30, "every worker to start")
        except BaseException:
            self.close()
            raise

    def workers(self) -> set[int]:
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except OSError:
            return set()
        return {int(pid) for pid in children}

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# ---------------------------------------------------------------- PostgreSQL restarted under load


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _unavailable(reason: str):
    if os.environ.get("AWARDS_REQUIRE_FAULTS") == "1":
        pytest.fail(f"AWARDS_REQUIRE_FAULTS=1 but {reason}")
    pytest.skip(f"PostgreSQL restart test skipped: {reason} (AWARDS_REQUIRE_FAULTS=1 makes this a failure)")


class PrivateCluster:
    """A throwaway PostgreSQL cluster owned by the postgres user, on its own port and socket directory."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="awards-faults-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        try:
            self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
            self.start()
        except BaseException:
            self.destroy()
            raise

    def run(self, tool: str, *args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(self.bindir / tool), *args],
            check=True,
            capture_output=True,
            timeout=60,
        )

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "server.log"), "-w", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_postgres():
    bindir = _postgres_bin()
    if bindir is None:
        _unavailable("no initdb under /usr/lib/postgresql/*/bin")
    if shutil.which("runuser") is None or os.geteuid() != 0:
        _unavailable("starting a private cluster needs root and runuser (to run initdb as postgres)")
    cluster = PrivateCluster(bindir)
    try:
        yield cluster
    finally:
        cluster.destroy()


def test_a_page_says_the_service_is_unavailable_when_the_database_cannot_be_reached(
    make_app, database_url, tmp_path, caplog
):
    """Signed in or not, a page that needs the database gets the 503 page (no traceback, no driver
    text), a Retry-After header, and a log line saying why."""
    if database_url.startswith("sqlite"):
        gone = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'no-such-directory' / 'awards.db'}"}
    else:
        gone = {
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:9/unreachable",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
        }
    app = make_app(**gone)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "a-session-token"  # as a signed-in person's browser would send
    response = client.get("/impact-cases")
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Sorry, the service is unavailable" in page and "Nothing you saved has been lost" in page
    assert "Traceback" not in page and "psycopg" not in page and "Sign out" not in page
    assert any("database unavailable on GET /impact-cases" in r.getMessage() for r in caplog.records)


def test_postgresql_restart_gives_a_friendly_503_then_recovers_without_restarting_workers(private_postgres, tmp_path):
    migrate(private_postgres.url)
    server = Gunicorn(private_postgres.url, tmp_path)
    try:
        assert http_get(server.port, "/impact-cases")[0] == 200
        workers = server.workers()

        private_postgres.stop()
        status, headers, page = http_get(server.port, "/impact-cases")
        assert status == 503, page[:500]
        assert "Sorry, the service is unavailable" in page
        assert "You will be able to use the service again in a few moments" in page
        assert "Traceback" not in page and "psycopg" not in page
        assert headers.get("Retry-After") == "5"
        health = http_get(server.port, "/healthz")
        assert health[0] == 503

        private_postgres.start()
        # The pool's pre-ping replaces the dead connections: each worker answers again by itself.
        for _ in range(6):
            wait_until(lambda: http_get(server.port, "/impact-cases")[0] == 200, 15, "a 200 after the restart")
        assert server.workers() == workers, "a worker was restarted"
        assert server.process.poll() is None
        assert "database unavailable on GET /impact-cases" in server.output()
    finally:
        server.close()


# ---------------------------------------------------------------- SMTP down while nominations are submitted


def test_smtp_down_submission_succeeds_and_the_email_waits_then_goes_exactly_once(make_app):
    port = free_port()  # nothing listens here yet: the mail server is down
    app = make_app(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=2)
    with app.app_context():
        nominee = make_user(name="Nina Nominee", email="nina@riverside.gov.uk")
        nomination = make_nomination(make_cycle(), nominator=nominee, status="draft")
        client = app.test_client()
        client.sign_in_as(nominee)
        response = client.post_form(
            f"/nominations/{nomination.reference}/submit", token_from=f"/nominations/{nomination.reference}/check"
        )
        assert response.status_code == 302 and response.headers["Location"].endswith("/confirmation")
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Nomination submitted" in page and nomination.reference in page

        db.session.expire_all()
        assert db.session.get(Nomination, nomination.id).status is NominationStatus.SUBMITTED
        [waiting] = db.session.scalars(sa.select(OutboxMessage)).all()
        assert waiting.kind == "nomination_submitted" and waiting.sent_at is None and waiting.last_error

        sink = SmtpSink()
        smtp = Controller(sink, hostname="127.0.0.1", port=port)
        smtp.start()
        try:
            runner = app.test_cli_runner()
            first = runner.invoke(args=["outbox", "send"])
            second = runner.invoke(args=["outbox", "send"])
        finally:
            smtp.stop()
        assert first.exit_code == 0 and "1 sent, 0 failed" in first.output
        assert second.exit_code == 0 and second.output.startswith("0 sent")
        assert len(sink.messages) == 1 and sink.messages[0].rcpt_tos == ["nina@riverside.gov.uk"]
        db.session.expire_all()
        [sent] = db.session.scalars(sa.select(OutboxMessage)).all()
        assert sent.sent_at is not None and sent.last_error is None


# ---------------------------------------------------------------- gunicorn graceful restart under load


def test_gunicorn_hup_under_load_drops_no_request(tmp_path):
    url = f"sqlite:///{tmp_path / 'hup.db'}"
    migrate(url)
    server = Gunicorn(url, tmp_path)
    try:
        old_workers = server.workers()
        outcomes: list[tuple[float, float, object]] = []
        hup_at: list[float] = []
        lock = threading.Lock()

        def send(paths):
            for path in paths:
                started = time.monotonic()
                try:
                    status = http_get(server.port, path, timeout=30)[0]
                except OSError as exc:  # a reset or refused connection is a dropped request
                    status = repr(exc)
                with lock:
                    outcomes.append((started, time.monotonic(), status))

        paths = ["/", "/healthz", "/impact-cases", "/trends"] * 10
        threads = [threading.Thread(target=send, args=(paths,)) for _ in range(5)]  # 200 requests
        for thread in threads:
            thread.start()
        wait_until(lambda: len(outcomes) >= 30, 30, "the load to get going")
        hup_at.append(time.monotonic())
        server.process.send_signal(signal.SIGHUP)
        for thread in threads:
            thread.join(90)

        assert len(outcomes) == 200
        assert [s for _, _, s in outcomes if s != 200] == []
        # The restart happened while requests were still being sent.
        assert sum(1 for start, _, _ in outcomes if start > hup_at[0]) > 0
        new_workers = wait_until(
            lambda: (w := server.workers()) and len(w) == 2 and not (w & old_workers) and w,
            30,
            "the old workers to be replaced",
        )
        assert new_workers.isdisjoint(old_workers)
        assert "Handling signal: hup" in server.output()
    finally:
        server.close()
