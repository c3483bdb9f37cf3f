"""Results, shortlists, publication and the public copies of impact cases, for organisers.

The results page, a nomination's scores, the exports and the results settings are a judging round's
(?round=N, by default the current round, as every organiser judging page); the shortlist is decided
from, and published with, the final round's results."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, session, stream_with_context, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from awards.domain.core import paging
from awards.domain.core.errors import DomainError, NotAllowed
from awards.domain.judging import meetings, rounds
from awards.domain.publishing.exports import iso_utc, stream_csv
from awards.domain.results import advancing, round_results
from awards.domain.results import settings as settings_rules
from awards.domain.results import shortlists as rules
from awards.domain.results.round_modes import ranking_rule, verdict_rule
from awards.domain.results.scoring import tie_break_rule
from awards.extensions import db
from awards.models import (
    RANKING_METHODS,
    Assignment,
    CycleStatus,
    ImpactCase,
    Judge,
    JudgingRound,
    Nomination,
    Result,
    Review,
    ReviewStatus,
    RoundMode,
)
from awards.templating import localised_case_answers, shown
from awards.web.actions import attempt
from awards.web.helpers import chosen_round, cycle_or_404, error_summary, nomination_or_404, pagination, round_args
from awards.web.organiser import bp
from awards.web.organiser.judging.reviews import ranking_sizes
from awards.web.organiser.results.forms import ResultsSettingsForm

# The top of each category on the results page; "See all" pages through one category.
TOP_ROWS = 10
CATEGORY_PAGE_SIZE = 100

REFUSED_SETTINGS = "refused_results_settings"  # in the session, for the redirect back to the results page

SORTS = {"rank": None, "raw": "raw", "normalised": "normalised", "n": "n", "spread": "range"}


def _cycle(slug: str):
    return cycle_or_404(slug)


def _nomination(cycle, reference: str) -> Nomination:
    return nomination_or_404(cycle, reference)


def _withheld(cycle) -> set[int]:
    """What the signed-in organiser must not see the scores of, as a conflicted judge of this cycle."""
    return rules.withheld_nominations(cycle, current_user)


def _fmt(value) -> str:
    """A score to one decimal place, as the reader's language writes it."""
    return "" if value is None else format_decimal(value, format="#,##0.0")


def _csv_number(value) -> str:
    """A score in a CSV file: one decimal place, with a full stop whatever the reader's language, so a
    spreadsheet or a script reads the same file the same way."""
    return "" if value is None else f"{value:.1f}"


def _results_url(judging_round: JudgingRound, **args) -> str:
    """The results page of the round (with `args`: a category, a sort, a page)."""
    return url_for("organiser.results", slug=judging_round.cycle.slug, **round_args(judging_round), **args)


def _final_results_url(cycle, **args) -> str:
    """The results page of the final round, where the shortlist is decided."""
    return _results_url(rounds.final_round(cycle), **args)


def _settings_form(judging_round: JudgingRound) -> ResultsSettingsForm:
    """The settings form: as the organiser typed it when the last try was refused (shown with its
    errors), else the round's settings."""
    refused = session.pop(REFUSED_SETTINGS, None)
    if not isinstance(refused, dict) or refused.get("round") != judging_round.id:
        return ResultsSettingsForm.of(judging_round)
    form = ResultsSettingsForm(formdata=MultiDict(refused.get("typed") or {}))
    form.validate()
    for name, message in (refused.get("errors") or {}).items():  # a rule the domain refused
        if name in form:
            form[name].errors = list(form[name].errors) + [message]
    return form


