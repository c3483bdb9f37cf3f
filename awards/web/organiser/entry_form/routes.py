"""The entry form builder at /organiser/cycles/<slug>/form: the form's sections and their questions in
order, with adding, changing, moving, duplicating and removing each (removing behind a confirmation);
a preview as a nominee of a category sees it; saving the form as a template and, while no nomination
has started, replacing it with one. Every change is made by domain/nominations/form_builder.py, which
refuses what would lose or break a submitted nomination's answers, with the reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from awards.domain.core.errors import DomainError, NotFound
from awards.domain.nominations import form_builder as builder
from awards.domain.programme import entry_forms as forms
from awards.models import Category, Cycle
from awards.models.forms import FormQuestion, FormSection
from awards.templating import shown
from awards.web.actions import attempt
from awards.web.entry_fields import same_section_condition, with_blank_rows
from awards.web.helpers import cycle_breadcrumbs, cycle_or_404
from awards.web.organiser import bp
from awards.web.organiser.entry_form.forms import (
    COLUMN_KINDS,
    KIND_HINTS,
    ChooseTemplateForm,
    ConfirmForm,
    KindForm,
    SectionForm,
    TemplateForm,
    column_rows,
    condition_of,
    new_question_defaults,
    offer_places,
    posted_columns,
    question_defaults,
    question_form_class,
    settings_of,
)

BASE = "/cycles/<slug>/form"


def _cycle(slug: str) -> Cycle:
    return cycle_or_404(slug, selectinload(Cycle.categories), selectinload(Cycle.trends))


def _section(cycle: Cycle, key: str) -> FormSection:
    try:
        return builder.get_section(cycle, key)
    except NotFound:
        abort(404)


def _question(cycle: Cycle, key: str) -> FormQuestion:
    try:
        return builder.get_question(cycle, key)
    except NotFound:
        abort(404)


def _builder_url(cycle: Cycle, anchor: str | None = None) -> str:
    return url_for("organiser.entry_form", slug=cycle.slug, _anchor=anchor)


def _crumbs(cycle: Cycle, *trail: dict) -> list[dict]:
    return cycle_breadcrumbs(cycle, {"text": _("Entry form"), "href": _builder_url(cycle)}, *trail)


def _show_error(form, error: DomainError, default: str) -> None:
    """The domain's reason on the field it names (a group's sub-question fields, and the kind, are drawn by
    the template, so their errors go in `form.column_errors`)."""
    name = error.field or default
    if name.startswith("columns-") or name == "kind":
        form.column_errors[name] = error.message
        return
    if name not in form:
        name = default
    form[name].errors = list(form[name].errors) + [error.message]


def _condition_words(cycle: Cycle, condition: dict[str, Any] | None) -> str | None:
    if not condition:
        return None
    target = forms.question_by_key(cycle, str(condition.get("question")))
    name = forms.short_name(target) if target is not None else condition.get("question")
    values = [{"yes": _("Yes"), "no": _("No")}.get(str(v).lower(), str(v)) for v in condition.get("values") or []]
    quoted = [_("‘%(answer)s’", answer=v) for v in values]
    wanted = (
        quoted[0] if len(quoted) == 1 else _("%(answers)s or %(last)s", answers=", ".join(quoted[:-1]), last=quoted[-1])
    )
    return _("Only when the answer to ‘%(question)s’ is %(answers)s", question=name, answers=wanted)


def _category_words(cycle: Cycle, ids: list[int] | None) -> str | None:
    if not ids:
        return None
    names = [c.name for c in cycle.categories if c.id in ids]
    return _("Only for %(categories)s", categories=", ".join(names))


def _settings_words(question: FormQuestion) -> list[str]:
    """The kind's rules in words, for the summary."""
    s = question.settings or {}
    words = []
    if s.get("max_words"):
        words.append(_("%(num)s words or fewer", num=format_decimal(s["max_words"])))
    if s.get("max_chars") and question.kind != "text":
        words.append(_("%(num)s characters or fewer", num=format_decimal(s["max_chars"])))
    if question.kind == "number":
        unit = f" {s['unit']}" if s.get("unit") else ""
        if s.get("min") is not None and s.get("max") is not None:
            words.append(_("from %(min)s to %(max)s%(unit)s", min=s["min"], max=s["max"], unit=unit))
        elif s.get("min") is not None:
            words.append(_("%(min)s%(unit)s or more", min=s["min"], unit=unit))
        elif s.get("max") is not None:
            words.append(_("%(max)s%(unit)s or less", max=s["max"], unit=unit))
        elif unit:
            words.append(_("in%(unit)s", unit=unit))
        if s.get("whole"):
            words.append(_("whole numbers"))
    if question.kind in ("choice", "choices"):
        words.append(_("%(num)s options", num=len(s.get("options") or [])))
        if s.get("min_choices"):
            words.append(_("at least %(num)s", num=s["min_choices"]))
        if s.get("max_choices"):
            words.append(_("at most %(num)s", num=s["max_choices"]))
    if question.kind == "file":
        words.append(
            _(
                "up to %(count)s files of %(size)s MB: %(types)s",
                count=s.get("max_count"),
                size=s.get("max_mb"),
                types=", ".join(t.upper() for t in s.get("types") or []),
            )
        )
    if question.kind == "group":
        columns = ", ".join(c.get("label", "") for c in s.get("columns") or [])
        words.append(_("up to %(num)s rows of %(columns)s", num=s.get("max_rows"), columns=columns))
    return words


