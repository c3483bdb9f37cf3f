"""Supporting documents: checked by their content (not their name), stored under random names
(outside the static folder, or in object storage: awards/domain/core/storage.py), removed while
editing is allowed. A stored file is kept only if the transaction that adds its row commits, and
deleted only once the transaction that removes its row has committed."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import filetype
from flask import current_app
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from awards.domain.core import audit, storage
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import DomainError
from awards.domain.programme import entry_forms as forms
from awards.domain.programme.entry_forms import setting
from awards.extensions import db
from awards.models import Attachment, Nomination, User
from awards.models.forms import FormQuestion

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    extension: str
    content_type: str
    label: Any  # a lazy string: put into words in the reader's language


KINDS = {
    "pdf": Kind("pdf", "application/pdf", _l("PDF")),
    "docx": Kind(
        "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _l("Word document")
    ),
    "xlsx": Kind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _l("Excel spreadsheet")),
    "pptx": Kind(
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _l("PowerPoint presentation"),
    ),
    "png": Kind("png", "image/png", _l("PNG")),
    "jpg": Kind("jpg", "image/jpeg", _l("JPEG")),
}
EXTENSION_KIND = {
    "pdf": "pdf",
    "docx": "docx",
    "xlsx": "xlsx",
    "pptx": "pptx",
    "png": "png",
    "jpg": "jpg",
    "jpeg": "jpg",
}

# Office documents are zip files: refuse ones that would unpack to far more than they weigh.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_ENTRIES = 5000
# Images bigger than this many pixels are refused before anything decodes them.
MAX_IMAGE_PIXELS = 40_000_000

OOXML_MARKERS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}


def upload_folder() -> Path:
    """The local upload folder (UPLOAD_FOLDER, by default instance/uploads), whichever storage is in use:
    where files are kept without object storage, and where `flask storage copy-local` reads from."""
    folder = current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "uploads")
    return Path(folder)


def clean_filename(name: str) -> str:
    """The name as shown to people: no folders, no control characters, at most 255 characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    return name[-255:] or "document"


# The central directory is read into memory by zipfile: check its declared size first.
MAX_ZIP_DIRECTORY_BYTES = 4 * 1024 * 1024
_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"


def _check_zip_directory(stream: BinaryIO) -> None:
    """Refuse a zip whose end record declares too many entries or too big a directory, before
    zipfile parses that directory (a crafted one could hold millions of entries)."""
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    tail_start = max(0, size - (22 + 65535))
    stream.seek(tail_start)
    tail = stream.read()
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        return  # not a zip after all: zipfile says so
    entries, directory_size = struct.unpack("<HI", tail[at + 10 : at + 16])
    if (entries == 0xFFFF or directory_size == 0xFFFFFFFF) and at >= 20 and tail[at - 20 : at - 16] == _ZIP64_LOCATOR:
        (record_at,) = struct.unpack("<Q", tail[at - 12 : at - 4])
        stream.seek(record_at)
        record = stream.read(56)
        if len(record) == 56 and record[:4] == _ZIP64_EOCD:
            entries, directory_size = struct.unpack("<QQ", record[32:48])
    if entries > MAX_ZIP_ENTRIES:
        raise DomainError(_("The selected file could not be checked: it holds too many parts"), field="file")
    if directory_size > MAX_ZIP_DIRECTORY_BYTES:
        raise DomainError(_("The selected file could not be checked: it expands to an unsafe size"), field="file")


def _ooxml_kind(stream: BinaryIO) -> str | None:
    _check_zip_directory(stream)
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                raise DomainError(_("The selected file could not be checked: it holds too many parts"), field="file")
            unpacked = sum(e.file_size for e in entries)
            packed = sum(e.compress_size for e in entries) or 1
            if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_COMPRESSION_RATIO:
                raise DomainError(
                    _("The selected file could not be checked: it expands to an unsafe size"), field="file"
                )
            names = {e.filename for e in entries}
    except zipfile.BadZipFile:
        return None
    if "[Content_Types].xml" not in names:
        return None
    return next((kind for kind, marker in OOXML_MARKERS.items() if marker in names), None)