@bp.route("/cycles/<slug>/results")
def results(slug: str):
    cycle = _cycle(slug)
    judging_round = chosen_round(cycle)
    settings_form = _settings_form(judging_round)
    final = judging_round.id == rounds.final_round(cycle).id
    # A big cycle is shown a page at a time: the top of every category, or one category in pages.
    category = next((c for c in cycle.categories if c.slug == request.args.get("category")), None)
    per_page = CATEGORY_PAGE_SIZE if category else TOP_ROWS
    page = paging.requested_page(request.args) if category else 1
    if judging_round.mode is not RoundMode.SCORES:
        return _mode_results(judging_round, final, category, page, per_page)
    sort = request.args.get("sort", "rank")
    if sort not in SORTS:
        sort = "rank"
    board = rules.cycle_results(
        cycle,
        judging_round,
        withhold=_withheld(cycle),
        sort=sort if sort != "rank" else None,
        category_id=category.id if category else None,
        page=page,
        per_page=per_page,
    )
    pages_nav = None
    if category:
        asked = page
        page, pages = paging.clamp(asked, board.boards[0].total, per_page)
        if page != asked:  # past the end: the last page instead
            board = rules.cycle_results(
                cycle,
                judging_round,
                withhold=_withheld(cycle),
                sort=sort if sort != "rank" else None,
                category_id=category.id,
                page=page,
                per_page=per_page,
            )
        pages_nav = pagination(
            page,
            pages,
            lambda n: _results_url(
                judging_round,
                category=category.slug,
                sort=sort if sort != "rank" else None,
                page=n if n > 1 else None,
            ),
        )
    return render_template(
        "organiser/results/results.html",
        cycle=cycle,
        judging_round=judging_round,
        round_args=round_args(judging_round),
        final=final,
        final_round=rounds.final_round(cycle),
        not_scored=False,
        advancing=advancing.advancing_problem(judging_round) is None,
        order_words=order_words(judging_round),
        board=board,
        sort=sort,
        category=category,
        page=page,
        per_page=per_page,
        pagination=pages_nav,
        tie_break=tie_break_rule(judging_round.ranking_basis),
        fmt=_fmt,
        Result=Result,
        CycleStatus=CycleStatus,
        top=rules.top_criterion(board.criteria),
        has_shortlist=rules.has_shortlist(cycle),
        settings_form=settings_form,
        error_forms=[settings_form],
        title=_results_title(judging_round, category, page),
    )


def _mode_results(judging_round: JudgingRound, final: bool, category, page: int, per_page: int):
    """The results page of a round judged by pass/fail or ranking: each category's order with its tallies
    or ranking points, and the rule that orders it."""
    cycle = judging_round.cycle
    withhold = _withheld(cycle)

    def boards(on_page: int):
        return round_results.mode_boards(
            cycle,
            judging_round,
            withhold=withhold,
            category_id=category.id if category else None,
            page=on_page,
            per_page=per_page,
        )

    category_boards = boards(page)
    pages_nav = None
    if category:
        asked = page
        page, pages = paging.clamp(asked, category_boards[0].total, per_page)
        if page != asked:  # past the end: the last page instead
            category_boards = boards(page)
        pages_nav = pagination(
            page,
            pages,
            lambda n: _results_url(judging_round, category=category.slug, page=n if n > 1 else None),
        )
    pass_fail = judging_round.mode is RoundMode.PASS_FAIL
    return render_template(
        "organiser/results/results.html",
        cycle=cycle,
        judging_round=judging_round,
        round_args=round_args(judging_round),
        final=final,
        final_round=rounds.final_round(cycle),
        not_scored=True,
        pass_fail=pass_fail,
        schulze=judging_round.ranking_method == "schulze",
        rule=verdict_rule() if pass_fail else ranking_rule(judging_round.ranking_method),
        method=RANKING_METHODS.get(judging_round.ranking_method, judging_round.ranking_method),
        mode_boards=category_boards,
        category=category,
        page=page,
        per_page=per_page,
        pagination=pages_nav,
        advancing=advancing.advancing_problem(judging_round) is None,
        order_words=order_words(judging_round),
        Result=Result,
        CycleStatus=CycleStatus,
        has_shortlist=rules.has_shortlist(cycle),
        title=_results_title(judging_round, category, page),
    )


