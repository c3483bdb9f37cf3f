"""The organiser's changes to a cycle's entry form: sections and questions added, changed, moved,
duplicated and removed; the form saved as a named template, or replaced by one.

Every change is checked before it is made, and every change made is in the audit log (on the cycle).

What a form must be, always: keys of lower-case letters, numbers and underscores, unique in the cycle;
a condition on an earlier question whose kind can be one, with values it can have; a kind's settings
that make sense (limits whole numbers of 1 or more, options without repeats…); at most MAX_SECTIONS
sections and MAX_QUESTIONS questions. Core questions (entry_forms.CORE_KEYS) are read by the platform:
they can be reworded, re-limited within their column's size and moved, never removed nor given another
kind.

What keeps answers readable, once the cycle has a submitted nomination: a change that would lose an
answer (removing an answered question, changing its kind) counts every nomination, drafts included; a
change that would make a sent answer wrong (a tighter limit, an option taken away, an optional
question made required, a category limit or condition that hides an answered question) counts the
submitted nominations, since a draft is checked again when its nominee sends it. Either is refused
with the reason, on the field that would cause it. Adding an optional question is always allowed.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal as babel_decimal
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError, NotFound
from awards.domain.core.text import word_count
from awards.domain.nominations import answers
from awards.domain.programme import entry_forms as forms
from awards.extensions import db
from awards.models import Attachment, Cycle, Nomination, NominationPartner, NominationTrend, User
from awards.models.forms import FormQuestion, FormSection, FormTemplate

KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
# Section keys are part of the nominee's addresses (/nominations/<reference>/<section>): not these.
RESERVED_SECTION_KEYS = frozenset(
    {"check", "submit", "confirmation", "withdraw", "start", "documents_upload", "team", "history"}
)
MAX_COLUMNS = 12
MAX_FILE_COUNT = 20
MAX_FILE_MB = 49
MAX_WORDS = 10_000
MAX_CHARS = 100_000
MAX_TEXT = 2000  # a short text answer is cut there when saved (answers.MAX_STORED_CHARS)
UP, DOWN = "up", "down"


def _count(count: int) -> str:
    """A count as people read it in their language (1,000 / 1 000)."""
    return format_decimal(count)


# Reading -----------------------------------------------------------------------------------------


def ordered_sections(cycle: Cycle) -> list[FormSection]:
    """The cycle's sections in order, each with its questions in order (after changes not yet reloaded)."""
    sections = sorted(cycle.form_sections, key=lambda s: (s.position, s.id or 0))
    for section in sections:
        section.questions.sort(key=lambda q: (q.position, q.id or 0))
    return sections


def ordered_questions(cycle: Cycle) -> list[FormQuestion]:
    return [q for s in ordered_sections(cycle) for q in s.questions]


def get_section(cycle: Cycle, key: str) -> FormSection:
    section = next((s for s in cycle.form_sections if s.key == key), None)
    if section is None:
        raise NotFound(_("No such section"))
    return section


def get_question(cycle: Cycle, key: str) -> FormQuestion:
    question = next((q for q in ordered_questions(cycle) if q.key == key), None)
    if question is None:
        raise NotFound(_("No such question"))
    return question


def has_submitted(cycle: Cycle) -> bool:
    """Whether any nomination of the cycle has been sent (from then on answers are protected)."""
    query = select(Nomination.id).where(Nomination.cycle_id == cycle.id, Nomination.submitted_at.is_not(None))
    return db.session.scalar(query.limit(1)) is not None


def nomination_count(cycle: Cycle) -> int:
    """Nominations of the cycle of any status, drafts included."""
    return db.session.scalar(select(func.count(Nomination.id)).where(Nomination.cycle_id == cycle.id)) or 0


def _nominations(cycle: Cycle, *, submitted_only: bool) -> list[tuple[int, int]]:
    """(id, category id) of the cycle's nominations (the submitted ones only, when asked)."""
    query = select(Nomination.id, Nomination.category_id).where(Nomination.cycle_id == cycle.id)
    if submitted_only:
        query = query.where(Nomination.submitted_at.is_not(None))
    return [(row[0], row[1]) for row in db.session.execute(query)]


def values_by_nomination(cycle: Cycle, question: FormQuestion) -> dict[int, Any]:
    """Each nomination's answer to the question as stored (missing when there is none), by nomination id:
    from the nomination's own column for a core question, its partners and trends, its attachments for a
    file question, `nominations.answers` for the rest."""
    key = question.key
    in_cycle = Nomination.cycle_id == cycle.id
    if question.core and key in answers.CORE_COLUMNS:
        column = getattr(Nomination, key)
        return {i: v for i, v in db.session.execute(select(Nomination.id, column).where(in_cycle))}
    if question.core and key == "partners":
        rows = db.session.execute(
            select(NominationPartner.nomination_id, NominationPartner.name, NominationPartner.is_supplier)
            .join(Nomination, Nomination.id == NominationPartner.nomination_id)
            .where(in_cycle)
            .order_by(NominationPartner.nomination_id, NominationPartner.position)
        )
        partners: dict[int, Any] = {}
        for nomination_id, name, is_supplier in rows:
            partners.setdefault(nomination_id, []).append({"name": name, "is_supplier": is_supplier})
        return partners
    if question.core and key == "trends":
        links = db.session.execute(
            select(
                NominationTrend.nomination_id,
                NominationTrend.trend_id,
                NominationTrend.is_primary,
                NominationTrend.how_addressed,
            )
            .join(Nomination, Nomination.id == NominationTrend.nomination_id)
            .where(in_cycle)
        )
        trends: dict[int, Any] = {}
        for nomination_id, trend_id, is_primary, how in links:
            trends.setdefault(nomination_id, []).append(
                {"trend_id": trend_id, "is_primary": is_primary, "how_addressed": how}
            )
        return trends
    if question.core and key == "consents_to_publish":
        section_key = question.section.key if question.section is not None else "declarations"
        rows = db.session.execute(
            select(Nomination.id, Nomination.consents_to_publish, Nomination.touched_sections).where(in_cycle)
        )
        return {i: consent for i, consent, touched in rows if section_key in str(touched or "").split(",")}
    if question.kind == "file":
        files: dict[int, Any] = {}
        for nomination_id, attachment_id in db.session.execute(
            select(Attachment.nomination_id, Attachment.id)
            .join(Nomination, Nomination.id == Attachment.nomination_id)
            .where(in_cycle, Attachment.question_key == key)
        ):
            files.setdefault(nomination_id, []).append(attachment_id)
        return files
    found = {}
    for nomination_id, stored in db.session.execute(select(Nomination.id, Nomination.answers).where(in_cycle)):
        if isinstance(stored, dict) and key in stored:
            found[nomination_id] = stored[key]
    return found


def answered_count(cycle: Cycle, question: FormQuestion) -> int:
    """How many nominations of the cycle (drafts included) have an answer to the question."""
    return sum(1 for value in values_by_nomination(cycle, question).values() if not answers.is_blank(value))


# Checking what an organiser gives ----------------------------------------------------------------


def _words(value: Any) -> str:
    return " ".join(str(value or "").split())


