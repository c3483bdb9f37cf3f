"""What an impact case publishes of a nomination, in one place: read from the cycle's form.

The consent question in the declarations, the result e-mails, the privacy notice and the tests
all read `published_labels`, so what a nominee agrees to is what the public case page, the API and
the feed show. An impact case always shows the core answers in CORE_PUBLISHED (the case keeps them
in columns of its own, and the public library is built on them); of the other questions, it shows
those the organiser marked public (`case_answers`, copied when the case is made), never a file.

A case keeps each answer's label as the question's short name was when it was published, in the words
stored on the question (the service's default language): that copy is the record, and outlives the
question's rewording or removal. A reader in another language sees it through `localised_answers`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from awards.domain.nominations import answers
from awards.domain.programme import entry_forms as forms
from awards.domain.programme import translations
from awards.extensions import db
from awards.models import Cycle, ImpactCase, Nomination
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


def stored_short_name(question: FormQuestion) -> str:
    """The question's short name as stored on it (a default form's word still in English, whoever publishes):
    what a case copies, read in each reader's language when shown (`localised_answers`)."""
    return str(forms.setting(question, "short") or question.label)


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
            entry = {"key": question.key, "label": stored_short_name(question), "kind": question.kind, "value": kept}
            unit = str(forms.setting(question, "unit") or "").strip()
            if question.kind == "number" and unit:
                entry["unit"] = unit
            entries.append(entry)
    return entries


def shown_answers(entries: Iterable[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """An impact case's answers with something to show (a case copied before forms were data may keep
    a blank one)."""
    return [e for e in entries or [] if isinstance(e, dict) and not is_blank_value(e.get("value"))]


# The answers' labels in the reader's language ----------------------------------------------------


def _questions_by_key(cycle_id: int, keys: Collection[str]) -> dict[str, tuple[int, bool]]:
    """The cycle's questions with these keys: key → (id, whether it has a short name of its own). One query."""
    rows = db.session.execute(
        sa.select(FormQuestion.key, FormQuestion.id, FormQuestion.settings).where(
            FormQuestion.cycle_id == cycle_id, FormQuestion.key.in_(sorted(keys))
        )
    )
    return {key: (question_id, bool((settings or {}).get("short"))) for key, question_id, settings in rows}


def _answer_label(
    copied: str,
    question: tuple[int, bool] | None,
    cycle_id: int,
    language: str,
    base: str,
    texts: translations.Texts,
) -> translations.Localised:
    default_word = forms.is_default_word(copied)
    # A short name of the default form's (copied as the label) is read from the catalogues, as on every other
    # page that names the question by it; the translation of its question's full label would say more.
    if question is not None and not (default_word and question[1]):
        question_kind = translations.FIELDS[FormQuestion][0]
        translated = texts(language, cycle_id).get((question_kind, question[0], "label"))
        if translated:
            return translations.Localised(translated, language, language)
    if default_word:
        return translations.Localised(forms.default_word(copied), language, language)
    return translations.Localised(copied, base, language)


def localised_answers(case: ImpactCase, language: str, texts: translations.Texts) -> list[dict[str, Any]]:
    """The case's answers with something to show (`shown_answers`), each `label` a `Localised` in `language`:
    the translation of the label of the cycle's question with the answer's key when there is one, a default
    form's word in the catalogues' words, else the label copied at publication (marked with its language when
    that is not `language`). The copy is never changed, so a question reworded or removed since leaves the case
    as it was. One query for the questions (none in the default language), and `texts(language, cycle)` for the
    translations (the web layer's reads them once per request), however many answers."""
    entries = shown_answers(case.answers)
    base = translations.default_language()
    keys = {str(e.get("key") or "") for e in entries}
    questions = _questions_by_key(case.cycle_id, keys) if entries and language != base else {}
    return [
        {
            **entry,
            "label": _answer_label(
                str(entry.get("label") or ""),
                questions.get(str(entry.get("key") or "")),
                case.cycle_id,
                language,
                base,
                texts,
            ),
        }
        for entry in entries
    ]