def _summary(cycle: Cycle, question: FormQuestion) -> dict[str, Any]:
    kind = str(forms.KINDS[question.kind].name)
    return {
        "question": question,
        "kind": kind,
        "required": _("Required") if question.required else _("Optional"),
        "rules": _settings_words(question),
        "judges": str(forms.JUDGES_SEE[question.judges_see]),
        "public": question.public,
        "categories": _category_words(cycle, question.category_ids),
        "condition": _condition_words(cycle, question.condition),
    }


# --- The form ------------------------------------------------------------------------------------


@bp.route(BASE)
def entry_form(slug: str):
    cycle = _cycle(slug)
    sections = builder.ordered_sections(cycle)
    return render_template(
        "organiser/forms/index.html",
        cycle=cycle,
        sections=[
            {
                "section": s,
                "categories": _category_words(cycle, s.category_ids),
                "condition": _condition_words(cycle, s.condition),
                "questions": [_summary(cycle, q) for q in s.questions],
            }
            for s in sections
        ],
        protected=builder.has_submitted(cycle),
        started=builder.nomination_count(cycle),
        templates=builder.form_templates(),
        confirm=ConfirmForm(),
        breadcrumbs=cycle_breadcrumbs(cycle, {"text": _("Entry form")}),
        title=_("Entry form – %(cycle)s", cycle=shown(cycle)),
    )


# --- Sections ------------------------------------------------------------------------------------


def _section_form(cycle: Cycle, section: FormSection | None) -> SectionForm:
    data = {}
    if section is not None:
        data = {
            "title": section.title,
            "hint": section.hint,
            "intro": section.intro,
            "key": section.key,
            "categories": [str(i) for i in section.category_ids or []],
            "condition_question": (section.condition or {}).get("question", ""),
            "condition_values": "\n".join(str(v) for v in (section.condition or {}).get("values") or []),
        }
    form = SectionForm(data=data)
    if section is not None:
        del form.key
    # A section's condition is on a question of an earlier section.
    form.categories.choices = [(str(c.id), c.name) for c in cycle.categories]
    earlier: list[FormQuestion] = []
    for s in builder.ordered_sections(cycle):
        if s is section:
            break
        earlier += s.questions
    form.condition_question.choices = [("", _("Always ask it"))] + [
        (q.key, forms.short_name(q)) for q in earlier if forms.KINDS[q.kind].conditional
    ]
    form.column_errors = {}
    return form


