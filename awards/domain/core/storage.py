"""Where uploaded files are kept: one small interface, two backends.

- `LocalStorage`, the embedded default: a folder on this machine (UPLOAD_FOLDER, by default
  instance/uploads, outside the static folder). Enough for one server.
- `S3Storage`: a bucket in S3-compatible object storage (AWS S3, MinIO, Ceph's RADOS Gateway) through
  boto3, set by STORAGE_URL (`s3://bucket/prefix`, in the environment AWARDS_STORAGE_URL), with
  STORAGE_ENDPOINT_URL for a server other than AWS and STORAGE_REGION. Credentials come from boto3's
  usual chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance role), never from
  this app's settings. Every app server sees the same files.

A stored file is named by the caller (attachments use 40 random hex digits: nothing typed, nothing
guessable from public data). `put` stores a whole file or nothing; `open` streams one back.

Files and transactions: `keep_if_committed` and `delete_after_commit` tie a file to the database
transaction that refers to it (`install_transaction_hooks`): a file written for a row that never
commits is deleted when the transaction ends, and a file whose row is removed is deleted only once
the removal has committed (after a rollback it stays, still referred to).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

_WRITTEN = "storage_files_written"
_TO_DELETE = "storage_files_to_delete"
_CHUNK = 1024 * 1024
# boto3's standard retry mode, a few attempts: a refused or unreachable server is reported within seconds.
_RETRIES = {"max_attempts": 3, "mode": "standard"}
_CONNECT_TIMEOUT = 5
_READ_TIMEOUT = 60
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_PREFIX = re.compile(r"[A-Za-z0-9!_.*'()/-]*")
_REGION = re.compile(r"[a-z0-9-]{1,64}")


class StorageError(Exception):
    """The storage could not do what was asked (unreachable, refused, misconfigured). The message is for
    the logs and for operators, not for the people using the service."""


class MissingFile(StorageError):
    """No stored file has that name."""


def safe_name(name: str) -> bool:
    """A stored file's name is one plain name: no folder, no parent, not hidden, nothing odd."""
    return (
        bool(name)
        and len(name) <= 200
        and name == name.strip()
        and not name.startswith(".")
        and not any(ch in name for ch in "/\\:\x00")
        and name.isprintable()
    )


def _checked(name: str) -> str:
    if not safe_name(name):
        raise StorageError(f"Refused a stored file name that is not one plain name: {name!r}")
    return name


class Storage(Protocol):
    description: str

    def put(self, name: str, stream: BinaryIO) -> None:
        """Store the stream (from its start) under `name`: the whole file, or nothing."""

    def open(self, name: str) -> BinaryIO:
        """The stored file, to read (and close); MissingFile if there is none."""

    def read_bytes(self, name: str) -> bytes: ...

    def exists(self, name: str) -> bool: ...

    def delete(self, name: str) -> None:
        """Delete the file if it is there (no error if it is not)."""

    def names(self) -> Iterator[str]:
        """The names of every stored file (files still being written excluded)."""


