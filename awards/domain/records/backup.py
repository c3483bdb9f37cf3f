"""Backups: a consistent copy of the SQLite database (SQLite's online backup API, so the app keeps
writing meanwhile) and of the uploaded documents, in a directory with a manifest; and restoring one.

A backup directory holds:
  manifest.json   when, the schema revision, row counts per table, and a SHA-256 for every file
  database.sqlite3  the database (SQLite only; PostgreSQL is backed up with pg_dump, see docs/operations.md)
  uploads/        the uploaded documents (read from, and restored into, whichever storage the app uses:
                  its upload folder or its bucket, awards/domain/core/storage.py)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, make_url, select, table, text

from awards.domain.core.clock import utcnow
from awards.domain.core.errors import DomainError
from awards.domain.core.storage import (
    LocalStorage,
    MissingFile,
    Storage,
    StorageError,
    current_storage,
    sha256_of,
)
from awards.extensions import db

MANIFEST = "manifest.json"
DATABASE_FILE = "database.sqlite3"
UPLOADS = "uploads"
FORMAT = 1
# Pages copied per step of SQLite's backup API. The snapshot is the read transaction opened before the
# first step, so stepping does not break consistency; it only lets a caller follow the progress.
PAGES_PER_STEP = 1024


class BackupError(DomainError):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def sqlite_path(url: str | None = None) -> Path | None:
    """The database file of a SQLite URL (the app's by default); None for any other database."""
    parsed = make_url(url or current_app.config["SQLALCHEMY_DATABASE_URI"])
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    # A table name cannot be a parameter: it is quoted as an identifier, any quote in it doubled.
    return {
        name: connection.execute(f'SELECT count(*) FROM "{_quoted(name)}"').fetchone()[0]  # noqa: S608
        for name in names
    }


def _quoted(identifier: str) -> str:
    """An SQLite identifier's text for use inside double quotes (a double quote in it doubled)."""
    return identifier.replace('"', '""')


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def integrity_check(path: Path) -> str:
    """SQLite's own check of a database file: 'ok', or what is wrong."""
    connection = sqlite3.connect(path)
    try:
        return "; ".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
    finally:
        connection.close()


def _live_counts() -> dict[str, int]:
    """Row counts of the app's database, table by table (for PostgreSQL, where the dump is separate)."""
    counts = {}
    for name in sorted(db.metadata.tables):
        counts[name] = db.session.execute(select(func.count()).select_from(table(name))).scalar_one()
    return counts


def _live_revision() -> str | None:
    try:
        return db.session.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception:  # no migrations table: not an app database we know
        db.session.rollback()
        return None


def _copy_uploads(store: Storage, target: Path, wanted: set[str]) -> tuple[dict[str, dict], list[str]]:
    """Copy every stored upload (from the folder or the bucket); return their sizes and checksums, and the
    stored names the database refers to but which are not stored (removed after the snapshot, or lost before)."""
    target.mkdir(parents=True, exist_ok=True)
    files = {}
    try:
        # Hidden files are uploads still being written (".<name>.part"): storage lists no such name.
        for name in sorted(store.names()):
            if not _safe_upload_name(name):
                continue
            copied = target / name
            try:
                with contextlib.closing(store.open(name)) as stream, copied.open("wb") as out:
                    shutil.copyfileobj(stream, out, 1024 * 1024)
            except MissingFile:  # deleted while we copied
                copied.unlink(missing_ok=True)
                continue
            files[f"{UPLOADS}/{name}"] = {"size": copied.stat().st_size, "sha256": _sha256(copied)}
    except StorageError as error:
        raise BackupError(f"Could not copy the uploads from {store.description}: {error}") from error
    missing = sorted(name for name in wanted if f"{UPLOADS}/{name}" not in files)
    return files, missing


@dataclass
class Manifest:
    created_at: str
    database: str
    schema_revision: str | None
    row_counts: dict[str, int]
    files: dict[str, dict[str, Any]]
    missing_uploads: list[str] = field(default_factory=list)
    format: int = FORMAT

    def as_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True)

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        path = directory / MANIFEST
        if not path.is_file():
            raise BackupError(f"{directory} is not a backup: it has no {MANIFEST}")
        data = json.loads(path.read_text())
        if data.get("format") != FORMAT:
            raise BackupError(f"{directory} was made by another version of this command (format {data.get('format')})")
        return cls(**data)


def _prepare_target(target: Path) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} already exists and is not an empty directory: choose a new one")
    target.mkdir(parents=True, exist_ok=True)