@bp.route(f"{BASE}/sections/new", methods=["GET", "POST"])
def add_form_section(slug: str):
    cycle = _cycle(slug)
    form = _section_form(cycle, None)
    if form.validate_on_submit():
        done = attempt(
            lambda: builder.add_section(
                cycle,
                title=form.title.data,
                hint=form.hint.data or "",
                intro=form.intro.data or "",
                key=form.key.data or None,
                category_ids=form.categories.data or [],
                condition=condition_of(form),
                by=current_user,
            ),
            on_error=lambda error: _show_error(form, error, "title"),
        )
        if done:
            section = done.value
            flash(_("The section ‘%(section)s’ has been added. Add its questions.", section=section.title), "success")
            return redirect(_builder_url(cycle, f"section-{section.key}"))
    return render_template(
        "organiser/forms/section.html",
        form=form,
        cycle=cycle,
        section=None,
        breadcrumbs=_crumbs(cycle),
        title=_("Add a section – %(cycle)s", cycle=shown(cycle)),
    )


@bp.route(f"{BASE}/sections/<section_key>/edit", methods=["GET", "POST"])
def edit_form_section(slug: str, section_key: str):
    cycle = _cycle(slug)
    section = _section(cycle, section_key)
    form = _section_form(cycle, section)
    if form.validate_on_submit():
        if attempt(
            lambda: builder.edit_section(
                section,
                title=form.title.data,
                hint=form.hint.data or "",
                intro=form.intro.data or "",
                category_ids=form.categories.data or [],
                condition=condition_of(form),
                by=current_user,
            ),
            on_error=lambda error: _show_error(form, error, "title"),
        ):
            flash(_("Your changes to the section ‘%(section)s’ have been saved", section=section.title), "success")
            return redirect(_builder_url(cycle, f"section-{section.key}"))
    return render_template(
        "organiser/forms/section.html",
        form=form,
        cycle=cycle,
        section=section,
        breadcrumbs=_crumbs(cycle),
        title=_("Change %(section)s – %(cycle)s", section=section.title, cycle=shown(cycle)),
    )


def _post_action(cycle: Cycle, action: Callable[[], Any], success: str, anchor: str | None) -> Any:
    """A button on the form page (move, duplicate): done, or the reason it was refused; back to the page."""
    form = ConfirmForm()
    if form.validate_on_submit():
        done = attempt(action, flash_as="error")
        if done:
            flash(success, "success")
            if isinstance(done.value, FormSection):
                anchor = f"section-{done.value.key}"
            elif isinstance(done.value, FormQuestion):
                anchor = f"question-{done.value.key}"
    return redirect(_builder_url(cycle, anchor))


@bp.route(f"{BASE}/sections/<section_key>/move/<any(up, down):direction>", methods=["POST"])
def move_form_section(slug: str, section_key: str, direction: str):
    cycle = _cycle(slug)
    section = _section(cycle, section_key)
    return _post_action(
        cycle,
        lambda: builder.move_section(section, direction, by=current_user),
        _("‘%(name)s’ has moved up", name=section.title)
        if direction == "up"
        else _("‘%(name)s’ has moved down", name=section.title),
        f"section-{section.key}",
    )


@bp.route(f"{BASE}/sections/<section_key>/duplicate", methods=["POST"])
def duplicate_form_section(slug: str, section_key: str):
    cycle = _cycle(slug)
    section = _section(cycle, section_key)
    return _post_action(
        cycle,
        lambda: builder.duplicate_section(section, by=current_user),
        _("‘%(name)s’ has been copied. The copy is after it.", name=section.title),
        f"section-{section.key}",
    )


@bp.route(f"{BASE}/sections/<section_key>/remove", methods=["GET", "POST"])
def remove_form_section(slug: str, section_key: str):
    cycle = _cycle(slug)
    section = _section(cycle, section_key)
    form = ConfirmForm()
    problem = builder.removal_problem_of_section(section)
    if problem is None and form.validate_on_submit():
        title = section.title
        done = attempt(lambda: builder.remove_section(section, by=current_user), flash_as="error")
        if done:
            flash(_("The section ‘%(section)s’ has been removed", section=title), "success")
        return redirect(_builder_url(cycle))
    return render_template(
        "organiser/forms/remove.html",
        form=form,
        cycle=cycle,
        error_list=[{"text": _("%(problem)s.", problem=problem)}] if problem and request.method == "POST" else [],
        what=_("the section ‘%(section)s’", section=section.title),
        problem=problem,
        effects=[
            ngettext(
                "Its %(count)s question goes with it.",
                "Its %(count)s questions go with it.",
                len(section.questions),
                count=format_decimal(len(section.questions)),
            )
        ]
        if section.questions
        else [],
        button=_("Remove section"),
        breadcrumbs=_crumbs(cycle),
        title=_("Remove %(section)s?", section=section.title),
    )


