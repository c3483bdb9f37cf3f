"""People's Choice for the public: a cycle's votes, a category's vote page (pick an entry, give an
e-mail address, get a link), and the page the e-mailed link opens (confirm with a button, so a mail
scanner that follows links casts nothing).

The list of votes is cached as the other public pages are (its state changes at instants that pass
without a write: awards/web/caching.py folds them into the cache key). The vote page carries a form
(a CSRF token in the session), and the confirmation pages a token in their address: none of those
is cached, and the confirmation pages send no referrer."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput
from wtforms import RadioField
from wtforms.validators import InputRequired

from awards.domain.core import mail
from awards.domain.core.clock import utcnow
from awards.domain.voting import ballots, rules, tallies, votes
from awards.models import Cycle, CycleStatus, PublicVote
from awards.templating import shown
from awards.web.actions import attempt
from awards.web.caching import form_page_cache, public_cache
from awards.web.forms import Form, email_field, submit
from awards.web.helpers import cycle_or_404
from awards.web.public import bp

# Refusals shown on the entries' radios; every other refusal is about the address.
ON_OPTION = frozenset({rules.UNKNOWN_ENTRY.name, rules.ENTRY_WITHDRAWN.name, rules.NOT_OPEN.name})


class VoteForm(Form):
    option = RadioField(
        _l("Which entry do you vote for?"),
        widget=GovRadioInput(),
        validators=[InputRequired(_l("Select an entry to vote for"))],
        validate_choice=False,  # an entry not in this vote is the domain's refusal, recorded with the attempt
    )
    email = email_field(_l("Email address"))
    submit = submit(_l("Send me the link"))


@dataclass
class VoteRow:
    """One category's vote on the public pages: its state and, once closed, its results."""

    vote: PublicVote
    state: votes.VoteState
    results: list | None
    offered: int  # the entries one can vote for (those withdrawn while it runs are not)
    withdrawn: int  # entries withdrawn from it (their titles are not shown)


def _public_cycle_or_404(slug: str) -> Cycle:
    """A cycle people can vote in: any but a draft (its votes say whether there is anything to vote on)."""
    cycle = cycle_or_404(slug)
    if cycle.status is CycleStatus.DRAFT:
        abort(404)
    return cycle


def vote_rows(cycle: Cycle) -> list[VoteRow]:
    """The cycle's votes in category order, each with its state now and its results once closed."""
    now = utcnow()
    found = votes.votes_of_cycle(cycle)
    closed = {result.vote.id: result for result in tallies.cycle_results(cycle, now)} if found else {}
    gone = votes.withdrawn_options([vote.id for vote in found])
    rows = []
    for vote in found:
        state = votes.vote_state(vote, now)
        result = closed.get(vote.id)
        withdrawn = sum(1 for option in vote.options if option.id in gone)
        counts = result.counts if result is not None else None
        rows.append(VoteRow(vote, state, counts, len(vote.options) - withdrawn, withdrawn))
    return rows


@bp.route("/cycles/<vote_cycle_slug>/peoples-choice")
@public_cache
def peoples_choice(vote_cycle_slug: str):
    cycle = _public_cycle_or_404(vote_cycle_slug)
    rows = vote_rows(cycle)
    if not rows:
        abort(404)
    return render_template(
        "public/voting/index.html",
        cycle=cycle,
        rows=rows,
        VoteState=votes.VoteState,
        shortlist_published=cycle.status is CycleStatus.PUBLISHED,
        title=_("People’s Choice: %(cycle)s", cycle=shown(cycle)),
    )


def _vote_or_404(cycle_slug: str, category_slug: str, *, with_options: bool = True) -> PublicVote:
    """The vote a category's public pages are about, with its cycle and category (404 for none, or a draft cycle)."""
    vote = votes.public_vote(cycle_slug, category_slug, with_options=with_options)
    if vote is None:
        abort(404)
    return vote


