"""The judge's pack: one PDF per round, at /judging/cycles/<slug>/rounds/<number>/pack.pdf.

What it holds is domain/judging/packs.py's (the entries the judge's pages would show, the blind copy when
the round is blind, never a conflicted entry); here it is rendered with templates/judge/pack.html and
WeasyPrint, tagged for screen readers (PDF/UA), for the signed-in judge only (404 where the round's own page
is a 404), never cached, and limited per person (RATELIMIT_JUDGE_PACK, awards/throttling.py): a pack of 40
entries takes seconds of CPU. WeasyPrint fetches nothing: the stylesheet is handed to it as text, and its
URL fetcher refuses every address (an answer's text that looks like a URL or an image is printed, and the
fetcher is the second lock): awards/web/judge/pdf.py, imported only when a pack is made.
"""

from __future__ import annotations

from flask import Response, abort, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from awards.domain.judging import packs
from awards.extensions import db
from awards.models import Cycle
from awards.templating import shown
from awards.web.actions import attempt
from awards.web.helpers import round_args
from awards.web.judge import bp
from awards.web.judge.routes import criterion_bands

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
    from awards.web.judge.pdf import render_pdf  # WeasyPrint (about 43 MB) only in a worker that makes a pack

    data = render_pdf(html)
    attempt(lambda: packs.record_download(found, by=current_user))
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{packs.pack_filename(found)}"'
    response.headers["Cache-Control"] = "no-store"
    return response
