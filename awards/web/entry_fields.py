"""A section of the cycle's form as a page of fields: which questions the page shows, their posted
fields turned into the answers the domain takes (by question kind), and back. The nominee's section
pages use it, and so does the organiser's preview of the form (which is why it is not in either).

Field names are the questions' keys: a date sends f"{key}-day", f"{key}-month" and f"{key}-year"; a
group's cells f"{key}-{row}-{column}" (a yes-or-no column ticks "y"); yes or no sends "yes" or
"no"; a statement to confirm ticks "y"; several choices send the key once per choice; the trends
send "trends" (ticked), "primary" and f"how_{trend id}". A file question sends nothing here: its
files are uploaded one by one (see web/nominee/routes.upload).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from werkzeug.datastructures import MultiDict

from awards.domain.nominations import answers
from awards.domain.programme import entry_forms as forms
from awards.domain.programme.entry_forms import setting
from awards.models import Nomination
from awards.models.forms import FormQuestion, FormSection

BLANK_ROWS = 2  # empty rows a group shows, so more can be added without JavaScript
FIRST_BLANK_ROWS = 3  # …and when it has none yet
SECTION_KEY = re.compile(r"[a-z0-9_]{1,40}")
# A trend's id as the form sends it (in "how_<id>").
_TREND_ID = "[0-9]{1,9}"


# Which questions the page shows ------------------------------------------------------------------


def shown_questions(nomination: Nomination, section: FormSection) -> list[FormQuestion]:
    """The questions the section's page shows this nomination, in order: those of its category whose
    condition is on an earlier section and holds (the server decides), and every one whose condition
    is on a question of this same section (the browser hides it while the condition does not hold;
    the server decides on save whether it is asked)."""
    own = {q.key for q in section.questions}
    find = answers.lookup(nomination)
    shown = []
    for question in section.questions:
        if question.category_ids and nomination.category_id not in question.category_ids:
            continue
        condition = question.condition or None
        if condition and condition.get("question") not in own and not forms.condition_holds(condition, find):
            continue
        shown.append(question)
    return shown


def same_section_condition(question: FormQuestion, questions: Iterable[FormQuestion]) -> FormQuestion | None:
    """The earlier question of the same page that the question's condition is on, if it is on one."""
    condition = question.condition or None
    if not condition:
        return None
    return next((q for q in questions if q.key == condition.get("question") and q is not question), None)


# Posted fields → answers -----------------------------------------------------------------------


def _text(form: MultiDict, name: str) -> str:
    return (form.get(name) or "").replace("\r\n", "\n")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _cell(column: dict[str, Any], form: MultiDict, name: str) -> Any:
    if column.get("kind") == "yes_no":
        return form.get(name) == "y"
    return _text(form, name).strip()


def _rows(question: FormQuestion, form: MultiDict) -> list[dict[str, Any]]:
    """The group's rows as posted (blank ones included: the domain drops them)."""
    columns = setting(question, "columns", [])
    rows = []
    for i in range(forms.MAX_GROUP_ROWS + FIRST_BLANK_ROWS):
        names = {c["key"]: f"{question.key}-{i}-{c['key']}" for c in columns}
        if not any(name in form for name in names.values()):
            continue
        rows.append({c["key"]: _cell(c, form, names[c["key"]]) for c in columns})
    return rows


def _trends(form: MultiDict) -> list[dict[str, Any]]:
    chosen: list[int] = []
    for value in form.getlist("trends"):
        trend_id = _int(value)
        if trend_id is not None and trend_id not in chosen:
            chosen.append(trend_id)
    primary = _int(form.get("primary"))
    return [{"trend_id": t, "is_primary": t == primary, "how_addressed": _text(form, f"how_{t}")} for t in chosen]


