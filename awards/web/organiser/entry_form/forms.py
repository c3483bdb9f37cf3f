"""Forms of the entry form builder: a section, the kind of a new question, a question's details (with the
fields of its kind), a group's sub-questions, a confirmation, and the templates."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from awards.domain.nominations.form_builder import MAX_COLUMNS
from awards.domain.programme import entry_forms as forms
from awards.models import Cycle
from awards.models.forms import FormQuestion, FormSection
from awards.web.forms import Form, submit

KIND_HINTS = {
    "text": _l("A name, a title or a few words"),
    "textarea": _l("Paragraphs, with a word or character limit and a live count"),
    "number": _l("With a unit and a range, like a budget in £ or a number of users"),
    "date": _l("Day, month and year"),
    "yes_no": _l("Two radios: yes and no"),
    "choice": _l("Radios (or a drop-down list for long lists)"),
    "choices": _l("Checkboxes, with the fewest and most to select"),
    "email": _l("Checked to be an email address"),
    "url": _l("Checked to be a web address starting https://"),
    "phone": _l("Checked to be a telephone number"),
    "declaration": _l("A box to tick, such as “I confirm the information is accurate”"),
    "file": _l("Documents or images, with their types, size and number"),
    "group": _l("Rows of sub-questions, like partners or measured outcomes"),
}


def _whole_text(label: Any, description: Any = None, **kwargs: Any) -> StringField:
    """A number typed as text: the domain checks it, so what was typed is shown back as it was."""
    return StringField(label, widget=GovTextInput(), description=description, **kwargs)


class CategoriesField(SelectMultipleField):
    """Category ids as checkboxes (none ticked: every category)."""

    widget = GovCheckboxesInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=str, **kwargs)

    def pre_validate(self, form):
        pass  # the domain says "Select categories from the list"


class SectionForm(Form):
    title = StringField(
        _l("Title"),
        widget=GovTextInput(),
        description=_l("The name of the task in the nominee’s task list, like “About the project”"),
        validators=[
            DataRequired(_l("Enter the section’s title")),
            Length(max=200, message=_l("Title must be 200 characters or fewer")),
        ],
    )
    hint = StringField(
        _l("Line under the title (optional)"), widget=GovTextInput(), description=_l("Shown in the task list")
    )
    intro = TextAreaField(
        _l("Introduction (optional)"),
        widget=GovTextArea(),
        description=_l("A paragraph at the top of the section’s page"),
    )
    key = StringField(
        _l("Key (optional)"),
        widget=GovTextInput(),
        description=_l(
            "Part of the section’s web address, like about_the_project. Leave blank to make one from the "
            "title. It cannot change later."
        ),
    )
    categories = CategoriesField(
        _l("Which categories ask this section?"),
        description=_l("Leave all unticked for every category. Tick some to ask only their nominees."),
    )
    condition_question = SelectField(
        _l("Show it only for an answer to"), widget=GovSelect(), choices=[], validate_choice=False
    )
    condition_values = TextAreaField(
        _l("The answers that show it"),
        widget=GovTextArea(),
        description=_l("One on each line. For a yes or no question, enter yes or no."),
    )
    submit = submit(_l("Save section"))


class KindForm(Form):
    kind = RadioField(
        _l("What kind of question is it?"),
        widget=GovRadioInput(),
        choices=[(k, forms.KINDS[k].name) for k in forms.ADDABLE_KINDS],
        validators=[InputRequired(_l("Select the kind of question"))],
    )
    submit = submit(_l("Continue"))


JUDGES_SEE_CHOICES = list(forms.JUDGES_SEE.items())


class QuestionForm(Form):
    """The fields every question has; `question_form` adds its kind's."""

    label = StringField(
        _l("Question"),
        widget=GovTextInput(),
        description=_l("What the nominee is asked, like “What was the project’s budget?”"),
        validators=[
            DataRequired(_l("Enter the question")),
            Length(max=300, message=_l("Question must be 300 characters or fewer")),
        ],
    )
    hint = TextAreaField(_l("Hint (optional)"), widget=GovTextArea(), description=_l("Help shown under the question"))
    personal = BooleanField(
        _l("The answer is personal data"),
        widget=GovCheckboxInput(),
        description=_l(
            "Like a person’s name or date of birth. It is removed when the nominee deletes their account "
            "and when the cycle’s personal data is removed after the retention period. E-mail addresses and "
            "telephone numbers always are."
        ),
    )
    required = RadioField(
        _l("Must the nominee answer it?"),
        widget=GovRadioInput(),
        choices=[("yes", _l("Yes, it is required")), ("no", _l("No, it is optional"))],
        validators=[InputRequired(_l("Select whether the nominee must answer it"))],
    )
    key = StringField(
        _l("Key (optional)"),
        widget=GovTextInput(),
        description=_l(
            "The answer’s name in the CSV export and the API, like project_budget. Leave blank to make one "
            "from the question. It cannot change later."
        ),
    )
    short = StringField(
        _l("Short name (optional)"),
        widget=GovTextInput(),
        description=_l("The question’s name in tables, summaries and the CSV export, like “Budget”"),
    )
    error = StringField(
        _l("Error message when it is not answered (optional)"),
        widget=GovTextInput(),
        description=_l(
            "Like “Enter the project’s budget”. Leave blank for “Enter an answer to ‘…’” (or “Select…”) "
            "with the question’s words."
        ),
    )
    judges_see = RadioField(
        _l("Who sees the answer?"),
        widget=GovRadioInput(),
        choices=JUDGES_SEE_CHOICES,
        validators=[InputRequired(_l("Select who sees the answer"))],
    )
    public = BooleanField(
        _l("Publish the answer in the impact case"),
        widget=GovCheckboxInput(),
        description=_l("If the nomination is shortlisted and the nominee consents"),
    )
    categories = CategoriesField(
        _l("Which categories ask it?"),
        description=_l("Leave all unticked for every category that asks its section."),
    )
    condition_question = SelectField(
        _l("Ask it only for an answer to"), widget=GovSelect(), choices=[], validate_choice=False
    )
    condition_values = TextAreaField(
        _l("The answers that show it"),
        widget=GovTextArea(),
        description=_l("One on each line: options of the question above, or yes or no"),
    )
    section = SelectField(_l("Section"), widget=GovSelect(), choices=[], validate_choice=False)
    submit = submit(_l("Save question"))

    # The kind's own fields, by name (the template shows them in this order).
    SETTINGS: tuple[str, ...] = ()


