"""Small files for uploads: a valid PNG of any size, a minimal PDF, an HTML page pretending to be a document."""

from __future__ import annotations

import struct
import zlib


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: its length, kind, data and CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_png(width: int = 1, height: int = 1, extra_chunks: bytes = b"") -> bytes:
    """A PNG whose header says width × height (its pixel data is one row at most: the header is what is read);
    `extra_chunks` go after the header (metadata that a copy for judges must not keep)."""
    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(min(height, 1)))
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + extra_chunks
        + png_chunk(b"IDAT", zlib.compress(raw))
        + png_chunk(b"IEND", b"")
    )


PNG = make_png()
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
