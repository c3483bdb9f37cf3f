"""`flask backup` and `flask restore`: a consistent copy while the app writes, restored and checked."""

from __future__ import annotations

import contextvars
import hashlib
import io
import json
import shutil
import threading

import pytest
import sqlalchemy as sa

from awards.domain.core import audit
from awards.domain.nominations.attachments import add_attachment
from awards.domain.records import backup as backup_rules
from awards.extensions import db
from awards.models import AuditEvent
from tests.factories import make_nomination
from tests.support.files import PNG
from tests.support.object_storage import both_storages


def _invoke(app, *args):
    """Run a command of `app` outside the test's app context (which the CLI would otherwise reuse)."""
    return contextvars.Context().run(app.test_cli_runner().invoke, args=list(args))


def _is_sqlite(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def _keep_writing(
    app, stop: threading.Event, started: threading.Event, written: list[int], wrote: threading.Condition
) -> None:
    """Keep adding audit rows, one committed transaction each, until told to stop."""
    with app.app_context():
        while not stop.is_set():
            audit.record("test.write_during_backup", object_type="test")
            db.session.commit()
            with wrote:
                written[0] += 1
                wrote.notify_all()
            started.set()
        db.session.remove()


@pytest.fixture
def documents(app):
    nomination = make_nomination(status="draft")
    add_attachment(nomination, filename="chart.png", stream=io.BytesIO(PNG), by=nomination.nominator)
    db.session.commit()
    return nomination


@both_storages
def test_backup_under_writes_then_restore_passes_the_integrity_check(
    app, runner, make_app, documents, tmp_path, storage
):
    if not _is_sqlite(app):
        pytest.skip("the SQLite backup; PostgreSQL is covered by the next test")
    stop, started, written, wrote = threading.Event(), threading.Event(), [0], threading.Condition()
    during: list[int] = []

    def while_the_snapshot_is_held(remaining, total):
        # Called by the backup between its steps, with its read transaction still open: let the
        # writer commit more rows now, so the writes provably overlap the backup.
        with wrote:
            at_step = written[0]
            assert wrote.wait_for(lambda: written[0] >= at_step + 3, timeout=10), "the writer was held up"
            during.append(written[0] - at_step)

    thread = threading.Thread(target=_keep_writing, args=(app, stop, started, written, wrote))
    thread.start()
    try:
        assert started.wait(10)
        manifest_object = backup_rules.backup(tmp_path / "backup", progress=while_the_snapshot_is_held)
    finally:
        stop.set()
        thread.join(10)
    assert during and sum(during) >= 3
    print(f"audit rows committed while the backup held its snapshot: {sum(during)}")
    assert backup_rules.verify(tmp_path / "backup").row_counts == manifest_object.row_counts

    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    # The snapshot holds a consistent prefix of the writes: none of those committed while it was held.
    live_audit = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    assert 1 <= manifest["row_counts"]["audit_events"] <= live_audit - sum(during)
    assert manifest["row_counts"]["nominations"] == 1 and manifest["row_counts"]["attachments"] == 1
    assert manifest["schema_revision"] == db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    stored = documents.attachments[0].stored_name
    assert manifest["files"][f"uploads/{stored}"]["size"] == len(PNG)
    assert set(manifest["files"]) >= {"database.sqlite3", f"uploads/{stored}"}

    # Restore into a fresh database and upload storage (a folder, or another prefix of the bucket).
    fresh = storage.elsewhere(tmp_path / "restored-uploads")
    restored = make_app(SQLALCHEMY_DATABASE_URI="sqlite:///" + str(tmp_path / "restored.db"), **fresh.settings)
    result = _invoke(restored, "restore", str(tmp_path / "backup"))
    assert result.exit_code == 0, result.output
    assert "Integrity check: ok" in result.output and "Row counts match the manifest" in result.output

    def restored_counts():
        with restored.app_context():
            counts = {
                name: db.session.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
                for name in manifest["row_counts"]
            }
            db.session.remove()
            return counts

    assert contextvars.Context().run(restored_counts) == manifest["row_counts"]
    assert fresh.names() == [stored] and fresh.read(stored) == PNG

    # Restoring again over the now non-empty database needs --yes.
    again = _invoke(restored, "restore", str(tmp_path / "backup"))
    assert again.exit_code == 1 and "is not empty" in again.output and "--yes" in again.output
    forced = _invoke(restored, "restore", str(tmp_path / "backup"), "--yes")
    assert forced.exit_code == 0, forced.output


def test_a_damaged_backup_is_refused(app, runner, make_app, documents, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    stored = documents.attachments[0].stored_name
    damaged = tmp_path / "backup" / "uploads" / stored
    damaged.write_bytes(damaged.read_bytes() + b"tampered")
    restored = make_app(
        SQLALCHEMY_DATABASE_URI="sqlite:///" + str(tmp_path / "restored.db"),
        UPLOAD_FOLDER=str(tmp_path / "restored-uploads"),
    )
    result = _invoke(restored, "restore", str(tmp_path / "backup"))
    assert result.exit_code == 1
    assert f"uploads/{stored} does not match its checksum" in result.output
    assert not (tmp_path / "restored-uploads" / stored).exists()


def test_backup_refuses_a_directory_that_is_not_empty(runner, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "something").write_text("x")
    result = runner.invoke(args=["backup", str(tmp_path / "full")])
    assert result.exit_code == 1 and "not an empty directory" in result.output


@both_storages
def test_postgresql_backup_copies_uploads_and_points_to_pg_dump(app, runner, documents, tmp_path, storage):
    if _is_sqlite(app):
        pytest.skip("PostgreSQL only")
    result = runner.invoke(args=["backup", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    assert "pg_dump --format=custom" in result.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["database"] == "postgresql" and "database.sqlite3" not in manifest["files"]
    assert manifest["row_counts"]["nominations"] == 1
    stored = documents.attachments[0].stored_name
    assert (tmp_path / "backup" / "uploads" / stored).read_bytes() == PNG


def test_restore_fails_when_the_row_counts_differ_from_the_manifest(app, runner, make_app, tmp_path):
    if not _is_sqlite(app):
        pytest.skip("the SQLite backup")
    assert runner.invoke(args=["backup", str(tmp_path / "backup")]).exit_code == 0
    manifest_path = tmp_path / "backup" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["row_counts"]["users"] += 1
    manifest_path.write_text(json.dumps(manifest))
    restored = make_app(
        SQLALCHEMY_DATABASE_URI="sqlite:///" + str(tmp_path / "restored.db"),
        UPLOAD_FOLDER=str(tmp_path / "restored-uploads"),
    )
    result = _invoke(restored, "restore", str(tmp_path / "backup"))
    assert result.exit_code == 1 and "Row counts differ from the manifest in: users" in result.output


def _tamper(backup, into, *, files=None, extra=None, remove=None):
    """A copy of `backup` whose manifest lists `files` (name -> content, checksummed like real ones) too."""
    shutil.copytree(backup, into)
    manifest = json.loads((into / "manifest.json").read_text())
    for name, content in (files or {}).items():
        manifest["files"][name] = {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
        (into / name).parent.mkdir(parents=True, exist_ok=True)  # where a careless restore would read it
        (into / name).write_bytes(content)
    if extra:
        (into / "uploads" / extra).write_bytes(b"not in the manifest")
    if remove:
        (into / "uploads" / remove).unlink()
    (into / "manifest.json").write_text(json.dumps(manifest))
    return into


@both_storages
def test_a_backup_naming_files_outside_its_uploads_is_refused_before_anything_is_written(
    app, runner, make_app, documents, tmp_path, storage
):
    assert runner.invoke(args=["backup", str(tmp_path / "backup")]).exit_code == 0
    stored = documents.attachments[0].stored_name
    outside = tmp_path / "outside"
    outside.mkdir()
    payload = b"written outside the upload folder"
    fresh = storage.elsewhere(tmp_path / "restored-uploads" / "inner")
    restored = make_app(SQLALCHEMY_DATABASE_URI="sqlite:///" + str(tmp_path / "restored.db"), **fresh.settings)
    tampered = {
        "absolute": ({"files": {f"uploads/{outside / 'pwned.txt'}": payload}}, "not allowed"),
        "parent": ({"files": {"uploads/../../outside/pwned.txt": payload}}, "not allowed"),
        "one level up": ({"files": {"uploads/../pwned.txt": payload}}, "not allowed"),
        "sub-folder": ({"files": {"uploads/sub/pwned.txt": payload}}, "not allowed"),
        "outside uploads": ({"files": {"elsewhere.txt": payload}}, "not allowed"),
        "unlisted file": ({"extra": "unlisted"}, "does not list: unlisted"),
        "listed, absent": ({"remove": stored}, f"uploads/{stored} missing"),
    }
    for case, (change, message) in tampered.items():
        copy = _tamper(tmp_path / "backup", tmp_path / "copies" / case, **change)
        result = _invoke(restored, "restore", str(copy), "--yes")
        assert result.exit_code == 1, (case, result.output)
        assert message in result.output, (case, result.output)
        assert not (outside / "pwned.txt").exists() and not (tmp_path / "pwned.txt").exists()
        assert not (tmp_path / "restored-uploads" / "pwned.txt").exists()
        # Nothing was written: neither the documents nor the database.
        assert fresh.names() == [], case
        assert not backup_rules._has_rows(tmp_path / "restored.db"), case
