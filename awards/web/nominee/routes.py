from __future__ import annotations

import functools
import logging
from types import SimpleNamespace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms import ValidationError

from awards.domain.core.errors import DomainError, NotAllowed
from awards.domain.nominations import answers, teams
from awards.domain.nominations import attachments as attachment_rules
from awards.domain.nominations import entries as rules
from awards.domain.nominations.stash import issue_ticket, take_stash
from awards.domain.programme import cycles as cycle_rules
from awards.domain.programme import entry_forms as forms
from awards.domain.programme.entry_forms import short_name
from awards.domain.results import released_feedback
from awards.extensions import csrf, db
from awards.i18n import request_language
from awards.logging_setup import log_event
from awards.models import Attachment, Category, NominationStatus
from awards.models.forms import FormQuestion, FormSection
from awards.web.actions import Outcome, attempt
from awards.web.downloads import send_attachment
from awards.web.entry_fields import (
    SECTION_KEY,
    from_stash,
    keep_trend_choices,
    parse,
    same_section_condition,
    shown_questions,
    with_blank_rows,
)
from awards.web.helpers import error_summary
from awards.web.nominee import bp
from awards.web.personal_cache import install, per_request, personal_page

log = logging.getLogger(__name__)
bp.record_once(install)  # kept pages served before the person is loaded (web/personal_cache.py)


def _own_nomination(reference: str):
    """A nomination the signed-in user writes, as its owner or one of its team; anyone else's (or none) is a
    404, not a 403."""
    nomination = rules.get_by_reference(reference)
    if nomination is None or not rules.in_team(nomination, current_user):
        abort(404)
    return nomination


def _owned_nomination(reference: str):
    """The signed-in user's own nomination, for what only its owner does (submit, withdraw, the team's changes):
    a co-editor gets 403 (they know it exists), anyone else 404."""
    nomination = _own_nomination(reference)
    if not rules.is_owner(nomination, current_user):
        abort(403)
    return nomination


def _team_context(nomination) -> dict:
    """What a nomination's page shows of its team: whether the reader owns it, and who is in it."""
    return {"owner": rules.is_owner(nomination, current_user), "team": teams.team_of(nomination)}


@bp.route("/nominations")
def my_nominations():
    nominations = rules.nominations_of(current_user)
    return render_template(
        "nominee/list.html", nominations=nominations, open_cycles=cycle_rules.open_cycles(), title=_("Your nominations")
    )


@bp.route("/nominations/start", methods=["GET", "POST"])
def start():
    open_cycles = cycle_rules.open_cycles()
    if not open_cycles:
        return render_template("nominee/no_open_cycle.html", title=_("Nominations are not open")), 200
    slug = request.values.get("cycle")
    cycle = next((c for c in open_cycles if c.slug == slug), None)
    if cycle is None and len(open_cycles) == 1:
        cycle = open_cycles[0]
    problems = []
    if cycle is None:
        if request.method == "POST":
            problems.append(("cycle", _("Select the awards you are nominating for")))
        return render_template(
            "nominee/start_cycle.html",
            cycles=open_cycles,
            error_list=error_summary(problems),
            problems=dict(problems),
            title=_("Which awards are you nominating for?"),
        )
    chosen = request.form.get("category") if request.method == "POST" else request.args.get("category")
    if request.method == "POST":
        category = db.session.scalar(
            select(Category).where(Category.cycle_id == cycle.id, Category.slug == (chosen or ""))
        )
        if category is None:
            problems.append(("category", _("Select the category you are nominating for")))
        else:
            language = request_language()  # what the nominee reads the service in: they write in it too
            done = attempt(lambda: rules.start_nomination(cycle, category, by=current_user, language=language))
            if done:
                nomination = done.value
                flash(
                    _(
                        "Your nomination reference is %(reference)s. Your answers are saved as you go.",
                        reference=nomination.reference,
                    ),
                    "success",
                )
                return redirect(url_for("nominee.task_list", reference=nomination.reference))
            problems.append(("category", done.message))
    return render_template(
        "nominee/start.html",
        cycle=cycle,
        chosen=chosen,
        problems=dict(problems),
        error_list=error_summary(problems),
        title=_("Choose a category"),
    )