def _render_vote(vote: PublicVote, form: VoteForm, status: int = 200):
    state = votes.vote_state(vote)
    standing = votes.standing(vote)
    form.option.choices = [(str(option.id), option.title) for option in standing.offered]
    result = tallies.result(vote, withdrawn=standing.withdrawn) if state is votes.VoteState.CLOSED else None
    return render_template(
        "public/voting/vote.html",
        cycle=vote.cycle,
        vote=vote,
        options=standing.offered,
        withdrawn=len(standing.withdrawn),
        state=state,
        VoteState=votes.VoteState,
        results=result.counts if result is not None else None,
        case_slugs=standing.case_slugs,
        form=form,
        title=_("Vote for the People’s Choice in %(category)s", category=shown(vote.category)),
    ), status


@bp.route("/cycles/<vote_cycle_slug>/peoples-choice/<vote_category_slug>", methods=["GET", "POST"])
@form_page_cache
def peoples_choice_vote(vote_cycle_slug: str, vote_category_slug: str):
    vote = _vote_or_404(vote_cycle_slug, vote_category_slug)
    form = VoteForm()
    if not form.is_submitted():
        return _render_vote(vote, form)
    if votes.vote_state(vote) is not votes.VoteState.OPEN:
        return _render_vote(vote, form, 409)  # the page says why there is no form
    if not form.validate():
        return _render_vote(vote, form)
    # The voter's next page does not wait for the e-mail to go out. (The flag holds until the request's next commit,
    # which is the one in `attempt` below: a commit before it would take the flag with it.)
    mail.deliver_after_response()
    done = attempt(lambda: ballots.ask_to_vote(vote, form.option.data, form.email.data, client_ip=request.remote_addr))
    asked = done.value
    if asked is None or not asked.accepted:
        field = form.option if asked is not None and asked.refused_rule in ON_OPTION else form.email
        field.errors = [*field.errors, asked.message if asked is not None else done.message]
        return _render_vote(vote, form)
    return redirect(
        url_for("public.peoples_choice_sent", vote_cycle_slug=vote_cycle_slug, vote_category_slug=vote_category_slug)
    )


@bp.route("/cycles/<vote_cycle_slug>/peoples-choice/<vote_category_slug>/check-your-email")
@public_cache
def peoples_choice_sent(vote_cycle_slug: str, vote_category_slug: str):
    vote = _vote_or_404(vote_cycle_slug, vote_category_slug, with_options=False)
    return render_template(
        "public/voting/sent.html",
        cycle=vote.cycle,
        vote=vote,
        title=_("Check your email"),
    )


def _private(response):
    """The confirmation pages: the token is in the address, so no referrer leaves with it, and nothing keeps them."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/peoples-choice/confirm/<token>", methods=["GET", "POST"])
def confirm_vote(token: str):
    if request.method == "GET":
        try:
            found = ballots.pending(token)
        except ballots.VoteRefused as error:
            return _private(make_response(_refused_page(error)))
        return _private(
            make_response(
                render_template(
                    "public/voting/confirm.html",
                    vote=found.vote,
                    option=found.option,
                    cycle=found.vote.cycle,
                    title=_("Confirm your vote in %(category)s", category=shown(found.vote.category)),
                )
            )
        )
    done = attempt(lambda: ballots.confirm_vote(token, client_ip=request.remote_addr), catch=ballots.VoteRefused)
    if not done:
        return _private(make_response(_refused_page(done.error)))
    confirmed = done.value
    vote = votes.vote_with_names(confirmed.vote_id)
    options = {option.id: option for option in vote.options}
    return _private(
        make_response(
            render_template(
                "public/voting/counted.html",
                vote=vote,
                cycle=vote.cycle,
                option=options[confirmed.option_id],
                previous=options.get(confirmed.previous_option_id) if confirmed.replaced else None,
                title=_("Your vote has changed") if confirmed.replaced else _("Your vote is counted"),
            )
        )
    )


def _refused_page(error):
    """A link that cannot be used: 400 when it never was one (forged, mangled), 410 when it was (used,
    expired, or its vote has closed)."""
    page = render_template(
        "public/voting/link_refused.html", message=error.message, title=_("This link cannot be used")
    )
    return page, (400 if error.message == ballots.BAD_LINK else 410)