def _png_pixels(head: bytes) -> int | None:
    if len(head) >= 24 and head[12:16] == b"IHDR":
        width, height = struct.unpack(">II", head[16:24])
        return width * height
    return None


def _jpeg_pixels(stream: BinaryIO) -> int | None:
    stream.seek(2)
    while True:
        marker = stream.read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            return None
        if marker[1] in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            data = stream.read(7)
            if len(data) < 7:
                return None
            height, width = struct.unpack(">HH", data[3:7])
            return width * height
        length_bytes = stream.read(2)
        if len(length_bytes) < 2:
            return None
        stream.seek(struct.unpack(">H", length_bytes)[0] - 2, os.SEEK_CUR)


def detect_kind(stream: BinaryIO) -> str | None:
    """What the bytes are (one of KINDS), whatever the file is called; None if none of them."""
    stream.seek(0)
    head = stream.read(8192)
    stream.seek(0)
    guess = filetype.guess(head)
    kind: str | None = None
    if guess is not None and guess.extension == "pdf" and head.startswith(b"%PDF-"):
        kind = "pdf"
    elif guess is not None and guess.extension == "png":
        kind = "png"
        pixels = _png_pixels(head)
        if pixels is None or pixels > MAX_IMAGE_PIXELS:
            raise DomainError(_("The selected image is too large: use one under 40 megapixels"), field="file")
    elif guess is not None and guess.extension == "jpg":
        kind = "jpg"
        pixels = _jpeg_pixels(stream)
        if pixels is not None and pixels > MAX_IMAGE_PIXELS:
            raise DomainError(_("The selected image is too large: use one under 40 megapixels"), field="file")
    elif head.startswith(b"PK\x03\x04"):
        kind = _ooxml_kind(stream)
    stream.seek(0)
    return kind


def file_types(question: FormQuestion) -> list[str]:
    """The kinds of file (keys of KINDS) a file question takes, in KINDS order."""
    wanted = setting(question, "types") or list(KINDS)
    return [k for k in KINDS if k in wanted]


def accept(question: FormQuestion) -> str:
    """The file input's `accept` list for the question (a hint to the browser; the server checks)."""
    extensions = [e for e, kind in EXTENSION_KIND.items() if kind in file_types(question)]
    return ",".join(f".{e}" for e in extensions)


def types_sentence(question: FormQuestion) -> str:
    """The kinds of file the question takes in words: "a PDF, Word document or PNG"."""
    labels = [str(KINDS[k].label) for k in file_types(question)]
    if len(labels) == 1:
        return _("a %(kind)s", kind=labels[0])
    return _("a %(kinds)s or %(last)s", kinds=", ".join(labels[:-1]), last=labels[-1])


def max_mb(question: FormQuestion) -> int:
    return int(setting(question, "max_mb") or 10)


def max_count(question: FormQuestion) -> int:
    return int(setting(question, "max_count") or 1)


def files_of(nomination: Nomination, question: FormQuestion) -> list[Attachment]:
    """The files uploaded in answer to the question, oldest first."""
    return [a for a in nomination.attachments if a.question_key == question.key]


def default_file_question(nomination: Nomination) -> FormQuestion | None:
    """The form's "documents" question, else its first file question (None if it has none)."""
    found = [q for q in forms.questions_of(nomination.cycle) if q.kind == "file"]
    return next((q for q in found if q.key == "documents"), found[0] if found else None)


