"""The entry form as data: what each kind of question is, the default form (the nine sections every
cycle had before forms could be designed), a form as a definition (to copy, save as a template or
start from one), and which sections and questions a nomination is asked (its category, and
conditions on earlier answers).

The answers themselves are read and written by domain/nominations/answers.py; the organiser's
changes to a form, with the checks that keep existing answers readable, by
domain/nominations/form_builder.py.
"""

from __future__ import annotations

import copy
import functools
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session, attributes

from awards.domain.core.kept import MISSING, KeptPerProcess
from awards.extensions import db
from awards.models import Cycle
from awards.models.forms import FormQuestion, FormSection


@dataclass(frozen=True)
class Kind:
    key: str
    name: Any  # in the builder's list of kinds (a lazy string: in the reader's language)
    # Words of the required-answer message when the question gives none: "Enter", "Select"…
    verb: str
    # Whether the answer can be a condition of a later question (its value compared with a list).
    conditional: bool = False
    # Whether the kind may be a column of a repeating group.
    in_group: bool = False


KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind("text", _l("Short text"), "Enter", conditional=True, in_group=True),
        Kind("textarea", _l("Long text, with a word or character limit"), "Enter"),
        Kind("number", _l("Number"), "Enter", conditional=True, in_group=True),
        Kind("date", _l("Date"), "Enter"),
        Kind("yes_no", _l("Yes or no"), "Select", conditional=True, in_group=True),
        Kind("choice", _l("One choice from a list"), "Select", conditional=True, in_group=True),
        Kind("choices", _l("Several choices from a list"), "Select", conditional=True),
        Kind("email", _l("Email address"), "Enter", in_group=True),
        Kind("url", _l("Web address"), "Enter", in_group=True),
        Kind("phone", _l("Telephone number"), "Enter", in_group=True),
        Kind("declaration", _l("A statement to confirm"), "Confirm"),
        Kind("file", _l("File upload"), "Upload"),
        Kind("group", _l("A repeating group of questions"), "Add"),
        Kind("trends", _l("Trends addressed"), "Select"),
    )
}
# Kinds an organiser can add (trends is the core question of its own).
ADDABLE_KINDS = tuple(k for k in KINDS if k != "trends")
GROUP_KINDS = tuple(k for k, kind in KINDS.items() if kind.in_group)

JUDGES_SEE = {
    "all": _l("Judges and organisers"),
    "not_blind": _l("Judges, except in blind judging, and organisers"),
    "none": _l("Organisers only"),
}

# The default form's words kept in its settings (error messages, short names, nouns, a group's row name and columns,
# the regions): stored as written here, in English, as every answer and setting is; read in each reader's language
# while the organiser has not changed them (`default_word`). N_ marks them for the catalogues (Babel extracts it).
_DEFAULT_WORDS: set[str] = set()


def N_(text: str) -> str:  # noqa: N802 (the name Babel extracts)
    _DEFAULT_WORDS.add(text)
    return text


@functools.cache
def _default_words() -> frozenset[str]:
    """Every word N_ marks: the regions at import, the definition's when it is first built (here, once)."""
    default_definition()
    return frozenset(_DEFAULT_WORDS)


def is_default_word(text: Any) -> bool:
    """Whether `text` is one of the default form's words (so the catalogues hold it in each language)."""
    return text is not None and str(text) in _default_words()


def default_word(text: Any) -> str:
    """`text` in the reader's language when it is one of the default form's words, else as stored."""
    text = "" if text is None else str(text)
    return _(text) if text in _default_words() else text


REGIONS = (
    N_("North East"),
    N_("North West"),
    N_("Yorkshire and the Humber"),
    N_("East Midlands"),
    N_("West Midlands"),
    N_("East of England"),
    N_("London"),
    N_("South East"),
    N_("South West"),
    N_("Wales"),
    N_("Scotland"),
    N_("Northern Ireland"),
    N_("UK-wide"),
)

