"""Uploads and their storage, for operators: copying an existing deployment's upload folder into object
storage (`flask storage copy-local`, docs/operations.md "Object storage"), and checking that the storage
works and holds every file the database refers to (`flask storage check`)."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from awards.domain.core.errors import DomainError
from awards.domain.core.storage import LocalStorage, MissingFile, Storage, StorageError, sha256_of
from awards.extensions import db
from awards.models import Attachment


class StorageProblem(DomainError):
    pass


@dataclass
class CopyReport:
    copied: list[str] = field(default_factory=list)
    already_there: list[str] = field(default_factory=list)
    # Referred to by a row but in neither place: lost before this copy (the app shows them as missing too).
    missing: list[str] = field(default_factory=list)
    # On disk with other content than the row's checksum: copied as they are (the app served them so).
    differing: list[str] = field(default_factory=list)
    unreferenced: int = 0  # files in the folder no row refers to: left where they are


def copy_local_uploads(folder: Path, *, into: Storage) -> CopyReport:
    """Copy every file an attachment row refers to from the local upload `folder` into the storage `into`,
    each read back and checked against the copy's SHA-256. A file already stored with the same content is
    left; nothing is deleted, so the command can run again (before and after switching) until none is new."""
    if isinstance(into, LocalStorage) and into.folder.resolve() == Path(folder).resolve():
        raise StorageProblem(
            "Uploads are kept in that folder already: set AWARDS_STORAGE_URL (and AWARDS_STORAGE_ENDPOINT_URL "
            "for MinIO or Ceph) to the bucket to copy them into"
        )
    local = LocalStorage(Path(folder))
    report = CopyReport()
    rows = db.session.execute(select(Attachment.stored_name, Attachment.sha256).order_by(Attachment.id)).all()
    db.session.rollback()  # no transaction held open while files are copied
    try:
        for name, recorded in rows:
            _copy_one(local, into, name, recorded, report)
        referred = {name for name, _ in rows}
        report.unreferenced = sum(1 for name in local.names() if name not in referred)
    except StorageError as error:
        raise StorageProblem(f"Stopped: {error}. Nothing was deleted; run the command again.") from error
    return report


def _copy_one(local: LocalStorage, into: Storage, name: str, recorded: str, report: CopyReport) -> None:
    try:
        on_disk = sha256_of(local, name)
    except MissingFile:
        (report.already_there if into.exists(name) else report.missing).append(name)
        return
    if on_disk != recorded:
        report.differing.append(name)
    try:
        if sha256_of(into, name) == on_disk:
            report.already_there.append(name)
            return
    except MissingFile:
        pass
    with local.open(name) as stream:
        into.put(name, stream)
    if sha256_of(into, name) != on_disk:
        raise StorageError(f"{name} was stored in {into.description} with other content than was sent")
    report.copied.append(name)


@dataclass
class StorageCheck:
    description: str
    rows: int
    stored: int
    missing: list[str]


def check_storage(store: Storage) -> StorageCheck:
    """Store, read back and delete a small test file; then compare the stored files with the attachment rows."""
    probe = f"storage-check-{secrets.token_hex(8)}"
    payload = secrets.token_bytes(64)
    try:
        store.put(probe, io.BytesIO(payload))
        try:
            if store.read_bytes(probe) != payload:
                raise StorageProblem(f"{store.description} gave back other bytes than were stored")
        finally:
            store.delete(probe)
        stored = {name for name in store.names() if name != probe}
    except StorageError as error:
        raise StorageProblem(f"The storage does not work: {error}") from error
    names = list(db.session.scalars(select(Attachment.stored_name).order_by(Attachment.id)))
    db.session.rollback()
    return StorageCheck(
        description=store.description,
        rows=len(names),
        stored=len(stored),
        missing=[name for name in names if name not in stored],
    )