def add_attachment(
    nomination: Nomination,
    question: FormQuestion | None = None,
    *,
    filename: str,
    stream: BinaryIO,
    by: User,
) -> Attachment:
    """Check and store an upload in answer to a file question (by default the form's documents
    question): its type by content, and the question's kinds of file, size and count limits."""
    question = question or default_file_question(nomination)
    if question is None or question.kind != "file":
        raise DomainError(_("This form has no question to upload files to"), field="file")
    limit = max_count(question)
    if len(files_of(nomination, question)) >= limit:
        raise DomainError(
            _("You can upload up to %(num)s files here: remove one to add another", num=format_decimal(limit))
            if limit > 1
            else _("You can upload only 1 file here: remove it to add another"),
            field=question.key,
        )
    name = clean_filename(filename)
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise DomainError(_("The selected file is empty"), field=question.key)
    if size > max_mb(question) * 1024 * 1024:
        raise DomainError(
            _("The selected file must be smaller than %(size)sMB", size=format_decimal(max_mb(question))),
            field=question.key,
        )
    kind_name = detect_kind(stream)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if kind_name is None or EXTENSION_KIND.get(extension) != kind_name or kind_name not in file_types(question):
        raise DomainError(_("The selected file must be %(kinds)s", kinds=types_sentence(question)), field=question.key)
    kind = KINDS[kind_name]

    # The stored name is random (nothing typed, nothing guessable from public data): the file's name
    # in a folder, or its object's key after the bucket's prefix.
    stored_name = secrets.token_hex(20)
    digest = hashlib.sha256()
    stream.seek(0)
    while chunk := stream.read(1024 * 1024):
        digest.update(chunk)
    store = storage.current_storage()
    try:
        store.put(stored_name, stream)
    except storage.StorageError as error:
        log.error("upload.storage_failed nomination=%s error=%s", nomination.id, error)
        raise DomainError(_("The selected file could not be uploaded: try again"), field=question.key) from error
    storage.keep_if_committed(db.session(), store, stored_name)
    attachment = Attachment(
        original_name=name,
        stored_name=stored_name,
        content_type=kind.content_type,
        extension=kind.extension,
        size=size,
        sha256=digest.hexdigest(),
        uploaded_at=utcnow(),
        uploaded_by_id=by.id,
        question_key=question.key,
    )
    nomination.attachments.append(attachment)
    nomination.updated_at = utcnow()
    db.session.flush()
    audit.record(
        "nomination.attachment_added",
        actor=by,
        obj=nomination,
        attachment=attachment.id,
        size=size,
        type=kind.extension,
        question=question.key,
    )
    return attachment


def open_file(attachment: Attachment) -> BinaryIO:
    """The stored file, to stream (the caller closes it); storage.MissingFile if it is not there."""
    return storage.current_storage().open(attachment.stored_name)


def read_file(attachment: Attachment) -> bytes:
    """The stored file's bytes; storage.MissingFile if it is not there."""
    return storage.current_storage().read_bytes(attachment.stored_name)


def delete_file_after_commit(attachment: Attachment) -> None:
    """Delete the attachment's stored file once the transaction removing its row commits."""
    storage.delete_after_commit(db.session(), storage.current_storage(), attachment.stored_name)


def remove_attachment(nomination: Nomination, attachment: Attachment, *, by: User) -> None:
    """Remove the file; the stored copy is deleted after the database change commits."""
    nomination.attachments.remove(attachment)
    nomination.updated_at = utcnow()
    audit.record("nomination.attachment_removed", actor=by, obj=nomination, attachment=attachment.id)
    delete_file_after_commit(attachment)


def human_size(size: int) -> str:
    """'900 bytes', '12KB', '1.5MB' ('1,5MB' in Swedish): the number as the reader's language writes it."""
    if size < 1024:
        return ngettext("%(size)s byte", "%(size)s bytes", size, size=format_decimal(size))
    if size < 1024 * 1024:
        return _("%(size)sKB", size=format_decimal(round(size / 1024), format="0"))
    return _("%(size)sMB", size=format_decimal(size / 1024 / 1024, format="#,##0.0"))


def install_file_cleanup() -> None:
    """Keep a new attachment's file only if its row commits, and delete a removed one's only once the
    removal has committed (installed once)."""
    storage.install_transaction_hooks(db.session.session_factory.class_)
