"""A nomination's answers to its cycle's form: reading them (from the nomination's own columns for the
core questions, from `nominations.answers` for the rest), checking them against each question's
rules, and writing them.

An answer is kept as typed, so a draft never loses what was entered: a number as its text, a date
as its day, month and year, a group as its rows of typed columns. `typed` gives the value by the
question's kind (a number, an ISO date, yes or no) for the API and the impact case.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from awards.domain.core.dates import day_in_words
from awards.domain.core.text import word_count
from awards.domain.programme import entry_forms as forms
from awards.domain.programme.entry_forms import Lookup, setting, short_name
from awards.models import Cycle, Nomination, NominationPartner, NominationTrend
from awards.models.forms import FormQuestion, FormSection

Problems = list[tuple[str, str]]  # (field name, message), in the order the form shows its fields

# Columns of the nomination that hold the answer to a core question of that key.
CORE_COLUMNS = ("organisation_name", "contact_name", "contact_email", "region", "title", "summary")
TEXT_KINDS = ("text", "textarea", "email", "url", "phone", "number", "choice")
# How long an answer may grow before it is cut when saved (the limits a question sets are checked
# and reported; these only keep one answer from filling the database).
MAX_STORED_CHARS = {"text": 2000, "textarea": 100_000}
PHONE = re.compile(r"[0-9 +()\-]{1,40}")


# Reading ----------------------------------------------------------------------------------------


def _section_touched(nomination: Nomination, question: FormQuestion) -> bool:
    return question.section is not None and question.section.key in nomination.touched


def stored(nomination: Nomination, question: FormQuestion) -> Any:
    """The answer as kept (None or an empty value when not answered)."""
    key = question.key
    if question.core:
        if key in CORE_COLUMNS:
            return getattr(nomination, key) or ""
        if key == "partners":
            return [{"name": p.name, "is_supplier": p.is_supplier} for p in nomination.partners]
        if key == "trends":
            # In the order the database gives (the main trend first, then as chosen), also for links just set from
            # a form in the order ticked: the same choices saved again are then no change.
            return [
                {"trend_id": link.trend_id, "is_primary": link.is_primary, "how_addressed": link.how_addressed}
                for link in sorted(nomination.trend_links, key=lambda link: (not link.is_primary, link.position or 0))
            ]
        if key == "consents_to_publish":
            return nomination.consents_to_publish if _section_touched(nomination, question) else None
    if question.kind == "file":
        return [a.id for a in nomination.attachments if a.question_key == key]
    return (nomination.answers or {}).get(key, _empty(question))


def _empty(question: FormQuestion) -> Any:
    if question.kind in ("group", "choices", "file", "trends"):
        return []
    if question.kind in ("yes_no",):
        return None
    if question.kind == "declaration":
        return False
    if question.kind == "date":
        return {"day": "", "month": "", "year": ""}
    return ""


def lookup(nomination: Nomination, overrides: dict[str, Any] | None = None) -> Lookup:
    """An earlier answer by its question's key, for conditions (answers being saved take precedence).

    The form's questions are looked through only when a condition asks for an answer, once per lookup: most
    sections and questions have no condition, and a lookup is made for every section a page checks."""
    by_key: dict[str, FormQuestion] | None = None

    def find(key: str) -> Any:
        nonlocal by_key
        if overrides is not None and key in overrides:
            return overrides[key]
        if by_key is None:
            by_key = {q.key: q for q in forms.questions_of(nomination.cycle)}
        question = by_key.get(key)
        return stored(nomination, question) if question is not None else None

    return find


def section_data(nomination: Nomination, section: FormSection) -> dict[str, Any]:
    """Every answer of a section, by question key, in the shape save_section takes."""
    return {q.key: stored(nomination, q) for q in section.questions}


def section_hash(nomination: Nomination, section: FormSection) -> str:
    payload = json.dumps(section_data(nomination, section), sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def asked_in(nomination: Nomination, section: FormSection, data: dict[str, Any] | None = None) -> list[FormQuestion]:
    """The questions of the section this nomination is asked (with `data` as its answers to the section)."""
    return forms.asked_questions(section, nomination.category_id, lookup(nomination, data))


def asked_sections(nomination: Nomination) -> list[FormSection]:
    return forms.asked_sections(nomination.cycle, nomination.category_id, lookup(nomination))


def asked_answers(nomination: Nomination) -> list[tuple[FormSection, list[tuple[FormQuestion, Any]]]]:
    """The sections and questions this nomination is asked, with its answers, in form order."""
    find = lookup(nomination)
    result = []
    for section in forms.asked_sections(nomination.cycle, nomination.category_id, find):
        questions = forms.asked_questions(section, nomination.category_id, find)
        result.append((section, [(q, stored(nomination, q)) for q in questions]))
    return result


def is_blank(value: Any) -> bool:
    if value is None or value is False:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, dict):
        return all(is_blank(v) for v in value.values())
    if isinstance(value, list):
        return not value
    return False


# Typed values -----------------------------------------------------------------------------------


# Numbers people enter have at most this many digits before or after the point: "1e999999999" is a
# valid decimal whose integer would take minutes and gigabytes to build (typed, the API, CSV).
MAX_NUMBER_DIGITS = 30


def as_number(text: Any) -> Decimal | None:
    """The answer as a number, or None when it is not one (or is beyond MAX_NUMBER_DIGITS digits)."""
    cleaned = str(text).replace(",", "").strip()
    if len(cleaned) > 2 * MAX_NUMBER_DIGITS + 2:
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not number.is_finite() or (number and not -MAX_NUMBER_DIGITS <= number.adjusted() <= MAX_NUMBER_DIGITS):
        return None
    return number


def as_date(value: Any) -> date | None:
    if not isinstance(value, dict):
        return None
    try:
        return date(int(value.get("year") or 0), int(value.get("month") or 0), int(value.get("day") or 0))
    except (TypeError, ValueError):
        return None


def as_json_number(number: Decimal) -> int | float:
    """A number as JSON has it: whole numbers as integers."""
    return int(number) if number == number.to_integral_value() else float(number)


def _number_value(value: Any) -> int | float | None:
    """A number answer as JSON has it (None when blank or not a number)."""
    number = as_number(value) if not is_blank(value) else None
    return as_json_number(number) if number is not None else None


def typed(question: FormQuestion, value: Any, *, kind: str | None = None) -> Any:
    """The answer by its kind: a number as a number, a date as YYYY-MM-DD, yes or no as a boolean;
    None when not answered (or not valid, which only a draft can be)."""
    kind = kind or question.kind
    if kind == "number":
        return _number_value(value)
    if kind == "date":
        day = as_date(value)
        return day.isoformat() if day else None
    if kind in ("yes_no", "declaration"):
        return value if isinstance(value, bool) else None
    if kind == "group":
        columns = setting(question, "columns", [])
        return [{c["key"]: _typed_cell(c, row.get(c["key"])) for c in columns} for row in value or []]
    if kind in ("choices", "file", "trends"):
        return list(value or [])
    return value if not is_blank(value) else None


def _typed_cell(column: dict[str, Any], value: Any) -> Any:
    kind = column.get("kind", "text")
    if kind == "number":
        return _number_value(value)
    if kind == "yes_no":
        return bool(value)
    return value if not is_blank(value) else None


# Checking ---------------------------------------------------------------------------------------


def _lower_first(text: str) -> str:
    """The text with a lower-case first letter, unless it starts with an abbreviation ("UK region")."""
    if len(text) > 1 and text[0].isupper() and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def required_message(question: FormQuestion | dict[str, Any]) -> str:
    """What the form says when a required question is not answered."""
    settings = (question.settings if isinstance(question, FormQuestion) else question.get("settings")) or {}
    label = forms.default_word(question.label if isinstance(question, FormQuestion) else question.get("label", ""))
    kind = question.kind if isinstance(question, FormQuestion) else question.get("kind", "text")
    if settings.get("error"):
        return forms.default_word(settings["error"])
    # Made from the question itself: a short name ("Delivered by") does not make a sentence.
    verb = forms.KINDS[kind].verb
    if verb == "Confirm":
        return _("Select the box to confirm ‘%(label)s’", label=label)
    if verb == "Upload":
        return _("Upload a file for ‘%(label)s’", label=label)
    if verb == "Add":
        return _("Add at least one to ‘%(label)s’", label=label)
    if verb == "Select":
        return _("Select an answer to ‘%(label)s’", label=label)
    return _("Enter an answer to ‘%(label)s’", label=label)


def _noun(question: FormQuestion) -> str:
    return forms.default_word(setting(question, "noun") or short_name(question))


def _text_problems(question: FormQuestion, value: Any) -> Problems:
    """Limits on words and characters (the question's name in words only when one is broken)."""
    text = str(value or "")
    key = question.key
    max_words, min_words = setting(question, "max_words"), setting(question, "min_words")
    words = word_count(text) if max_words or min_words else 0
    if max_words and words > int(max_words):
        return [(key, _words_problem(_noun(question), int(max_words), words, at_most=True))]
    max_chars = setting(question, "max_chars") or forms.CORE_MAX_CHARS.get(key)
    if max_chars and len(text) > int(max_chars):
        return [(key, _chars_problem(_noun(question), int(max_chars)))]
    if min_words and words < int(min_words):
        return [(key, _words_problem(_noun(question), int(min_words), words, at_most=False))]
    return []


def _words_problem(noun: str, limit: int, count: int, *, at_most: bool) -> str:
    """'Summary must be 250 words or fewer (it has 270)', the numbers as the reader's language writes them."""
    if at_most:
        return ngettext(
            "%(noun)s must be %(limit)s word or fewer (it has %(count)s)",
            "%(noun)s must be %(limit)s words or fewer (it has %(count)s)",
            limit,
            noun=noun,
            limit=format_decimal(limit),
            count=format_decimal(count),
        )
    return ngettext(
        "%(noun)s must be at least %(limit)s word (it has %(count)s)",
        "%(noun)s must be at least %(limit)s words (it has %(count)s)",
        limit,
        noun=noun,
        limit=format_decimal(limit),
        count=format_decimal(count),
    )


def _chars_problem(noun: str, limit: int) -> str:
    return ngettext(
        "%(noun)s must be %(limit)s character or fewer",
        "%(noun)s must be %(limit)s characters or fewer",
        limit,
        noun=noun,
        limit=format_decimal(limit),
    )


def _format_problem(kind: str, value: Any, settings: dict[str, Any], name: Callable[[], str]) -> str | None:
    """What is wrong with a non-blank answer of a kind, or None (`name()` gives the question's name in words, asked
    only for a message that says it)."""
    text = str(value or "").strip()
    if kind == "email":
        try:
            validate_email(text, check_deliverability=False)
        except EmailNotValidError:
            return _("Enter an email address in the correct format, like name@example.com")
    elif kind == "url":
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or "." not in parts.netloc or len(text) > 2000:
            return _("Enter a web address in the correct format, like https://www.example.gov.uk")
    elif kind == "phone":
        if not PHONE.fullmatch(text):
            return _("Enter a telephone number, like 01632 960 001 or +44 808 157 0192")
    elif kind == "number":
        return _number_problem(text, settings, name)
    elif kind == "choice":
        if text not in [str(o) for o in settings.get("options") or []]:
            return _("Select %(noun)s from the list", noun=_lower_first(name()))
    elif kind == "text":
        limit = int(settings.get("max_chars") or 500)
        if len(text) > limit:
            return _chars_problem(name(), limit)
    return None


def _number_problem(text: str, settings: dict[str, Any], name: Callable[[], str]) -> str | None:
    number = as_number(text)
    if number is None:
        return _("%(noun)s must be a number", noun=name())
    if settings.get("whole") and number != number.to_integral_value():
        return _("%(noun)s must be a whole number", noun=name())
    low, high = settings.get("min"), settings.get("max")
    if low is not None and high is not None and not Decimal(str(low)) <= number <= Decimal(str(high)):
        return _("%(noun)s must be between %(low)s and %(high)s", noun=name(), low=_number(low), high=_number(high))
    if low is not None and number < Decimal(str(low)):
        return _("%(noun)s must be %(low)s or more", noun=name(), low=_number(low))
    if high is not None and number > Decimal(str(high)):
        return _("%(noun)s must be %(high)s or less", noun=name(), high=_number(high))
    return None


def _number(value: Any) -> str:
    """A limit the organiser set (a whole number or a decimal), as the reader's language writes numbers."""
    try:
        return format_decimal(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def _date_problems(question: FormQuestion, value: Any) -> Problems:
    field = f"{question.key}-day"
    if as_date(value) is None:
        return [(field, _("%(noun)s must be a real date, like 27 3 2025", noun=_noun(question)))]
    return []


def _choices_problems(question: FormQuestion, value: Any) -> Problems:
    chosen = [str(v) for v in value or []]
    options = [str(o) for o in setting(question, "options", [])]
    if any(v not in options for v in chosen):
        return [(question.key, _("Select from the list"))]
    low, high = setting(question, "min_choices"), setting(question, "max_choices")
    if low and len(chosen) < int(low):
        return [(question.key, _("Select at least %(low)s", low=format_decimal(int(low))))]
    if high and len(chosen) > int(high):
        return [(question.key, _("Select no more than %(high)s", high=format_decimal(int(high))))]
    return []


def _group_problems(question: FormQuestion, rows: list[dict[str, Any]]) -> Problems:
    problems: Problems = []
    max_rows = int(setting(question, "max_rows", 10))
    row_name = forms.row_name(question)
    if len(rows) > max_rows:
        problems.append(
            (question.key, ngettext("You can give up to %(num)d row", "You can give up to %(num)d rows", max_rows))
        )
    for i, row in enumerate(rows):
        for column in setting(question, "columns", []):
            field = f"{question.key}-{i}-{column['key']}"
            value = row.get(column["key"])
            where = f"{row_name.lower()} {i + 1}"
            if is_blank(value):
                if column.get("required", True) and column.get("kind") != "yes_no":
                    problems.append(
                        (field, _("%(problem)s in %(where)s", problem=required_message(column), where=where))
                    )
                continue
            if column.get("kind") == "yes_no":
                continue
            problem = _format_problem(
                column.get("kind", "text"),
                value,
                column.get("settings") or {},
                functools.partial(forms.default_word, column.get("label")),
            )
            if problem:
                problems.append((field, f"{problem} ({where})"))
    return problems


def _trends_problems(cycle: Cycle, question: FormQuestion, links: list[dict[str, Any]]) -> Problems:
    """Trends the cycle offers, as many as it asks for, one of them the main one, each explained."""
    offered = {t.id for t in cycle.trends}
    chosen = [link for link in links if link.get("trend_id") in offered]
    problems: Problems = []
    if len(chosen) != len(links):
        problems.append(("trends", _("Select trends from the list")))
    if len(chosen) < cycle.trends_min:
        problems.append(
            ("trends", ngettext("Select at least %(num)d trend", "Select at least %(num)d trends", cycle.trends_min))
        )
    elif len(chosen) > cycle.trends_max:
        problems.append(
            (
                "trends",
                ngettext("Select no more than %(num)d trend", "Select no more than %(num)d trends", cycle.trends_max),
            )
        )
    if chosen and len([link for link in chosen if link.get("is_primary")]) != 1:
        problems.append(("primary", _("Select which of your trends is the main one")))
    how_words = int(setting(question, "how_words", 100))
    for link in chosen:
        field = f"how_{link['trend_id']}"
        if not str(link.get("how_addressed") or "").strip():
            problems.append((field, _("Explain how the work addresses this trend")))
        elif word_count(link.get("how_addressed")) > how_words:
            problems.append(
                (
                    field,
                    ngettext(
                        "Explain it in %(limit)s word or fewer",
                        "Explain it in %(limit)s words or fewer",
                        how_words,
                        limit=format_decimal(how_words),
                    ),
                )
            )
    return problems


def check_answer(cycle: Cycle, question: FormQuestion, value: Any) -> Problems:
    """What is wrong with one answer (a question not answered: only whether it was required)."""
    kind = question.kind
    if kind == "trends":
        return _trends_problems(cycle, question, value or [])
    if kind == "file":
        if question.required and not value:
            return [(question.key, required_message(question))]
        return []
    unanswered = value is None if kind == "yes_no" else is_blank(value)  # "No" is an answer
    if unanswered or (kind == "group" and not value):
        if question.required:
            field = f"{question.key}-day" if kind == "date" else question.key
            return [(field, required_message(question))]
        return []
    checks: dict[str, Callable[[FormQuestion, Any], Problems]] = {
        "textarea": _text_problems,
        "date": _date_problems,
        "choices": _choices_problems,
        "group": _group_problems,
    }
    if kind in checks:
        return checks[kind](question, value)
    if kind in ("yes_no", "declaration"):
        return []
    problem = _format_problem(kind, value, question.settings or {}, lambda: _noun(question))
    if problem:
        return [(question.key, problem)]
    return _text_problems(question, value) if kind == "text" else []


def check_section(nomination: Nomination, section: FormSection, data: dict[str, Any]) -> Problems:
    """What is missing or wrong in a section's answers, for the questions this nomination is asked."""
    problems: Problems = []
    for question in asked_in(nomination, section, data):
        problems += check_answer(nomination.cycle, question, data.get(question.key, _empty(question)))
    return problems


# Writing ----------------------------------------------------------------------------------------


def _clip(value: Any, limit: int) -> str:
    return str(value or "").strip()[:limit]


def filled_rows(question: FormQuestion, rows: Any) -> list[dict[str, Any]]:
    """The rows of a group with anything typed in them (a row left blank is no row), each with only
    the group's columns."""
    columns = setting(question, "columns", [])
    kept = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict):
            continue
        cleaned = {c["key"]: _cell(c, row.get(c["key"])) for c in columns}
        if any(not is_blank(v) for c, v in zip(columns, cleaned.values(), strict=True) if c.get("kind") != "yes_no"):
            kept.append(cleaned)
    return kept


def _cell(column: dict[str, Any], value: Any) -> Any:
    if column.get("kind") == "yes_no":
        return bool(value)
    return _clip(value, MAX_STORED_CHARS["text"])


def without_empty_rows(section: FormSection, data: dict[str, Any]) -> dict[str, Any]:
    """The answers without group rows left blank, so they are neither checked nor saved."""
    data = dict(data)
    for question in section.questions:
        if question.kind == "group" and question.key in data:
            data[question.key] = filled_rows(question, data[question.key])
    return data


def _cleaned(question: FormQuestion, value: Any) -> Any:
    """The answer as it is kept: text trimmed and cut to a sane size, lists of text, typed parts."""
    kind = question.kind
    if kind in ("yes_no",):
        return value if isinstance(value, bool) else None
    if kind == "declaration":
        return bool(value)
    if kind == "choices":
        return [_clip(v, 500) for v in value or []][: forms.MAX_OPTIONS]
    if kind == "date":
        value = value if isinstance(value, dict) else {}
        return {part: _clip(value.get(part), 8) for part in ("day", "month", "year")}
    if kind == "group":
        return filled_rows(question, value)[: int(setting(question, "max_rows", 10))]
    if kind == "textarea":
        return str(value or "").strip()[: MAX_STORED_CHARS["textarea"]]
    return _clip(value, MAX_STORED_CHARS["text"])


def _apply_core(nomination: Nomination, question: FormQuestion, value: Any) -> None:
    key = question.key
    if key == "region":
        nomination.region = str(value) if value in setting(question, "options", forms.REGIONS) else ""
    elif key == "summary":
        nomination.summary = str(value or "").strip()
    elif key in CORE_COLUMNS:
        setattr(nomination, key, _clip(value, forms.CORE_MAX_CHARS.get(key, 200)))
    elif key == "partners":
        rows = filled_rows(question, value)[: int(setting(question, "max_rows", 10))]
        nomination.partners = [
            NominationPartner(name=_clip(p.get("name"), 200), is_supplier=bool(p.get("is_supplier")), position=i)
            for i, p in enumerate(rows)
        ]
    elif key == "trends":
        _apply_trends(nomination, value or [])
    elif key == "consents_to_publish":
        nomination.consents_to_publish = bool(value)


def _apply_trends(nomination: Nomination, items: list[dict[str, Any]]) -> None:
    """The trends chosen among those the cycle offers, in the order given; a link the nomination
    already has is kept (and updated), so it is changed rather than replaced."""
    offered = {t.id: t for t in nomination.cycle.trends}
    existing = {link.trend_id: link for link in nomination.trend_links}
    links: list[NominationTrend] = []
    for i, item in enumerate(items):
        trend_id = item.get("trend_id")
        trend = offered.get(trend_id) if isinstance(trend_id, int) else None
        if trend is None or trend.id in {link.trend_id for link in links}:
            continue  # one link per trend (uq_nomination_trends_nomination_id_trend_id)
        # The trend's id set here as well as by the flush, so the answer reads the same before it (save_section
        # compares the section before and after, and flushes once).
        link = existing.get(trend.id) or NominationTrend(trend=trend, trend_id=trend.id)
        link.is_primary = bool(item.get("is_primary"))
        link.how_addressed = str(item.get("how_addressed") or "").strip()
        link.position = i
        links.append(link)
    nomination.trend_links = links


def apply_section(nomination: Nomination, section: FormSection, data: dict[str, Any]) -> None:
    """Write a section's answers onto the nomination, cleaned but not checked. Every question of the
    section is written, asked or not, so an answer hidden by a condition is kept, not lost; files
    are added and removed one by one as they are uploaded."""
    answers = dict(nomination.answers or {})
    for question in section.questions:
        if question.key not in data or question.kind == "file":
            continue
        if question.core:
            _apply_core(nomination, question, data[question.key])
        else:
            answers[question.key] = _cleaned(question, data[question.key])
    if answers != (nomination.answers or {}):
        nomination.answers = answers


# In words ---------------------------------------------------------------------------------------


def answer_text(question: FormQuestion, value: Any, *, trend_names: dict[int, str] | None = None) -> str:
    """The answer as plain text, one line per item (for CSV cells, e-mails and plain summaries);
    "" when not answered. A file question's answer is its files' names (attachments given by id)."""
    kind = question.kind
    if kind in ("yes_no", "declaration"):
        if value is None or (kind == "declaration" and not value):
            return "" if kind == "yes_no" else _("Not confirmed")
        if kind == "declaration":
            return _("Confirmed") if value else _("Not confirmed")
        return _("Yes") if value else _("No")
    if kind == "date":
        day = as_date(value)
        return day_in_words(day) if day else " ".join(str(v) for v in (value or {}).values() if v)
    if kind == "choices":
        return "\n".join(str(v) for v in value or [])
    if kind == "group":
        columns = setting(question, "columns", [])
        return "\n".join(_row_text(columns, row) for row in value or [])
    if kind == "trends":
        names = trend_names or {}
        return "\n".join(
            (
                _("%(trend)s (main trend): %(how)s", trend=names.get(link["trend_id"], link["trend_id"]), how=how)
                if link.get("is_primary")
                else _("%(trend)s: %(how)s", trend=names.get(link["trend_id"], link["trend_id"]), how=how)
            )
            for link in value or []
            for how in [link.get("how_addressed") or ""]
        )
    if kind == "file":
        return "\n".join(str(v) for v in value or [])
    return str(value or "")


def _row_text(columns: list[dict[str, Any]], row: dict[str, Any]) -> str:
    parts = []
    for column in columns:
        value = row.get(column["key"])
        if column.get("kind") == "yes_no":
            if value:
                parts.append(str(column["label"]))
        elif not is_blank(value):
            parts.append(_("%(label)s: %(value)s", label=column["label"], value=value))
    return "; ".join(parts)