def _snapshot_copy(source: Path, copy: sqlite3.Connection, progress: Callable[[int, int], None] | None) -> None:
    """Copy the live database into `copy` as of one read transaction, page batch by page batch.

    The read transaction is opened on the source connection before the first step and held to the
    last, so every step reads the same snapshot (SQLite then never restarts the copy, however much the
    app writes meanwhile: in WAL mode its writers go on, unseen by this reader)."""
    live = sqlite3.connect(source, timeout=60, isolation_level=None)
    try:
        live.execute("BEGIN")
        live.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot starts here
        live.backup(
            copy,
            pages=PAGES_PER_STEP,
            progress=(lambda status, remaining, total: progress(remaining, total)) if progress else None,
        )
        live.execute("COMMIT")
    finally:
        live.close()


def backup(target: Path, *, progress: Callable[[int, int], None] | None = None) -> Manifest:
    """Copy the database (SQLite) and the uploads into the new directory `target`, with a manifest.

    The SQLite copy is one read transaction of the online backup API, so it is consistent while the app
    keeps writing (in WAL mode writers are not even delayed). Counts and the schema revision are read from
    the copy. Uploads are copied after the database, so every document the copy refers to is there unless it
    was removed in between (listed as missing). For PostgreSQL only the uploads and the live row counts are
    written: the database itself is backed up with pg_dump. `progress(pages_remaining, pages_total)` is
    called after each step of the SQLite copy, while the snapshot is still held."""
    target = Path(target)
    _prepare_target(target)
    source = sqlite_path()
    files: dict[str, dict[str, Any]] = {}
    if source is not None:
        if not source.is_file():
            raise BackupError(f"There is no database at {source}")
        copy_path = target / DATABASE_FILE
        copy = sqlite3.connect(copy_path)
        try:
            _snapshot_copy(source, copy, progress)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            counts, revision = _sqlite_counts(copy), _sqlite_revision(copy)
            stored = (
                {row[0] for row in copy.execute("SELECT stored_name FROM attachments")}
                if "attachments" in counts
                else set()
            )
        finally:
            copy.close()
        problem = integrity_check(copy_path)
        if problem != "ok":
            raise BackupError(f"The copy of the database failed SQLite's integrity check: {problem}")
        files[DATABASE_FILE] = {"size": copy_path.stat().st_size, "sha256": _sha256(copy_path)}
        kind = "sqlite"
    else:
        counts, revision = _live_counts(), _live_revision()
        stored = set(db.session.scalars(text("SELECT stored_name FROM attachments")))
        db.session.rollback()
        kind = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    uploads, missing = _copy_uploads(current_storage(), target / UPLOADS, stored)
    files.update(uploads)
    manifest = Manifest(
        created_at=utcnow().isoformat(),
        database=kind,
        schema_revision=revision,
        row_counts=counts,
        files=files,
        missing_uploads=missing,
    )
    (target / MANIFEST).write_text(manifest.as_json())
    return manifest


def _safe_upload_name(name: str) -> bool:
    """A stored upload name is one plain file name: no folder, no parent, not absolute, nothing hidden."""
    return (
        bool(name)
        and name == name.strip()
        and name not in (".", "..")
        and not name.startswith(".")
        and "/" not in name
        and "\\" not in name
        and "\x00" not in name
        and ":" not in name
    )


def _check_file_names(directory: Path, manifest: Manifest) -> list[str]:
    """The upload names of a backup, after checking that the manifest names only the database and plain
    files in uploads/, and that uploads/ holds exactly those files. A manifest is data from outside: a
    name like `uploads/../../etc/x` or `uploads//abs/path` would otherwise be read and written anywhere."""
    names = _listed_upload_names(manifest)
    present = _upload_names_present(directory / UPLOADS)
    unlisted, absent = sorted(present - set(names)), sorted(set(names) - present)
    if unlisted:
        raise BackupError(
            f"The backup's {UPLOADS} folder holds files its manifest does not list: "
            f"{', '.join(unlisted)}. Nothing was restored."
        )
    if absent:
        raise BackupError(f"The backup is incomplete: {', '.join(UPLOADS + '/' + n for n in absent)} missing")
    return sorted(names)


def _listed_upload_names(manifest: Manifest) -> list[str]:
    """The upload names the manifest lists, refused unless each entry is the database or one plain
    file name in uploads/."""
    names = []
    for entry in manifest.files:
        if entry == DATABASE_FILE:
            continue
        prefix, _, name = entry.partition("/")
        if prefix != UPLOADS or not _safe_upload_name(name):
            raise BackupError(
                f"The backup's manifest names a file that is not allowed: {entry!r}. Nothing was restored."
            )
        names.append(name)
    return names