# --- Questions -----------------------------------------------------------------------------------


def _kind_page(cycle: Cycle, kind_form: KindForm, *, section: FormSection, question: FormQuestion | None):
    return render_template(
        "organiser/forms/kind.html",
        form=kind_form,
        cycle=cycle,
        section=section,
        question=question,
        hints=KIND_HINTS,
        breadcrumbs=_crumbs(cycle),
        title=_("Change the kind of question – %(cycle)s", cycle=shown(cycle))
        if question
        else _("Add a question – %(cycle)s", cycle=shown(cycle)),
    )


def _question_page(cycle: Cycle, form, *, kind: str, section: FormSection, question: FormQuestion | None, columns):
    return render_template(
        "organiser/forms/question.html",
        form=form,
        cycle=cycle,
        kind=kind,
        kind_name=forms.KINDS[kind].name,
        section=section,
        question=question,
        core_audience=forms.CORE_AUDIENCE.get(question.key, forms.CORE_AUDIENCE_OTHERWISE) if question else "",
        columns=column_rows(columns),
        column_kinds=COLUMN_KINDS,
        breadcrumbs=_crumbs(cycle),
        title=_("Change ‘%(question)s’ – %(cycle)s", question=forms.short_name(question), cycle=shown(cycle))
        if question
        else _("Add a question – %(cycle)s", cycle=shown(cycle)),
    )


def _chosen_kind(allowed: tuple[str, ...]) -> tuple[str | None, KindForm]:
    """The kind in the address (?kind=…), or None with the kind page's form (and its error when one was
    chosen that is not a kind)."""
    kind_form = KindForm(formdata=None)
    kind = request.args.get("kind")
    if kind is None:
        return None, kind_form
    if kind not in allowed:
        kind_form.kind.errors = [_("Select the kind of question")]
        return None, kind_form
    return kind, kind_form


def _fields_of(form, kind: str) -> dict[str, Any]:
    """What the form gives, as the domain takes it (a core question's page has no required, categories or
    condition: those stay as they are)."""
    return {
        "label": form.label.data,
        "hint": form.hint.data or "",
        "required": form.required.data == "yes" if "required" in form else True,
        "judges_see": form.judges_see.data if "judges_see" in form else "all",
        "public": bool(form.public.data) if "public" in form else False,
        "category_ids": (form.categories.data or []) if "categories" in form else [],
        "condition": condition_of(form) if "condition_question" in form else None,
        "settings": settings_of(form, kind, request.form),
    }


@bp.route(f"{BASE}/sections/<section_key>/questions/new", methods=["GET", "POST"])
def add_form_question(slug: str, section_key: str):
    cycle = _cycle(slug)
    section = _section(cycle, section_key)
    kind, kind_form = _chosen_kind(forms.ADDABLE_KINDS)
    if kind is None:
        return _kind_page(cycle, kind_form, section=section, question=None)
    form = question_form_class(kind)(data=new_question_defaults(kind))
    form.column_errors = {}
    del form.section
    offer_places(form, cycle, section=section, before=len(section.questions), with_sections=False)
    columns = posted_columns(request.form) if request.method == "POST" else []
    if form.validate_on_submit():
        done = attempt(
            lambda: builder.add_question(
                section, kind=kind, key=form.key.data or None, by=current_user, **_fields_of(form, kind)
            ),
            on_error=lambda error: _show_error(form, error, "label"),
        )
        if done:
            question = done.value
            flash(
                _(
                    "The question ‘%(question)s’ has been added to ‘%(section)s’",
                    question=forms.short_name(question),
                    section=section.title,
                ),
                "success",
            )
            return redirect(_builder_url(cycle, f"question-{question.key}"))
    return _question_page(cycle, form, kind=kind, section=section, question=None, columns=columns)