# What the organiser gives, each with its own whole sentences (no noun slotted into a sentence: each language
# builds these its own way). Keyed by a name used only here.
_ENTER = {
    "section_title": _l("Enter the section’s title"),
    "question": _l("Enter the question"),
    "template_name": _l("Enter a name for the template"),
}
_TOO_LONG = {
    "unit": _l("The unit must be %(limit)s characters or fewer"),
    "short": _l("The short name must be %(limit)s characters or fewer"),
    "error": _l("The error message must be %(limit)s characters or fewer"),
    "row_name": _l("The name of a row must be %(limit)s characters or fewer"),
    "section_title": _l("The section’s title must be %(limit)s characters or fewer"),
    "section_hint": _l("The line under the title must be %(limit)s characters or fewer"),
    "intro": _l("The introduction must be %(limit)s characters or fewer"),
    "question": _l("The question must be %(limit)s characters or fewer"),
    "hint": _l("The hint must be %(limit)s characters or fewer"),
    "template_name": _l("A name for the template must be %(limit)s characters or fewer"),
    "description": _l("The description must be %(limit)s characters or fewer"),
}
_NOT_WHOLE = {
    "max_chars": _l("The character limit must be a whole number"),
    "max_words": _l("The word limit must be a whole number"),
    "min_choices": _l("The fewest choices must be a whole number"),
    "max_choices": _l("The most choices must be a whole number"),
    "max_mb": _l("The largest file size must be a whole number"),
    "max_count": _l("The most files must be a whole number"),
    "max_rows": _l("The most rows must be a whole number"),
    "how_words": _l("The words for how the work addresses a trend must be a whole number"),
}
_TOO_LOW = {
    "max_chars": _l("The character limit must be %(low)s or more"),
    "max_words": _l("The word limit must be %(low)s or more"),
    "min_choices": _l("The fewest choices must be %(low)s or more"),
    "max_choices": _l("The most choices must be %(low)s or more"),
    "max_mb": _l("The largest file size must be %(low)s or more"),
    "max_count": _l("The most files must be %(low)s or more"),
    "max_rows": _l("The most rows must be %(low)s or more"),
    "how_words": _l("The words for how the work addresses a trend must be %(low)s or more"),
}
_TOO_HIGH = {
    "max_chars": _l("The character limit must be %(high)s or fewer"),
    "max_words": _l("The word limit must be %(high)s or fewer"),
    "min_choices": _l("The fewest choices must be %(high)s or fewer"),
    "max_choices": _l("The most choices must be %(high)s or fewer"),
    "max_mb": _l("The largest file size must be %(high)s or fewer"),
    "max_count": _l("The most files must be %(high)s or fewer"),
    "max_rows": _l("The most rows must be %(high)s or fewer"),
    "how_words": _l("The words for how the work addresses a trend must be %(high)s or fewer"),
}
_NOT_A_NUMBER = {
    "min": _l("The lowest number must be a number"),
    "max": _l("The highest number must be a number"),
}


def _check_text(value: Any, *, field: str, what: str, limit: int, required: bool = True) -> str:
    """`what` names the field's sentences in _ENTER and _TOO_LONG."""
    text = str(value or "").strip()
    if required and not text:
        raise DomainError(str(_ENTER[what]), field=field)
    if len(text) > limit:
        raise DomainError(str(_TOO_LONG[what]) % {"limit": format_decimal(limit)}, field=field)
    return text


def _whole(value: Any, *, field: str, what: str, low: int = 1, high: int | None = None) -> int | None:
    """A limit: None when not given, else a whole number from `low` (to `high`). `what` names the limit's
    sentences in _NOT_WHOLE, _TOO_LOW and _TOO_HIGH."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip().replace(",", "")
    if isinstance(value, bool) or not re.fullmatch(r"-?\d{1,9}", text):
        raise DomainError(str(_NOT_WHOLE[what]), field=field)
    number = int(text)
    if number < low:
        raise DomainError(str(_TOO_LOW[what]) % {"low": format_decimal(low)}, field=field)
    if high is not None and number > high:
        raise DomainError(str(_TOO_HIGH[what]) % {"high": format_decimal(high)}, field=field)
    return number


def _number(value: Any, *, field: str, what: str) -> int | float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = answers.as_number(value)
    if number is None or isinstance(value, bool) or abs(number) > Decimal("1e15"):
        raise DomainError(str(_NOT_A_NUMBER[what]), field=field)
    return answers.as_json_number(number)


def check_key(key: str, *, field: str = "key", column: int | None = None) -> str:
    """A key as a form's keys must be (`column`: a group's sub-question's, counted from 1)."""
    if not KEY.fullmatch(key or ""):
        if column is None:
            message = _(
                "Key must start with a letter and have only lower case letters, numbers and underscores (up to "
                "%(most)s), like project_budget",
                most=format_decimal(40),
            )
        else:
            message = _(
                "Sub-question %(number)s’s key must start with a letter and have only lower case letters, numbers "
                "and underscores (up to %(most)s), like project_budget",
                number=format_decimal(column),
                most=format_decimal(40),
            )
        raise DomainError(message, field=field)
    return key


