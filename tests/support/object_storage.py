"""Uploads under test in either storage: a folder, or a bucket on an S3-compatible server that the tests
start on loopback (moto in server mode: a real HTTP server speaking the S3 protocol, not boto3 mocked
in-process).

The `storage` fixture (tests/conftest.py) gives each test its storage: the local folder unless
AWARDS_TEST_STORAGE=s3 says otherwise. `both_storages` runs a test once in each, so the suite always
exercises the uploads in object storage without running everything twice."""

from __future__ import annotations

import io
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

import pytest

from awards.domain.core.storage import LocalStorage, MissingFile, S3Storage, Storage

BUCKET = "awards-test"
REGION = "us-east-1"
# Any credentials do for moto; boto3 must find some, and nothing from the machine's own AWS set-up.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "awards-test",
    "AWS_SECRET_ACCESS_KEY": "awards-test-secret",
    "AWS_CONFIG_FILE": "/nonexistent/awards-test-aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/awards-test-aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}
NOT_FROM_THE_MACHINE = ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE")

both_storages = pytest.mark.parametrize("storage", ["local", "s3"], indirect=True)


class S3Server:
    """moto's S3 server on 127.0.0.1 at a free port, with one bucket."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        from tests.network import free_port

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request on the test output
        self.port = free_port()
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def start(self) -> S3Server:
        self.server.start()
        self.client().create_bucket(Bucket=BUCKET)
        return self

    def stop(self) -> None:
        self.server.stop()

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            config=Config(s3={"addressing_style": "path"}),
        )


@dataclass
class StorageUnderTest:
    """A test's storage: the settings that choose it, and a direct look at what it holds."""

    kind: str
    settings: dict
    store: Storage

    @classmethod
    def local(cls, folder: Path) -> StorageUnderTest:
        settings = {
            "UPLOAD_FOLDER": str(folder),
            "STORAGE_URL": None,
            "STORAGE_ENDPOINT_URL": None,
            "STORAGE_REGION": None,
        }
        return cls("local", settings, LocalStorage(folder))

    @classmethod
    def s3(cls, server: S3Server, folder: Path) -> StorageUnderTest:
        prefix = f"t-{secrets.token_hex(6)}/"  # a prefix of its own: no test sees another's files
        settings = {
            "UPLOAD_FOLDER": str(folder),
            "STORAGE_URL": f"s3://{BUCKET}/{prefix}",
            "STORAGE_ENDPOINT_URL": server.endpoint,
            "STORAGE_REGION": REGION,
        }
        return cls("s3", settings, S3Storage(server.client(), BUCKET, prefix))

    def elsewhere(self, folder: Path) -> StorageUnderTest:
        """Another storage of the same kind, empty: another folder, or another prefix in the bucket."""
        if self.kind == "local":
            return StorageUnderTest.local(folder)
        assert isinstance(self.store, S3Storage)
        prefix = f"t-{secrets.token_hex(6)}/"
        settings = {**self.settings, "UPLOAD_FOLDER": str(folder), "STORAGE_URL": f"s3://{BUCKET}/{prefix}"}
        return StorageUnderTest("s3", settings, S3Storage(self.store.client, BUCKET, prefix))

    def names(self) -> list[str]:
        return sorted(self.store.names())

    def read(self, name: str) -> bytes | None:
        try:
            return self.store.read_bytes(name)
        except MissingFile:
            return None

    def write(self, name: str, data: bytes) -> None:
        self.store.put(name, io.BytesIO(data))