class LocalStorage:
    """Files in one folder on this machine. A file is written to a hidden `.name.part` first and renamed
    when complete, so a reader never sees half a file."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.description = f"the folder {self.folder}"

    def path(self, name: str) -> Path:
        return self.folder / _checked(name)

    def put(self, name: str, stream: BinaryIO) -> None:
        final = self.path(name)
        temporary = self.folder / f".{name}.part"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            stream.seek(0)
            with open(temporary, "wb") as out:
                while chunk := stream.read(_CHUNK):
                    out.write(chunk)
            os.replace(temporary, final)
        except OSError as error:
            raise StorageError(f"Could not write {name} in {self.folder}: {error}") from error
        finally:
            temporary.unlink(missing_ok=True)

    def open(self, name: str) -> BinaryIO:
        try:
            return open(self.path(name), "rb")  # noqa: SIM115 (the caller closes it)
        except (FileNotFoundError, IsADirectoryError):
            raise MissingFile(f"{name} is not in {self.folder}") from None
        except OSError as error:
            raise StorageError(f"Could not read {name} in {self.folder}: {error}") from error

    def read_bytes(self, name: str) -> bytes:
        with self.open(name) as stream:
            return stream.read()

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def delete(self, name: str) -> None:
        try:
            self.path(name).unlink(missing_ok=True)
        except OSError as error:
            raise StorageError(f"Could not delete {name} in {self.folder}: {error}") from error

    def names(self) -> Iterator[str]:
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.iterdir()):
            if path.is_file() and safe_name(path.name):
                yield path.name


class S3Storage:
    """Objects in one bucket of S3-compatible storage, under a key prefix. An S3 PUT is atomic (an object
    appears whole or not at all), so no temporary object is needed."""

    def __init__(self, client: Any, bucket: str, prefix: str, where: str = ""):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.description = f"s3://{bucket}/{prefix}" + (f" at {where}" if where else "")

    def key(self, name: str) -> str:
        return self.prefix + _checked(name)

    def _failed(self, doing: str, name: str, error: Exception) -> StorageError:
        from botocore.exceptions import ClientError

        if isinstance(error, ClientError):
            code = error.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404", "NotFound"):
                return MissingFile(f"{name} is not in {self.description}")
        return StorageError(f"Could not {doing} {name} in {self.description}: {error}")

    def put(self, name: str, stream: BinaryIO) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        stream.seek(0)
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self.key(name), Body=stream, ContentType="application/octet-stream"
            )
        except (BotoCoreError, ClientError) as error:
            raise self._failed("store", name, error) from error

    def open(self, name: str) -> BinaryIO:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(name))["Body"]
        except (BotoCoreError, ClientError) as error:
            raise self._failed("read", name, error) from error

    def read_bytes(self, name: str) -> bytes:
        from botocore.exceptions import BotoCoreError

        body = self.open(name)
        try:
            return body.read()
        except BotoCoreError as error:
            raise self._failed("read", name, error) from error
        finally:
            body.close()

    def exists(self, name: str) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(name))
        except (BotoCoreError, ClientError) as error:
            failure = self._failed("look for", name, error)
            if isinstance(failure, MissingFile):
                return False
            raise failure from error
        return True

    def delete(self, name: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key(name))
        except (BotoCoreError, ClientError) as error:
            raise self._failed("delete", name, error) from error

    def names(self) -> Iterator[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    name = item["Key"][len(self.prefix) :]
                    if safe_name(name):
                        yield name
        except (BotoCoreError, ClientError) as error:
            raise StorageError(f"Could not list {self.description}: {error}") from error


def sha256_of(storage: Storage, name: str) -> str:
    """The stored file's SHA-256, read through (MissingFile if it is not there)."""
    digest = hashlib.sha256()
    stream = storage.open(name)
    try:
        while block := stream.read(_CHUNK):
            digest.update(block)
    finally:
        stream.close()
    return digest.hexdigest()


# Settings ------------------------------------------------------------------------------------------


def settings_problem(config: Mapping[str, Any]) -> str | None:
    """What is wrong with the storage settings, in one line naming what to set (None if nothing)."""
    url = config.get("STORAGE_URL")
    endpoint = config.get("STORAGE_ENDPOINT_URL")
    region = config.get("STORAGE_REGION")
    if url:
        if not isinstance(url, str) or not url.startswith("s3://"):
            return f"AWARDS_STORAGE_URL must be an S3 URL such as s3://awards-uploads/documents, not {url!r}"
        parts = urlsplit(url)
        if parts.username or parts.password or "@" in parts.netloc:
            return (
                "AWARDS_STORAGE_URL must not hold credentials: give them in AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or the machine's role)"
            )
        if not _BUCKET.fullmatch(parts.netloc) or ".." in parts.netloc:
            return f"AWARDS_STORAGE_URL must name a bucket (3 to 63 lower-case letters, digits, dots, hyphens): {url!r}"
        prefix = parts.path.strip("/")
        if parts.query or parts.fragment or not _PREFIX.fullmatch(prefix) or "//" in prefix or ".." in prefix:
            return f"AWARDS_STORAGE_URL's prefix must be plain folder names such as documents/2026, not {url!r}"
    if endpoint:
        parts = urlsplit(str(endpoint))
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            return (
                "AWARDS_STORAGE_ENDPOINT_URL must be the address of the S3-compatible server, such as "
                f"http://127.0.0.1:9000, not {endpoint!r}"
            )
        if not url:
            return "AWARDS_STORAGE_ENDPOINT_URL is set but AWARDS_STORAGE_URL is not: set both to use object storage"
    if region and (not isinstance(region, str) or not _REGION.fullmatch(region)):
        return f"AWARDS_STORAGE_REGION must be a region name such as eu-west-2, not {region!r}"
    return None