def _upload_names_present(folder: Path) -> set[str]:
    """The names of the files in the backup's uploads folder (none if it has none), refused unless the
    folder is a real folder holding only plain files with plain names (no link, no subfolder)."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise BackupError(f"The backup's {UPLOADS} is not a folder. Nothing was restored.")
    present = set()
    for path in folder.iterdir() if folder.is_dir() else ():
        if path.is_symlink() or not path.is_file() or not _safe_upload_name(path.name):
            raise BackupError(
                f"The backup's {UPLOADS} folder holds something that is not a plain file: "
                f"{path.name!r}. Nothing was restored."
            )
        present.add(path.name)
    return present


def _destination(folder: Path, name: str) -> Path:
    """Where an upload is restored to, checked to be inside the upload folder."""
    destination = (folder / name).resolve()
    if destination.parent != folder.resolve():
        raise BackupError(f"The upload {name!r} would be restored outside the upload folder. Nothing was restored.")
    return destination


def verify(directory: Path) -> Manifest:
    """Check the backup's file names, then every file against its manifest checksum, and the database's
    integrity."""
    directory = Path(directory)
    manifest = Manifest.read(directory)
    _check_file_names(directory, manifest)
    for name, expected in sorted(manifest.files.items()):
        path = directory / name
        if not path.is_file():
            raise BackupError(f"The backup is incomplete: {name} is missing")
        if _sha256(path) != expected["sha256"]:
            raise BackupError(f"The backup is damaged: {name} does not match its checksum")
    if DATABASE_FILE in manifest.files:
        problem = integrity_check(directory / DATABASE_FILE)
        if problem != "ok":
            raise BackupError(f"The backed-up database failed SQLite's integrity check: {problem}")
    return manifest


def _has_rows(path: Path) -> bool:
    if not path.is_file() or path.stat().st_size == 0:
        return False
    connection = sqlite3.connect(path)
    try:
        counts = _sqlite_counts(connection)
    finally:
        connection.close()
    return any(n for name, n in counts.items() if name != "alembic_version")


@dataclass
class RestoreReport:
    manifest: Manifest
    database_restored: bool
    uploads_restored: int
    integrity: str
    row_counts: dict[str, int]

    @property
    def counts_match(self) -> bool:
        return self.row_counts == self.manifest.row_counts


def restore(source: Path, *, replace: bool = False) -> RestoreReport:
    """Restore a backup into the app's database and upload storage (folder or bucket), after verifying it.

    Refuses (unless `replace`) when the target database already holds rows. Stop the app servers first:
    the database is overwritten page by page with SQLite's backup API. Afterwards the restored database
    is integrity-checked and its row counts are compared with the manifest."""
    source = Path(source)
    manifest = verify(source)
    target = sqlite_path()
    store = current_storage()
    # Every destination is checked before anything is written: one bad name refuses the whole restore.
    uploads = {f"{UPLOADS}/{name}": name for name in _check_file_names(source, manifest)}
    if isinstance(store, LocalStorage):
        for name in uploads.values():
            _destination(store.folder, name)
    if not replace:
        for entry, name in uploads.items():
            try:
                differs = sha256_of(store, name) != manifest.files[entry]["sha256"]
            except MissingFile:
                continue
            except StorageError as error:
                raise BackupError(f"Could not read the uploads in {store.description}: {error}") from error
            if differs:
                where = store.path(name) if isinstance(store, LocalStorage) else f"{name} in {store.description}"
                raise BackupError(
                    f"{where} exists with other content. Restoring replaces it: "
                    "run again with --yes if that is what you want."
                )
    db.session.remove()
    db.engine.dispose()  # no pooled connection of ours holds the file open while it is replaced
    restored_db = False
    integrity, counts = "not checked", {}
    if DATABASE_FILE in manifest.files:
        if target is None:
            raise BackupError(
                "This backup holds a SQLite database, but the app's database is not SQLite. "
                "Set DATABASE_URL to a SQLite file to restore it, or load the data another way."
            )
        if _has_rows(target) and not replace:
            raise BackupError(
                f"The database {target} is not empty. Restoring replaces everything in it: "
                "run again with --yes if that is what you want."
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        backup_copy = sqlite3.connect(source / DATABASE_FILE)
        live = sqlite3.connect(target, timeout=60)
        try:
            backup_copy.backup(live)
        finally:
            live.close()
            backup_copy.close()
        restored_db = True
        integrity = integrity_check(target)
        connection = sqlite3.connect(target)
        try:
            counts = _sqlite_counts(connection)
        finally:
            connection.close()
    for entry, name in uploads.items():
        try:
            with (source / entry).open("rb") as stream:
                store.put(name, stream)
        except StorageError as error:
            raise BackupError(f"Could not restore {entry} into {store.description}: {error}") from error
    return RestoreReport(
        manifest=manifest,
        database_restored=restored_db,
        uploads_restored=len(uploads),
        integrity=integrity,
        row_counts=counts,
    )