@bp.route("/nominations/<reference>")
@personal_page
def task_list(reference: str):
    nomination = _own_nomination(reference)
    if nomination.status is not NominationStatus.DRAFT:
        return render_template(
            "nominee/view.html",
            nomination=nomination,
            editable=rules.editable(nomination),
            feedback=released_feedback.published_feedback(nomination),
            title=nomination.display_title,
            **_team_context(nomination),
        )
    tasks = rules.task_list(nomination)
    done = sum(1 for _section, status in tasks if status == rules.COMPLETED)
    return render_template(
        "nominee/task_list.html",
        nomination=nomination,
        tasks=tasks,
        done=done,
        editable=rules.editable(nomination),
        title=_("Your nomination"),
        **_team_context(nomination),
    )


def _asked_section(nomination, key: str) -> FormSection:
    """The section of that key if this nomination is asked it (its category, its conditions); else 404."""
    found = rules.section_for(nomination, key) if SECTION_KEY.fullmatch(key) else None
    if found is None:
        abort(404)
    return found


def _with_files(nomination, questions, data: dict) -> dict:
    """The answers with each file question's files (uploaded one by one, not posted with the section)."""
    for question in questions:
        if question.kind == "file":
            data[question.key] = answers.stored(nomination, question)
    return data


def _conflict_rows(nomination, questions, current: dict) -> list[tuple]:
    """The answers saved in the other window, per question shown, in words: (name, lines)."""
    trend_names = {t.id: t.name for t in nomination.cycle.trends}
    names = {a.id: a.original_name for a in nomination.attachments}
    rows = []
    for question in questions:
        value = current.get(question.key)
        if question.kind == "file":
            text = "\n".join(names.get(i, "") for i in value or [])
        else:
            text = answers.answer_text(question, value, trend_names=trend_names)
        rows.append((short_name(question), [line for line in text.split("\n") if line.strip()]))
    return rows


def _ticket_maker(reference: str, section_key: str):
    """What makes a fresh stash ticket for this page's reader: a kept section page gets its own for each
    response. It holds the person's id and session token as they are now; a kept page is only served to
    this same session while nothing has been written, so they are still the person's."""
    author = SimpleNamespace(id=current_user.id, session_token=current_user.session_token)
    return functools.partial(issue_ticket, by=author, reference=reference, section=section_key)


def _section_context(nomination, section, data, problems, *, conflict=None, based_on=None, posted=None):
    questions = shown_questions(nomination, section)
    shown = with_blank_rows(questions, data)
    if posted is not None:
        shown = keep_trend_choices(shown, questions, posted)
    return dict(
        nomination=nomination,
        section=section,
        questions=questions,
        data=shown,
        problems=dict(reversed(problems)),
        error_list=error_summary(problems),
        conflict=conflict,
        conflict_rows=_conflict_rows(nomination, questions, conflict.current) if conflict else [],
        based_on=based_on or rules.section_hash(nomination, section),
        stash_ticket=per_request(
            issue_ticket(by=current_user, reference=nomination.reference, section=section.key),
            _ticket_maker(nomination.reference, section.key),
        ),
        cycle=nomination.cycle,
        # The cycle's trends only for the page with the trends question (the one that lists them).
        trends=nomination.cycle.trends if any(q.kind == "trends" for q in questions) else [],
        files={q.key: attachment_rules.files_of(nomination, q) for q in questions if q.kind == "file"},
        accept={q.key: attachment_rules.accept(q) for q in questions if q.kind == "file"},
        human_size=attachment_rules.human_size,
        depends_on={q.key: on for q in questions if (on := same_section_condition(q, questions)) is not None},
        others=any(q.kind != "file" for q in questions),
        title=section.title,
    )


def _render_section(nomination, section, data, problems, status=200, **context):
    return render_template(
        "nominee/section.html", **_section_context(nomination, section, data, problems, **context)
    ), status