def order_words(judging_round: JudgingRound) -> str:
    """How the round orders its entries, after "the top of each category": "by the normalised score"."""
    if judging_round.mode is RoundMode.PASS_FAIL:
        return _("by the share of pass verdicts")
    if judging_round.mode is RoundMode.RANKING:
        return (
            _("in the judges’ combined ranking (Schulze method)")
            if judging_round.ranking_method == "schulze"
            else _("in the judges’ combined ranking (Borda count)")
        )
    if judging_round.ranking_basis == "raw":
        return _("by the raw score")
    return _("by the normalised score")


def _results_title(judging_round: JudgingRound, category=None, page: int = 1) -> str:
    """ "Results: Round 2: Final panel, Awards 2026" (no round for a cycle's only round); a category's page
    after the first says which ("… (page 2)")."""
    cycle = judging_round.cycle
    parts = [*([category.name] if category else []), *([judging_round.label] if len(cycle.rounds) > 1 else [])]
    title = _("Results: %(what)s", what=", ".join([*parts, cycle.name]))
    return _("%(title)s (page %(page)s)", title=title, page=page) if page > 1 and category else title


@bp.route("/cycles/<slug>/results/settings", methods=["POST"])
def results_settings(slug: str):
    """Save how the round's results are calculated (?round=N, as the results page it is on). A refused
    try goes back there (a redirect, as a saved one does) and the page shows what was typed with its
    errors."""
    cycle = _cycle(slug)
    judging_round = chosen_round(cycle)
    form = ResultsSettingsForm()

    def refuse(error: DomainError | None = None) -> None:
        session[REFUSED_SETTINGS] = {
            "round": judging_round.id,
            "typed": form.typed(),
            "errors": {error.field or "aggregation_method": error.message} if error else {},
        }

    if not form.validate_on_submit():
        refuse()
    elif attempt(
        lambda: settings_rules.change_results_settings(judging_round, **form.values(), by=current_user),
        on_error=refuse,
    ):
        flash(_("The results settings have been saved"), "success")
    return redirect(_results_url(judging_round))


@bp.route("/cycles/<slug>/results/<reference>")
def result_detail(slug: str, reference: str):
    cycle = _cycle(slug)
    judging_round = chosen_round(cycle)
    nomination = _nomination(cycle, reference)
    withhold = _withheld(cycle)
    scored = judging_round.mode is RoundMode.SCORES
    row = rules.result_row(cycle, nomination, judging_round, withhold=withhold) if scored else None
    mode_row = None if scored else round_results.mode_row(cycle, judging_round, nomination, withhold=withhold)
    criteria = rules.round_criteria(judging_round)
    withheld = nomination.id in withhold
    reviews = (
        []
        if withheld
        else list(
            db.session.scalars(
                select(Review)
                .join(Assignment, Review.assignment_id == Assignment.id)
                .where(Assignment.nomination_id == nomination.id, Assignment.round_id == judging_round.id)
                .options(
                    selectinload(Review.scores),
                    selectinload(Review.assignment).selectinload(Assignment.judge).selectinload(Judge.user),
                )
                .order_by(Review.id)
            )
        )
    )
    return render_template(
        "organiser/results/detail.html",
        cycle=cycle,
        judging_round=judging_round,
        results_url=_results_url(judging_round),
        final=judging_round.id == rounds.final_round(cycle).id,
        nomination=nomination,
        row=row,
        mode_row=mode_row,
        scored=scored,
        pass_fail=judging_round.mode is RoundMode.PASS_FAIL,
        reviews=reviews,
        withheld=withheld,
        criteria=criteria,
        fmt=_fmt,
        ReviewStatus=ReviewStatus,
        Result=Result,
        title=_("%(reference)s: scores", reference=nomination.reference),
    )