# The core questions: the platform reads their answers from the nomination's own columns (and its
# partners and trend links), so they can be reworded, re-limited and moved but never removed.
CORE_KEYS = (
    "organisation_name",
    "partners",
    "contact_name",
    "contact_email",
    "region",
    "title",
    "summary",
    "trends",
    "consents_to_publish",
)
# Who reads a core question's answer is the platform's rule, not the form's (blind judging hides the
# organisation and its partners whatever the form says; publication copies these columns).
CORE_AUDIENCE = {
    "organisation_name": _l("judges read it unless judging is blind, and it is published in the impact case."),
    "partners": _l("judges read them unless judging is blind, and they are published in the impact case."),
    "contact_name": _l("only organisers read it; it is never published."),
    "contact_email": _l("only organisers read it; it is never published."),
    "consents_to_publish": _l("only organisers read it; it decides whether the nomination is published."),
}
CORE_AUDIENCE_OTHERWISE = _l("judges read it, and it is published in the impact case.")
# Limits a core question cannot go beyond: its column's size.
CORE_MAX_CHARS = {"organisation_name": 200, "contact_name": 200, "contact_email": 254, "title": 200}
MAX_SECTIONS = 20
MAX_QUESTIONS = 120
MAX_GROUP_ROWS = 50
MAX_OPTIONS = 60
FILE_TYPES = ("pdf", "docx", "xlsx", "pptx", "png", "jpg")

# The default form's pieces of writing whose word limit is the cycle's "section" limit.
NARRATIVE_KEYS = ("challenge", "approach", "outcomes", "unintended_consequences", "lessons")
DEFAULT_SUMMARY_WORDS = 100
DEFAULT_SECTION_WORDS = 500


def _q(key: str, kind: str, label: str, **rest: Any) -> dict[str, Any]:
    """One question of a definition, with the defaults spelled out."""
    question = {
        "key": key,
        "kind": kind,
        "core": key in CORE_KEYS,
        "label": label,
        "hint": "",
        "required": True,
        "settings": {},
        "judges_see": "all",
        "public": False,
        "condition": None,
    }
    question.update(rest)
    return question


def _s(key: str, title: str, hint: str, intro: str, questions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"key": key, "title": title, "hint": hint, "intro": intro, "condition": None, "questions": questions}


def _words(limit: int, short: str, error: str, noun: str) -> dict[str, Any]:
    return {"max_words": limit, "short": short, "error": error, "noun": noun}