@csrf.exempt
@bp.route("/nominations/<reference>/<section>", methods=["GET", "POST"])
@personal_page
def section(reference: str, section: str):
    nomination = _own_nomination(reference)
    found = _asked_section(nomination, section)
    if not rules.editable(nomination):
        flash(_("This nomination can no longer be changed"), "info")
        return redirect(url_for("nominee.task_list", reference=reference))
    questions = shown_questions(nomination, found)
    if request.method == "GET":
        stash = take_stash(request.path, by=current_user)
        if stash is not None:
            db.session.commit()
            posted = from_stash(stash)
            data = _with_files(nomination, questions, parse(found, questions, posted))
            flash(
                _("You were signed out before your answers were saved. Here is what you typed: check it and save it."),
                "info",
            )
            return _render_section(nomination, found, data, [], posted=posted)
        return _render_section(nomination, found, rules.section_data(nomination, found), [])

    try:  # CSRF is checked here rather than globally, so a POST after a timeout can be kept (see __init__)
        validate_csrf(request.form.get("csrf_token"))
    except (ValidationError, CSRFError) as error:
        raise CSRFError(str(error)) from None  # the same "form has expired" page as the global check
    data = _with_files(nomination, questions, parse(found, questions, request.form))
    # Read before the save commits (a save changes neither): after the commit they would be loaded again, the entry
    # with everything its first query brought.
    submitted, title = nomination.status is NominationStatus.SUBMITTED, found.title
    try:
        done = attempt(
            lambda: rules.save_section(
                nomination, found.key, data, by=current_user, based_on=request.form.get("based_on")
            ),
            catch=(rules.SectionConflict, NotAllowed),
        )
    except StaleDataError:  # saved in another window at the same moment
        db.session.rollback()
        nomination = _own_nomination(reference)
        found = _asked_section(nomination, section)
        current = rules.section_data(nomination, found)
        saved_by, saved_at = rules.last_saved(nomination, found)
        done = Outcome(error=rules.SectionConflict(current, rules.section_hash(nomination, found), saved_by, saved_at))
    if isinstance(done.error, rules.SectionConflict):
        conflict = done.error
        return _render_section(
            nomination, found, data, [], 409, conflict=conflict, based_on=conflict.current_hash, posted=request.form
        )
    if not done:  # not allowed
        flash(done.message, "info")
        return redirect(url_for("nominee.task_list", reference=reference))
    problems = done.value
    if problems:
        return _render_section(nomination, found, data, problems, posted=request.form)
    if submitted:
        flash(_("Your changes to ‘%(section)s’ have been saved", section=title), "success")
        return redirect(url_for("nominee.task_list", reference=reference))
    return redirect(url_for("nominee.task_list", reference=reference))


def _file_question(nomination, key: str | None) -> FormQuestion:
    """The file question of that key (default: the form's documents question) on a section this
    nomination is asked, as its page shows it; else 404."""
    question = (
        attachment_rules.default_file_question(nomination)
        if not key
        else next((q for q in forms.questions_of(nomination.cycle) if q.key == key), None)
    )
    if question is None or question.kind != "file":
        abort(404)
    found = rules.section_for(nomination, question.section.key)
    if found is None or question.key not in {q.key for q in shown_questions(nomination, found)}:
        abort(404)
    return question


@bp.route("/nominations/<reference>/documents/upload", methods=["POST"])
def upload(reference: str):
    """A file for one file question (named by the form's `question` field; by default the documents question)."""
    nomination = _own_nomination(reference)
    question = _file_question(nomination, request.form.get("question"))
    if not rules.editable(nomination):
        abort(409)
    file = request.files.get("file")
    problems = []
    if file is None or not file.filename:
        problems.append((question.key, _("Select a file")))
    else:

        def refused(error: DomainError) -> None:
            log_event(
                log,
                "upload.refused",
                level=logging.WARNING,
                nomination=nomination.id,
                user=current_user.id,
                name=attachment_rules.clean_filename(file.filename),
                reason=error.message,
            )
            problems.append((question.key, error.message))

        # On success the audit event logs "nomination.attachment_added".
        if attempt(
            lambda: attachment_rules.add_attachment(
                nomination, question, filename=file.filename, stream=file.stream, by=current_user
            ),
            on_error=refused,
        ):
            flash(_("%(name)s has been uploaded", name=attachment_rules.clean_filename(file.filename)), "success")
            return redirect(url_for("nominee.section", reference=reference, section=question.section.key))
    return _render_section(
        nomination, question.section, rules.section_data(nomination, question.section), problems, 400
    )


