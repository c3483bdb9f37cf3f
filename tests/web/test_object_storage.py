"""Uploads in S3-compatible object storage (awards/domain/core/storage.py), against a real S3 server on
loopback (moto in server mode, tests/support/object_storage.py): the same behaviour as the local folder
(a file kept only if its row commits, deleted only once its removal commits, the same download), a
clear error and nothing half-saved when the server refuses, settings checked at start-up, and moving an
existing deployment's files into the bucket without losing one."""

from __future__ import annotations

import hashlib
import io
import re
import shutil

import pytest
import sqlalchemy as sa

from awards import create_app
from awards.config import ConfigurationError
from awards.domain.nominations.attachments import add_attachment, remove_attachment
from awards.extensions import db
from awards.models import Attachment, AuditEvent, Nomination
from tests.factories import make_cycle, make_nomination
from tests.network import free_port
from tests.support.files import PDF, PNG
from tests.support.nominating import save, start_draft, upload
from tests.support.object_storage import BUCKET, both_storages
from tests.support.visible import error_summary

only_local = pytest.mark.parametrize("storage", ["local"], indirect=True)
only_s3 = pytest.mark.parametrize("storage", ["s3"], indirect=True)


def _attachment_rows() -> list[Attachment]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Attachment).order_by(Attachment.id)))


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action)))


# The same behaviour in either storage -------------------------------------------------------------------