def default_definition(
    *,
    summary_words: int = DEFAULT_SUMMARY_WORDS,
    words: dict[str, int] | None = None,
    files_max_count: int = 5,
    files_max_mb: int = 10,
) -> dict[str, Any]:
    """The default form: the nine sections every cycle had before forms could be designed, with the
    word limits given (per question key, else DEFAULT_SECTION_WORDS)."""
    words = words or {}

    def limit(key: str) -> int:
        return int(words.get(key, DEFAULT_SECTION_WORDS))

    public_text: dict[str, Any] = {"judges_see": "all", "public": True}
    return {
        "sections": [
            _s(
                "organisation",
                "About the nominated organisation",
                "Who did the work, and who we contact",
                "Tell us about the organisation that did the work. You can nominate on behalf of another "
                "organisation: give the details of its contact, who we may ask about the work.",
                [
                    _q(
                        "organisation_name",
                        "text",
                        "Name of the nominated organisation",
                        hint="For example, Riverside Borough Council",
                        settings={
                            "max_chars": 200,
                            "short": N_("Nominated organisation"),
                            "error": N_("Enter the name of the nominated organisation"),
                            "autocomplete": "organization",
                        },
                        judges_see="not_blind",
                        public=True,
                    ),
                    _q(
                        "partners",
                        "group",
                        "Partner organisations",
                        hint="Other organisations that took part, such as other councils, charities or suppliers. "
                        "Leave blank rows empty; save to get more rows (up to 10).",
                        required=False,
                        settings={
                            "short": N_("Partner organisations"),
                            "max_rows": 10,
                            "row_name": N_("Partner"),
                            "columns": [
                                _q("name", "text", N_("Name"), settings={"max_chars": 200}),
                                _q("is_supplier", "yes_no", N_("Is a supplier"), required=False),
                            ],
                        },
                        judges_see="not_blind",
                        public=True,
                    ),
                    _q(
                        "contact_name",
                        "text",
                        "Contact’s full name",
                        hint="Someone at the nominated organisation we can ask about the work",
                        settings={
                            "max_chars": 200,
                            "short": N_("Contact"),
                            "error": N_("Enter the name of the contact"),
                        },
                        judges_see="none",
                    ),
                    _q(
                        "contact_email",
                        "email",
                        "Contact’s email address",
                        settings={
                            "short": N_("Contact’s email address"),
                            "error": N_("Enter the contact’s email address"),
                        },
                        judges_see="none",
                    ),
                    _q(
                        "contact_phone",
                        "phone",
                        "Contact’s telephone number",
                        required=False,
                        settings={"short": N_("Contact’s telephone number")},
                        judges_see="none",
                    ),
                    _q(
                        "region",
                        "choice",
                        "Region",
                        hint="Where the work took place. Choose UK-wide for national work.",
                        settings={"options": list(REGIONS), "short": N_("Region"), "error": N_("Select the region")},
                        judges_see="all",
                        public=True,
                    ),
                ],
            ),
            _s(
                "project",
                "Project",
                "Title and the public summary",
                "",
                [
                    _q(
                        "title",
                        "text",
                        "Project title",
                        hint="A short name people will recognise, up to 200 characters",
                        settings={
                            "max_chars": 200,
                            "short": N_("Project title"),
                            "error": N_("Enter the project title"),
                        },
                        **public_text,
                    ),
                    _q(
                        "summary",
                        "textarea",
                        "Public summary",
                        hint="What the project did and what changed, in plain English. If the nomination is "
                        "shortlisted and you "
                        "consent, we publish this summary.",
                        settings=_words(
                            summary_words, N_("Public summary"), N_("Enter the public summary"), N_("The summary")
                        ),
                        **public_text,
                    ),
                ],
            ),
            _s(
                "trends",
                "Trends addressed",
                "The digital and technology trends the work addresses",
                "",
                [
                    _q(
                        "trends",
                        "trends",
                        "Which trends does the work address?",
                        settings={"short": N_("Trends"), "how_words": 100},
                        **public_text,
                    )
                ],
            ),
            _s(
                "challenge",
                "The challenge",
                "The problem the work set out to solve",
                "",
                [
                    _q(
                        "challenge",
                        "textarea",
                        "Describe the challenge",
                        hint="The problem or opportunity, who it affected and why it mattered. Give the situation "
                        "before the work started.",
                        settings=_words(
                            limit("challenge"),
                            N_("The challenge"),
                            N_("Describe the challenge"),
                            N_("The description of the challenge"),
                        ),
                        **public_text,
                    )
                ],
            ),
            _s(
                "approach",
                "The approach",
                "What you did, and the technology you used",
                "",
                [
                    _q(
                        "approach",
                        "textarea",
                        "Describe the approach",
                        hint="What you did, who was involved, how users took part, and the technology you used.",
                        settings=_words(
                            limit("approach"),
                            N_("The approach"),
                            N_("Describe the approach"),
                            N_("The description of the approach"),
                        ),
                        **public_text,
                    )
                ],
            ),
            _s(
                "outcomes",
                "Outcomes and impact",
                "What changed, with measured results",
                "",
                [
                    _q(
                        "outcomes_narrative",
                        "textarea",
                        "Describe the outcomes and impact",
                        hint="What changed, for whom, and how many people benefit. Include qualitative evidence such "
                        "as feedback.",
                        settings=_words(
                            limit("outcomes"),
                            N_("Outcomes and impact"),
                            N_("Describe the outcomes and impact"),
                            N_("The outcomes and impact"),
                        ),
                        **public_text,
                    ),
                    _q(
                        "measured",
                        "group",
                        "Measured outcomes",
                        hint="Up to 10 results you measured, with the baseline you started from. Leave rows you do "
                        "not need "
                        "empty; save to get more rows.",
                        required=False,
                        settings={
                            "short": N_("Measured outcomes"),
                            "max_rows": 10,
                            "row_name": N_("Outcome"),
                            "columns": [
                                _q(
                                    "metric",
                                    "text",
                                    N_("What was measured"),
                                    settings={"max_chars": 200, "error": N_("Enter what was measured")},
                                ),
                                _q("baseline", "text", N_("Baseline"), required=False, settings={"max_chars": 200}),
                                _q(
                                    "result",
                                    "text",
                                    N_("Result"),
                                    settings={"max_chars": 200, "error": N_("Enter the result")},
                                ),
                                _q(
                                    "measured_on",
                                    "text",
                                    N_("When it was measured"),
                                    required=False,
                                    hint=N_("For example, March 2025"),
                                    settings={"max_chars": 40},
                                ),
                            ],
                        },
                        **public_text,
                    ),
                ],
            ),
            _s(
                "lessons",
                "Unintended consequences and lessons",
                "What surprised you, and what others can learn",
                "",
                [
                    _q(
                        "unintended_consequences",
                        "textarea",
                        "Unintended consequences and risks",
                        hint="Effects you did not plan, good or bad, and the risks you managed. Judges value honesty "
                        "here.",
                        settings=_words(
                            limit("unintended_consequences"),
                            N_("Unintended consequences and risks"),
                            N_("Describe any unintended consequences and risks"),
                            N_("Unintended consequences"),
                        ),
                        **public_text,
                    ),
                    _q(
                        "lessons",
                        "textarea",
                        "Lessons, and how others could adopt the work",
                        hint="What you would do differently, and what another organisation would need to do the same.",
                        settings=_words(
                            limit("lessons"),
                            N_("Lessons and how others could adopt it"),
                            N_("Describe the lessons and how others could adopt the work"),
                            N_("Lessons"),
                        ),
                        **public_text,
                    ),
                ],
            ),
            _s(
                "documents",
                "Supporting documents",
                "Optional evidence, such as reports or screenshots",
                "",
                [
                    _q(
                        "documents",
                        "file",
                        "Supporting documents",
                        hint="Evidence such as an evaluation report, a case study or screenshots. Judges may see the "
                        "files: "
                        "if judging is anonymous, remove names of people and organisations from inside them.",
                        required=False,
                        settings={
                            "short": N_("Supporting documents"),
                            "types": list(FILE_TYPES),
                            "max_mb": files_max_mb,
                            "max_count": files_max_count,
                        },
                    )
                ],
            ),
            _s(
                "declarations",
                "Declarations",
                "Accuracy, authority and consent to publish",
                "",
                [
                    _q(
                        "declares_accurate",
                        "declaration",
                        "I confirm the information in this nomination is accurate to the best of my knowledge",
                        settings={
                            "short": N_("The information is accurate"),
                            "error": N_("Confirm that the information is accurate"),
                        },
                        judges_see="none",
                    ),
                    _q(
                        "consents_to_publish",
                        "yes_no",
                        "If the nomination is shortlisted, may we publish it as an impact case?",
                        hint="Your answer does not affect judging. If you answer no, nothing from the nomination is "
                        "published: the public shortlist counts it without naming it.",
                        settings={
                            "short": N_("May be published as an impact case if shortlisted"),
                            "error": N_(
                                "Select yes if we may publish the nomination as an impact case if it is "
                                "shortlisted, or no if we may not"
                            ),
                        },
                        judges_see="none",
                    ),
                    _q(
                        "declares_authorised",
                        "declaration",
                        "I confirm the nominated organisation has authorised me to make this nomination",
                        settings={
                            "short": N_("The organisation authorised the nomination"),
                            "error": N_("Confirm that the organisation has authorised you"),
                        },
                        judges_see="none",
                    ),
                ],
            ),
        ]
    }