def _own_attachment(nomination, attachment_id: int) -> Attachment:
    attachment = next((a for a in nomination.attachments if a.id == attachment_id), None)
    if attachment is None:
        abort(404)
    return attachment


def _attachment_section_url(nomination, attachment: Attachment) -> str:
    """The page of the section whose question the file answers (the task list if there is none)."""
    question = forms.question_by_key(nomination.cycle, attachment.question_key)
    if question is None or rules.section_for(nomination, question.section.key) is None:
        return url_for("nominee.task_list", reference=nomination.reference)
    return url_for("nominee.section", reference=nomination.reference, section=question.section.key)


@bp.route("/nominations/<reference>/documents/<int:attachment_id>")
def download(reference: str, attachment_id: int):
    nomination = _own_nomination(reference)
    attachment = _own_attachment(nomination, attachment_id)
    return send_attachment(attachment)


@bp.route("/nominations/<reference>/documents/<int:attachment_id>/remove", methods=["GET", "POST"])
def remove_document(reference: str, attachment_id: int):
    nomination = _own_nomination(reference)
    attachment = _own_attachment(nomination, attachment_id)
    if not rules.editable(nomination):
        abort(409)
    back = _attachment_section_url(nomination, attachment)
    if request.method == "POST":
        name = attachment.original_name
        attachment_rules.remove_attachment(nomination, attachment, by=current_user)
        db.session.commit()
        flash(_("%(name)s has been removed", name=name), "success")
        return redirect(back)
    return render_template(
        "nominee/remove_document.html",
        nomination=nomination,
        attachment=attachment,
        back=back,
        title=_("Remove %(name)s?", name=attachment.original_name),
    )


@bp.route("/nominations/<reference>/check")
def check(reference: str):
    nomination = _own_nomination(reference)
    if nomination.status is not NominationStatus.DRAFT:
        return redirect(url_for("nominee.task_list", reference=reference))
    return render_template(
        "nominee/check.html",
        nomination=nomination,
        tasks=rules.task_list(nomination),
        complete=rules.is_complete(nomination),
        open=cycle_rules.accepts_nominations(nomination.cycle),
        title=_("Check your answers before submitting your nomination"),
        owner=rules.is_owner(nomination, current_user),
    )


@bp.route("/nominations/<reference>/submit", methods=["POST"])
def submit(reference: str):
    nomination = _owned_nomination(reference)
    if nomination.status is NominationStatus.SUBMITTED:
        return redirect(url_for("nominee.confirmation", reference=reference))
    try:
        done = attempt(lambda: rules.submit(nomination, by=current_user), flash_as="info")
    except StaleDataError:  # submitted in another window at the same moment
        db.session.rollback()
        return redirect(url_for("nominee.confirmation", reference=reference))
    if not done:
        return redirect(url_for("nominee.check", reference=reference))
    return redirect(url_for("nominee.confirmation", reference=reference))


@bp.route("/nominations/<reference>/confirmation")
def confirmation(reference: str):
    nomination = _own_nomination(reference)
    if nomination.status is not NominationStatus.SUBMITTED:
        return redirect(url_for("nominee.task_list", reference=reference))
    return render_template("nominee/confirmation.html", nomination=nomination, title=_("Nomination submitted"))


@bp.route("/nominations/<reference>/withdraw", methods=["GET", "POST"])
def withdraw(reference: str):
    nomination = _owned_nomination(reference)
    problems = []
    if request.method == "POST":
        answer = request.form.get("confirm")
        if answer not in ("yes", "no"):
            problems.append(("confirm", _("Select yes if you want to withdraw this nomination")))
        elif answer == "no":
            return redirect(url_for("nominee.task_list", reference=reference))
        else:
            if attempt(lambda: rules.withdraw(nomination, by=current_user), flash_as="info"):
                flash(_("Nomination %(reference)s has been withdrawn", reference=nomination.reference), "success")
            return redirect(url_for("nominee.my_nominations"))
    return render_template(
        "nominee/withdraw.html",
        nomination=nomination,
        problems=dict(problems),
        error_list=error_summary(problems),
        title=_("Withdraw this nomination?"),
    )