@bp.route("/cycles/<slug>/results.csv")
def results_csv(slug: str):
    cycle = _cycle(slug)
    judging_round = chosen_round(cycle)
    if judging_round.mode is not RoundMode.SCORES:
        return _mode_results_csv(judging_round)
    board = rules.cycle_results(cycle, judging_round, withhold=_withheld(cycle))
    header = (
        _("Category"),
        _("Rank"),
        _("Reference"),
        _("Title"),
        _("Organisation"),
        _("Raw score"),
        _("Normalised score"),
        _("Reviews"),
        _("Standard deviation"),
        _("Range"),
        _("Disagreement"),
        _("Complete"),
        _("Decision"),
    )
    # A nomination the organiser is conflicted with comes after its category's ranked rows, with
    # nothing that would place its score: no rank, scores, completeness or decision.
    withheld = [_("withheld: conflict of interest")] * 8
    not_shown = _("not shown: conflict of interest")
    rows = (
        [
            b.category.name,
            r.position,
            r.nomination.reference,
            r.nomination.title,
            r.nomination.organisation_name,
            _csv_number(r.result.raw),
            _csv_number(r.result.normalised),
            r.result.n,
            _csv_number(r.result.sd),
            _csv_number(r.result.range),
            "yes" if r.result.disagreement else "no",
            "yes" if r.complete else "no",
            r.decision.result.label if r.decision else "",
        ]
        if not r.withheld
        else [
            b.category.name,
            not_shown,
            r.nomination.reference,
            r.nomination.title,
            r.nomination.organisation_name,
            *withheld,
        ]
        for b in board.boards
        for r in [*b.rows, *b.withheld_rows]
    )
    return Response(
        stream_with_context(stream_csv(header, rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_file_name(judging_round, "results")}"'},
    )


def _mode_results_csv(judging_round: JudgingRound) -> Response:
    """The results of a pass/fail or ranking round as CSV: each category's order, with the verdicts or the
    ranking points (a nomination the organiser is conflicted with: after its category's rows, nothing shown)."""
    cycle = judging_round.cycle
    pass_fail = judging_round.mode is RoundMode.PASS_FAIL
    schulze = judging_round.ranking_method == "schulze"
    boards = round_results.mode_boards(cycle, judging_round, withhold=_withheld(cycle))
    final = judging_round.id == rounds.final_round(cycle).id
    if pass_fail:
        measures = (_("Passes"), _("Unsure"), _("Fails"), _("Pass share"), _("Passes the round"))
    else:
        measures = (_("Judges who ranked it"), _("Borda points"), *((_("Wins"),) if schulze else ()), _("First places"))
    decided = (_("Decision"),) if final else ()
    header = (_("Category"), _("Position"), _("Reference"), _("Title"), _("Organisation"), *measures, *decided)
    withheld_words, not_shown = _("withheld: conflict of interest"), _("not shown: conflict of interest")

    def values(row) -> list:
        if pass_fail:
            t = row.tally
            share = "" if t.pass_share is None else f"{t.pass_share:.2f}"
            return [t.passes, t.unsure, t.fails, share, "yes" if row.passed else "no"]
        s = row.score
        borda = "" if s is None or s.borda is None else f"{s.borda:.3f}"
        wins = [s.wins if s else 0] if schulze else []
        return [s.judges if s else 0, borda, *wins, s.firsts if s else 0]

    def rows():
        for board in boards:
            for row in board.rows:
                decision = [row.decision.result.label if row.decision else ""] if final else []
                yield [
                    board.category.name,
                    row.position,
                    row.nomination.reference,
                    row.nomination.title,
                    row.nomination.organisation_name,
                    *values(row),
                    *decision,
                ]
            for row in board.withheld_rows:
                hidden = [withheld_words] * (len(measures) + (1 if final else 0))
                yield [
                    board.category.name,
                    not_shown,
                    row.nomination.reference,
                    row.nomination.title,
                    row.nomination.organisation_name,
                    *hidden,
                ]

    return Response(
        stream_with_context(stream_csv(header, rows())),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_file_name(judging_round, "results")}"'},
    )


