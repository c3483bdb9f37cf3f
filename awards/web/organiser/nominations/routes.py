"""The organiser's view of a cycle's nominations: the filtered list, its CSV export,
a nomination's full page with its history, and the eligibility decision."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from awards.domain.core import paging
from awards.domain.core.errors import Conflict, NotAllowed
from awards.domain.core.kept import KeptWhileUnchanged
from awards.domain.nominations import screening
from awards.domain.nominations.attachments import KINDS, human_size
from awards.domain.nominations.teams import TEAM_ACTIONS
from awards.domain.programme.entry_forms import questions_of, section_by_key, short_name
from awards.domain.publishing import exports
from awards.extensions import db
from awards.models import (
    Attachment,
    AuditEvent,
    Category,
    Cycle,
    Eligibility,
    Nomination,
    NominationStatus,
    NominationTrend,
    Trend,
    User,
    cycle_trends,
)
from awards.templating import shown
from awards.web.actions import Outcome, attempt
from awards.web.downloads import send_attachment
from awards.web.helpers import apply_domain_error, cycle_breadcrumbs, cycle_or_404, nomination_or_404, pagination
from awards.web.organiser import bp
from awards.web.organiser.nominations.forms import EligibilityForm, NominationFilterForm, ScreenManyForm
from awards.web.organiser.words import and_list
from awards.web.personal_cache import install, personal_page

PAGE_SIZE = 50
EXPORT_CHUNK = 200
# A filtered list counts its matches only this far past the start of the page asked for: beyond that it says
# "more than" (counting every match of a search that matches most of a 100,000-entry cycle costs more than the
# whole rest of the page). An unfiltered list, or one filtered by status alone, takes its exact total from the
# counts by status shown above it.
COUNT_AHEAD = 1000
bp.record_once(install)  # kept pages served before the person is loaded (web/personal_cache.py)

# The statuses counted above the list, in this order.
COUNTED_STATUSES = (
    NominationStatus.SUBMITTED,
    NominationStatus.DRAFT,
    NominationStatus.WITHDRAWN,
    NominationStatus.INELIGIBLE,
    NominationStatus.SHORTLISTED,
    NominationStatus.HIGHLY_COMMENDED,
    NominationStatus.WINNER,
)


def status_count_words(status: NominationStatus, n: int) -> str:
    """A count above the list in words: "3 drafts", "2 winners", "4 submitted"."""
    num = format_decimal(n)
    return {
        NominationStatus.SUBMITTED: ngettext("%(count)s submitted", "%(count)s submitted", n, count=num),
        NominationStatus.DRAFT: ngettext("%(count)s draft", "%(count)s drafts", n, count=num),
        NominationStatus.WITHDRAWN: ngettext("%(count)s withdrawn", "%(count)s withdrawn", n, count=num),
        NominationStatus.INELIGIBLE: ngettext("%(count)s ineligible", "%(count)s ineligible", n, count=num),
        NominationStatus.SHORTLISTED: ngettext("%(count)s shortlisted", "%(count)s shortlisted", n, count=num),
        NominationStatus.HIGHLY_COMMENDED: ngettext(
            "%(count)s highly commended", "%(count)s highly commended", n, count=num
        ),
        NominationStatus.WINNER: ngettext("%(count)s winner", "%(count)s winners", n, count=num),
    }[status]


# How the history names what happened; an action not listed is shown in words made from its name.
ACTION_NAMES = {
    "nomination.started": _l("Started the nomination"),
    "nomination.section_saved": _l("Saved a section"),
    "nomination.edited_after_submission": _l("Changed a section after submitting"),
    "nomination.attachment_added": _l("Added a supporting document"),
    "nomination.attachment_removed": _l("Removed a supporting document"),
    "nomination.submitted": _l("Submitted the nomination"),
    "nomination.withdrawn": _l("Withdrew the nomination"),
    # The nomination's team (awards/domain/nominations/teams.py); the detail names the address or the person
    "nomination.team_invited": _l("Invited someone to edit"),
    "nomination.team_invitation_cancelled": _l("Cancelled an invitation to edit"),
    "nomination.team_joined": _l("Joined the team"),
    "nomination.team_member_removed": _l("Removed someone from the team"),
    "nomination.team_left": _l("Left the team"),
    "nomination.ownership_transferred": _l("Made someone else the owner"),
}


# ---------------------------------------------------------------- loading


def load_cycle(slug: str) -> Cycle:
    return cycle_or_404(slug, selectinload(Cycle.categories))


def load_nomination(cycle: Cycle, reference: str) -> Nomination:
    """The nomination with everything its page shows; 404 if it is not in this cycle."""
    return nomination_or_404(
        cycle,
        reference,
        joinedload(Nomination.category),
        joinedload(Nomination.nominator),
        selectinload(Nomination.partners),
        selectinload(Nomination.trend_links),
        selectinload(Nomination.attachments),
    )


def filter_trends(cycle: Cycle) -> list[Trend]:
    """The trends the cycle offers, plus any its nominations carry that it no longer offers."""
    offered = select(cycle_trends.c.trend_id).where(cycle_trends.c.cycle_id == cycle.id)
    # EXISTS per trend (a few dozen), walking that trend's links by index and looking up each one's
    # cycle, rather than every trend link of the cycle (20,000 in a big one).
    link_cycle = select(Nomination.cycle_id).where(Nomination.id == NominationTrend.nomination_id).scalar_subquery()
    used = select(NominationTrend.id).where(NominationTrend.trend_id == Trend.id, link_cycle == cycle.id).exists()
    return list(
        db.session.scalars(select(Trend).where(or_(Trend.id.in_(offered), used)).order_by(Trend.position, Trend.id))
    )


@dataclass
class Filters:
    """What the organiser asked the list for; the same filters drive the page and the CSV."""

    q: str = ""
    category: Category | None = None
    trend: Trend | None = None
    status: NominationStatus | None = None

    @property
    def active(self) -> bool:
        return bool(self.q or self.category or self.trend or self.status)

    def args(self) -> dict[str, str]:
        """The filters as query-string values for url_for (empty ones left out)."""
        values = {
            "q": self.q,
            "category": self.category.slug if self.category else "",
            "trend": self.trend.slug if self.trend else "",
            "status": self.status.value if self.status else "",
        }
        return {k: v for k, v in values.items() if v}

    def clauses(self, cycle: Cycle) -> list:
        clauses = [Nomination.cycle_id == cycle.id]
        if self.category is not None:
            clauses.append(Nomination.category_id == self.category.id)
        if self.trend is not None:
            clauses.append(
                Nomination.id.in_(
                    select(NominationTrend.nomination_id).where(NominationTrend.trend_id == self.trend.id)
                )
            )
        if self.status is not None:
            clauses.append(Nomination.status == self.status)
        if self.q:
            pattern = "%" + _escape_like(self.q.lower()) + "%"
            clauses.append(
                or_(
                    *(
                        func.lower(column).like(pattern, escape="\\")
                        for column in (Nomination.reference, Nomination.title, Nomination.organisation_name)
                    )
                )
            )
        return clauses


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def read_filters(cycle: Cycle) -> tuple[NominationFilterForm, Filters]:
    trends = filter_trends(cycle)
    form = NominationFilterForm(formdata=request.args)
    form.set_choices(categories=cycle.categories, trends=trends, statuses=list(NominationStatus))
    category_slug, trend_slug, status = (form.choice_or_none(n) for n in ("category", "trend", "status"))
    filters = Filters(
        q=form.search_text(),
        category=next((c for c in cycle.categories if c.slug == category_slug), None),
        trend=next((t for t in trends if t.slug == trend_slug), None),
        status=NominationStatus(status) if status else None,
    )
    return form, filters


# A cycle's counts by status read all its nominations' index entries (35 ms at 100,000): kept per process
# while nothing is committed anywhere (awards/domain/core/kept.py).
_KEPT_COUNTS = KeptWhileUnchanged()


def _counts_by_status(cycle_id: int) -> dict[NominationStatus, int]:
    return dict(
        db.session.execute(
            select(Nomination.status, func.count(Nomination.id))
            .where(Nomination.cycle_id == cycle_id)
            .group_by(Nomination.status)
        ).all()
    )


def status_counts(cycle: Cycle) -> list[tuple[NominationStatus, int, str]]:
    """(status, count, words) for each status the cycle has nominations in, submitted first."""
    counts = _KEPT_COUNTS.get(cycle.id, lambda: _counts_by_status(cycle.id))
    result = []
    for status in COUNTED_STATUSES:
        n = counts.get(status, 0)
        if n:
            result.append((status, n, status_count_words(status, n)))
    return result


def describe_event(event: AuditEvent, cycle: Cycle) -> tuple[str, str]:
    """(what happened, more detail) for a history line, in words an organiser reads easily."""
    detail = event.detail or {}
    if event.action == "nomination.eligibility":
        words = (
            _("Marked it eligible")
            if detail.get("eligibility") == Eligibility.ELIGIBLE.value
            else _("Marked it not eligible")
        )
        return words, detail.get("reason") or ""
    if event.action == "message.received":  # an organiser's message to the nominator about it
        return _("Message: %(subject)s", subject=detail.get("subject") or ""), ""
    if event.action in TEAM_ACTIONS:
        member = db.session.get(User, detail["member"]) if isinstance(detail.get("member"), int) else None
        return str(ACTION_NAMES[event.action]), detail.get("email") or (member.name if member else "")
    known = ACTION_NAMES.get(event.action)
    name = str(known) if known is not None else None
    if name is None:
        name = event.action.split(".", 1)[-1].replace("_", " ").replace(".", " ").capitalize()
    section = section_by_key(cycle, str(detail.get("section") or ""))
    return name, section.title if section else ""


def documents(nomination: Nomination) -> list[tuple[str, list[Attachment]]]:
    """The nomination's files by the file question they answer (its short name), in form order; files
    of a question the form no longer has come last, as other documents."""
    questions = [q for q in questions_of(nomination.cycle) if q.kind == "file"]
    grouped = [(short_name(q), [a for a in nomination.attachments if a.question_key == q.key]) for q in questions]
    keys = {q.key for q in questions}
    others = [a for a in nomination.attachments if a.question_key not in keys]
    if others:
        grouped.append((_("Other documents"), others))
    return [(name, files) for name, files in grouped if files]


def decided_by(nomination: Nomination) -> User | None:
    if nomination.eligibility_decided_by_id is None:
        return None
    return db.session.get(User, nomination.eligibility_decided_by_id)


def history(nomination: Nomination) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == Nomination.__tablename__, AuditEvent.object_id == str(nomination.id))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
    )


# ---------------------------------------------------------------- views


@bp.route("/cycles/<slug>/nominations")
@personal_page
def nominations(slug: str):
    return _render_list(load_cycle(slug))


def _render_list(cycle: Cycle, screen_form: ScreenManyForm | None = None):
    """The list page (filters and page from the query string); `screen_form` when screening several
    from it came back with a problem (the error summary shows it, the ticks are kept)."""
    form, filters = read_filters(cycle)
    clauses = filters.clauses(cycle)
    counts = status_counts(cycle)
    asked = paging.requested_page(request.args)
    total, exact = count_matches(filters, clauses, counts, asked)
    page, pages = paging.clamp(asked, total, PAGE_SIZE)
    # The page's ids first, from the narrow ix_nominations_cycle_list index (filters, search and
    # order are all in it), then only those rows: a big cycle's wide rows are never scanned.
    page_ids = (
        select(Nomination.id).where(*clauses).order_by(Nomination.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    )
    rows = db.session.scalars(
        select(Nomination)
        .where(Nomination.id.in_(page_ids.scalar_subquery()))
        .options(joinedload(Nomination.category), selectinload(Nomination.trend_links))
        .order_by(Nomination.id)
    ).all()
    args = filters.args()
    return render_template(
        "organiser/nominations/list.html",
        cycle=cycle,
        filter_form=form,
        filters=filters,
        nominations=rows,
        total=total,
        exact=exact,
        page=page,
        pages=pages,
        first=(page - 1) * PAGE_SIZE + 1,
        counts=counts,
        cycle_total=sum(n for _, n, _ in counts),
        breadcrumbs=cycle_breadcrumbs(cycle),
        pagination=pagination(
            page,
            pages,
            lambda n: url_for("organiser.nominations", slug=cycle.slug, page=n if n > 1 else None, **args),
            more=not exact,
        ),
        csv_url=url_for("organiser.nominations_csv", slug=cycle.slug, **args),
        screen_url=url_for("organiser.screen_nominations", slug=cycle.slug, page=page if page > 1 else None, **args),
        screenable=screening.SCREENABLE,
        screen_form=screen_form or ScreenManyForm(formdata=None),
        error_forms=[screen_form] if screen_form else [],
        title=_("Nominations – %(cycle)s", cycle=shown(cycle)),
    ), 200


def count_matches(filters: Filters, clauses: list, counts: list, page: int) -> tuple[int, bool]:
    """(how many nominations the list holds, whether that is exact). Without filters, or by status alone, the
    counts by status say it exactly; otherwise the matches are counted up to COUNT_AHEAD past the start of
    `page`, and when there are more, that many is returned with False ("more than")."""
    by_status = {status: n for status, n, _ in counts}
    if not filters.active:
        return sum(by_status.values()), True
    if filters.status is not None and not (filters.q or filters.category or filters.trend):
        return by_status.get(filters.status, 0), True
    limit = (page - 1) * PAGE_SIZE + COUNT_AHEAD  # page: at most paging.MAX_PAGE
    matches = select(Nomination.id).where(*clauses).limit(limit + 1).subquery()
    found = db.session.scalar(select(func.count()).select_from(matches)) or 0
    return (found, True) if found <= limit else (limit, False)


@bp.route("/cycles/<slug>/nominations/screen", methods=["POST"])
def screen_nominations(slug: str):
    """Mark several nominations eligible or not eligible at once: the list posts the ticked ones and
    the decision, a confirmation page asks for the reason and shows what happens, and confirming
    decides each one (one e-mail each, each audited), all in one transaction."""
    cycle = load_cycle(slug)
    form = ScreenManyForm()
    form.validate()
    if form.nominations.errors or form.decision.errors:
        return _render_list(cycle, form)
    chosen, missing = _chosen_nominations(cycle, form.nominations.data)
    if form.confirming and not form.reason.errors:
        versions = form.expected_versions(chosen, request.form)
        try:
            done = attempt(
                lambda: screening.decide_eligibility_of_many(
                    chosen, form.eligible, form.reason.data or "", by=current_user, expected_versions=versions
                ),
                form=form,
                field="reason",
            )
        except StaleDataError:  # someone saved one of them meanwhile
            db.session.rollback()
            form.nominations.errors = [
                _(
                    "Some of these nominations changed while you were deciding, so nothing was saved. Check them "
                    "below, then confirm again."
                )
            ]
        else:
            if done:
                _flash_screening(done.value, missing, form.eligible)
                return redirect(url_for("organiser.nominations", slug=cycle.slug, **request.args))
        chosen, missing = _chosen_nominations(cycle, form.nominations.data)
    ready = [n for n in chosen if screening.screening_problem(n) is None]
    refused = [(n.reference, screening.screening_problem(n)) for n in chosen if n not in ready]
    refused += [(reference, _("There is no nomination with this reference in this cycle.")) for reference in missing]
    words = _("eligible") if form.eligible else _("not eligible")
    count = ngettext("%(count)s nomination", "%(count)s nominations", len(ready), count=format_decimal(len(ready)))
    return render_template(
        "organiser/nominations/screen.html",
        cycle=cycle,
        form=form,
        ready=ready,
        refused=refused,
        words=words,
        count=count,
        error_forms=[form] if form.confirming else [],
        back_url=url_for("organiser.nominations", slug=cycle.slug, **request.args),
        breadcrumbs=cycle_breadcrumbs(
            cycle, {"text": _("Nominations"), "href": url_for("organiser.nominations", slug=cycle.slug)}
        ),
        reason_max_length=screening.REASON_MAX_LENGTH,
        title=_("Mark %(count)s as %(words)s", count=count, words=words)
        if ready
        else _("These nominations cannot be screened"),
    )


def _chosen_nominations(cycle: Cycle, references: list[str]) -> tuple[list[Nomination], list[str]]:
    """The cycle's nominations with these references, in the order given, and the references it has none of."""
    found = {
        n.reference: n
        for n in db.session.scalars(
            select(Nomination)
            .where(Nomination.cycle_id == cycle.id, Nomination.reference.in_(references))
            .options(joinedload(Nomination.category), joinedload(Nomination.nominator))
        )
    }
    return [found[r] for r in references if r in found], [r for r in references if r not in found]


