"""Sending a stored upload back: streamed through the app from whichever storage holds it (a folder or
a bucket), always as an attachment, never cached, with the same headers from every server.

Streaming through the app, rather than redirecting to a bucket URL, keeps one path for every check
(who may download, the judge's blind copies, the security headers on every response) and keeps the
bucket private: it needs no public address and no presigned links that outlive a removal."""

from __future__ import annotations

import logging

from flask import abort, request, send_file

from awards.domain.core.storage import MissingFile, StorageError
from awards.domain.nominations import attachments as attachment_rules
from awards.models import Attachment

log = logging.getLogger(__name__)


def send_attachment(attachment: Attachment):
    """The attachment's file as a download: 404 if its file is missing, 503 if the storage fails."""
    try:
        stream = attachment_rules.open_file(attachment)
    except MissingFile:
        abort(404)
    except StorageError as error:
        log.error("download.storage_failed attachment=%s error=%s", attachment.id, error)
        abort(503)
    response = send_file(
        stream,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.original_name,
        max_age=0,
        conditional=False,
        etag=False,
    )
    # What a file on disk would give, from what the row records, so every server and storage agrees:
    # its length, its upload time, and its content's SHA-256 as the entity tag.
    response.content_length = attachment.size
    response.last_modified = attachment.uploaded_at
    response.set_etag(attachment.sha256)
    response = response.make_conditional(request.environ, accept_ranges=True, complete_length=attachment.size)
    if response.status_code == 304 or request.method == "HEAD":
        stream.close()  # no body is sent, so nothing else would close it (and give back its connection)
    return response


def read_attachment(attachment: Attachment) -> bytes:
    """The attachment's bytes (for a copy made from them): 404 if its file is missing, 503 if the storage fails."""
    try:
        return attachment_rules.read_file(attachment)
    except MissingFile:
        abort(404)
    except StorageError as error:
        log.error("download.storage_failed attachment=%s error=%s", attachment.id, error)
        abort(503)