def key_from(text: str, taken: Iterable[str], *, prefix: str = "q") -> str:
    """A key made from a label ("What is the budget?" → what_is_the_budget), unique among `taken`."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")[:34].rstrip("_")
    if not base or not base[0].isalpha():
        base = f"{prefix}_{base}".rstrip("_")[:34]
    taken = set(taken)
    key, n = base, 2
    while key in taken or (prefix == "section" and key in RESERVED_SECTION_KEYS):
        key, n = f"{base}_{n}", n + 1
    return key


def _question_keys(cycle: Cycle, *, besides: FormQuestion | None = None) -> set[str]:
    return {q.key for q in ordered_questions(cycle) if q is not besides}


def _check_categories(cycle: Cycle, category_ids: Iterable[Any] | None) -> list[int]:
    ids = []
    known = {c.id for c in cycle.categories}
    for value in category_ids or []:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise DomainError(_("Select categories from the list"), field="categories") from None
        if number not in known:
            raise DomainError(_("Select categories from the list"), field="categories")
        if number not in ids:
            ids.append(number)
    return [c.id for c in cycle.categories if c.id in ids]  # in the cycle's order


def _earlier_questions(cycle: Cycle, section: FormSection, position: int | None) -> list[FormQuestion]:
    """The questions before a place in the form: earlier sections, and the section's own questions before
    `position` (None: a condition of the whole section, so none of its own)."""
    found = []
    for s in ordered_sections(cycle):
        if s is section:
            if position is not None:
                found += [q for q in s.questions if q.position < position]
            break
        found += list(s.questions)
    return found


def _check_condition(
    cycle: Cycle, condition: dict[str, Any] | None, earlier: list[FormQuestion], *, whole_section: bool = False
) -> dict[str, Any] | None:
    """A condition {"question": key, "values": [...]} on an earlier question of a kind that can be one."""
    if not condition or not condition.get("question"):
        return None
    key = str(condition["question"])
    target = next((q for q in earlier if q.key == key), None)
    if target is None:
        raise DomainError(
            _("Select an earlier section for the condition")
            if whole_section
            else _("Select an earlier question for the condition"),
            field="condition_question",
        )
    if not forms.KINDS[target.kind].conditional:
        raise DomainError(
            _(
                "‘%(question)s’ cannot be a condition: choose a short text, number, yes or no, or choice question",
                question=forms.short_name(target),
            ),
            field="condition_question",
        )
    values = [_words(v) for v in condition.get("values") or [] if _words(v)]
    if not values:
        raise DomainError(_("Enter the answers that show it"), field="condition_values")
    if target.kind == "yes_no":
        values = [v.lower() for v in values]
        if any(v not in ("yes", "no") for v in values):
            raise DomainError(_("Select yes or no for the condition"), field="condition_values")
    elif target.kind in ("choice", "choices"):
        options = [str(o) for o in forms.setting(target, "options", [])]
        wrong = [v for v in values if v not in options]
        if wrong:
            raise DomainError(
                _(
                    "‘%(answer)s’ is not one of the options of ‘%(question)s’",
                    answer=wrong[0],
                    question=forms.short_name(target),
                ),
                field="condition_values",
            )
    elif target.kind == "number":
        if any(answers.as_number(v) is None for v in values):
            raise DomainError(_("The answers that show it must be numbers"), field="condition_values")
    if len(values) > forms.MAX_OPTIONS:
        raise DomainError(
            _("Give up to %(most)s answers", most=format_decimal(forms.MAX_OPTIONS)), field="condition_values"
        )
    return {"question": key, "values": list(dict.fromkeys(values))}


# How much of an answer judges see, to compare a condition's question with what depends on it.
_SEEN_BY_JUDGES = {"none": 0, "not_blind": 1, "all": 2}


def _check_not_revealing(cycle: Cycle, condition: dict[str, Any] | None, dependants: list[str], *, field: str) -> None:
    """Judges who see a question (or section) asked only for an answer they may not see would learn that
    answer from whether it is there: refused."""
    if not condition:
        return
    target = forms.question_by_key(cycle, str(condition.get("question") or ""))
    if target is None:
        return
    if any(_SEEN_BY_JUDGES[d] > _SEEN_BY_JUDGES[target.judges_see] for d in dependants):
        raise DomainError(
            _(
                "Judges would learn the answer to ‘%(question)s’, which they may not see, from whether this is "
                "asked: choose another condition, or let fewer judges see this",
                question=forms.short_name(target),
            ),
            field=field,
        )


def _check_dependants_not_revealed(cycle: Cycle, key: str, judges_see: str) -> None:
    """A question others depend on cannot be hidden from judges who see those others."""
    for section in ordered_sections(cycle):
        dependants = []
        if (section.condition or {}).get("question") == key:
            dependants += [q.judges_see for q in section.questions]
        dependants += [q.judges_see for q in section.questions if (q.condition or {}).get("question") == key]
        if any(_SEEN_BY_JUDGES[d] > _SEEN_BY_JUDGES[judges_see] for d in dependants):
            raise DomainError(
                _(
                    "Questions judges see are asked only for some answers to this one: hidden from them, its answer "
                    "would show through. Change those conditions first."
                ),
                field="judges_see",
            )


def _check_options(value: Any, *, field: str = "options") -> list[str]:
    options = value.splitlines() if isinstance(value, str) else list(value or [])
    cleaned = [_words(o) for o in options if _words(o)]
    if not cleaned:
        raise DomainError(_("Enter the options, one on each line"), field=field)
    if len(cleaned) > forms.MAX_OPTIONS:
        raise DomainError(_("Give up to %(most)s options", most=format_decimal(forms.MAX_OPTIONS)), field=field)
    seen: set[str] = set()
    for option in cleaned:
        if len(option) > 200:
            raise DomainError(_("Each option must be 200 characters or fewer"), field=field)
        if option.casefold() in seen:
            raise DomainError(_("‘%(option)s’ is in the list twice: give each option once", option=option), field=field)
        seen.add(option.casefold())
    return cleaned


def _check_columns(value: Any, existing: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A group's sub-questions: each a label, a kind that can be in a group and whether it is required;
    one that was there keeps its key (its answers are kept by it)."""
    columns: list[dict[str, Any]] = []
    old_keys = {str(c.get("key")) for c in existing}
    taken: set[str] = set()
    for i, raw in enumerate(value or []):
        label = _words(raw.get("label"))
        if not label:
            continue
        field = f"columns-{i}-label"
        if len(label) > 200:
            raise DomainError(
                _(
                    "Sub-question %(number)s: the label must be %(limit)s characters or fewer",
                    number=format_decimal(i + 1),
                    limit=format_decimal(200),
                ),
                field=field,
            )
        kind = str(raw.get("kind") or "text")
        if kind not in forms.GROUP_KINDS:
            raise DomainError(
                _("Sub-question %(number)s: select a kind from the list", number=format_decimal(i + 1)),
                field=f"columns-{i}-kind",
            )
        key = str(raw.get("key") or "")
        if key and key not in old_keys:
            check_key(key, field=field, column=i + 1)
        if not key or key in taken:
            key = key_from(label, taken | old_keys, prefix="c")
        taken.add(key)
        old = next((c for c in existing if c.get("key") == key), None)
        settings = copy.deepcopy((old or {}).get("settings") or {})
        if kind == "text":
            settings.setdefault("max_chars", 200)
        column: dict[str, Any] = {
            "key": key,
            "kind": kind,
            "label": label,
            "required": bool(raw.get("required")) and kind != "yes_no",
            "settings": settings,
        }
        if old is not None:
            column = {**copy.deepcopy(old), **column}
        if kind == "choice":
            column["settings"]["options"] = _check_options(raw.get("options") or settings.get("options"), field=field)
        columns.append(column)
    if not columns:
        raise DomainError(_("Give the group at least one sub-question"), field="columns-0-label")
    if len(columns) > MAX_COLUMNS:
        raise DomainError(
            _("Give the group up to %(most)s sub-questions", most=format_decimal(MAX_COLUMNS)), field="columns-0-label"
        )
    return columns


def _text_settings(kind: str, settings: dict[str, Any], *, key: str, core: bool) -> dict[str, Any]:
    core_limit = forms.CORE_MAX_CHARS.get(key) if core else None
    high = core_limit or (MAX_TEXT if kind == "text" else MAX_CHARS)
    max_chars = _whole(settings.get("max_chars"), field="max_chars", what="max_chars", high=high)
    max_words = None
    if kind == "textarea":
        max_words = _whole(settings.get("max_words"), field="max_words", what="max_words", high=MAX_WORDS)
        if max_words and max_chars:
            raise DomainError(_("Give a word limit or a character limit, not both"), field="max_words")
        if not max_words and not max_chars:
            raise DomainError(_("Enter the word limit or the character limit"), field="max_words")
    elif core_limit and not max_chars:
        max_chars = core_limit
    return {k: v for k, v in (("max_words", max_words), ("max_chars", max_chars)) if v}


def _number_settings(settings: dict[str, Any]) -> dict[str, Any]:
    unit = _check_text(settings.get("unit"), field="unit", what="unit", limit=40, required=False)
    low = _number(settings.get("min"), field="min", what="min")
    high = _number(settings.get("max"), field="max", what="max")
    if low is not None and high is not None and high < low:
        raise DomainError(_("The highest number must be the same as or more than the lowest"), field="max")
    whole = bool(settings.get("whole"))
    if whole and low is not None and low != int(low):
        raise DomainError(_("The lowest number must be a whole number if answers are whole numbers"), field="min")
    out: dict[str, Any] = {k: v for k, v in (("unit", unit), ("min", low), ("max", high)) if v not in (None, "")}
    if whole:
        out["whole"] = True
    return out


def _choice_settings(kind: str, settings: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"options": _check_options(settings.get("options"))}
    if kind == "choices":
        count = len(out["options"])
        low = _whole(settings.get("min_choices"), field="min_choices", what="min_choices", high=count)
        high = _whole(settings.get("max_choices"), field="max_choices", what="max_choices", high=count)
        if low and high and high < low:
            raise DomainError(_("The most choices must be the same as or more than the fewest"), field="max_choices")
        out.update({k: v for k, v in (("min_choices", low), ("max_choices", high)) if v})
    return out