def _kind_fields(kind: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if kind == "text":
        fields["max_chars"] = _whole_text(
            _l("Character limit"), _l("The most characters the answer may have, like 200")
        )
    elif kind == "textarea":
        # One or the other (the domain says so when both or neither are given): no conditional reveal, whose
        # aria-expanded on a radio is not allowed.
        fields["max_words"] = _whole_text(_l("Word limit"), _l("Like 500. Leave blank to limit characters instead."))
        fields["max_chars"] = _whole_text(_l("Character limit"), _l("Like 2000. Leave blank to limit words instead."))
    elif kind == "number":
        fields["unit"] = StringField(
            _l("Unit (optional)"), widget=GovTextInput(), description=_l("Like £, people or %")
        )
        fields["min"] = _whole_text(_l("Lowest number (optional)"))
        fields["max"] = _whole_text(_l("Highest number (optional)"))
        fields["whole"] = BooleanField(_l("Answers must be whole numbers"), widget=GovCheckboxInput())
    elif kind in ("choice", "choices"):
        fields["options"] = TextAreaField(
            _l("Options"),
            widget=GovTextArea(),
            description=_l("One on each line, up to %(num)s", num=forms.MAX_OPTIONS),
        )
        if kind == "choices":
            fields["min_choices"] = _whole_text(_l("Fewest to select (optional)"))
            fields["max_choices"] = _whole_text(_l("Most to select (optional)"))
    elif kind == "file":
        fields["types"] = SelectMultipleField(
            _l("Types of file"),
            widget=GovCheckboxesInput(),
            choices=[(t, t.upper()) for t in forms.FILE_TYPES],
            validate_choice=False,
        )
        fields["max_mb"] = _whole_text(_l("Largest file size, in MB"), _l("Like 10"))
        fields["max_count"] = _whole_text(_l("Most files"), _l("Like 5"))
    elif kind == "group":
        fields["row_name"] = StringField(
            _l("Name of a row"),
            widget=GovTextInput(),
            description=_l("Like Partner or Outcome: rows are numbered Partner 1, 2…"),
        )
        fields["max_rows"] = _whole_text(_l("Most rows"), _l("Up to %(num)s", num=forms.MAX_GROUP_ROWS))
    elif kind == "trends":
        fields["how_words"] = _whole_text(_l("Words for how the work addresses each trend"), _l("Like 100"))
    return fields


def question_form_class(kind: str) -> type[QuestionForm]:
    fields = _kind_fields(kind)
    return type(f"QuestionForm_{kind}", (QuestionForm,), {**fields, "SETTINGS": tuple(fields)})


def question_defaults(question: FormQuestion) -> dict[str, Any]:
    """What the form shows for a question that exists."""
    s = question.settings or {}
    data: dict[str, Any] = {
        "label": question.label,
        "hint": question.hint,
        "required": "yes" if question.required else "no",
        "key": question.key,
        "short": s.get("short", ""),
        "error": s.get("error", ""),
        "personal": bool(s.get("personal")),
        "judges_see": question.judges_see,
        "public": question.public,
        "categories": [str(i) for i in question.category_ids or []],
        "condition_question": (question.condition or {}).get("question", ""),
        "condition_values": "\n".join(str(v) for v in (question.condition or {}).get("values") or []),
        "section": question.section.key if question.section is not None else "",
    }
    for name in ("max_chars", "max_words", "unit", "min", "max", "min_choices", "max_choices", "max_mb"):
        if s.get(name) is not None:
            data[name] = str(s[name])
    for name in ("max_count", "max_rows", "how_words"):
        if s.get(name) is not None:
            data[name] = str(s[name])
    data["whole"] = bool(s.get("whole"))
    data["options"] = "\n".join(str(o) for o in s.get("options") or [])
    data["types"] = list(s.get("types") or [])
    data["row_name"] = s.get("row_name", "")
    return data


def new_question_defaults(kind: str) -> dict[str, Any]:
    return {
        "required": "yes",
        "judges_see": "all",
        "max_words": "500" if kind == "textarea" else "",
        "max_chars": "200" if kind == "text" else "",
        "types": list(forms.FILE_TYPES) if kind == "file" else [],
        "max_mb": "10",
        "max_count": "5",
        "max_rows": "10",
        "row_name": _("Row"),
    }


def offer_places(form: Form, cycle: Cycle, *, section: FormSection, before: int | None, with_sections: bool) -> None:
    """The choices of the category checkboxes, the condition's questions (earlier ones of a kind that can be
    a condition) and, when asked, the sections a question can go to."""
    form.categories.choices = [(str(c.id), c.name) for c in cycle.categories]
    earlier = []
    for s in sorted(cycle.form_sections, key=lambda s: s.position):
        if s is section:
            if before is not None:
                earlier += [q for q in sorted(s.questions, key=lambda q: q.position) if q.position < before]
            break
        earlier += sorted(s.questions, key=lambda q: q.position)
    form.condition_question.choices = [("", _("Always ask it"))] + [
        (q.key, forms.short_name(q)) for q in earlier if forms.KINDS[q.kind].conditional
    ]
    if with_sections and "section" in form:
        form.section.choices = [(s.key, s.title) for s in sorted(cycle.form_sections, key=lambda s: s.position)]


def condition_of(form: Form) -> dict[str, Any] | None:
    key = form.condition_question.data or ""
    if not key:
        return None
    return {"question": key, "values": [v for v in (form.condition_values.data or "").splitlines() if v.strip()]}


# A group's sub-questions: repeated fieldsets, read from the request (columns-<i>-label …).
COLUMN_KINDS = [(k, forms.KINDS[k].name) for k in forms.GROUP_KINDS]


def posted_columns(formdata) -> list[dict[str, Any]]:
    columns = []
    for i in range(MAX_COLUMNS + 1):
        label = formdata.get(f"columns-{i}-label")
        if label is None:
            break
        columns.append(
            {
                "key": formdata.get(f"columns-{i}-key", ""),
                "label": label,
                "kind": formdata.get(f"columns-{i}-kind", "text"),
                "required": formdata.get(f"columns-{i}-required") == "yes",
                "options": formdata.get(f"columns-{i}-options", ""),
            }
        )
    return columns


def column_rows(columns: list[dict[str, Any]], *, blank: int = 2) -> list[dict[str, Any]]:
    """The sub-questions as the form shows them, with blank rows to add more."""
    rows = [
        {
            "key": c.get("key", ""),
            "label": c.get("label", ""),
            "kind": c.get("kind", "text"),
            "required": bool(c.get("required", True)),
            "options": c["options"]
            if isinstance(c.get("options"), str)
            else "\n".join((c.get("settings") or {}).get("options") or []),
        }
        for c in columns
    ]
    while len(rows) < min(MAX_COLUMNS, len(columns) + blank):
        rows.append({"key": "", "label": "", "kind": "text", "required": True, "options": ""})
    return rows


def settings_of(form: QuestionForm, kind: str, formdata) -> dict[str, Any]:
    """The kind's settings as the domain takes them."""
    settings: dict[str, Any] = {"short": form.short.data, "error": form.error.data}
    if "personal" in form:
        settings["personal"] = bool(form.personal.data)
    names = set(form.SETTINGS)
    for name in names:
        settings[name] = form[name].data
    if kind == "group":
        settings["columns"] = [
            {**c, "options": c["options"]} if c["kind"] == "choice" else {k: v for k, v in c.items() if k != "options"}
            for c in posted_columns(formdata)
        ]
    return settings


class ConfirmForm(Form):
    submit = submit(_l("Confirm"))


class TemplateForm(Form):
    name = StringField(
        _l("Name of the template"),
        widget=GovTextInput(),
        description=_l("Like “Awards 2026 form” or “Person of the year”"),
        validators=[
            DataRequired(_l("Enter a name for the template")),
            Length(max=120, message=_l("Name must be 120 characters or fewer")),
        ],
    )
    description = TextAreaField(
        _l("Description (optional)"), widget=GovTextArea(), description=_l("What the form is for, to choose it later")
    )
    submit = submit(_l("Save as a template"))


class ChooseTemplateForm(Form):
    template = RadioField(
        _l("Which template should the form start from?"),
        widget=GovRadioInput(),
        choices=[],
        validators=[InputRequired(_l("Select a template"))],
    )
    submit = submit(_l("Replace the form"))