@bp.route(f"{BASE}/questions/<question_key>/edit", methods=["GET", "POST"])
def edit_form_question(slug: str, question_key: str):
    cycle = _cycle(slug)
    question = _question(cycle, question_key)
    section = question.section
    if request.args.get("choose_kind") and not question.core:
        kind_form = KindForm(formdata=None, data={"kind": question.kind})
        return _kind_page(cycle, kind_form, section=section, question=question)
    allowed = (question.kind,) if question.core else forms.ADDABLE_KINDS
    kind, kind_form = _chosen_kind(allowed)
    if kind_form.kind.errors:
        return _kind_page(cycle, kind_form, section=section, question=question)
    kind = kind or question.kind
    defaults = question_defaults(question)
    if kind != question.kind:
        defaults = {**new_question_defaults(kind), **{k: v for k, v in defaults.items() if k not in ("max_chars",)}}
    form = question_form_class(kind)(data=defaults)
    form.column_errors = {}
    del form.key
    offer_places(form, cycle, section=section, before=question.position, with_sections=True)
    if question.core:
        # Read by the platform: asked of every nominee, and required as it is.
        for name in (
            "required",
            "categories",
            "condition_question",
            "condition_values",
            "judges_see",
            "public",
            "personal",
        ):
            delattr(form, name)
    if request.method == "POST":
        columns = posted_columns(request.form)
    else:
        columns = forms.setting(question, "columns", []) if kind == question.kind else []
    if form.validate_on_submit():
        target = _section(cycle, form.section.data) if form.section.data else section
        done = attempt(
            lambda: builder.edit_question(
                question,
                kind=kind,
                section=target if target is not section else None,
                by=current_user,
                **_fields_of(form, kind),
            ),
            on_error=lambda error: _show_error(form, error, "label"),
        )
        if done:
            flash(_("Your changes to ‘%(question)s’ have been saved", question=forms.short_name(question)), "success")
            return redirect(_builder_url(cycle, f"question-{question.key}"))
    return _question_page(cycle, form, kind=kind, section=section, question=question, columns=columns)


@bp.route(f"{BASE}/questions/<question_key>/move/<any(up, down):direction>", methods=["POST"])
def move_form_question(slug: str, question_key: str, direction: str):
    cycle = _cycle(slug)
    question = _question(cycle, question_key)
    return _post_action(
        cycle,
        lambda: builder.move_question(question, direction, by=current_user),
        _("‘%(name)s’ has moved up", name=forms.short_name(question))
        if direction == "up"
        else _("‘%(name)s’ has moved down", name=forms.short_name(question)),
        f"question-{question.key}",
    )


@bp.route(f"{BASE}/questions/<question_key>/duplicate", methods=["POST"])
def duplicate_form_question(slug: str, question_key: str):
    cycle = _cycle(slug)
    question = _question(cycle, question_key)
    return _post_action(
        cycle,
        lambda: builder.duplicate_question(question, by=current_user),
        _("‘%(name)s’ has been copied. The copy is after it.", name=forms.short_name(question)),
        f"question-{question.key}",
    )


