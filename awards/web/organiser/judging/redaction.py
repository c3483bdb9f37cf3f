"""Redacted copies of free-text sections for blind judging, at
/organiser/cycles/<slug>/nominations/<reference>/redaction.

The organiser edits the copy judges will read; the nominee's original is kept. Text that names the
organisation, its partners or the people involved is pointed out, field by field. Which answers judges
read depends on whether judging is blind, a setting of each judging round: the page lists those of
the cycle's current round, or of `?round=N`; a redaction holds in every round.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from awards.domain.core.errors import NotAllowed
from awards.domain.judging import blind_copies
from awards.models import Cycle, JudgingRound, Nomination
from awards.web.actions import attempt
from awards.web.helpers import chosen_round, cycle_or_404, nomination_or_404, round_args
from awards.web.organiser import bp


def _load(slug: str, reference: str) -> tuple[Cycle, Nomination]:
    cycle = cycle_or_404(slug)
    nomination = nomination_or_404(
        cycle,
        reference,
        joinedload(Nomination.nominator),
        joinedload(Nomination.category),
        selectinload(Nomination.partners),
        selectinload(Nomination.trend_links),
    )
    return cycle, nomination


def field_id(key: str) -> str:
    """An HTML id and form name for a field key ("trend:12" → "text-trend-12")."""
    return "text-" + key.replace(":", "-")


def _render(
    cycle: Cycle,
    nomination: Nomination,
    judging_round: JudgingRound,
    *,
    texts: dict[str, str] | None = None,
    problems: list[tuple[str, str]] | None = None,
    status: int = 200,
):
    fields = blind_copies.redactable_fields(nomination, judging_round)
    redactions = blind_copies.redactions_of(nomination)
    terms = blind_copies.identifying_terms(nomination)
    rows = []
    for item in fields:
        redaction = redactions.get(item.key)
        shown = (
            texts[item.key]
            if texts is not None and item.key in texts
            else (redaction.text if redaction is not None else item.original)
        )
        rows.append(
            {
                "field": item,
                "id": field_id(item.key),
                "value": shown,
                "redaction": redaction,
                "mentions": blind_copies.mentions(shown, terms),
            }
        )
    problems = problems or []
    stale = [r for r in redactions.values() if r.updated_at < nomination.updated_at]
    return render_template(
        "organiser/judging/redaction.html",
        cycle=cycle,
        nomination=nomination,
        judging_round=judging_round,
        round_args=round_args(judging_round),
        rows=rows,
        problem=blind_copies.redaction_editable(nomination),
        terms=terms,
        stale=bool(stale),
        flagged=sum(1 for r in rows if r["mentions"]),
        errors=dict(problems),
        error_list=[{"text": m, "href": f"#{field_id(f) if f else 'fields'}"} for f, m in problems],
        max_length=blind_copies.REDACTION_MAX_LENGTH,
        title=_("Redact %(reference)s for judges", reference=nomination.reference),
    ), status


@bp.route("/cycles/<slug>/nominations/<reference>/redaction", methods=["GET", "POST"])
def redaction(slug: str, reference: str):
    cycle, nomination = _load(slug, reference)
    judging_round = chosen_round(cycle)
    if request.method == "GET":
        return _render(cycle, nomination, judging_round)
    problem = blind_copies.redaction_editable(nomination)
    if problem:
        return _render(cycle, nomination, judging_round, status=409, problems=[("", problem)])
    keys = [f.key for f in blind_copies.redactable_fields(nomination, judging_round)]
    texts = {key: request.form[field_id(key)] for key in keys if field_id(key) in request.form}
    restore = {key for key in request.form.getlist("restore") if key in keys}
    done = attempt(
        lambda: blind_copies.save_redactions(
            nomination, texts, restore=restore, by=current_user, judging_round=judging_round
        )
    )
    if isinstance(done.error, NotAllowed):
        return _render(cycle, nomination, judging_round, texts=texts, status=409, problems=[("", done.message)])
    if not done:
        return _render(cycle, nomination, judging_round, texts=texts, problems=[(done.error.field or "", done.message)])
    changed = done.value
    if changed:
        flash(_("Saved. Judges will see your redacted copy of: %(fields)s.", fields=", ".join(changed)), "success")
    else:
        flash(_("Nothing changed: judges see the same text as before."), "info")
    return redirect(
        url_for("organiser.redaction", slug=cycle.slug, reference=nomination.reference, **round_args(judging_round))
    )
