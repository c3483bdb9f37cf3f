"""What an impact case publishes of a nomination, in one place: read from the cycle's form.

The consent question in the declarations, the result e-mails, the privacy notice and the tests
all read `published_labels`, so what a nominee agrees to is what the public case page, the API and
the feed show. An impact case always shows the core answers in CORE_PUBLISHED (the case keeps them
in columns of its own, and the public library is built on them); of the other questions, it shows
those the organiser marked public (`case_answers`, copied when the case is made), never a file.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l

from awards.domain.nominations import answers
from awards.domain.programme import entry_forms as forms
from awards.models import Cycle, Nomination
from awards.models.forms import FormQuestion, FormSection

# The core questions every impact case shows, in columns of its own (title, summary, organisation,
# partners, region and the trends with how the work addresses each).
CORE_PUBLISHED: tuple[str, ...] = ("organisation_name", "partners", "region", "title", "summary", "trends")
# Kinds never copied into an impact case, even when marked public: files have no public address.
# Files have no public address; e-mail addresses and telephone numbers are personal data.
NEVER_PUBLISHED_KINDS: tuple[str, ...] = ("file", "email", "phone")

NEVER_PUBLISHED = _l("the contact’s name, email address or phone number, the supporting documents or the declarations")

# What the case page shows beside the nominee's own words.
PUBLISHED_ALONGSIDE = _l("the award, the category, the year, the result and any citation the judges write")

LICENCE = "CC BY 4.0"


def _publishes(key: str, kind: str, core: bool, public: bool, personal: bool = False) -> bool:
    if core:
        return key in CORE_PUBLISHED
    return public and not personal and kind not in NEVER_PUBLISHED_KINDS


def is_published(question: FormQuestion) -> bool:
    """Whether an impact case shows the answer to the question (never personal data, whatever the form says)."""
    personal = bool(forms.setting(question, "personal"))
    return _publishes(question.key, question.kind, question.core, question.public, personal)


def is_case_answer(question: FormQuestion) -> bool:
    """Whether the answer is one of the impact case's `answers` (published and not a core column)."""
    return not question.core and is_published(question)


def published_questions(cycle: Cycle, category_id: int | None = None) -> list[FormQuestion]:
    """The questions of the cycle's form whose answers an impact case shows, in form order (with a
    category: those a nominee of the category may be asked)."""

    def in_category(item: FormSection | FormQuestion) -> bool:
        return category_id is None or not item.category_ids or category_id in item.category_ids

    return [
        q
        for section in forms.sections_of(cycle)
        if in_category(section)
        for q in section.questions
        if in_category(q) and is_published(q)
    ]


def published_labels(cycle: Cycle | None = None, category_id: int | None = None) -> list[str]:
    """What an impact case of the cycle shows of the nominee's answers, by the questions' short names
    in form order (with a category: of a nomination of that category); without a cycle, what the
    default form publishes."""
    if cycle is not None and cycle.form_sections:
        return [forms.short_name(q) for q in published_questions(cycle, category_id)]
    return [
        str((q.get("settings") or {}).get("short") or q["label"])
        for section in forms.default_definition()["sections"]
        for q in section["questions"]
        if _publishes(q["key"], q["kind"], q["core"], q["public"])
    ]


# The answers an impact case copies ----------------------------------------------------------------


def group_columns(question: FormQuestion) -> list[dict[str, str]]:
    """A group's columns as an impact case keeps them: key, label and kind."""
    return [
        {"key": str(c["key"]), "label": str(c.get("label") or c["key"]), "kind": str(c.get("kind") or "text")}
        for c in forms.setting(question, "columns", [])
        if c.get("kind") not in NEVER_PUBLISHED_KINDS and not (c.get("settings") or {}).get("personal")
    ]


def case_value(question: FormQuestion, value: Any) -> Any:
    """An answer as an impact case keeps it: typed by the question's kind (a number as a number, a date
    as YYYY-MM-DD, yes or no as a boolean, several choices as a list of text), a group as its columns
    and typed rows."""
    if question.kind == "group":
        columns = group_columns(question)  # without the columns of personal data
        kept = [c["key"] for c in columns]
        rows = [{key: row.get(key) for key in kept} for row in answers.typed(question, value)]
        return {"columns": columns, "rows": rows}
    return answers.typed(question, value)


def is_blank_value(value: Any) -> bool:
    """Whether an impact case's answer has nothing to show (a group: no rows)."""
    if isinstance(value, dict) and "rows" in value:
        return not value["rows"]
    if value is None or value == "" or value == []:
        return True
    return isinstance(value, str) and not value.strip()


def case_answers(nomination: Nomination) -> list[dict[str, Any]]:
    """The nomination's answers to the questions marked public that it was asked (its category, its
    conditions), except the core ones, in form order: [{"key", "label", "kind", "value"}] with the
    question's short name as label, and a number's "unit" when its question gives one. Questions left
    unanswered are left out."""
    entries = []
    for _section, asked in answers.asked_answers(nomination):
        for question, value in asked:
            if not is_case_answer(question):
                continue
            kept = case_value(question, value)
            if is_blank_value(kept):
                continue
            entry = {"key": question.key, "label": forms.short_name(question), "kind": question.kind, "value": kept}
            unit = str(forms.setting(question, "unit") or "").strip()
            if question.kind == "number" and unit:
                entry["unit"] = unit
            entries.append(entry)
    return entries


def shown_answers(entries: Iterable[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """An impact case's answers with something to show (a case copied before forms were data may keep
    a blank one)."""
    return [e for e in entries or [] if isinstance(e, dict) and not is_blank_value(e.get("value"))]