# Reading a cycle's form ------------------------------------------------------------------------


def sections_of(cycle: Cycle) -> list[FormSection]:
    """The cycle's sections in order, each with its questions (loaded with it), in the session: what changes the
    form reads it so."""
    return list(cycle.form_sections)


def questions_of(cycle: Cycle) -> Iterator[FormQuestion]:
    """Every question of the cycle's form, in form order (as `kept_sections` gives them)."""
    for section in kept_sections(cycle):
        yield from section.questions


def section_by_key(cycle: Cycle, key: str) -> FormSection | None:
    return next((s for s in kept_sections(cycle) if s.key == key), None)


def question_by_key(cycle: Cycle, key: str) -> FormQuestion | None:
    return next((q for q in questions_of(cycle) if q.key == key), None)


# A cycle's form kept by each process between changes of it ----------------------------------------
#
# Every page of a nomination reads its cycle's form: loading the sections and their questions through the ORM
# (two statements, some forty objects, a hundred JSON values) was a seventh of a nominee's save-and-return on
# deadline night, when nothing changes the form. `cycles.form_version` is a random token given anew by every
# flush that adds, changes or removes a section or question of the cycle (`_move_form_versions_on`, in that
# flush's transaction), so a process may give the sections it read under a token again for as long as the
# cycle's row, read with the nomination, still shows it: a change through any worker or server is seen by the
# next request. What is given is a copy outside every session (transient objects, each question's `section`
# set): read it, never change it or add it to a session. What changes the form reads `sections_of`.