def _file_name(judging_round: JudgingRound, what: str) -> str:
    """my-cycle-results.csv; my-cycle-round-2-results.csv for a round of a cycle with several."""
    cycle = judging_round.cycle
    of_round = f"-round-{judging_round.number}" if len(cycle.rounds) > 1 else ""
    return f"{cycle.slug}{of_round}-{what}.csv"


@bp.route("/cycles/<slug>/scores.csv")
def scores_csv(slug: str):
    cycle = _cycle(slug)
    judging_round = chosen_round(cycle)
    criteria = {c.id: c for c in judging_round.criteria}
    reviews = db.session.scalars(
        select(Review)
        .join(Assignment, Review.assignment_id == Assignment.id)
        .join(Nomination, Assignment.nomination_id == Nomination.id)
        .where(
            Assignment.round_id == judging_round.id,
            Assignment.calibration.is_(False),  # the calibration example is not in the results either
            Nomination.cycle_id == cycle.id,
            Nomination.id.not_in(_withheld(cycle)),
        )
        .options(
            selectinload(Review.scores),
            selectinload(Review.assignment).selectinload(Assignment.nomination),
            selectinload(Review.assignment).selectinload(Assignment.judge).selectinload(Judge.user),
        )
        .order_by(Nomination.reference, Review.id)
    ).all()
    if judging_round.mode is not RoundMode.SCORES:
        return _judgements_csv(judging_round, reviews)
    header = (
        _("Reference"),
        _("Judge"),
        _("Review status"),
        _("Submitted at (UTC)"),
        _("Criterion"),
        _("Weight"),
        _("Score"),
        _("Not applicable"),
        _("Comment"),
    )

    def rows():
        for review in reviews:
            for score in sorted(review.scores, key=lambda s: (criteria[s.criterion_id].position, s.criterion_id)):
                c = criteria[score.criterion_id]
                yield (
                    review.assignment.nomination.reference,
                    review.assignment.judge.display_name,
                    review.status.value,
                    iso_utc(review.submitted_at),
                    c.name,
                    c.weight,
                    "" if score.value is None else score.value,
                    "yes" if score.not_applicable else "no",
                    score.comment,
                )

    return Response(
        stream_with_context(stream_csv(header, rows())),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_file_name(judging_round, "scores")}"'},
    )


def _judgements_csv(judging_round: JudgingRound, reviews: list[Review]) -> Response:
    """Every judge's verdict (a pass/fail round) or position in their ranking (a ranking round), one row a
    review, with the judge's private comments or notes: the per-judge companion of the results CSV, as the
    criterion scores are in a scored round."""
    pass_fail = judging_round.mode is RoundMode.PASS_FAIL
    sizes = ranking_sizes(judging_round, {r.assignment.judge_id for r in reviews})
    given = (
        (_("Verdict"), _("Comments for the organisers"))
        if pass_fail
        else (_("Position"), _("Entries ranked"), _("Notes"))
    )
    header = (_("Reference"), _("Judge"), _("Review status"), _("Submitted at (UTC)"), *given)

    def rows():
        for review in reviews:
            if pass_fail:
                judged = [review.verdict.label if review.verdict else "", review.overall_comment]
            else:
                size = sizes.get(review.assignment.judge_id, 0)
                judged = ["" if review.rank is None else review.rank, size, review.overall_comment]
            yield (
                review.assignment.nomination.reference,
                review.assignment.judge.display_name,
                review.status.value,
                iso_utc(review.submitted_at),
                *judged,
            )

    what = "verdicts" if pass_fail else "rankings"
    return Response(
        stream_with_context(stream_csv(header, rows())),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_file_name(judging_round, what)}"'},
    )


@bp.route("/cycles/<slug>/shortlist/suggest", methods=["POST"])
def suggest_shortlist(slug: str):
    cycle = _cycle(slug)
    done = attempt(lambda: rules.suggest_shortlist(cycle, by=current_user), flash_as="info")
    if done:
        flash(
            ngettext(
                "Suggested a shortlist of %(count)s nomination: the top of each category %(order)s. Adjust it below; "
                "say why for each change.",
                "Suggested a shortlist of %(count)s nominations: the top of each category %(order)s. Adjust it below; "
                "say why for each change.",
                done.value,
                count=format_decimal(done.value),
                order=order_words(rounds.final_round(cycle)),
            ),
            "success",
        )
    return redirect(_final_results_url(cycle))


