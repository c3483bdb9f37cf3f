"""The final round's panel meeting page, shared by the organisers' address (web/organiser/judging/meeting.py)
and the panel judges' (web/judge/meeting.py): the board of one category (domain/results/meeting_board.py)
with a decision form per entry while the meeting is open (templates/organiser/judging/meeting_board.html
draws it).

Each entry's form posts to the page itself with the entry's reference; its fields are named after the
reference (`<reference>-result`, `<reference>-rationale`) so the error summary links to the entry's own
fields and a refused form keeps what was typed."""

from __future__ import annotations

from collections.abc import Callable, Set

from flask import abort, flash, redirect, render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextArea
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from awards.domain.core.errors import DomainError, NotFound
from awards.domain.judging import meetings
from awards.domain.results import meeting_board
from awards.models import Category, JudgingRound, Result
from awards.web.actions import attempt
from awards.web.forms import Form

DECISIONS = (Result.WINNER, Result.HIGHLY_COMMENDED, Result.SHORTLISTED, Result.NOT_SHORTLISTED)


class DecisionForm(Form):
    result = RadioField(
        _l("The panel’s decision"),
        widget=GovRadioInput(),
        # Each result's words when the page is drawn, in the reader's language.
        choices=[(r.value, LazyString(getattr, r, "label")) for r in DECISIONS],
        validators=[InputRequired(_l("Select the panel’s decision"))],
    )
    rationale = TextAreaField(
        _l("The panel’s reason"),
        widget=GovTextArea(),
        description=_l("Say why the panel agreed this. It is kept with the decision and in the audit log."),
        validators=[
            DataRequired(_l("Give the panel’s reason for the decision")),
            Length(
                max=meeting_board.RATIONALE_MAX,
                message=LazyString(
                    lambda: _(
                        "The reason must be %(num)s characters or fewer",
                        num=format_decimal(meeting_board.RATIONALE_MAX),
                    )
                ),
            ),
        ],
    )


def _prefix(reference: str) -> str:
    return f"{reference}-"


def _form_for(entry: meeting_board.MeetingEntry) -> DecisionForm:
    """An entry's form showing its current decision (not the request's data)."""
    decision = entry.decision
    return DecisionForm(
        formdata=None,
        prefix=_prefix(entry.nomination.reference),
        data={
            "result": decision.result.value if decision else None,
            "rationale": decision.rationale if decision else "",
        },
    )


def meeting_page(
    judging_round: JudgingRound,
    category: Category,
    *,
    template: str,
    withhold: Set[int],
    judge_view: bool,
    page_url: Callable[[], str],
    **context,
):
    """GET: the board with a form per entry. POST (an entry's form): record the panel's decision and go
    back to the entry on the page, or show the page again with the form's errors and what was typed."""
    board = meeting_board.meeting_board(judging_round, category, withhold=withhold, judge_view=judge_view)
    forms = {e.nomination.id: _form_for(e) for e in board.entries}
    posted: DecisionForm | None = None
    if request.method == "POST":
        reference = request.form.get("entry", "")
        entry = next((e for e in board.entries if e.nomination.reference == reference), None)
        if entry is None:  # not an entry of this meeting, or one the viewer may not see
            abort(404)
        if board.closed is not None:  # the page shows no form: say why on it (the domain refuses it too)
            flash(meetings.closed_problem(category), "info")
            return redirect(page_url())
        posted = forms[entry.nomination.id] = DecisionForm(prefix=_prefix(reference))
        if posted.validate():
            result = Result(posted.result.data)

            def show(error: DomainError) -> None:
                if isinstance(error, NotFound):
                    abort(404)
                name = error.field if error.field in ("result", "rationale") else "result"
                field = posted[name]
                field.errors = [*field.errors, error.message]

            done = attempt(
                lambda: meeting_board.record_decision(
                    judging_round,
                    category,
                    entry.nomination,
                    result,
                    rationale=posted.rationale.data or "",
                    by=current_user,
                    as_judge=judge_view,
                ),
                on_error=show,
            )
            if done:
                flash(
                    _(
                        "The panel’s decision for %(reference)s: %(result)s",
                        reference=entry.nomination.reference,
                        result=result.label,
                    ),
                    "success",
                )
                return redirect(f"{page_url()}#entry-{entry.nomination.reference}")
    return render_template(
        template,
        board=board,
        cycle=judging_round.cycle,
        judging_round=judging_round,
        category=category,
        forms=forms,
        error_forms=[posted] if posted is not None else [],
        DECISIONS=DECISIONS,
        **context,
    )