KEPT_FORMS = 32  # forms kept by a process, least recently used dropped first
# A kept form is read again after this long even if its token is the same: a change made without this module's
# listener (by an older worker still running during a deploy, a restored backup, SQL typed by hand) shows within it.
KEPT_FORM_SECONDS = 60.0
_FORMS_CHANGED = "awards.forms_changed"  # session.info: cycles whose form this transaction changed
_kept_forms = KeptPerProcess(KEPT_FORMS)  # (database, cycle id, form token) → the sections, each with its questions


def kept_sections(cycle: Cycle) -> tuple[FormSection, ...] | list[FormSection]:
    """The cycle's sections in order, each with its questions: this process's copy while the form is unchanged
    (no statement), else read and kept. The session's own when it may hold changes of the form not yet
    committed (a section or question added, changed or removed in it, or written in this transaction) or has
    the cycle's sections loaded already."""
    session = db.session()
    state = inspect(cycle)
    token = state.dict.get("form_version")
    if (
        cycle.id is None
        or token is None
        or "form_sections" in state.dict
        or cycle.id in session.info.get(_FORMS_CHANGED, ())
        or _form_changes_pending(session)
    ):
        return list(cycle.form_sections)
    key = (str(db.engine.url), cycle.id, token)
    kept = _kept_forms.get(key, max_age=KEPT_FORM_SECONDS)
    if kept is not MISSING:
        return kept
    sections = _read_form(session, cycle.id)
    _kept_forms.put(key, sections)
    return sections


def _form_changes_pending(session: Session) -> bool:
    return any(isinstance(obj, (FormSection, FormQuestion)) for obj in (*session.new, *session.dirty, *session.deleted))


