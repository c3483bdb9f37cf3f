"""People's Choice for organisers: each category's vote, opening one, changing its times, closing it
early or withdrawing it before it opens, and the patterns of its attempts (to spot stuffing).

Counts are hidden from everyone until a vote closes, organisers included: these pages show how
many people tried and how many confirmed, never how many voted for which entry, until then."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from awards.domain.core.clock import utcnow
from awards.domain.core.dates import govuk_datetime
from awards.domain.core.errors import Conflict, DomainError
from awards.domain.judging import rounds
from awards.domain.voting import tallies, votes
from awards.extensions import db
from awards.models import Category, Cycle, CycleStatus, JudgingRound, PublicVote, VoteSource
from awards.templating import shown
from awards.web.actions import Outcome, attempt
from awards.web.helpers import apply_domain_error, cycle_breadcrumbs, cycle_or_404
from awards.web.organiser import bp
from awards.web.organiser.voting.forms import FIELD_FOR, ConfirmForm, OpenVoteForm, VoteTimesForm

SHORTLIST_CHOICE = "shortlist"


@dataclass
class Choice:
    """One source a vote could be between, with its entries (offered only with two or more)."""

    value: str
    label: str
    source: VoteSource
    judging_round: JudgingRound | None
    entries: list


@dataclass
class CategoryRow:
    category: Category
    vote: PublicVote | None
    state: votes.VoteState | None
    confirmed: int | None  # only once the vote has closed


def _category_or_404(cycle: Cycle, category_slug: str) -> Category:
    category = next((c for c in cycle.categories if c.slug == category_slug), None)
    if category is None:
        abort(404)
    return category


def _vote_or_404(cycle: Cycle, category_slug: str) -> PublicVote:
    vote = votes.vote_in_category(cycle, category_slug)
    if vote is None:
        abort(404)
    return vote


def choices(cycle: Cycle, category: Category) -> list[Choice]:
    """What this category's vote could be between: its published shortlist, the entries of each round."""
    found = [
        Choice(
            SHORTLIST_CHOICE,
            _("The published shortlist"),
            VoteSource.SHORTLIST,
            None,
            votes.candidates(cycle, category, VoteSource.SHORTLIST),
        )
    ]
    for judging_round in cycle.rounds:
        label = (
            _("The entries of %(round)s", round=judging_round.label)
            if len(cycle.rounds) > 1
            else _("The entries being judged")
        )
        if judging_round.is_final and len(cycle.rounds) > 1:
            label = _("The finalists (%(round)s)", round=judging_round.label)
        found.append(
            Choice(
                f"round-{judging_round.number}",
                label,
                VoteSource.ROUND,
                judging_round,
                votes.candidates(cycle, category, VoteSource.ROUND, judging_round),
            )
        )
    return [choice for choice in found if len(choice.entries) >= 2]


def _crumbs(cycle: Cycle, *trail: dict) -> list[dict]:
    return cycle_breadcrumbs(
        cycle, {"text": "People’s Choice", "href": url_for("organiser.peoples_choice", slug=cycle.slug)}, *trail
    )


@bp.route("/cycles/<slug>/peoples-choice")
def peoples_choice(slug: str):
    cycle = cycle_or_404(slug)
    by_category = {vote.category_id: vote for vote in votes.votes_of_cycle(cycle)}
    now = utcnow()
    # The closed votes' totals in one query (counts exist for nobody before a vote closes).
    totals = {result.vote.id: result.total for result in tallies.cycle_results(cycle, now)} if by_category else {}
    rows = []
    for category in cycle.categories:
        vote = by_category.get(category.id)
        state = votes.vote_state(vote, now) if vote else None
        rows.append(CategoryRow(category, vote, state, totals.get(vote.id) if vote else None))
    nothing_yet = (
        not by_category
        and cycle.status is not CycleStatus.PUBLISHED
        and not any(rounds.has_advancements(r) for r in cycle.rounds)
    )
    return render_template(
        "organiser/voting/index.html",
        cycle=cycle,
        rows=rows,
        nothing_yet=nothing_yet,
        VoteState=votes.VoteState,
        breadcrumbs=cycle_breadcrumbs(cycle),
        title=_("People’s Choice: %(cycle)s", cycle=shown(cycle)),
    )