def _file_settings(settings: dict[str, Any]) -> dict[str, Any]:
    types = [str(t).lower().lstrip(".") for t in settings.get("types") or []]
    if not types:
        raise DomainError(_("Select the types of file nominees can upload"), field="types")
    if any(t not in forms.FILE_TYPES for t in types):
        raise DomainError(_("Select types of file from the list"), field="types")
    max_mb = _whole(settings.get("max_mb"), field="max_mb", what="max_mb", high=MAX_FILE_MB)
    if max_mb is None:
        raise DomainError(_("Enter the largest file size, in MB"), field="max_mb")
    max_count = _whole(settings.get("max_count"), field="max_count", what="max_count", high=MAX_FILE_COUNT)
    if max_count is None:
        raise DomainError(_("Enter the most files a nominee can upload"), field="max_count")
    return {"types": [t for t in forms.FILE_TYPES if t in types], "max_mb": max_mb, "max_count": max_count}


def _group_settings(settings: dict[str, Any], existing: dict[str, Any]) -> dict[str, Any]:
    columns = _check_columns(settings.get("columns"), existing.get("columns") or [])
    max_rows = _whole(settings.get("max_rows"), field="max_rows", what="max_rows", high=forms.MAX_GROUP_ROWS)
    if max_rows is None:
        raise DomainError(_("Enter the most rows a nominee can give"), field="max_rows")
    row_name = _check_text(settings.get("row_name"), field="row_name", what="row_name", limit=60, required=False)
    return {"columns": columns, "max_rows": max_rows, "row_name": row_name or ""}