def _read_form(session: Session, cycle_id: int) -> tuple[FormSection, ...]:
    """The cycle's sections and questions as they are stored, made into objects outside the session."""
    section_table, question_table = FormSection.__table__, FormQuestion.__table__
    sections: dict[int, FormSection] = {}
    for row in session.execute(
        select(section_table)
        .where(section_table.c.cycle_id == cycle_id)
        .order_by(section_table.c.position, section_table.c.id)
    ).mappings():
        sections[row["id"]] = FormSection(**row)
    questions: dict[int, list[FormQuestion]] = {section_id: [] for section_id in sections}
    for row in session.execute(
        select(question_table)
        .where(question_table.c.cycle_id == cycle_id)
        .order_by(question_table.c.position, question_table.c.id)
    ).mappings():
        if row["section_id"] in sections:
            question = FormQuestion(**row)
            attributes.set_committed_value(question, "section", sections[row["section_id"]])
            questions[row["section_id"]].append(question)
    for section_id, section in sections.items():
        attributes.set_committed_value(section, "questions", questions[section_id])
    return tuple(sections.values())


def _move_form_versions_on(session: Session, _flush_context: object) -> None:
    """After a flush that added, changed or removed a section or question: a new form version for its cycle, in
    the same transaction (seen by others when it commits), and the cycle noted as changed in this transaction."""
    changed: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (FormSection, FormQuestion)) and obj.cycle_id is not None:
            if obj in session.dirty and not session.is_modified(obj, include_collections=False):
                continue
            changed.add(obj.cycle_id)
    if not changed:
        return
    session.info.setdefault(_FORMS_CHANGED, set()).update(changed)
    token = secrets.token_hex(8)
    session.execute(update(Cycle).where(Cycle.id.in_(changed)).values(form_version=token))
    for cycle_id in changed:
        cycle = session.identity_map.get(inspect(Cycle).identity_key_from_primary_key((cycle_id,)))
        if cycle is not None:
            attributes.set_committed_value(cycle, "form_version", token)


def _forget_form_changes(session: Session, *_args: object) -> None:
    session.info.pop(_FORMS_CHANGED, None)


def install_form_versions() -> None:
    """Keep every cycle's `form_version` true to the changes of its form made through the ORM (installed once)."""
    session_class = db.session.session_factory.class_
    for name, listener in (
        ("after_flush", _move_form_versions_on),
        ("after_commit", _forget_form_changes),
        ("after_rollback", _forget_form_changes),
    ):
        if not event.contains(session_class, name, listener):
            event.listen(session_class, name, listener)


def setting(question: FormQuestion, name: str, default: Any = None) -> Any:
    return (question.settings or {}).get(name, default)


def row_name(question: FormQuestion | dict[str, Any]) -> str:
    """What a repeating group calls one of its rows ("Partner" in "Partner 1"): "Row" when none is given, and a
    default one, in the reader's language."""
    settings = (question.settings if isinstance(question, FormQuestion) else question.get("settings")) or {}
    name = str(settings.get("row_name") or "")
    return _("Row") if name in ("", "Row") else default_word(name)


def short_name(question: FormQuestion) -> str:
    """The question's name in tables, summaries and column headings."""
    return default_word(setting(question, "short") or question.label)


def sees(question: FormQuestion, *, blind: bool) -> bool:
    """Whether a judge reads the answer (with judging blind or not)."""
    return question.judges_see == "all" or (question.judges_see == "not_blind" and not blind)


# Where a question is asked -----------------------------------------------------------------------

Lookup = Callable[[str], Any]  # an earlier question's key → its answer as stored


def condition_holds(condition: dict[str, Any] | None, lookup: Lookup) -> bool:
    """Whether an answer matches a condition {"question": key, "values": [...]}: one of the values
    (for yes or no, "yes" or "no"; for several choices, any chosen one)."""
    if not condition:
        return True
    answer = lookup(str(condition.get("question") or ""))
    wanted = {str(v).strip().casefold() for v in condition.get("values") or []}
    if isinstance(answer, bool):
        given = {"yes" if answer else "no"}
    elif isinstance(answer, list):
        given = {str(v).strip().casefold() for v in answer}
    elif answer is None:
        given = set()
    else:
        given = {str(answer).strip().casefold()}
    return bool(given & wanted)


def _in_category(item: FormSection | FormQuestion, category_id: int | None) -> bool:
    return not item.category_ids or category_id in item.category_ids