def _render_vote(cycle, category, vote, form, status: int = 200):
    now = utcnow()
    state = votes.vote_state(vote, now) if vote else None
    offered = choices(cycle, category) if vote is None else []
    withdrawn = votes.withdrawn_options([vote.id]) if vote is not None else {}
    closed = vote is not None and state is votes.VoteState.CLOSED
    result = tallies.result(vote, now, withdrawn) if closed else None
    results = result.counts if result is not None else None
    return render_template(
        "organiser/voting/vote.html",
        cycle=cycle,
        category=category,
        vote=vote,
        state=state,
        VoteState=votes.VoteState,
        offered=offered,
        results=results,
        withdrawn=withdrawn,
        withdrawn_counts=result.withdrawn if result is not None else [],
        confirmed=None if result is None else result.total + sum(row.count for row in result.withdrawn),
        form=form,
        breadcrumbs=_crumbs(cycle),
        title=_("People’s Choice in %(category)s: %(cycle)s", category=shown(category), cycle=shown(cycle)),
    ), status


@bp.route("/cycles/<slug>/peoples-choice/<category_slug>", methods=["GET", "POST"])
def peoples_choice_vote(slug: str, category_slug: str):
    cycle = cycle_or_404(slug)
    category = _category_or_404(cycle, category_slug)
    vote = votes.vote_in_category(cycle, category_slug)
    if vote is None:
        return _open_vote(cycle, category)
    return _change_times(cycle, category, vote)


def _open_vote(cycle: Cycle, category: Category):
    offered = choices(cycle, category)
    form = OpenVoteForm()
    form.offer([(choice.value, choice.label) for choice in offered])
    if form.is_submitted() and offered:
        if not form.validate():
            return _render_vote(cycle, category, None, form)
        choice = next(c for c in offered if c.value == form.source.data)

        def open_it():
            return votes.open_vote(
                cycle,
                category,
                source=choice.source,
                judging_round=choice.judging_round,
                **form.instants(cycle.time_zone),
                by=current_user,
            )

        done = attempt(open_it, form=form, field="source", on_error=_retarget)
        if not done:
            return _render_vote(cycle, category, None, form)
        flash(_("The People’s Choice vote in %(category)s is set up", category=shown(category)), "success")
        return redirect(url_for("organiser.peoples_choice_vote", slug=cycle.slug, category_slug=category.slug))
    if offered and not form.source.data:
        form.source.data = offered[0].value
    return _render_vote(cycle, category, None, form)


def _retarget(error: DomainError) -> None:
    """A domain error about an instant (opens_at, closes_at) is shown on that instant's date boxes."""
    if error.field in FIELD_FOR:
        error.field = FIELD_FOR[error.field]


def _change_times(cycle: Cycle, category: Category, vote: PublicVote):
    form = VoteTimesForm()
    if not form.is_submitted():
        form.fill_times(vote.opens_at, vote.closes_at, cycle.time_zone)
        form.version.data = str(vote.version)
        return _render_vote(cycle, category, vote, form)
    if not form.validate():
        return _render_vote(cycle, category, vote, form)

    def change():
        if form.expected_version() != vote.version:
            raise Conflict(_changed_meanwhile(vote, cycle), field="opens_date")
        typed = form.instants(cycle.time_zone)
        if typed["opens_at"] == vote.opens_at.replace(second=0, microsecond=0):
            typed["opens_at"] = vote.opens_at  # shown to the minute: the opening as it was (it may have opened)
        votes.change_times(vote, **typed, by=current_user)

    try:
        done = attempt(change, form=form, field="opens_date", on_error=_retarget)
    except StaleDataError:  # raised by the commit: saved in another window at the same moment
        db.session.rollback()
        vote = _vote_or_404(cycle, category.slug)
        done = Outcome(error=Conflict(_changed_meanwhile(vote, cycle)))
        apply_domain_error(form, done.error, "opens_date")
    if not done:
        vote = _vote_or_404(cycle, category.slug)
        if isinstance(done.error, Conflict):
            # What was typed stays; saving again from here is a change of what is now stored.
            form.version.data = str(vote.version)
            return _render_vote(cycle, category, vote, form, 409)
        return _render_vote(cycle, category, vote, form)
    flash(_("The times of the People’s Choice vote in %(category)s are saved", category=shown(category)), "success")
    return redirect(url_for("organiser.peoples_choice_vote", slug=cycle.slug, category_slug=category.slug))