def _flash_screening(outcome: screening.ManyDecided, missing: list[str], eligible: bool) -> None:
    if outcome.changed:
        n = len(outcome.changed)
        references = and_list([x.reference for x in outcome.changed])
        flash(
            ngettext(
                "%(count)s nomination marked eligible: %(references)s. We have emailed its nominator.",
                "%(count)s nominations marked eligible: %(references)s. We have emailed their nominators.",
                n,
                count=format_decimal(n),
                references=references,
            )
            if eligible
            else ngettext(
                "%(count)s nomination marked not eligible: %(references)s. We have emailed its nominator.",
                "%(count)s nominations marked not eligible: %(references)s. We have emailed their nominators.",
                n,
                count=format_decimal(n),
                references=references,
            ),
            "success",
        )
    if outcome.unchanged:
        n = len(outcome.unchanged)
        references = and_list([x.reference for x in outcome.unchanged])
        flash(
            ngettext(
                "%(references)s was already marked eligible, so nothing changed for it.",
                "%(references)s were already marked eligible, so nothing changed for them.",
                n,
                references=references,
            )
            if eligible
            else ngettext(
                "%(references)s was already marked not eligible with this reason, so nothing changed for it.",
                "%(references)s were already marked not eligible with this reason, so nothing changed for them.",
                n,
                references=references,
            ),
            "info",
        )
    refused = [(n.reference, why) for n, why in outcome.refused]
    refused += [(reference, _("There is no nomination with this reference in this cycle.")) for reference in missing]
    if refused:
        n = len(refused)
        flash(
            " ".join(
                [
                    ngettext(
                        "%(count)s nomination was not screened.",
                        "%(count)s nominations were not screened.",
                        n,
                        count=format_decimal(n),
                    ),
                    *(_("%(reference)s: %(why)s", reference=reference, why=why) for reference, why in refused),
                ]
            ),
            "info",
        )