def asked_sections(cycle: Cycle, category_id: int | None, lookup: Lookup) -> list[FormSection]:
    """The sections a nominee of the category is asked, given their answers so far."""
    return [s for s in kept_sections(cycle) if _in_category(s, category_id) and condition_holds(s.condition, lookup)]


def asked_questions(section: FormSection, category_id: int | None, lookup: Lookup) -> list[FormQuestion]:
    """The questions of a section a nominee of the category is asked, given their answers so far."""
    return [q for q in section.questions if _in_category(q, category_id) and condition_holds(q.condition, lookup)]


def all_asked(cycle: Cycle, category_id: int | None, lookup: Lookup) -> Iterator[FormQuestion]:
    """Every question a nominee of the category is asked, in form order."""
    for section in asked_sections(cycle, category_id, lookup):
        yield from asked_questions(section, category_id, lookup)


# A form as a definition --------------------------------------------------------------------------

QUESTION_FIELDS = ("key", "kind", "core", "label", "hint", "required", "judges_see", "public", "condition")
SECTION_FIELDS = ("key", "title", "hint", "intro", "condition")


def definition_of(cycle: Cycle, *, with_categories: bool = False) -> dict[str, Any]:
    """The cycle's form as plain data (category limits only when asked: another cycle has other ids)."""
    sections = []
    for section in sections_of(cycle):
        item: dict[str, Any] = {name: copy.deepcopy(getattr(section, name)) for name in SECTION_FIELDS}
        item["questions"] = []
        for question in section.questions:
            q = {name: copy.deepcopy(getattr(question, name)) for name in QUESTION_FIELDS}
            q["settings"] = copy.deepcopy(question.settings or {})
            if with_categories:
                q["category_ids"] = list(question.category_ids or [])
            item["questions"].append(q)
        if with_categories:
            item["category_ids"] = list(section.category_ids or [])
        sections.append(item)
    return {"sections": sections}


def install(cycle: Cycle, definition: dict[str, Any], *, category_ids: dict[int, int] | None = None) -> None:
    """Give the cycle the form of a definition, replacing the one it has (the caller checks that no
    answer is lost). `category_ids` maps category ids of the definition to the cycle's; limits to a
    category the map does not name are dropped."""
    cycle.form_sections.clear()
    db.session.flush()
    cycle.form_sections.extend(
        _section_from(cycle, item, position, category_ids) for position, item in enumerate(definition["sections"])
    )
    db.session.flush()


def _mapped(ids: Iterable[int] | None, category_ids: dict[int, int] | None) -> list[int]:
    if not ids or category_ids is None:
        return []
    return [category_ids[i] for i in ids if i in category_ids]


def _section_from(
    cycle: Cycle, item: dict[str, Any], position: int, category_ids: dict[int, int] | None
) -> FormSection:
    section = FormSection(
        cycle=cycle,
        key=item["key"],
        title=item["title"],
        hint=item.get("hint", ""),
        intro=item.get("intro", ""),
        condition=copy.deepcopy(item.get("condition")),
        position=position,
        category_ids=_mapped(item.get("category_ids"), category_ids),
    )
    section.questions = [
        FormQuestion(
            cycle_id=cycle.id,
            key=q["key"],
            kind=q["kind"],
            core=bool(q.get("core", q["key"] in CORE_KEYS)),
            label=q["label"],
            hint=q.get("hint", ""),
            required=bool(q.get("required", True)),
            settings=copy.deepcopy(q.get("settings") or {}),
            judges_see=q.get("judges_see", "all"),
            public=bool(q.get("public", False)),
            condition=copy.deepcopy(q.get("condition")),
            position=i,
            category_ids=_mapped(q.get("category_ids"), category_ids),
        )
        for i, q in enumerate(item.get("questions") or [])
    ]
    return section


def install_default(cycle: Cycle) -> None:
    """Give a new cycle the default form."""
    install(cycle, default_definition())