def parse_answer(question: FormQuestion, form: MultiDict) -> Any:
    """One question's answer from the posted form, in the shape entries.save_section takes."""
    key, kind = question.key, question.kind
    if kind == "date":
        return {part: _text(form, f"{key}-{part}").strip() for part in ("day", "month", "year")}
    if kind == "yes_no":
        return {"yes": True, "no": False}.get(form.get(key) or "")
    if kind == "declaration":
        return form.get(key) == "y"
    if kind == "choices":
        return [v for v in form.getlist(key) if v]
    if kind == "group":
        return _rows(question, form)
    if kind == "trends":
        return _trends(form)
    if kind in ("email", "url", "phone", "number", "choice", "text"):
        return _text(form, key).strip() if kind != "text" else _text(form, key)
    return _text(form, key)


def parse(section: FormSection, questions: Iterable[FormQuestion] | None, form: MultiDict) -> dict[str, Any]:
    """The answers to the questions the page showed, from the posted form (nothing else is read from
    it). `questions` are those the page showed (None: all the section's); one it did not show is left
    out, so its stored answer is kept; a file question too (its files are uploaded one by one)."""
    shown = section.questions if questions is None else questions
    return {q.key: parse_answer(q, form) for q in shown if q.kind != "file"}


# Answers → what the page shows -------------------------------------------------------------------


def with_blank_rows(questions: Iterable[FormQuestion], data: dict[str, Any]) -> dict[str, Any]:
    """The answers as the page shows them: each group with empty rows to add more without JavaScript
    (up to its most), and the trends with their main one and what was said of each."""
    data = dict(data)
    for question in questions:
        if question.kind == "group":
            rows = [r for r in data.get(question.key) or [] if isinstance(r, dict)]
            max_rows = int(setting(question, "max_rows", 10))
            blank = {c["key"]: (False if c.get("kind") == "yes_no" else "") for c in setting(question, "columns", [])}
            more = BLANK_ROWS if rows else FIRST_BLANK_ROWS
            rows += [dict(blank) for _ in range(max(0, min(more, max_rows - len(rows))))]
            data[question.key] = rows
        elif question.kind == "trends":
            links = [link for link in data.get(question.key) or [] if isinstance(link, dict)]
            data[question.key] = {
                "chosen": [link.get("trend_id") for link in links],
                "primary": next((link.get("trend_id") for link in links if link.get("is_primary")), None),
                "how": {str(link.get("trend_id")): link.get("how_addressed") or "" for link in links},
            }
    return data


def keep_trend_choices(data: dict[str, Any], questions: Iterable[FormQuestion], form: MultiDict) -> dict[str, Any]:
    """What the page shows again after a post with problems: for the trends, the main one chosen and
    each explanation typed, even for a trend not ticked (nothing typed is lost)."""
    for question in questions:
        if question.kind == "trends" and isinstance(data.get(question.key), dict):
            shown = data[question.key]
            shown["primary"] = _int(form.get("primary"))
            for name in form:
                if re.fullmatch(f"how_{_TREND_ID}", name):
                    shown["how"].setdefault(name[4:], _text(form, name))
    return data


# Keeping a post across a sign-in ---------------------------------------------------------------


def from_stash(stash: dict[str, list[str]]) -> MultiDict:
    return MultiDict([(k, v) for k, values in stash.items() for v in values])


def field_pattern(questions: Iterable[FormQuestion]) -> re.Pattern[str]:
    """The names the questions' fields are posted under (and `parse` reads)."""
    names = []
    for question in questions:
        key = re.escape(question.key)
        if question.kind == "file":
            continue
        if question.kind == "date":
            names.append(f"{key}-(?:day|month|year)")
        elif question.kind == "group":
            columns = "|".join(re.escape(c["key"]) for c in setting(question, "columns", []))
            if columns:
                names.append(f"{key}-[0-9]{{1,2}}-(?:{columns})")
        elif question.kind == "trends":
            names.append(f"trends|primary|how_{_TREND_ID}")
        else:
            names.append(key)
    return re.compile("|".join(f"(?:{n})" for n in names) or "(?!)")


def own_fields(section: FormSection | None, form: MultiDict) -> dict[str, list[str]]:
    """The posted values under the section's own field names (what `from_stash` gives back); none for
    a section the cycle's form does not have."""
    if section is None:
        return {}
    pattern = field_pattern(section.questions)
    return {name: form.getlist(name) for name in form if pattern.fullmatch(name)}