@both_storages
def test_an_upload_is_stored_under_a_random_name_and_downloaded_with_the_same_headers(
    nominee_client, storage, tmp_path
):
    nomination = start_draft(nominee_client, make_cycle())
    assert upload(nominee_client, nomination, "Evaluation report.pdf", PDF).status_code == 302
    [attachment] = _attachment_rows()
    # The key (or file name) is 40 random hex digits: not the name typed, nothing found in public data.
    assert re.fullmatch(r"[0-9a-f]{40}", attachment.stored_name)
    assert storage.names() == [attachment.stored_name] and storage.read(attachment.stored_name) == PDF
    if storage.kind == "s3":
        assert not (tmp_path / "uploads").exists()  # nothing on this server's disk

    url = f"/nominations/{nomination.reference}/documents/{attachment.id}"
    response = nominee_client.get(url)
    assert response.status_code == 200 and response.data == PDF
    headers = response.headers
    assert headers["Content-Type"] == "application/pdf" and headers["Content-Length"] == str(len(PDF))
    assert headers["Content-Disposition"] == 'attachment; filename="Evaluation report.pdf"'
    assert headers["Cache-Control"] == "no-store"
    assert headers["ETag"] == f'"{hashlib.sha256(PDF).hexdigest()}"' and headers["Last-Modified"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    # Part of the file, and "not changed" for a copy the browser holds.
    part = nominee_client.get(url, headers={"Range": "bytes=0-3"})
    assert part.status_code == 206 and part.data == b"%PDF"
    assert nominee_client.get(url, headers={"If-None-Match": headers["ETag"]}).status_code == 304


@both_storages
def test_a_stored_file_is_kept_only_if_its_row_commits(app, storage):
    nomination = make_nomination(status="draft")
    db.session.commit()
    first = add_attachment(nomination, filename="chart.png", stream=io.BytesIO(PNG), by=nomination.nominator)
    assert storage.names() == [first.stored_name]  # stored before the row is committed
    db.session.rollback()
    assert storage.names() == [] and _attachment_rows() == []

    second = add_attachment(nomination, filename="chart.png", stream=io.BytesIO(PNG), by=nomination.nominator)
    name = second.stored_name
    db.session.close()  # a request that ends without committing (an error page): its session is closed
    assert storage.names() == [] and _attachment_rows() == []

    nomination = db.session.get(Nomination, nomination.id)
    third = add_attachment(nomination, filename="chart.png", stream=io.BytesIO(PNG), by=nomination.nominator)
    db.session.commit()
    assert storage.names() == [third.stored_name] != [name]


@both_storages
def test_a_removed_file_is_deleted_only_once_the_removal_commits(app, storage):
    nomination = make_nomination(status="draft")
    attachment = add_attachment(nomination, filename="chart.png", stream=io.BytesIO(PNG), by=nomination.nominator)
    db.session.commit()
    name = attachment.stored_name
    remove_attachment(nomination, attachment, by=nomination.nominator)
    db.session.flush()
    assert storage.names() == [name]  # not yet: the removal may still roll back
    db.session.rollback()
    assert storage.read(name) == PNG and len(_attachment_rows()) == 1

    nomination = db.session.get(Nomination, nomination.id)
    remove_attachment(nomination, nomination.attachments[0], by=nomination.nominator)
    db.session.commit()
    assert storage.names() == [] and _attachment_rows() == []


# When the storage fails ---------------------------------------------------------------------------------


@only_s3
@pytest.mark.parametrize("failure", ["refused", "unreachable"])
def test_a_put_the_storage_refuses_shows_a_clear_error_and_saves_nothing(
    app, nominee_client, storage, monkeypatch, failure
):
    nomination = start_draft(nominee_client, make_cycle())
    save(nominee_client, nomination, "project", {"title": "Digital blue badges", "summary": "We rebuilt it."})
    if failure == "refused":  # the server answers, and refuses the PUT: its bucket is not there
        monkeypatch.setitem(app.config, "STORAGE_URL", "s3://awards-no-such-bucket/documents")
    else:  # nothing answers at the storage's address
        monkeypatch.setitem(app.config, "STORAGE_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    response = upload(nominee_client, nomination, "report.pdf", PDF)
    assert response.status_code == 400
    assert [message for _, message in error_summary(response)] == ["The selected file could not be uploaded: try again"]
    assert _attachment_rows() == [] and storage.names() == []
    assert "nomination.attachment_added" not in _actions()
    kept = db.session.get(Nomination, nomination.id)
    assert kept.title == "Digital blue badges"  # what was saved before stays

    monkeypatch.undo()  # the storage is back: the same upload works
    assert upload(nominee_client, nomination, "report.pdf", PDF).status_code == 302
    assert [a.original_name for a in _attachment_rows()] == ["report.pdf"] and len(storage.names()) == 1


@only_s3
def test_a_download_the_storage_cannot_serve_is_unavailable_not_an_error(app, nominee_client, storage, monkeypatch):
    nomination = start_draft(nominee_client, make_cycle())
    assert upload(nominee_client, nomination, "report.pdf", PDF).status_code == 302
    [attachment] = _attachment_rows()
    url = f"/nominations/{nomination.reference}/documents/{attachment.id}"
    monkeypatch.setitem(app.config, "STORAGE_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    response = nominee_client.get(url)
    assert response.status_code == 503 and "Sorry, the service is unavailable" in response.get_data(as_text=True)
    monkeypatch.undo()
    storage.store.delete(attachment.stored_name)  # a file lost from the bucket: not found, as on disk
    assert nominee_client.get(url).status_code == 404


# Settings ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings,named",
    [
        ({"STORAGE_URL": "https://awards-uploads.s3.amazonaws.com/documents"}, "AWARDS_STORAGE_URL"),
        ({"STORAGE_URL": "s3://Awards_Uploads/documents"}, "AWARDS_STORAGE_URL"),
        ({"STORAGE_URL": "s3://key:secret@awards-uploads/documents"}, "AWS_ACCESS_KEY_ID"),
        ({"STORAGE_URL": "s3://awards-uploads/../documents"}, "AWARDS_STORAGE_URL"),
        ({"STORAGE_URL": "s3://awards-uploads", "STORAGE_ENDPOINT_URL": "127.0.0.1:9000"}, "ENDPOINT_URL"),
        ({"STORAGE_ENDPOINT_URL": "http://127.0.0.1:9000"}, "AWARDS_STORAGE_URL is not"),
        ({"STORAGE_URL": "s3://awards-uploads", "STORAGE_REGION": "EU West"}, "AWARDS_STORAGE_REGION"),
    ],
)
def test_bad_storage_settings_are_refused_at_start_up_in_one_line(database_url, settings, named):
    with pytest.raises(ConfigurationError) as raised:
        create_app({"ENVIRONMENT": "testing", "SQLALCHEMY_DATABASE_URI": database_url, **settings})
    message = raised.value.message
    assert "\n" not in message and named in message


def test_production_reads_the_storage_settings_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("AWARDS_ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.setenv("BASE_URL", "https://awards.example.org")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    monkeypatch.setenv("AWARDS_STORAGE_URL", "s3://awards-uploads/documents")
    monkeypatch.setenv("AWARDS_STORAGE_ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv("AWARDS_STORAGE_REGION", "eu-west-2")
    app = create_app()
    assert app.config["STORAGE_URL"] == "s3://awards-uploads/documents"
    assert app.config["STORAGE_ENDPOINT_URL"] == "http://127.0.0.1:9000"
    assert app.config["STORAGE_REGION"] == "eu-west-2"


# Moving an existing deployment's files into the bucket ---------------------------------------------------


def _upload_files(nomination, count: int) -> list[Attachment]:
    made = [
        add_attachment(
            nomination, filename=f"chart {n}.png", stream=io.BytesIO(PNG + bytes([n])), by=nomination.nominator
        )
        for n in range(count)
    ]
    db.session.commit()
    return made


@only_local
def test_copy_local_moves_every_file_into_the_bucket_and_loses_none(app, runner, nominee_client, storage, s3_server):
    from tests.support.object_storage import StorageUnderTest

    folder = storage.store.folder
    nomination = start_draft(nominee_client, make_cycle())
    nomination = db.session.get(Nomination, nomination.id)
    before = _upload_files(nomination, 3)
    (folder / "left-over-from-a-test").write_bytes(b"no row refers to this")
    bucket = StorageUnderTest.s3(s3_server, folder)
    app.config.update(bucket.settings)  # the storage settings name the bucket; the old folder stays the default

    # First pass, while the servers still write to the folder (here, the same app).
    first = runner.invoke(args=["storage", "copy-local"])
    assert first.exit_code == 0, first.output
    assert f"Copied 3 files from {folder} into s3://{BUCKET}/" in first.output and "0 already there" in first.output
    assert "1 file in" in first.output and "belonging to no upload" in first.output
    assert bucket.names() == sorted(a.stored_name for a in before)

    # An upload made to the folder between the first pass and the switch is copied by the second pass.
    app.config.update(storage.settings)
    [late] = _upload_files(db.session.get(Nomination, nomination.id), 1)
    app.config.update(bucket.settings)
    second = runner.invoke(args=["storage", "copy-local"])
    assert second.exit_code == 0 and "Copied 1 file from" in second.output and "3 already there" in second.output
    for attachment in [*before, late]:
        assert bucket.read(attachment.stored_name) == storage.read(attachment.stored_name)

    # Served from the bucket, with the folder gone.
    shutil.rmtree(folder)
    response = nominee_client.get(f"/nominations/{nomination.reference}/documents/{late.id}")
    assert response.status_code == 200 and response.data == PNG + bytes([0])
    check = runner.invoke(args=["storage", "check"])
    assert check.exit_code == 0, check.output
    assert (
        f"Storage works: s3://{BUCKET}/" in check.output
        and "4 uploads in the database, 4 files stored." in check.output
    )


@only_local
def test_copy_local_names_every_upload_it_cannot_find(app, runner, nominee_client, storage, s3_server):
    from tests.support.object_storage import StorageUnderTest

    nomination = start_draft(nominee_client, make_cycle())
    kept, lost = _upload_files(db.session.get(Nomination, nomination.id), 2)
    storage.store.delete(lost.stored_name)  # lost from the disk before the move
    bucket = StorageUnderTest.s3(s3_server, storage.store.folder)
    app.config.update(bucket.settings)
    result = runner.invoke(args=["storage", "copy-local"])
    assert result.exit_code == 1
    assert f"Missing: the database refers to the upload {lost.stored_name}, which is in neither place." in result.output
    assert "1 uploads were not found in" in result.output
    assert bucket.names() == [kept.stored_name]
    check = runner.invoke(args=["storage", "check"])
    assert check.exit_code == 1 and f"the upload {lost.stored_name}, which is not stored" in check.output


@only_local
def test_copy_local_refuses_when_no_bucket_is_set(runner, storage):
    result = runner.invoke(args=["storage", "copy-local"])
    assert result.exit_code == 1 and "set AWARDS_STORAGE_URL" in result.output