@bp.route("/cycles/<slug>/nominations.csv")
def nominations_csv(slug: str):
    cycle = load_cycle(slug)
    _form, filters = read_filters(cycle)
    ids = db.session.scalars(select(Nomination.id).where(*filters.clauses(cycle)).order_by(Nomination.id)).all()
    exports.record_export(cycle, count=len(ids), filters=filters.args(), by=current_user)
    # The form (a column per question) is copied before the response outlives the session.
    form = exports.export_form(cycle)
    db.session.commit()
    app = current_app._get_current_object()

    def nominations_in_chunks():
        # The response is sent after the view returns, so each chunk is read in its own
        # application context (and session), opened and closed within one step of the generator.
        for start in range(0, len(ids), EXPORT_CHUNK):
            with app.app_context():
                rows = exports.nomination_rows(ids[start : start + EXPORT_CHUNK], form)
            yield from rows

    body = exports.stream_csv(form.header, nominations_in_chunks())
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{cycle.slug}-nominations.csv"'},
    )


def _render_nomination(cycle: Cycle, nomination: Nomination, form: EligibilityForm | None, status: int = 200):
    problem = screening.screening_problem(nomination)
    if form is None and problem is None:
        form = EligibilityForm(
            formdata=None,
            data={
                "decision": nomination.eligibility.value if nomination.eligibility else None,
                "reason": nomination.eligibility_reason,
                "version": str(nomination.version),
            },
        )
    events = [(event, *describe_event(event, nomination.cycle)) for event in history(nomination)]
    return render_template(
        "organiser/nominations/show.html",
        cycle=cycle,
        nomination=nomination,
        form=form,
        screening_problem=problem,
        decided_by=decided_by(nomination),
        events=events,
        documents=documents(nomination),
        breadcrumbs=cycle_breadcrumbs(
            cycle, {"text": _("Nominations"), "href": url_for("organiser.nominations", slug=cycle.slug)}
        ),
        kinds=KINDS,
        human_size=human_size,
        reason_max_length=screening.REASON_MAX_LENGTH,
        title=_("%(reference)s: %(title)s", reference=nomination.reference, title=nomination.display_title),
    ), status


