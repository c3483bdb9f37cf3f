"""Answers by kind: what counts as a number, and that a huge one is refused rather than built."""

from __future__ import annotations

import pytest

from awards.domain.nominations import answers
from awards.domain.programme import entry_forms
from tests.factories import make_cycle, make_nomination


@pytest.fixture
def budget(app):
    cycle = make_cycle()
    definition = entry_forms.definition_of(cycle)
    definition["sections"][1]["questions"].append(
        {"key": "budget", "kind": "number", "label": "Budget", "required": True, "settings": {"short": "Budget"}}
    )
    entry_forms.install(cycle, definition)
    return cycle, entry_forms.question_by_key(cycle, "budget")


@pytest.mark.parametrize("text", ["1e999999999", "-1e999999999", "9" * 100_000, "1e-999999999", "NaN", "Infinity"])
def test_a_number_beyond_reason_is_not_a_number(budget, text):
    """'1e999999999' is a valid decimal whose integer would take minutes and gigabytes to build (typed
    values go to the API, the impact case and the data-protection copy): it is refused as a number."""
    cycle, question = budget
    assert answers.as_number(text) is None
    assert answers.check_answer(cycle, question, text) == [("budget", "Budget must be a number")]
    assert answers.typed(question, text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("1,250,000", 1250000), ("2500.50", 2500.5), ("-3", -3), ("0", 0), ("1e3", 1000), ("0.000001", 0.000001)],
)
def test_numbers_people_write_are_numbers(budget, text, value):
    cycle, question = budget
    assert answers.check_answer(cycle, question, text) == []
    assert answers.typed(question, text) == value


def test_a_draft_keeps_a_number_beyond_reason_as_typed(budget):
    cycle, question = budget
    nomination = make_nomination(cycle, status="draft", budget="1e999999999")
    assert answers.stored(nomination, question) == "1e999999999"
    assert answers.answer_text(question, "1e999999999") == "1e999999999"
