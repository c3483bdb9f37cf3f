"""Small helpers views share."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from awards.domain.core.errors import DomainError
from awards.domain.judging import rounds
from awards.domain.people import accounts
from awards.extensions import db
from awards.models import Cycle, JudgingRound, Nomination


def apply_domain_error(form: FlaskForm, error: DomainError, default_field: str | None = None) -> None:
    """Show a domain error against the field it names (or the first field) so the error summary links to it."""
    name = error.field if error.field and error.field in form else default_field
    if name is None:
        name = next(iter(form._fields))
    field = form[name]
    field.errors = list(field.errors) + [error.message]


def count_wrong_password(error: DomainError) -> None:
    """A change that asked for the password again was refused (and rolled back, by `attempt`): a wrong
    password counts toward the account's sign-in lock, committed on its own."""
    if isinstance(error, accounts.WrongPassword):
        accounts.record_wrong_password(current_user, ip=request.remote_addr)
        db.session.commit()


def cycle_or_404(slug: str, *options) -> Cycle:
    """The cycle with this slug (loading `options`, e.g. selectinload(Cycle.criteria)), or a 404."""
    cycle = db.session.scalar(select(Cycle).where(Cycle.slug == slug).options(*options))
    if cycle is None:
        abort(404)
    return cycle


def chosen_round(cycle: Cycle) -> JudgingRound:
    """The judging round a page is about: `?round=N` (404 when the cycle has no such round), else the
    cycle's current round (the last one that has begun)."""
    asked = request.args.get("round")
    if asked is None or asked == "":
        return rounds.current_round(cycle)
    if not asked.isdigit():
        abort(404)
    judging_round = rounds.round_numbered(cycle, int(asked))
    if judging_round is None:
        abort(404)
    return judging_round


def round_args(judging_round: JudgingRound) -> dict[str, int]:
    """The address arguments that keep a page on its round (none for a cycle's only round)."""
    return {"round": judging_round.number} if len(judging_round.cycle.rounds) > 1 else {}


def nomination_or_404(cycle: Cycle, reference: str, *options) -> Nomination:
    """The cycle's nomination with this reference (loading `options`), or a 404."""
    nomination = db.session.scalar(
        select(Nomination).where(Nomination.reference == reference, Nomination.cycle_id == cycle.id).options(*options)
    )
    if nomination is None:
        abort(404)
    return nomination


def timestamp(value: datetime | None) -> str | None:
    """RFC 3339 in UTC, to the second: 2026-06-05T09:30:00Z (the open data API, the feed, the pages' JSON-LD)."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def error_summary(problems) -> list[dict[str, str]]:
    """GOV.UK error summary items from (field, message) pairs or a {field: message} dict."""
    pairs = problems.items() if isinstance(problems, dict) else problems
    return [{"text": message, "href": f"#{field}"} for field, message in pairs]


def cycle_breadcrumbs(cycle: Cycle, *trail: dict) -> list[dict]:
    """Organiser overview › Award cycles › <cycle> › ... for the organiser's pages about a cycle."""
    return [
        {"text": _("Organiser overview"), "href": url_for("organiser.dashboard")},
        {"text": _("Award cycles"), "href": url_for("organiser.cycles")},
        {"text": cycle.name, "href": url_for("organiser.cycle", slug=cycle.slug)},
        *trail,
    ]


def pagination(page: int, pages: int, url_for_page, label: str | None = None, *, more: bool = False) -> dict | None:
    """govukPagination parameters: first, last and the pages around the current one, with ellipses. With
    `more`, `pages` is only as far as was counted and there are more after it: no last page is shown, an
    ellipsis ends the numbers and "Next" is always there."""
    if pages <= 1 and not more:
        return None
    shown = sorted(({1, page - 1, page, page + 1} | (set() if more else {pages})) & set(range(1, pages + 1)))
    items, previous = [], 0
    for number in shown:
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append(
            {
                "number": number,
                "href": url_for_page(number),
                "current": number == page,
                "visuallyHiddenText": _("Page %(number)s", number=number),
            }
        )
        previous = number
    if more:
        items.append({"ellipsis": True})
    return {
        "previous": {
            "href": url_for_page(page - 1),
            "html": _('Previous<span class="govuk-visually-hidden"> page</span>'),
        }
        if page > 1
        else None,
        "next": {"href": url_for_page(page + 1), "html": _('Next<span class="govuk-visually-hidden"> page</span>')}
        if page < pages or more
        else None,
        "items": items,
        "landmarkLabel": label or _("Pages of nominations"),
    }