@bp.route("/cycles/<slug>/shortlist/<reference>", methods=["GET", "POST"])
def decide(slug: str, reference: str):
    cycle = _cycle(slug)
    nomination = _nomination(cycle, reference)
    decision = db.session.scalar(
        select(rules.ShortlistDecision).where(rules.ShortlistDecision.nomination_id == nomination.id)
    )
    withheld = nomination.id in _withheld(cycle)
    if withheld:  # whether it was suggested, or what was decided, would show where its score ranks
        decision = None
    problems = {}
    chosen = request.form.get("result") if request.method == "POST" else (decision.result.value if decision else "")
    rationale = (
        request.form.get("rationale", "") if request.method == "POST" else (decision.rationale if decision else "")
    )
    if request.method == "POST":
        try:
            result = Result(chosen)
        except ValueError:
            problems["result"] = _("Select the result")
        else:
            done = attempt(lambda: rules.decide(cycle, nomination, result, rationale=rationale, by=current_user))
            if isinstance(done.error, NotAllowed):
                abort(done.status)  # 403
            if done:
                flash(
                    _("%(reference)s is now: %(result)s", reference=nomination.reference, result=result.label),
                    "success",
                )
                return redirect(_final_results_url(cycle) + f"#category-{nomination.category_id}")
            problems[done.error.field or "result"] = done.message
    return render_template(
        "organiser/results/decide.html",
        cycle=cycle,
        results_url=_final_results_url(cycle),
        nomination=nomination,
        decision=decision,
        chosen=chosen,
        rationale=rationale,
        problems=problems,
        Result=Result,
        withheld=withheld,
        error_list=error_summary(problems),
        title=_("Result for %(reference)s", reference=nomination.reference),
    )


@bp.route("/cycles/<slug>/publish", methods=["GET", "POST"])
def publish(slug: str):
    cycle = _cycle(slug)
    board = rules.cycle_results(cycle)  # the final round's
    decided = [r for b in board.boards for r in b.rows if r.decision]
    shortlisted = [r for r in decided if r.decision.result in rules.SHORTLIST_RESULTS]
    if request.method == "POST":
        done = attempt(lambda: rules.publish(cycle, by=current_user), flash_as="info")
        if not done:
            return redirect(url_for("organiser.publish", slug=slug))
        counts = done.value
        flash(
            _(
                "Results published: %(shortlisted)s shortlisted, %(cases)s impact cases published, %(emails)s "
                "nominees emailed.",
                shortlisted=format_decimal(counts["shortlisted"]),
                cases=format_decimal(counts["impact_cases"]),
                emails=format_decimal(counts["emails"]),
            ),
            "success",
        )
        return redirect(url_for("organiser.impact_cases", slug=slug))
    return render_template(
        "organiser/results/publish.html",
        cycle=cycle,
        results_url=_final_results_url(cycle),
        board=board,
        decided=decided,
        shortlisted=shortlisted,
        open_meetings=meetings.open_categories(cycle),
        final_round=rounds.final_round(cycle),
        CycleStatus=CycleStatus,
        title=_("Publish the results of %(cycle)s", cycle=shown(cycle)),
    )


