"""A custom entry form with public questions of several kinds, for the tests of what is published and
exported: the default form with an "Impact in numbers" section added after the outcomes, holding a
number (with a unit), a date, a yes/no, several choices, a repeating group, a question asked only when
the yes/no is yes, one asked only in the cycle's second category, and two answers that are never
published: one judges read but is not public, one only organisers see."""

from __future__ import annotations

import copy

from awards.domain.programme import entry_forms
from awards.extensions import db

PRIVATE_ANSWER = "Internal-marker: judges read this, the public never does"
ORGANISER_ONLY_ANSWER = "Organiser-only-marker: the budget code is BX-99"
FORMULA_ANSWER = '=HYPERLINK("https://evil.example","Click")'

# The public answers' labels, in form order (core ones are columns of the case of their own).
PUBLIC_LABELS = [
    "The challenge",
    "The approach",
    "Outcomes and impact",
    "Measured outcomes",
    "Staff hours saved",
    "Went live",
    "Open source",
    "Channels",
    "Savings",
    "Where the code is",
    "Unintended consequences and risks",
    "Lessons and how others could adopt it",
]


def _q(key: str, kind: str, label: str, **rest) -> dict:
    question = {
        "key": key,
        "kind": kind,
        "core": False,
        "label": label,
        "hint": "",
        "required": False,
        "settings": {},
        "judges_see": "all",
        "public": True,
        "condition": None,
    }
    question.update(rest)
    return question


def impact_section(second_category_id: int) -> dict:
    return {
        "key": "impact",
        "title": "Impact in numbers",
        "hint": "Numbers, dates and choices",
        "intro": "",
        "condition": None,
        "category_ids": [],
        "questions": [
            _q(
                "staff_hours",
                "number",
                "How many staff hours a year did the work save?",
                settings={"short": "Staff hours saved", "unit": "hours", "min": 0},
            ),
            _q("went_live", "date", "When did the service go live?", settings={"short": "Went live"}),
            _q("open_source", "yes_no", "Is the code open source?", settings={"short": "Open source"}),
            _q(
                "channels",
                "choices",
                "Which channels does the service use?",
                settings={"short": "Channels", "options": ["Web", "Phone", "Face to face", "App"]},
            ),
            _q(
                "savings",
                "group",
                "Savings",
                settings={
                    "short": "Savings",
                    "max_rows": 5,
                    "row_name": "Saving",
                    "columns": [
                        {"key": "item", "kind": "text", "label": "What was saved", "required": True, "settings": {}},
                        {"key": "amount", "kind": "number", "label": "Amount (£)", "required": True, "settings": {}},
                        {"key": "recurring", "kind": "yes_no", "label": "Every year", "required": False},
                    ],
                },
            ),
            _q(
                "code_url",
                "url",
                "Where is the code published?",
                settings={"short": "Where the code is"},
                condition={"question": "open_source", "values": ["yes"]},
            ),
            _q(
                "second_only",
                "text",
                "A question for the second category only",
                settings={"short": "Second category question"},
                category_ids=[second_category_id],
            ),
            _q(
                "internal_notes",
                "textarea",
                "Notes for the judges",
                settings={"short": "Notes for judges"},
                public=False,
            ),
            _q(
                "budget_code",
                "text",
                "Budget code (organisers only)",
                settings={"short": "Budget code"},
                judges_see="none",
                public=False,
            ),
        ],
    }


def install_public_form(cycle) -> None:
    """Give the cycle the default form with the "Impact in numbers" section after the outcomes."""
    definition = copy.deepcopy(entry_forms.default_definition())
    sections = definition["sections"]
    at = next(i for i, s in enumerate(sections) if s["key"] == "outcomes") + 1
    sections.insert(at, impact_section(cycle.categories[1].id))
    ids = {c.id: c.id for c in cycle.categories}
    entry_forms.install(cycle, definition, category_ids=ids)
    db.session.commit()


# The answers `fill_public_answers` gives (as kept: a number as typed, a date as its parts).
ANSWERS = {
    "staff_hours": "1,200",
    "went_live": {"day": "7", "month": "3", "year": "2025"},
    "open_source": True,
    "channels": ["Web", "Phone"],
    "savings": [
        {"item": "Printing", "amount": "2500.50", "recurring": True},
        {"item": FORMULA_ANSWER, "amount": "300", "recurring": False},
    ],
    "code_url": "https://code.example.gov.uk/bins",
    "second_only": "Second-category-marker",
    "internal_notes": PRIVATE_ANSWER,
    "budget_code": ORGANISER_ONLY_ANSWER,
}


def fill_public_answers(nomination, **overrides) -> None:
    """Answer the "Impact in numbers" questions (every one, asked or not)."""
    answers = dict(nomination.answers or {})
    answers.update(copy.deepcopy(ANSWERS))
    answers.update(overrides)
    nomination.answers = answers
    nomination.mark_touched("impact")
    db.session.commit()