def clean_settings(
    kind: str, settings: dict[str, Any], *, key: str, core: bool, existing: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A kind's settings, checked and tidied (numbers as numbers, empty ones left out); settings the
    builder does not show (an autocomplete hint, a noun for messages) are kept from `existing`."""
    existing = existing or {}
    out: dict[str, Any] = {k: v for k, v in existing.items() if k in ("autocomplete", "noun")}
    short = _check_text(settings.get("short"), field="short", what="short", limit=120, required=False)
    error = _check_text(settings.get("error"), field="error", what="error", limit=300, required=False)
    if short:
        out["short"] = short
    if error:
        out["error"] = error
    if settings.get("personal") and not core:  # cleared by account deletion and the retention purge
        out["personal"] = True
    if kind in ("text", "textarea"):
        out.update(_text_settings(kind, settings, key=key, core=core))
    elif kind == "number":
        out.update(_number_settings(settings))
    elif kind in ("choice", "choices"):
        out.update(_choice_settings(kind, settings))
    elif kind == "file":
        out.update(_file_settings(settings))
    elif kind == "group":
        out.update(_group_settings(settings, existing))
    elif kind == "trends":
        out["how_words"] = _whole(
            settings.get("how_words") or existing.get("how_words") or 100,
            field="how_words",
            what="how_words",
            high=1000,
        )
    return out


# What a change would do to the answers --------------------------------------------------------------


def _copy_of(question: FormQuestion, **changes: Any) -> FormQuestion:
    """A question as it would be after a change (not in the database)."""
    values = {
        "key": question.key,
        "kind": question.kind,
        "core": question.core,
        "label": question.label,
        "hint": question.hint,
        "required": question.required,
        "settings": copy.deepcopy(question.settings or {}),
        "judges_see": question.judges_see,
        "public": question.public,
        "position": question.position,
        "category_ids": list(question.category_ids or []),
        "condition": copy.deepcopy(question.condition),
    }
    values.update(changes)
    return FormQuestion(**values)


def _asked_ids(
    cycle: Cycle,
    question: FormQuestion,
    section: FormSection,
    *,
    category_ids: list[int] | None = None,
    condition: Any = "same",
    section_categories: list[int] | None = None,
    section_condition: Any = "same",
) -> set[int]:
    """The submitted nominations the question is asked of (its section's and its own category limits and
    conditions, or those given instead)."""
    q_categories = list(question.category_ids or []) if category_ids is None else category_ids
    s_categories = list(section.category_ids or []) if section_categories is None else section_categories
    conditions = [
        question.condition if condition == "same" else condition,
        section.condition if section_condition == "same" else section_condition,
    ]
    asked = set()
    lookups: dict[str, dict[int, Any]] = {}
    for c in conditions:
        if c and c.get("question"):
            target = next((q for q in ordered_questions(cycle) if q.key == c["question"]), None)
            lookups[c["question"]] = values_by_nomination(cycle, target) if target is not None else {}
    for nomination_id, category_id in _nominations(cycle, submitted_only=True):
        if q_categories and category_id not in q_categories:
            continue
        if s_categories and category_id not in s_categories:
            continue

        def find(key: str, nomination_id: int = nomination_id) -> Any:
            return lookups.get(key, {}).get(nomination_id)

        if all(forms.condition_holds(c, find) for c in conditions):
            asked.add(nomination_id)
    return asked


def _broken(cycle: Cycle, old: FormQuestion, new: FormQuestion, values: dict[int, Any], asked: set[int]) -> list[Any]:
    """The answers (of nominations asked the question) that pass the question's rules now and would not
    pass the new ones."""
    found = []
    for nomination_id in asked:
        value = values.get(nomination_id)
        if not answers.check_answer(cycle, old, value) and answers.check_answer(cycle, new, value):
            found.append(value)
    return found


# Which change each setting is, and what to say when it breaks answers.
_TIGHTENINGS = (
    "required",
    "max_words",
    "max_chars",
    "min",
    "max",
    "whole",
    "options",
    "min_choices",
    "max_choices",
    "max_rows",
    "columns",
    "how_words",
)


def _longest(values: list[Any], measure) -> int:
    return max((measure(v) for v in values), default=0)


def _answer_number(number: Any) -> str:
    """A number a nominee answered, as their language writes a number but without grouping (5000, 2,5 in Swedish)."""
    return babel_decimal(number, locale=get_locale() or "en", group_separator=False)


def _wrong_answers(count: int) -> str:
    return ngettext(
        "%(count)s submitted nomination has answers this change would make wrong",
        "%(count)s submitted nominations have answers this change would make wrong",
        count,
        count=_count(count),
    )


def _refusal(name: str, broken: list[Any], new: FormQuestion) -> Conflict:
    n, count = len(broken), _count(len(broken))
    settings = new.settings or {}
    if name == "required":
        return Conflict(
            ngettext(
                "It cannot become required: %(count)s submitted nomination has not answered it",
                "It cannot become required: %(count)s submitted nominations have not answered it",
                n,
                count=count,
            ),
            field="required",
        )
    if name == "max_words":
        most = format_decimal(_longest(broken, word_count))
        return Conflict(
            ngettext(
                "%(count)s submitted nomination has a longer answer (up to %(most)s words): the word limit must be "
                "at least %(most)s",
                "%(count)s submitted nominations have a longer answer (up to %(most)s words): the word limit must be "
                "at least %(most)s",
                n,
                count=count,
                most=most,
            ),
            field="max_words",
        )
    if name == "max_chars":
        most = format_decimal(_longest(broken, lambda v: len(str(v or ""))))
        return Conflict(
            ngettext(
                "%(count)s submitted nomination has a longer answer (up to %(most)s characters): the character limit "
                "must be at least %(most)s",
                "%(count)s submitted nominations have a longer answer (up to %(most)s characters): the character "
                "limit must be at least %(most)s",
                n,
                count=count,
                most=most,
            ),
            field="max_chars",
        )
    if name in ("min", "max", "whole"):
        numbers = sorted(x for x in (answers.as_number(v) for v in broken) if x is not None)
        shown = ", ".join(_answer_number(number) for number in numbers[:3])
        return Conflict(
            ngettext(
                "%(count)s submitted nomination answered %(numbers)s, which the new rule would not allow",
                "%(count)s submitted nominations answered %(numbers)s, which the new rule would not allow",
                n,
                count=count,
                numbers=shown,
            ),
            field=name,
        )
    if name == "options":
        options = set(settings.get("options") or [])
        chosen = [c for v in broken for c in (v if isinstance(v, list) else [v]) if str(c) not in options]
        return Conflict(
            ngettext(
                "%(count)s submitted nomination chose ‘%(option)s’: keep the options that nominations have chosen",
                "%(count)s submitted nominations chose ‘%(option)s’: keep the options that nominations have chosen",
                n,
                count=count,
                option=chosen[0] if chosen else "",
            ),
            field="options",
        )
    if name in ("min_choices", "max_choices"):
        return Conflict(
            ngettext(
                "%(count)s submitted nomination chose a number of options the new limit would not allow",
                "%(count)s submitted nominations chose a number of options the new limit would not allow",
                n,
                count=count,
            ),
            field=name,
        )
    if name == "max_rows":
        most = format_decimal(_longest(broken, lambda v: len(v or [])))
        return Conflict(
            ngettext(
                "%(count)s submitted nomination gave up to %(most)s rows: the most rows must be at least %(most)s",
                "%(count)s submitted nominations gave up to %(most)s rows: the most rows must be at least %(most)s",
                n,
                count=count,
                most=most,
            ),
            field="max_rows",
        )
    if name == "columns":
        return Conflict(
            ngettext(
                "%(count)s submitted nomination gave rows this change would make wrong: a sub-question they answered "
                "cannot be removed, change its kind or become required",
                "%(count)s submitted nominations gave rows this change would make wrong: a sub-question they "
                "answered cannot be removed, change its kind or become required",
                n,
                count=count,
            ),
            field="columns-0-label",
        )
    return Conflict(_wrong_answers(n), field=name)


def _check_answers_kept(cycle: Cycle, question: FormQuestion, new: FormQuestion) -> None:
    """Refuse a change of rules that a submitted answer breaks, saying which rule and why."""
    values = values_by_nomination(cycle, question)
    asked = _asked_ids(cycle, question, question.section)
    if not asked:
        return
    for name in _TIGHTENINGS:
        if name == "required":
            changed = new.required != question.required
            trial = _copy_of(question, required=new.required)
        else:
            changed = forms.setting(new, name) != forms.setting(question, name)
            trial = _copy_of(question, settings={**(question.settings or {}), name: forms.setting(new, name)})
            if forms.setting(new, name) is None:
                trial.settings.pop(name, None)
        if changed:
            broken = _broken(cycle, question, trial, values, asked)
            if broken:
                raise _refusal(name, broken, new)
    broken = _broken(cycle, question, new, values, asked)
    if broken:
        raise Conflict(_wrong_answers(len(broken)), field="label")


def _check_columns_kept(cycle: Cycle, question: FormQuestion, columns: list[dict[str, Any]]) -> None:
    """A group's sub-question that any nomination answered (drafts included) stays, with its kind."""
    new = {c["key"]: c for c in columns}
    rows = [
        row
        for value in values_by_nomination(cycle, question).values()
        for row in (value if isinstance(value, list) else [])
        if isinstance(row, dict)
    ]
    for column in forms.setting(question, "columns", []):
        answered = sum(
            1 for row in rows if not answers.is_blank(row.get(column["key"])) and column.get("kind") != "yes_no"
        )
        if not answered:
            continue
        kept = new.get(column["key"])
        if kept is None or kept.get("kind") != column.get("kind"):
            if kept is None:
                message = ngettext(
                    "The sub-question ‘%(label)s’ cannot be removed: %(count)s row of nominations answer it",
                    "The sub-question ‘%(label)s’ cannot be removed: %(count)s rows of nominations answer it",
                    answered,
                    label=column.get("label"),
                    count=_count(answered),
                )
            else:
                message = ngettext(
                    "The sub-question ‘%(label)s’ cannot be given another kind: %(count)s row of nominations answer it",
                    "The sub-question ‘%(label)s’ cannot be given another kind: %(count)s rows of nominations "
                    "answer it",
                    answered,
                    label=column.get("label"),
                    count=_count(answered),
                )
            raise Conflict(message, field="columns-0-label")


def _check_files_kept(cycle: Cycle, question: FormQuestion, settings: dict[str, Any]) -> None:
    """A file question's new types, size and count still fit every file a submitted nomination sent."""
    rows = db.session.execute(
        select(Attachment.nomination_id, Attachment.extension, Attachment.size)
        .join(Nomination, Nomination.id == Attachment.nomination_id)
        .where(
            Nomination.cycle_id == cycle.id,
            Nomination.submitted_at.is_not(None),
            Attachment.question_key == question.key,
        )
    ).all()
    counts: dict[int, int] = {}
    for nomination_id, extension, size in rows:
        counts[nomination_id] = counts.get(nomination_id, 0) + 1
        if str(extension).lower().lstrip(".") not in settings["types"]:
            raise Conflict(
                _(
                    "A submitted nomination uploaded a %(type)s file: keep that type",
                    type=str(extension).upper().lstrip("."),
                ),
                field="types",
            )
        if size > settings["max_mb"] * 1024 * 1024:
            needed = -(-size // (1024 * 1024))
            raise Conflict(
                _(
                    "A submitted nomination uploaded a file of %(size)s MB: the largest file size must be at least "
                    "%(size)s MB",
                    size=format_decimal(needed),
                ),
                field="max_mb",
            )
    most = max(counts.values(), default=0)
    if most > settings["max_count"]:
        raise Conflict(
            _(
                "A submitted nomination uploaded %(most)s files: the most files must be at least %(most)s",
                most=format_decimal(most),
            ),
            field="max_count",
        )


def _check_still_asked(
    cycle: Cycle,
    questions: list[FormQuestion],
    section: FormSection,
    *,
    question_changes: dict[str, Any] | None = None,
    section_changes: dict[str, Any] | None = None,
) -> None:
    """A category limit or condition must not hide a question from a submitted nomination that answered it."""
    for question in questions:
        values = values_by_nomination(cycle, question)
        answered = {i for i, v in values.items() if not answers.is_blank(v)}
        if not answered:
            continue
        before = _asked_ids(cycle, question, section)
        after = _asked_ids(cycle, question, section, **(question_changes or {}), **(section_changes or {}))
        hidden = (before - after) & answered
        if hidden:
            changed = {**(question_changes or {}), **(section_changes or {})}
            categories_changed = changed.get("category_ids", question.category_ids) != question.category_ids or (
                changed.get("section_categories", section.category_ids) != section.category_ids
            )
            field = "categories" if categories_changed else "condition_question"
            if field == "categories":
                message = ngettext(
                    "%(count)s submitted nomination answered ‘%(question)s’: this category limit would hide its answer",
                    "%(count)s submitted nominations answered ‘%(question)s’: this category limit would hide their "
                    "answer",
                    len(hidden),
                    count=_count(len(hidden)),
                    question=forms.short_name(question),
                )
            else:
                message = ngettext(
                    "%(count)s submitted nomination answered ‘%(question)s’: this condition would hide its answer",
                    "%(count)s submitted nominations answered ‘%(question)s’: this condition would hide their answer",
                    len(hidden),
                    count=_count(len(hidden)),
                    question=forms.short_name(question),
                )
            raise Conflict(message, field=field)


# Sections ----------------------------------------------------------------------------------------


def _check_section_fields(
    cycle: Cycle, section: FormSection | None, *, title: str, hint: str, intro: str
) -> tuple[str, str, str]:
    title = _check_text(title, field="title", what="section_title", limit=200)
    hint = _check_text(hint, field="hint", what="section_hint", limit=300, required=False)
    intro = _check_text(intro, field="intro", what="intro", limit=5000, required=False)
    if any(s.title.casefold() == title.casefold() for s in cycle.form_sections if s is not section):
        raise DomainError(_("The form already has a section with that title"), field="title")
    return title, hint, intro


def _too_many_sections() -> str:
    return _("A form can have up to %(most)s sections", most=format_decimal(forms.MAX_SECTIONS))


def _too_many_questions() -> str:
    return _("A form can have up to %(most)s questions", most=format_decimal(forms.MAX_QUESTIONS))


def _audit(action: str, cycle: Cycle, by: User | None, **detail: Any) -> None:
    audit.record(f"form.{action}", actor=by, obj=cycle, **detail)


def _renumber(items: list[Any]) -> None:
    for position, item in enumerate(items):
        item.position = position


def add_section(
    cycle: Cycle,
    *,
    title: str,
    hint: str = "",
    intro: str = "",
    key: str | None = None,
    category_ids: Iterable[Any] = (),
    condition: dict[str, Any] | None = None,
    by: User | None = None,
) -> FormSection:
    """A new section at the end of the form, with no questions yet."""
    sections = ordered_sections(cycle)
    if len(sections) >= forms.MAX_SECTIONS:
        raise DomainError(_too_many_sections(), field="title")
    title, hint, intro = _check_section_fields(cycle, None, title=title, hint=hint, intro=intro)
    taken = {s.key for s in sections}
    if key:
        check_key(key)
        if key in RESERVED_SECTION_KEYS:
            raise DomainError(_("‘%(key)s’ is used by the nomination pages: choose another key", key=key), field="key")
        if key in taken:
            raise DomainError(_("Another section has that key"), field="key")
    else:
        key = key_from(title, taken, prefix="section")
    section = FormSection(
        cycle=cycle,
        key=key,
        title=title,
        hint=hint,
        intro=intro,
        position=len(sections),
        category_ids=_check_categories(cycle, category_ids),
        condition=_check_condition(cycle, condition, [q for s in sections for q in s.questions], whole_section=True),
    )
    section.questions = []
    db.session.add(section)
    if section not in cycle.form_sections:
        cycle.form_sections.append(section)
    db.session.flush()
    _audit("section_added", cycle, by, section=key, title=title)
    return section


def edit_section(
    section: FormSection,
    *,
    title: str,
    hint: str = "",
    intro: str = "",
    category_ids: Iterable[Any] = (),
    condition: dict[str, Any] | None = None,
    by: User | None = None,
) -> None:
    cycle = section.cycle
    title, hint, intro = _check_section_fields(cycle, section, title=title, hint=hint, intro=intro)
    new_categories = _check_categories(cycle, category_ids)
    new_condition = _check_condition(cycle, condition, _earlier_questions(cycle, section, None), whole_section=True)
    _check_not_revealing(cycle, new_condition, [q.judges_see for q in section.questions], field="condition_question")
    if (new_categories or new_condition) and any(q.core for q in section.questions):
        raise DomainError(
            _(
                "This section has core questions, which every nominee is asked: it cannot be limited to categories "
                "or shown only for an answer. Move them to another section first."
            ),
            field="categories" if new_categories else "condition_question",
        )
    if has_submitted(cycle) and (
        new_categories != list(section.category_ids or []) or new_condition != section.condition
    ):
        _check_still_asked(
            cycle,
            list(section.questions),
            section,
            section_changes={"section_categories": new_categories, "section_condition": new_condition},
        )
    changed = []
    for name, value in (
        ("title", title),
        ("hint", hint),
        ("intro", intro),
        ("category_ids", new_categories),
        ("condition", new_condition),
    ):
        if getattr(section, name) != value:
            setattr(section, name, value)
            changed.append(name)
    if changed:
        _audit("section_changed", cycle, by, section=section.key, fields=changed)


def removal_problem_of_section(section: FormSection) -> str | None:
    """Why the section cannot be removed, or None."""
    core = [q for q in section.questions if q.core]
    if core:
        names = [_("‘%(name)s’", name=forms.short_name(q)) for q in core]  # each quoted as the language quotes
        return ngettext(
            "It has a core question (%(questions)s) the platform needs: move it to another section first",
            "It has core questions (%(questions)s) the platform needs: move them to another section first",
            len(core),
            questions=", ".join(names),
        )
    for question in section.questions:
        problem = removal_problem(question, within=section)
        if problem:
            return problem
    return None


def remove_section(section: FormSection, *, by: User | None = None) -> None:
    cycle = section.cycle
    problem = removal_problem_of_section(section)
    if problem:
        raise Conflict(_("You cannot remove ‘%(section)s’. %(problem)s.", section=section.title, problem=problem))
    key, title = section.key, section.title
    cycle.form_sections.remove(section)
    db.session.delete(section)
    db.session.flush()
    _renumber(ordered_sections(cycle))
    _audit("section_removed", cycle, by, section=key, title=title)


def _check_order(cycle: Cycle) -> None:
    """Every condition refers to a question before what it shows."""
    seen: set[str] = set()
    for section in ordered_sections(cycle):
        if section.condition and section.condition.get("question") not in seen:
            raise Conflict(
                _(
                    "‘%(section)s’ is shown only for an answer to a question that would come after it: change its "
                    "condition first",
                    section=section.title,
                )
            )
        section_seen: set[str] = set()
        for question in section.questions:
            if question.condition and question.condition.get("question") not in seen | section_seen:
                raise Conflict(
                    _(
                        "‘%(question)s’ is shown only for an answer to a question that would come after it: change "
                        "its condition first",
                        question=forms.short_name(question),
                    )
                )
            section_seen.add(question.key)
        seen |= section_seen


def move_section(section: FormSection, direction: str, *, by: User | None = None) -> None:
    cycle = section.cycle
    sections = ordered_sections(cycle)
    i = sections.index(section)
    j = i - 1 if direction == UP else i + 1
    if direction not in (UP, DOWN) or not 0 <= j < len(sections):
        raise Conflict(
            _("‘%(section)s’ is already first", section=section.title)
            if direction == UP
            else _("‘%(section)s’ is already last", section=section.title)
        )
    sections[i], sections[j] = sections[j], sections[i]
    _renumber(sections)
    _check_order(cycle)
    _audit("section_moved", cycle, by, section=section.key, direction=direction, position=section.position + 1)


def _copy_key(key: str, taken: set[str]) -> str:
    base = f"{key[:33]}_copy"
    new, n = base, 2
    while new in taken:
        new, n = f"{base}_{n}", n + 1
    return new


def duplicate_section(section: FormSection, *, by: User | None = None) -> FormSection:
    """A copy of the section after it, with copies of its questions (core questions, which the form has once,
    are left out), each with a new key; conditions on the section's own questions follow the copies."""
    cycle = section.cycle
    sections = ordered_sections(cycle)
    if len(sections) >= forms.MAX_SECTIONS:
        raise DomainError(_too_many_sections())
    copied = [q for q in section.questions if not q.core]
    if len(ordered_questions(cycle)) + len(copied) > forms.MAX_QUESTIONS:
        raise DomainError(_too_many_questions())
    taken_titles = {s.title.casefold() for s in sections}
    title, n = f"{section.title} (copy)"[:200], 2
    while title.casefold() in taken_titles:
        title, n = f"{section.title} (copy {n})"[:200], n + 1
    new = FormSection(
        cycle=cycle,
        key=_copy_key(section.key, {s.key for s in sections} | RESERVED_SECTION_KEYS),
        title=title,
        hint=section.hint,
        intro=section.intro,
        position=section.position + 1,
        category_ids=list(section.category_ids or []),
        condition=copy.deepcopy(section.condition),
    )
    taken = _question_keys(cycle)
    renamed: dict[str, str] = {}
    questions = []
    for position, question in enumerate(copied):
        key = _copy_key(question.key, taken)
        taken.add(key)
        renamed[question.key] = key
        condition = copy.deepcopy(question.condition)
        if condition and condition.get("question") in renamed:
            condition["question"] = renamed[condition["question"]]
        questions.append(_copy_of(question, key=key, core=False, position=position, condition=condition))
    for question in questions:
        question.cycle_id = cycle.id
    new.questions = questions
    db.session.add(new)
    sections.insert(sections.index(section) + 1, new)
    if new not in cycle.form_sections:
        cycle.form_sections.append(new)
    _renumber(sections)
    db.session.flush()
    _audit("section_duplicated", cycle, by, section=section.key, copy=new.key, questions=len(questions))
    return new


# Questions ---------------------------------------------------------------------------------------


def _check_question_fields(
    cycle: Cycle,
    section: FormSection,
    *,
    kind: str,
    key: str,
    core: bool,
    position: int,
    fields: dict[str, Any],
    existing: FormQuestion | None,
) -> dict[str, Any]:
    """The question's words, visibility, where it is asked and its kind's settings, checked."""
    if kind not in forms.KINDS or (kind == "trends" and key != "trends"):
        raise DomainError(_("Select the kind of question"), field="kind")
    label = _check_text(fields.get("label"), field="label", what="question", limit=300)
    hint = _check_text(fields.get("hint"), field="hint", what="hint", limit=2000, required=False)
    judges_see = str(fields.get("judges_see") or "all")
    if judges_see not in forms.JUDGES_SEE:
        raise DomainError(_("Select who sees the answer"), field="judges_see")
    settings = clean_settings(
        kind,
        dict(fields.get("settings") or {}),
        key=key,
        core=core,
        existing=(existing.settings if existing is not None else None),
    )
    earlier = _earlier_questions(cycle, section, position)
    condition = _check_condition(cycle, fields.get("condition"), earlier)
    category_ids = _check_categories(cycle, fields.get("category_ids"))
    if core and (category_ids or condition):
        raise DomainError(
            _(
                "A core question is asked of every nominee: it cannot be limited to categories or shown only "
                "for an answer"
            ),
            field="categories" if category_ids else "condition_question",
        )
    if core and (section.category_ids or section.condition):
        raise DomainError(
            _(
                "A core question is asked of every nominee: ‘%(section)s’ is not, so it cannot go there",
                section=section.title,
            ),
            field="section",
        )
    public = bool(fields.get("public"))
    if public and not core and (kind in ("email", "phone") or settings.get("personal")):
        raise DomainError(
            _("An email address, a telephone number or personal data is never published: untick “Publish the answer”"),
            field="public",
        )
    _check_not_revealing(cycle, condition, [judges_see], field="condition_question")
    if section.condition:
        _check_not_revealing(cycle, section.condition, [judges_see], field="judges_see")
    if existing is not None and judges_see != existing.judges_see:
        _check_dependants_not_revealed(cycle, existing.key, judges_see)
    return {
        "label": label,
        "hint": hint,
        # A core question's answer is read by the platform: whether it is required stays as it is.
        "required": existing.required if core and existing is not None else bool(fields.get("required")),
        "judges_see": judges_see,
        "public": public,
        "category_ids": category_ids,
        "condition": condition,
        "settings": settings,
    }


def _check_dependants(cycle: Cycle, question: FormQuestion, kind: str, settings: dict[str, Any]) -> None:
    """What is shown only for an answer to the question stays possible: the kind can still be a condition,
    and the options it is shown for are still there."""
    dependants: list[FormSection | FormQuestion] = [
        s for s in cycle.form_sections if (s.condition or {}).get("question") == question.key
    ]
    dependants += [q for q in ordered_questions(cycle) if (q.condition or {}).get("question") == question.key]
    for item in dependants:
        if not forms.KINDS[kind].conditional:
            if isinstance(item, FormSection):
                message = _(
                    "The section ‘%(section)s’ is shown only for an answer to this question, so its kind must be one "
                    "that can be a condition: change that condition first",
                    section=item.title,
                )
            else:
                message = _(
                    "‘%(question)s’ is shown only for an answer to this question, so its kind must be one that can be "
                    "a condition: change that condition first",
                    question=forms.short_name(item),
                )
            raise DomainError(message, field="kind")
        if kind in ("choice", "choices"):
            options = [str(o) for o in settings.get("options") or []]
            missing = [v for v in (item.condition or {}).get("values") or [] if str(v) not in options]
            if missing:
                if isinstance(item, FormSection):
                    message = _(
                        "The section ‘%(section)s’ is shown for the answer ‘%(answer)s’: keep that option, or change "
                        "that condition first",
                        section=item.title,
                        answer=missing[0],
                    )
                else:
                    message = _(
                        "‘%(question)s’ is shown for the answer ‘%(answer)s’: keep that option, or change that "
                        "condition first",
                        question=forms.short_name(item),
                        answer=missing[0],
                    )
                raise DomainError(message, field="options")


def add_question(
    section: FormSection, *, kind: str, key: str | None = None, by: User | None = None, **fields: Any
) -> FormQuestion:
    """A new question at the end of the section. `fields`: label, hint, required, judges_see, public,
    category_ids, condition and settings (the kind's own)."""
    cycle = section.cycle
    questions = ordered_questions(cycle)
    if len(questions) >= forms.MAX_QUESTIONS:
        raise DomainError(_too_many_questions(), field="label")
    if kind not in forms.ADDABLE_KINDS:
        raise DomainError(_("Select the kind of question"), field="kind")
    taken = {q.key for q in questions}
    if key:
        check_key(key)
        if key in taken:
            raise DomainError(_("Another question has that key"), field="key")
        if key in forms.CORE_KEYS:
            raise DomainError(_("‘%(key)s’ is the key of a core question: choose another", key=key), field="key")
    else:
        key = key_from(str(fields.get("label") or ""), taken | set(forms.CORE_KEYS))
    position = len(section.questions)
    values = _check_question_fields(
        cycle, section, kind=kind, key=key, core=False, position=position, fields=fields, existing=None
    )
    question = FormQuestion(cycle_id=cycle.id, key=key, kind=kind, core=False, position=position, **values)
    section.questions.append(question)
    db.session.flush()
    _audit("question_added", cycle, by, section=section.key, question=key, kind=kind, required=values["required"])
    return question


def edit_question(
    question: FormQuestion,
    *,
    kind: str | None = None,
    section: FormSection | None = None,
    by: User | None = None,
    **fields: Any,
) -> None:
    """Change a question: its words, rules, visibility, where it is asked, its kind (while nobody has
    answered it) and its section (it goes to the end of the new one)."""
    cycle = question.section.cycle
    kind = kind or question.kind
    target = section or question.section
    if question.core and kind != question.kind:
        raise DomainError(_("A core question’s kind cannot change: the platform reads its answers"), field="kind")
    if question.core:  # who reads a core answer is the platform's rule (publication, blind judging), not the form's
        fields = {**fields, "judges_see": question.judges_see, "public": question.public}
    position = question.position if target is question.section else len(target.questions)
    values = _check_question_fields(
        cycle,
        target,
        kind=kind,
        key=question.key,
        core=question.core,
        position=position,
        fields=fields,
        existing=question,
    )
    _check_dependants(cycle, question, kind, values["settings"])
    protected = has_submitted(cycle)
    if kind != question.kind:
        if kind not in forms.ADDABLE_KINDS:
            raise DomainError(_("Select the kind of question"), field="kind")
        count = answered_count(cycle, question)
        if protected and count:
            raise Conflict(
                ngettext(
                    "Its kind cannot change: %(count)s nomination has answered it, and the answers would no longer fit",
                    "Its kind cannot change: %(count)s nominations have answered it, and the answers would no "
                    "longer fit",
                    count,
                    count=_count(count),
                ),
                field="kind",
            )
    new = _copy_of(question, kind=kind, **values)
    if protected and kind == question.kind:
        if kind == "group":
            _check_columns_kept(cycle, question, values["settings"]["columns"])
        _check_answers_kept(cycle, question, new)
        if kind == "file":
            _check_files_kept(cycle, question, values["settings"])
    if protected and (
        values["category_ids"] != list(question.category_ids or []) or values["condition"] != question.condition
    ):
        _check_still_asked(
            cycle,
            [question],
            question.section,
            question_changes={"category_ids": values["category_ids"], "condition": values["condition"]},
        )
    changed = [name for name, value in values.items() if getattr(question, name) != value]
    if kind != question.kind:
        question.kind = kind
        changed.append("kind")
    for name, value in values.items():
        setattr(question, name, value)
    if target is not question.section:
        old = question.section
        old.questions.remove(question)
        question.position = len(target.questions)
        target.questions.append(question)
        _renumber(sorted(old.questions, key=lambda q: q.position))
        changed.append("section")
        db.session.flush()
        _check_order(cycle)
    if changed:
        _audit("question_changed", cycle, by, question=question.key, fields=changed)


def _dependants(cycle: Cycle, key: str) -> list[FormSection | FormQuestion]:
    """What shows only for an answer to the question of this key."""
    found: list[FormSection | FormQuestion] = [
        s for s in cycle.form_sections if (s.condition or {}).get("question") == key
    ]
    found += [q for q in ordered_questions(cycle) if (q.condition or {}).get("question") == key]
    return found


def removal_problem(question: FormQuestion, *, within: FormSection | None = None) -> str | None:
    """Why the question cannot be removed, or None: a core question; the condition of another question
    (outside the section being removed with it); answered once the cycle has a submitted nomination."""
    cycle = question.section.cycle
    if question.core:
        return _(
            "‘%(question)s’ is a core question the platform needs: you can change it but not remove it",
            question=forms.short_name(question),
        )
    dependants = _dependants(cycle, question.key)
    if within is not None:  # what goes with the section does not count
        dependants = [d for d in dependants if d is not within and not any(d is q for q in within.questions)]
    if dependants:
        first = dependants[0]
        if isinstance(first, FormSection):
            return _(
                "The section ‘%(section)s’ is shown only for an answer to ‘%(question)s’: change that condition first",
                section=first.title,
                question=forms.short_name(question),
            )
        return _(
            "‘%(dependant)s’ is shown only for an answer to ‘%(question)s’: change that condition first",
            dependant=forms.short_name(first),
            question=forms.short_name(question),
        )
    if has_submitted(cycle):
        count = answered_count(cycle, question)
        if count:
            return ngettext(
                "%(count)s nomination has answered ‘%(question)s’, and a submitted nomination’s answers are kept",
                "%(count)s nominations have answered ‘%(question)s’, and a submitted nomination’s answers are kept",
                count,
                count=_count(count),
                question=forms.short_name(question),
            )
    return None


def remove_question(question: FormQuestion, *, by: User | None = None) -> None:
    section = question.section
    cycle = section.cycle
    problem = removal_problem(question)
    if problem:
        raise Conflict(_("You cannot remove this question. %(problem)s.", problem=problem))
    key = question.key
    section.questions.remove(question)
    db.session.delete(question)
    db.session.flush()
    _renumber(section.questions)
    _audit("question_removed", cycle, by, section=section.key, question=key)


def move_question(question: FormQuestion, direction: str, *, by: User | None = None) -> None:
    """Up or down within its section (a question moves to another section from its edit page)."""
    section = question.section
    cycle = section.cycle
    questions = sorted(section.questions, key=lambda q: q.position)
    i = questions.index(question)
    j = i - 1 if direction == UP else i + 1
    if direction not in (UP, DOWN) or not 0 <= j < len(questions):
        raise Conflict(
            _("‘%(question)s’ is already first in its section", question=forms.short_name(question))
            if direction == UP
            else _("‘%(question)s’ is already last in its section", question=forms.short_name(question))
        )
    questions[i], questions[j] = questions[j], questions[i]
    _renumber(questions)
    section.questions.sort(key=lambda q: q.position)
    _check_order(cycle)
    _audit("question_moved", cycle, by, question=question.key, direction=direction, position=question.position + 1)


def duplicate_question(question: FormQuestion, *, by: User | None = None) -> FormQuestion:
    """A copy of the question after it, with a new key (core questions are in the form once)."""
    section = question.section
    cycle = section.cycle
    if question.core:
        raise Conflict(
            _("‘%(question)s’ is a core question: the form has it once", question=forms.short_name(question))
        )
    if len(ordered_questions(cycle)) >= forms.MAX_QUESTIONS:
        raise DomainError(_too_many_questions())
    questions = sorted(section.questions, key=lambda q: q.position)
    new = _copy_of(question, key=_copy_key(question.key, _question_keys(cycle)), label=f"{question.label} (copy)"[:300])
    new.cycle_id = cycle.id
    questions.insert(questions.index(question) + 1, new)
    section.questions.append(new)
    _renumber(questions)
    section.questions.sort(key=lambda q: q.position)
    db.session.flush()
    _audit("question_duplicated", cycle, by, question=question.key, copy=new.key)
    return new


# Templates ---------------------------------------------------------------------------------------


def form_templates() -> list[FormTemplate]:
    return list(db.session.scalars(select(FormTemplate).order_by(FormTemplate.name)))


def get_template(template_id: int) -> FormTemplate:
    template = db.session.get(FormTemplate, template_id)
    if template is None:
        raise NotFound(_("No such template"))
    return template


def save_as_template(cycle: Cycle, *, name: str, description: str = "", by: User | None = None) -> FormTemplate:
    """The cycle's form as a named template (without its category limits: another cycle has other categories)."""
    name = _check_text(name, field="name", what="template_name", limit=120)
    description = _check_text(description, field="description", what="description", limit=2000, required=False)
    if any(t.name.casefold() == name.casefold() for t in form_templates()):
        raise Conflict(_("A template already has that name: choose another"), field="name")
    template = FormTemplate(
        name=name,
        description=description,
        definition=forms.definition_of(cycle),
        created_at=utcnow(),
        created_by_id=by.id if by is not None else None,
    )
    db.session.add(template)
    db.session.flush()
    _audit("template_saved", cycle, by, template=template.id, name=name)
    return template


def check_definition(definition: dict[str, Any]) -> None:
    """A definition a cycle's form can start from: every core question is in it."""
    keys = {q.get("key") for s in (definition or {}).get("sections") or [] for q in s.get("questions") or []}
    missing = [k for k in forms.CORE_KEYS if k not in keys]
    if missing:
        raise DomainError(_("That template lacks core questions the platform needs"), field="template")


def replace_from_template(cycle: Cycle, template: FormTemplate, *, by: User | None = None) -> None:
    """The cycle's form becomes the template's, while no nomination has been started."""
    count = nomination_count(cycle)
    if count:
        raise Conflict(
            ngettext(
                "The form cannot be replaced: %(count)s nomination has been started with it. Change its sections and "
                "questions instead.",
                "The form cannot be replaced: %(count)s nominations have been started with it. Change its sections "
                "and questions instead.",
                count,
                count=_count(count),
            ),
            field="template",
        )
    check_definition(template.definition)
    forms.install(cycle, copy.deepcopy(template.definition))
    _audit("replaced_from_template", cycle, by, template=template.id, name=template.name)
