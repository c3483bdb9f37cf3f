"""Upload limits: a request over the size limit gets a friendly 413 and leaves nothing behind;
zip bombs and giant images are refused from their headers (time printed, memory asserted);
nothing uploaded is ever served inline; a traversal in any file parameter is a 404."""

from __future__ import annotations

import functools
import io
import struct
import time
import tracemalloc
import zipfile

import pytest
import sqlalchemy as sa

from awards.domain.judging import blind_copies
from awards.extensions import db
from awards.models import Attachment, AuditEvent, Nomination
from tests.factories import make_cycle
from tests.support.files import PDF, make_png
from tests.support.nominating import save, start_draft, upload
from tests.support.object_storage import both_storages

MB = 1024 * 1024
MEMORY_LIMIT = 200 * MB


def measured(label, action):
    """Run `action`, print its time and peak traced memory; return (result, peak bytes)."""
    tracemalloc.start()
    began = time.perf_counter()
    try:
        result = action()
    finally:
        elapsed = time.perf_counter() - began
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"\n{label}: {elapsed * 1000:.0f} ms (traced), peak {peak / MB:.1f} MB")
    return result, peak


@functools.cache
def docx_bomb(unpacked_mb: int = 300, big_part: str = "word/media/image1.bin") -> bytes:
    """A Word document whose part `big_part` inflates from about 0.3 MB to `unpacked_mb` MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        if big_part != "word/document.xml":
            z.writestr("word/document.xml", "<w:document/>")
        zeros = bytes(MB)
        with z.open(big_part, "w", force_zip64=False) as part:
            for _ in range(unpacked_mb):
                part.write(zeros)
    return out.getvalue()


def lying_docx_bomb(big_part: str = "word/document.xml") -> bytes:
    """The bomb with its big part declaring 1,000 bytes, in the local header and the directory. The big
    part is the document's body by default: a part the judge's copy keeps, so it must be read."""
    data = bytearray(docx_bomb(big_part=big_part))
    name = big_part.encode()
    local = data.find(b"PK\x03\x04")
    while local >= 0:
        if data[local + 30 : local + 30 + len(name)] == name:
            data[local + 22 : local + 26] = struct.pack("<I", 1000)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        if data[central + 46 : central + 46 + len(name)] == name:
            data[central + 24 : central + 28] = struct.pack("<I", 1000)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def huge_jpeg(width: int, height: int) -> bytes:
    frame = b"\x08" + struct.pack(">HH", height, width) + b"\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8\xff\xc0" + struct.pack(">H", len(frame) + 2) + frame + b"\xff\xd9"


def attachment_count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Attachment))


@both_storages
def test_a_request_over_the_limit_is_413_with_a_friendly_page_and_keeps_nothing(
    app, nominee_client, storage, monkeypatch
):
    cycle = make_cycle()
    nomination = start_draft(nominee_client, cycle)
    save(nominee_client, nomination, "project", {"title": "Digital blue badges", "summary": "We rebuilt it."})
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 256 * 1024)
    response = upload(nominee_client, nomination, "report.pdf", PDF + b"0" * (300 * 1024))
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "The file is too large" in page and "Nothing was saved from it" in page
    assert "govuk-heading" in page and "govuk-body" in page  # the service's own GOV.UK error page
    db.session.expire_all()
    kept = db.session.get(Nomination, nomination.id)
    assert kept.title == "Digital blue badges" and kept.attachments == []
    assert storage.names() == []
    assert "nomination.attachment_added" not in db.session.scalars(sa.select(AuditEvent.action)).all()
    # under the limit the same upload path works
    assert upload(nominee_client, nomination, "report.pdf", PDF).status_code == 302


def test_a_docx_zip_bomb_is_refused_from_its_declared_sizes(nominee_client, storage):
    nomination = start_draft(nominee_client, make_cycle())
    bomb = docx_bomb()
    response, peak = measured(
        f"DOCX bomb ({len(bomb) // 1024} KB → 300 MB) refused",
        lambda: upload(nominee_client, nomination, "report.docx", bomb),
    )
    assert response.status_code == 400
    assert "it expands to an unsafe size" in response.get_data(as_text=True)
    assert peak < MEMORY_LIMIT
    assert attachment_count() == 0 and storage.names() == []


def test_a_zip_whose_directory_claims_too_many_parts_is_refused_before_it_is_read(nominee_client):
    nomination = start_draft(nominee_client, make_cycle())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    data = bytearray(out.getvalue())
    end = data.rfind(b"PK\x05\x06")
    data[end + 8 : end + 12] = struct.pack("<HH", 60000, 60000)  # entries on this disk, and in all
    response = upload(nominee_client, nomination, "report.docx", bytes(data))
    assert response.status_code == 400
    assert "it holds too many parts" in response.get_data(as_text=True)


def test_a_part_lying_about_its_size_cannot_fill_memory_when_prepared_for_judges():
    # Its declared sizes pass the upload check; inflating it for blind judging must stop at them.
    data = lying_docx_bomb()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert sum(i.file_size for i in z.infolist()) < 2000
    attachment = Attachment(extension="docx", original_name="report.docx")

    def prepare():
        with pytest.raises(blind_copies.CannotPrepareDocument):
            blind_copies.judge_copy(attachment, data, blind=True)

    _, peak = measured("lying DOCX bomb prepared for blind judging", prepare)
    assert peak < MEMORY_LIMIT


@pytest.mark.parametrize(
    "name,content",
    [
        ("poster.png", make_png(30_000, 30_000)),
        ("photo.jpg", huge_jpeg(30_000, 30_000)),
    ],
    ids=["png", "jpeg"],
)
def test_a_30000_by_30000_image_is_refused_from_its_header(nominee_client, storage, name, content):
    nomination = start_draft(nominee_client, make_cycle())
    response, peak = measured(
        f"{name} 30,000×30,000 ({len(content) // 1024} KB) refused",
        lambda: upload(nominee_client, nomination, name, content),
    )
    assert response.status_code == 400
    assert "The selected image is too large" in response.get_data(as_text=True)
    assert peak < MEMORY_LIMIT
    assert attachment_count() == 0 and storage.names() == []


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


@both_storages
def test_svg_and_html_are_never_accepted(nominee_client, storage):
    nomination = start_draft(nominee_client, make_cycle())
    for name, content in (
        ("logo.svg", SVG),
        ("logo.png", SVG),
        ("logo.pdf", SVG),
        ("page.html", HTML),
        ("page.htm", HTML),
        ("page.docx", HTML),
        ("page.pdf", b"%PDF" + HTML),
    ):
        response = upload(nominee_client, nomination, name, content)
        assert response.status_code == 400, name
        assert "The selected file must be a PDF, Word document" in response.get_data(as_text=True)
    assert attachment_count() == 0 and storage.names() == []


@both_storages
def test_every_download_is_an_attachment_that_cannot_run(nominee_client, organiser_client, nominee, tmp_path, storage):
    cycle = make_cycle()
    nomination = start_draft(nominee_client, cycle)
    assert upload(nominee_client, nomination, "../../../../outside.pdf", PDF).status_code == 302
    db.session.expire_all()
    [attachment] = db.session.get(Nomination, nomination.id).attachments
    assert attachment.original_name == "outside.pdf"
    assert storage.names() == [attachment.stored_name]
    assert not (tmp_path / "outside.pdf").exists() and not (tmp_path.parent / "outside.pdf").exists()
    for client, url in (
        (nominee_client, f"/nominations/{nomination.reference}/documents/{attachment.id}"),
        (
            organiser_client,
            f"/organiser/cycles/{cycle.slug}/nominations/{nomination.reference}/documents/{attachment.id}",
        ),
    ):
        response = client.get(url)
        assert response.status_code == 200 and response.data == PDF
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_path_traversal_in_any_file_parameter_is_a_404(nominee_client, organiser_client, judge_client):
    cycle = make_cycle()
    nomination = start_draft(nominee_client, cycle)
    assert upload(nominee_client, nomination, "report.pdf", PDF).status_code == 302
    ref, slug = nomination.reference, cycle.slug
    attempts = {
        nominee_client: [
            "/static/../awards/config.py",
            "/static/..%2f..%2fpyproject.toml",
            "/static/%2e%2e/%2e%2e/pyproject.toml",
            "/static/..%5c..%5cpyproject.toml",
            "/static/build/../../config.py",
            "/static//etc/passwd",
            "/static/%2fetc%2fpasswd",
            "/nominations/..%2f..%2fetc%2fpasswd/documents/1",
            f"/nominations/{ref}/documents/..%2f..%2fpasswd",
            f"/nominations/{ref}/documents/1%2f..%2f..%2fpasswd",
            f"/nominations/{ref}/documents/%2e%2e",
            f"/nominations/{ref}%2f..%2f..%2f/documents/1",
            f"/nominations/{ref}/documents/-1",
        ],
        organiser_client: [
            f"/organiser/cycles/{slug}/nominations/{ref}/documents/..%2f1",
            f"/organiser/cycles/..%2f..%2f{slug}/nominations/{ref}/documents/1",
            f"/organiser/cycles/{slug}/nominations/..%2f{ref}/documents/1",
        ],
        judge_client: [
            "/judging/nominations/..%2f..%2fetc%2fpasswd/documents/1",
            f"/judging/nominations/{ref}/documents/..%2f..%2f1",
        ],
    }
    for client, urls in attempts.items():
        for url in urls:
            response = client.get(url, follow_redirects=True)  # "//" is first merged by a redirect
            assert response.status_code == 404, (url, response.status_code)
            assert b"[tool" not in response.data and b"SECRET_KEY" not in response.data
