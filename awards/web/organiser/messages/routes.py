"""A cycle's messages at /organiser/cycles/<slug>/messages: those sent, writing one (/new), which posts to its
preview (the message as its first recipient gets it, and how many people will get it), and sending it
(/send), which the preview's "Change" button also posts to, to go back to the form with what was typed.

Nothing is stored before sending: the preview carries the message back in hidden fields, with a one-time id
that the send records, so posting the same preview twice sends it once."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from awards.domain.core import mail
from awards.domain.messaging import messages as rules
from awards.i18n import LANGUAGE_NAMES
from awards.models import Cycle
from awards.templating import shown
from awards.web.actions import attempt
from awards.web.helpers import apply_domain_error, cycle_breadcrumbs, cycle_or_404
from awards.web.organiser import bp
from awards.web.organiser.messages.forms import MessageForm


def _load_cycle(slug: str) -> Cycle:
    return cycle_or_404(slug, selectinload(Cycle.categories), selectinload(Cycle.rounds))


def _crumbs(cycle: Cycle, *trail: dict) -> list[dict]:
    return cycle_breadcrumbs(
        cycle, {"text": _("Messages"), "href": url_for("organiser.messages", slug=cycle.slug)}, *trail
    )


def _versions(resolved: rules.Resolved) -> list[dict]:
    """Each other language's version: who gets it (how many, the first of them) and how it reads for them."""
    found = []
    for code, _subject, _body in resolved.draft.versions:
        readers = [r for r in resolved.recipients if r.language == code]
        first = readers[0] if readers else None
        found.append(
            {
                "code": code,
                "name": LANGUAGE_NAMES[code],
                "count": len(readers),
                "first": first,
                "written": rules.write(resolved, first) if first is not None else None,
            }
        )
    return found


def _compose(cycle: Cycle, form: MessageForm, status: int = 200):
    return render_template(
        "organiser/messages/compose.html",
        cycle=cycle,
        form=form,
        language_names=LANGUAGE_NAMES,
        several_rounds=len(cycle.rounds) > 1,
        # Each audience's hint, in the order of the radios (govuk-frontend-wtf merges items by position)
        audience_items=[{"hint": {"text": a.hint}} if a.hint else {} for a in rules.audiences_of(cycle)],
        breadcrumbs=_crumbs(cycle),
        title=_("Write a message – %(cycle)s", cycle=shown(cycle)),
    ), status


@bp.route("/cycles/<slug>/messages")
def messages(slug: str):
    cycle = _load_cycle(slug)
    return render_template(
        "organiser/messages/index.html",
        cycle=cycle,
        sent=rules.sent_messages(cycle),
        breadcrumbs=cycle_breadcrumbs(cycle),
        title=_("Messages – %(cycle)s", cycle=shown(cycle)),
    )


@bp.route("/cycles/<slug>/messages/new", methods=["GET", "POST"])
def new_message(slug: str):
    cycle = _load_cycle(slug)
    form = MessageForm().offer(cycle)
    if request.method == "GET" or not form.check(cycle):
        return _compose(cycle, form, 200 if request.method == "GET" else 400)
    draft = form.draft()
    resolved = rules.resolve(cycle, draft)
    too_long = rules.subject_problem(resolved)
    if too_long:
        form.subject.errors = [*form.subject.errors, too_long]
        return _compose(cycle, form, 400)
    form.send_id.data = rules.new_send_id()
    first = resolved.recipients[0] if resolved.recipients else None
    return render_template(
        "organiser/messages/preview.html",
        cycle=cycle,
        form=form,
        resolved=resolved,
        first=first,
        written=rules.write(resolved, first) if first is not None else None,
        versions=_versions(resolved),
        breadcrumbs=_crumbs(cycle),
        title=_("Check your message – %(cycle)s", cycle=shown(cycle)),
    )


@bp.route("/cycles/<slug>/messages/send", methods=["POST"])
def send_message(slug: str):
    cycle = _load_cycle(slug)
    form = MessageForm().offer(cycle)
    if "change" in request.form:
        form.send_id.data = ""
        return _compose(cycle, form)
    if not form.check(cycle):
        return _compose(cycle, form, 400)
    mail.deliver_after_response()  # the organiser's next page does not wait for the e-mails to go out
    done = attempt(lambda: rules.send(cycle, form.draft(), send_id=form.send_id.data or "", by=current_user))
    if not done or done.value is None:
        if done.message == rules.ALREADY_SENT:
            flash(done.message, "info")
            return redirect(url_for("organiser.messages", slug=cycle.slug))
        # The audience emptied (or the cycle changed) since the preview: say so on the form, with the message kept.
        form.send_id.data = ""
        apply_domain_error(form, done.error, "audience")
        return _compose(cycle, form, done.status)
    sending = done.value
    queued = len(sending.resolved.recipients)
    flash(
        ngettext(
            "Message sent to %(count)s person: %(audience)s",
            "Message sent to %(count)s people: %(audience)s",
            queued,
            count=format_decimal(queued),
            audience=sending.resolved.words,
        ),
        "success",
    )
    return redirect(url_for("organiser.messages", slug=cycle.slug))