def _changed_meanwhile(vote: PublicVote, cycle: Cycle) -> str:
    return _(
        "Someone changed this vote’s times in another window while you were editing: it now opens at %(opens)s "
        "and closes at %(closes)s. Check your times, then save again.",
        opens=govuk_datetime(vote.opens_at, cycle.time_zone),
        closes=govuk_datetime(vote.closes_at, cycle.time_zone),
    )


def _confirm_step(slug: str, category_slug: str, *, action, template: str, words: dict):
    """A page asking to confirm (GET) and the change it confirms (POST): closing now, withdrawing."""
    cycle = cycle_or_404(slug)
    category = _category_or_404(cycle, category_slug)
    vote = _vote_or_404(cycle, category_slug)
    form = ConfirmForm()
    back = url_for("organiser.peoples_choice_vote", slug=cycle.slug, category_slug=category.slug)
    problem = None
    if form.is_submitted():
        if form.expected_version() not in (None, vote.version):
            problem = str(words["changed"])
        else:
            done = attempt(lambda: action(vote, by=current_user))
            if done:
                flash(str(words["done"]) % {"category": category.name}, "success")
                return redirect(
                    back if action is not votes.withdraw else url_for("organiser.peoples_choice", slug=slug)
                )
            problem = done.message
            vote = _vote_or_404(cycle, category_slug)
    form.version.data = str(vote.version)
    return render_template(
        template,
        cycle=cycle,
        category=category,
        vote=vote,
        state=votes.vote_state(vote),
        VoteState=votes.VoteState,
        form=form,
        error_list=[{"text": problem, "href": "#confirm"}] if problem else [],
        back=back,
        breadcrumbs=_crumbs(cycle),
        title=str(words["title"]) % {"category": category.name},
    ), (409 if problem else 200)


@bp.route("/cycles/<slug>/peoples-choice/<category_slug>/close", methods=["GET", "POST"])
def peoples_choice_close(slug: str, category_slug: str):
    return _confirm_step(
        slug,
        category_slug,
        action=votes.close_now,
        template="organiser/voting/close.html",
        words={
            "done": _l("The People’s Choice vote in %(category)s is closed"),
            "changed": _l("Someone changed this vote in another window. Check it again before you close the vote now."),
            "title": _l("Close the vote now: People’s Choice in %(category)s"),
        },
    )


@bp.route("/cycles/<slug>/peoples-choice/<category_slug>/withdraw", methods=["GET", "POST"])
def peoples_choice_withdraw(slug: str, category_slug: str):
    return _confirm_step(
        slug,
        category_slug,
        action=votes.withdraw,
        template="organiser/voting/withdraw.html",
        words={
            "done": _l("The People’s Choice vote in %(category)s is withdrawn"),
            "changed": _l("Someone changed this vote in another window. Check it again before you withdraw the vote."),
            "title": _l("Withdraw the vote: People’s Choice in %(category)s"),
        },
    )


@bp.route("/cycles/<slug>/peoples-choice/<category_slug>/patterns")
def peoples_choice_patterns(slug: str, category_slug: str):
    from awards.web.organiser.voting.patterns import patterns_page

    cycle = cycle_or_404(slug)
    category = _category_or_404(cycle, category_slug)
    vote = _vote_or_404(cycle, category_slug)
    return patterns_page(cycle, category, vote, _crumbs(cycle))
