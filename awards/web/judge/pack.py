"""The judge's pack: one PDF per round, at /judging/cycles/<slug>/rounds/<number>/pack.pdf.

What it holds is domain/judging/packs.py's (the entries the judge's pages would show, the blind copy when
the round is blind, never a conflicted entry); here it is rendered with templates/judge/pack.html and
WeasyPrint, tagged for screen readers (PDF/UA), for the signed-in judge only (404 where the round's own page
is a 404), never cached, and limited per person (RATELIMIT_JUDGE_PACK, awards/throttling.py): a pack of 40
entries takes seconds of CPU. WeasyPrint fetches nothing: the stylesheet is handed to it as text, and its
URL fetcher refuses every address (an answer's text that looks like a URL or an image is printed, and the
fetcher is the second lock).
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

import pydyf
from flask import Response, abort, current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from awards.domain.core.collector import collector_paused
from awards.domain.judging import packs
from awards.extensions import db
from awards.models import Cycle
from awards.templating import shown
from awards.web.actions import attempt
from awards.web.helpers import round_args
from awards.web.judge import bp
from awards.web.judge.routes import criterion_bands

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


# How the judge judges in the round, on the pack's cover (RoundMode.label is the organisers' English)
MODE_WORDS = {
    "scores": _l("Scores against weighted criteria"),
    "pass_fail": _l("Pass, fail or unsure (qualifying)"),
    "ranking": _l("Ranking (each judge puts their entries in order)"),
}


def _css_text(text: str) -> str:
    """Text as a CSS string: letters, digits and plain punctuation as they are, anything else escaped."""
    kept = "".join(ch if ch.isalnum() or ch in " .,:;!?'’()-" else f"\\{ord(ch):x} " for ch in text)
    return f'"{kept}"'


def footer_content() -> Markup:
    """The CSS `content` of each page's footer, in the reader's language: 'Confidential: for judging only.
    Page 3 of 12', the page numbers being the page counters."""
    text = _("Confidential: for judging only. Page %(page)s of %(pages)s", page="\x00page\x00", pages="\x00pages\x00")
    parts = text.split("\x00")
    content = [f"counter({part})" if part in ("page", "pages") else _css_text(part) for part in parts]
    return Markup(" ".join(piece for piece in content if piece != '""'))  # noqa: S704 (escaped above)


def pack_title(pack: packs.Pack) -> str:
    return _("Judge pack: %(cycle)s, %(round)s", cycle=shown(pack.cycle), round=pack.judging_round.label)


@bp.route("/cycles/<slug>/rounds/<int:number>/pack.pdf", endpoint="pack")
def pack(slug: str, number: int):
    cycle = db.session.scalar(select(Cycle).where(Cycle.slug == slug).options(selectinload(Cycle.rounds)))
    found = packs.judge_pack(current_user, cycle, number) if cycle is not None else None
    if found is None:
        abort(404)
    html = render_template(
        "judge/pack.html",
        pack=found,
        bands={c.id: criterion_bands(c) for c in found.criteria},
        link_args=round_args(found.judging_round),
        mode_words=MODE_WORDS,
        footer=footer_content(),
        title=pack_title(found),
    )
    db.session.rollback()  # read all it needs: no transaction (nor PostgreSQL connection) held through the layout
    data = render_pdf(html)
    attempt(lambda: packs.record_download(found, by=current_user))
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{packs.pack_filename(found)}"'
    response.headers["Cache-Control"] = "no-store"
    return response