@bp.route("/cycles/<slug>/impact-cases")
def impact_cases(slug: str):
    cycle = _cycle(slug)
    cases = list(
        db.session.scalars(
            select(ImpactCase)
            .where(ImpactCase.cycle_id == cycle.id)
            .order_by(ImpactCase.category_name, ImpactCase.title)
        )
    )
    with_case = {c.nomination_id for c in cases}
    waiting = list(
        db.session.scalars(
            select(Nomination)
            .join(rules.ShortlistDecision, rules.ShortlistDecision.nomination_id == Nomination.id)
            .where(
                rules.ShortlistDecision.cycle_id == cycle.id,
                rules.ShortlistDecision.result.in_(rules.SHORTLIST_RESULTS),
            )
            .order_by(Nomination.reference)
        )
    )
    waiting = [n for n in waiting if n.id not in with_case]
    return render_template(
        "organiser/results/cases.html",
        cycle=cycle,
        cases=cases,
        waiting=waiting,
        CycleStatus=CycleStatus,
        title=_("Impact cases: %(cycle)s", cycle=shown(cycle)),
    )


@bp.route("/cycles/<slug>/impact-cases/<reference>/prepare", methods=["POST"])
def prepare_case(slug: str, reference: str):
    cycle = _cycle(slug)
    nomination = _nomination(cycle, reference)
    done = attempt(lambda: rules.prepare_case(cycle, nomination, by=current_user), flash_as="info")
    if not done:
        return redirect(url_for("organiser.impact_cases", slug=slug))
    case = done.value
    flash(_("The public copy is ready to edit. It becomes public when you publish the results."), "success")
    return redirect(url_for("organiser.edit_case", case_id=case.id))


def _case(case_id: int) -> ImpactCase:
    case = db.session.get(ImpactCase, case_id)
    if case is None:
        abort(404)
    return case


@bp.route("/impact-cases/<int:case_id>", methods=["GET", "POST"])
def edit_case(case_id: int):
    case = _case(case_id)
    values = {name: getattr(case, name) for name in rules.EDITABLE_CASE_FIELDS}
    answer_values = rules.answer_values(case)
    trend_how = {link.trend_id: link.how_addressed for link in case.trend_links}
    problems = {}
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in rules.EDITABLE_CASE_FIELDS}
        # Only the answers the page showed: one a form posted without them keeps its words.
        answer_values = {name: request.form[name] for name in answer_values if name in request.form}
        trend_how = {link.trend_id: request.form.get(f"how_{link.trend_id}", "") for link in case.trend_links}
        done = attempt(
            lambda: rules.edit_case(case, by=current_user, trend_how=trend_how, answers=answer_values, **values)
        )
        if done:
            flash(_("The public copy has been saved") if done.value else _("Nothing was changed"), "success")
            return redirect(url_for("organiser.impact_cases", slug=case.cycle.slug))
        problems[done.error.field or "title"] = done.message
        answer_values = {**rules.answer_values(case), **answer_values}
    return render_template(
        "organiser/results/edit_case.html",
        case=case,
        values=values,
        answers=localised_case_answers(case),  # each named in the organiser's language, as on the public page
        answer_values=answer_values,
        answer_field=rules.answer_field,
        editable_kinds=rules.EDITABLE_ANSWER_KINDS,
        trend_how=trend_how,
        problems=problems,
        error_list=error_summary(problems),
        title=_("Edit the public copy of %(title)s", title=case.title),
    )


@bp.route("/impact-cases/<int:case_id>/publication", methods=["POST"])
def case_publication(case_id: int):
    case = _case(case_id)
    if case.published_at is None:
        flash(_("This public copy is published with the results"), "info")
        return redirect(url_for("organiser.impact_cases", slug=case.cycle.slug))
    unpublish = request.form.get("action") == "unpublish"
    change = rules.unpublish_case if unpublish else rules.republish_case
    if not attempt(lambda: change(case, by=current_user), flash_as="info"):
        return redirect(url_for("organiser.impact_cases", slug=case.cycle.slug))
    if unpublish:
        message = _("%(title)s is no longer public: its page now says it has been removed", title=case.title)
    else:
        message = (
            _("%(title)s is public again", title=case.title)
            if case.cycle.status is CycleStatus.PUBLISHED
            else _("%(title)s will be public again when you publish the results", title=case.title)
        )
    flash(message, "success")
    return redirect(url_for("organiser.impact_cases", slug=case.cycle.slug))