def _prefix(url: str) -> str:
    prefix = urlsplit(url).path.strip("/")
    return f"{prefix}/" if prefix else ""


_client_lock = threading.Lock()


def _client(app: Flask, endpoint: str | None, region: str | None) -> Any:
    """One boto3 client per app, endpoint and region, made on first use (after any fork), thread-safe."""
    clients = app.extensions.setdefault("awards.s3_clients", {})
    key = (endpoint, region)
    with _client_lock:
        if key not in clients:
            import boto3
            from botocore.config import Config

            clients[key] = boto3.session.Session().client(
                "s3",
                endpoint_url=endpoint or None,
                region_name=region or None,
                config=Config(
                    retries=_RETRIES,
                    connect_timeout=_CONNECT_TIMEOUT,
                    read_timeout=_READ_TIMEOUT,
                    # MinIO and Ceph are reached by path (http://host:9000/bucket/key), not by a bucket host name.
                    s3={"addressing_style": "path" if endpoint else "auto"},
                    # Checksums only where S3 requires them: older MinIO and Ceph refuse the newer default ones.
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                ),
            )
        return clients[key]


def _settings_key(app: Flask) -> tuple:
    config = app.config
    return (
        config.get("STORAGE_URL") or None,
        config.get("STORAGE_ENDPOINT_URL") or None,
        config.get("STORAGE_REGION") or None,
        config.get("UPLOAD_FOLDER") or os.path.join(app.instance_path, "uploads"),
    )


def storage_for(app: Flask) -> Storage:
    """The app's storage, as its settings now say (kept until they change)."""
    key = _settings_key(app)
    kept = app.extensions.get("awards.storage")
    if kept is not None and kept[0] == key:
        return kept[1]
    url, endpoint, region, folder = key
    storage: Storage
    if url:
        bucket = urlsplit(url).netloc
        storage = S3Storage(_client(app, endpoint, region), bucket, _prefix(url), endpoint or "")
    else:
        storage = LocalStorage(Path(folder))
    app.extensions["awards.storage"] = (key, storage)
    return storage


def current_storage() -> Storage:
    return storage_for(current_app._get_current_object())  # type: ignore[attr-defined]


# Files and transactions --------------------------------------------------------------------------------


def keep_if_committed(session: Session, storage: Storage, name: str) -> None:
    """The file was just written for a row of this transaction: delete it unless the transaction commits."""
    session.info.setdefault(_WRITTEN, []).append((storage, name))


def delete_after_commit(session: Session, storage: Storage, name: str) -> None:
    """The file's row is being removed in this transaction: delete the file once (and only if) it commits."""
    session.info.setdefault(_TO_DELETE, []).append((storage, name))


def _delete_quietly(files: list[tuple[Storage, str]], why: str) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except StorageError as error:  # the database is what counts; an unreferenced file is only waste
            log.warning("storage.delete_failed name=%s why=%s error=%s", name, why, error)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the outer transaction may still roll back
        return
    session.info.pop(_WRITTEN, None)
    _delete_quietly(session.info.pop(_TO_DELETE, []), "removed")


def _after_rollback(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_TO_DELETE, None)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and not transaction.nested:
        # Still listed: the transaction ended without committing (rolled back, or closed unfinished).
        _delete_quietly(session.info.pop(_WRITTEN, []), "never committed")
        session.info.pop(_TO_DELETE, None)


def install_transaction_hooks(session_class: type[Session]) -> None:
    """Tie stored files to the transactions that write and remove their rows (installed once)."""
    for name, hook in (
        ("after_commit", _after_commit),
        ("after_rollback", _after_rollback),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not event.contains(session_class, name, hook):
            event.listen(session_class, name, hook)
