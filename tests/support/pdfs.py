"""Reading a PDF the way a person (or a screen reader) does: its text and its metadata, with pypdf.

WeasyPrint's text is glyph-encoded in the content streams, so the bytes never show its words; pypdf maps
the glyphs back to text. It may space a heading's letters apart ("J u d g e  p a c k"), so `squeezed`
drops every white space and checks compare squeezed forms.
"""

from __future__ import annotations

import io
import re

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """Every page's extracted text, in order."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def squeezed(text: str) -> str:
    """The text lower-cased, without any white space: what whitespace-insensitive checks compare."""
    return re.sub(r"\s+", "", text).lower()


def pdf_holds(data_or_text: bytes | str, words: str) -> bool:
    """Whether the PDF's text (or text already extracted) holds the words, white space aside."""
    text = pdf_text(data_or_text) if isinstance(data_or_text, bytes) else data_or_text
    return squeezed(words) in squeezed(text)


def pdf_metadata(data: bytes) -> dict[str, str]:
    """The document information: title, author, subject, keywords (those present)."""
    info = PdfReader(io.BytesIO(data)).metadata or {}
    wanted = {"/Title": "title", "/Author": "author", "/Subject": "subject", "/Keywords": "keywords"}
    return {name: str(info[key]) for key, name in wanted.items() if key in info}


def pdf_catalog(data: bytes):
    """The document's catalogue (/Root): /MarkInfo, /StructTreeRoot, /Lang."""
    return PdfReader(io.BytesIO(data)).trailer["/Root"]


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)