@bp.route(f"{BASE}/questions/<question_key>/remove", methods=["GET", "POST"])
def remove_form_question(slug: str, question_key: str):
    cycle = _cycle(slug)
    question = _question(cycle, question_key)
    form = ConfirmForm()
    problem = builder.removal_problem(question)
    name = forms.short_name(question)
    if problem is None and form.validate_on_submit():
        section_key = question.section.key
        done = attempt(lambda: builder.remove_question(question, by=current_user), flash_as="error")
        if done:
            flash(_("The question ‘%(question)s’ has been removed", question=name), "success")
        return redirect(_builder_url(cycle, f"section-{section_key}"))
    count = builder.answered_count(cycle, question) if problem is None else 0
    effects = []
    if count:
        effects.append(
            ngettext(
                "%(count)s draft nomination has answered it: its answer goes with it.",
                "%(count)s draft nominations have answered it: their answers go with it.",
                count,
                count=format_decimal(count),
            )
        )
    return render_template(
        "organiser/forms/remove.html",
        form=form,
        cycle=cycle,
        error_list=[{"text": _("%(problem)s.", problem=problem)}] if problem and request.method == "POST" else [],
        what=_("the question ‘%(question)s’", question=name),
        problem=problem,
        effects=effects,
        button=_("Remove question"),
        breadcrumbs=_crumbs(cycle),
        title=_("Remove %(question)s?", question=name),
    )


# --- Preview -------------------------------------------------------------------------------------


@bp.route(f"{BASE}/preview")
def preview_entry_form(slug: str):
    """The form as a nominee of a category sees it (every question their category is asked; one shown only
    for an earlier answer says so). Nothing is saved: the fields have no form to send them."""
    cycle = _cycle(slug)
    category: Category | None = None
    chosen = request.args.get("category", "")
    if chosen:
        category = next((c for c in cycle.categories if str(c.id) == chosen), None)
        if category is None:
            abort(404)
    elif cycle.categories:
        category = cycle.categories[0]
    category_id = category.id if category else None
    pages = []
    for section in builder.ordered_sections(cycle):
        if section.category_ids and category_id not in section.category_ids:
            continue
        questions = [q for q in section.questions if not q.category_ids or category_id in q.category_ids]
        pages.append(
            {
                "section": section,
                "condition": _condition_words(cycle, section.condition),
                "questions": questions,
                "values": with_blank_rows(questions, {}),
                "depends_on": {
                    q.key: on for q in questions if (on := same_section_condition(q, questions)) is not None
                },
                "conditions": {q.key: _condition_words(cycle, q.condition) for q in questions if q.condition},
            }
        )
    return render_template(
        "organiser/forms/preview.html",
        cycle=cycle,
        category=category,
        pages=pages,
        breadcrumbs=_crumbs(cycle),
        title=_("Preview the entry form – %(cycle)s", cycle=shown(cycle)),
    )


# --- Templates -----------------------------------------------------------------------------------


@bp.route(f"{BASE}/save-template", methods=["GET", "POST"])
def save_form_template(slug: str):
    cycle = _cycle(slug)
    form = TemplateForm()
    if form.validate_on_submit():
        done = attempt(
            lambda: builder.save_as_template(
                cycle, name=form.name.data, description=form.description.data or "", by=current_user
            ),
            form=form,
            field="name",
        )
        if done:
            flash(
                _(
                    "The form has been saved as the template ‘%(template)s’. New cycles can start from it.",
                    template=done.value.name,
                ),
                "success",
            )
            return redirect(_builder_url(cycle))
    return render_template(
        "organiser/forms/save_template.html",
        form=form,
        cycle=cycle,
        breadcrumbs=_crumbs(cycle),
        title=_("Save the entry form as a template – %(cycle)s", cycle=shown(cycle)),
    )


@bp.route(f"{BASE}/start-from-template", methods=["GET", "POST"])
def start_form_from_template(slug: str):
    cycle = _cycle(slug)
    templates = builder.form_templates()
    form = ChooseTemplateForm()
    form.template.choices = [(str(t.id), t.name) for t in templates]
    started = builder.nomination_count(cycle)
    if not started and templates and form.validate_on_submit():
        template = builder.get_template(int(form.template.data))
        if attempt(
            lambda: builder.replace_from_template(cycle, template, by=current_user), form=form, field="template"
        ):
            flash(_("The entry form is now the template ‘%(template)s’", template=template.name), "success")
            return redirect(_builder_url(cycle))
    return render_template(
        "organiser/forms/start_from_template.html",
        form=form,
        cycle=cycle,
        templates=templates,
        started=started,
        breadcrumbs=_crumbs(cycle),
        title=_("Start the entry form from a template – %(cycle)s", cycle=shown(cycle)),
    )