@bp.route("/cycles/<slug>/nominations/<reference>")
def nomination(slug: str, reference: str):
    cycle = load_cycle(slug)
    return _render_nomination(cycle, load_nomination(cycle, reference), None)


@bp.route("/cycles/<slug>/nominations/<reference>/eligibility", methods=["POST"])
def nomination_eligibility(slug: str, reference: str):
    cycle = load_cycle(slug)
    nomination = load_nomination(cycle, reference)
    if screening.screening_problem(nomination):
        abort(409)
    form = EligibilityForm()
    if not form.validate():
        return _render_nomination(cycle, nomination, form)
    eligible = form.decision.data == "eligible"
    try:
        done = attempt(
            lambda: screening.decide_eligibility(
                nomination, eligible, form.reason.data or "", by=current_user, expected_version=form.expected_version()
            ),
            form=form,
            field="decision",
        )
    except StaleDataError:  # raised by the commit: someone saved the nomination meanwhile
        db.session.rollback()
        done = Outcome(
            error=Conflict(
                _("This nomination changed while you were deciding. Check the latest version below, then decide again.")
            )
        )
        apply_domain_error(form, done.error, "decision")
    if isinstance(done.error, NotAllowed):
        abort(409)
    if not done:
        nomination = load_nomination(cycle, reference)
        if not isinstance(done.error, Conflict):
            return _render_nomination(cycle, nomination, form)
        # Show the latest version; deciding again from here is a decision on what is now shown.
        form.version.data = str(nomination.version)
        return _render_nomination(cycle, nomination, form, 409)
    changed = done.value
    if not changed:
        flash(_("Nothing changed: that was already the decision"), "info")
    else:
        marked = (
            _("%(reference)s is marked eligible.", reference=nomination.reference)
            if eligible
            else _("%(reference)s is marked not eligible.", reference=nomination.reference)
        )
        told = (
            _("We have emailed %(name)s to tell them.", name=nomination.nominator.name) if nomination.nominator else ""
        )
        flash(f"{marked} {told}".strip(), "success")
    return redirect(url_for("organiser.nomination", slug=cycle.slug, reference=nomination.reference))


@bp.route("/cycles/<slug>/nominations/<reference>/documents/<int:attachment_id>")
def nomination_attachment(slug: str, reference: str, attachment_id: int):
    cycle = load_cycle(slug)
    nomination = load_nomination(cycle, reference)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.nomination_id != nomination.id:
        abort(404)
    return send_attachment(attachment)
