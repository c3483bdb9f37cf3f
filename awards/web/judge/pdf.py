"""The judge's pack as a PDF: WeasyPrint, fetching nothing, tagged for screen readers (PDF/UA-1).

Imported by awards/web/judge/pack.py only when a pack is made, so that a worker that never makes one does not
carry WeasyPrint and its dependencies (about 43 MB of memory, docs/performance.md).
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

import pydyf
from flask import current_app
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from awards.domain.core.collector import collector_paused

STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "pack.css"

# WeasyPrint warns about every CSS property it does not support, and about every refused fetch.
logging.getLogger("weasyprint").setLevel(logging.ERROR)


def _cached_page_references() -> None:
    """pydyf (0.13) rebuilds the tuple of every page's reference each time WeasyPrint's tagging asks for one
    page's, once per tagged element: quadratic in the pages (about 2 s of a 245-page pack's 5 s of writing).
    The references only change when a page is added, so keep the tuple until the page count changes."""
    original = getattr(pydyf.PDF, "page_references", None)
    if not isinstance(original, property) or getattr(original.fget, "cached_by_awards", False):
        return

    def page_references(pdf):
        kids = pdf.pages["Kids"]
        cached = pdf.__dict__.get("_awards_page_references")
        if cached is None or cached[0] != len(kids):
            cached = (len(kids), original.fget(pdf))
            pdf.__dict__["_awards_page_references"] = cached
        return cached[1]

    page_references.cached_by_awards = True  # type: ignore[attr-defined]
    pydyf.PDF.page_references = property(page_references)


_cached_page_references()


class RefusingFetcher(URLFetcher):
    """WeasyPrint's URL fetcher that fetches nothing: every address it is asked for is refused (and kept
    in `refused`, so a test can see it was asked)."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=())
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        self.refused.append(url)
        raise ValueError(f"The judge's pack fetches nothing: {url[:80]}")


@cache
def _stylesheet() -> CSS:
    return CSS(string=STYLESHEET.read_text(encoding="utf-8"), url_fetcher=RefusingFetcher())


def _base_url() -> str:
    """Where the pack's links (an entry's documents) point: the site's BASE_URL, never the request's Host."""
    return str(current_app.config.get("BASE_URL") or "http://localhost").rstrip("/") + "/"


def render_pdf(html: str, fetcher: RefusingFetcher | None = None) -> bytes:
    """The HTML as a tagged PDF (PDF/UA-1), fetching nothing; links resolve against BASE_URL. Python's cycle
    collector is paused meanwhile (40 entries: 10.9 s -> 8.6 s, docs/performance.md)."""
    with collector_paused():
        document = HTML(string=html, base_url=_base_url(), url_fetcher=fetcher or RefusingFetcher())
        return document.write_pdf(stylesheets=[_stylesheet()], pdf_tags=True, pdf_variant="pdf/ua-1")
