"""CSV exports: formula injection is neutralised, rows carry what organisers need."""

from __future__ import annotations

import csv
import io
import types
from datetime import UTC, datetime

import pytest

from awards.domain.nominations.attachments import add_attachment
from awards.domain.programme import entry_forms
from awards.domain.publishing import exports
from awards.extensions import db
from awards.models import Eligibility, NominationPartner
from tests.factories import make_cycle, make_nomination
from tests.support.files import PNG
from tests.support.public_form import (
    FORMULA_ANSWER,
    ORGANISER_ONLY_ANSWER,
    PRIVATE_ANSWER,
    fill_public_answers,
    install_public_form,
)


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix(exports.BYTE_ORDER_MARK))))


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_starting_with_a_formula_trigger_gets_a_leading_apostrophe(trigger):
    value = f'{trigger}HYPERLINK("https://evil.example","Click")'
    assert exports.escape_cell(value) == "'" + value


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_the_escaped_cell_survives_the_csv_round_trip(trigger):
    value = f"{trigger}1+2"
    line = exports.csv_line(["PSDA-2026-0001", value])
    assert parse(line) == [["PSDA-2026-0001", "'" + value]]


# OWASP "CSV injection": a spreadsheet skips white space (spaces, tabs, line breaks, and the zero-width and
# full-width kinds) before a formula, and reads the full-width and small forms of = + - @ as the formula
# characters themselves, so whatever precedes it the cell must start with an apostrophe.
DISGUISED_FORMULAS = [
    " =1+2",
    '   =HYPERLINK("https://evil.example","Click")',
    "\t=1+2",
    "\r=1+2",
    "\n=1+2",
    "\r\n=1+2",
    " \t\r\n @SUM(A1)",
    "\u00a0=1+2",
    "\u3000=1+2",
    "\u200b=1+2",
    "\ufeff=1+2",
    "\uff1d1+2",
    "\uff0bcmd",
    "\uff0d2+3",
    "\uff20SUM(A1)",
    ' \uff1dHYPERLINK("x")',
    "\ufe66 1",
    "\u22121+2",
    "\t",
    "\r",
    "\n",
    "=",
    "+",
    "-",
    "@",
]


@pytest.mark.parametrize("value", DISGUISED_FORMULAS)
def test_a_formula_is_neutralised_whatever_precedes_it(value):
    """Read back as a spreadsheet would (the csv module), the cell starts with an apostrophe and keeps the rest."""
    text = "".join(exports.stream_csv(["Reference", "Title"], [["PSDA-2026-0001", value]]))
    assert parse(text)[1] == ["PSDA-2026-0001", "'" + value]


def test_every_cell_is_quoted():
    line = exports.csv_line(["PSDA-2026-0001", "Digital project", 3, None, "=1"])
    assert line == '"PSDA-2026-0001","Digital project","3","","\'=1"\r\n'


@pytest.mark.parametrize(
    "value",
    ["Digital project", "", "a=b", "Council-led work", "100% online", "'quoted", "3", "Name with a - dash", "A\u00a0B"],
)
def test_ordinary_cells_are_left_alone(value):
    assert exports.escape_cell(value) == value


def test_none_and_numbers_become_text():
    assert exports.escape_cell(None) == ""
    assert exports.escape_cell(42) == "42"
    assert exports.escape_cell(-5) == "'-5"


def test_commas_quotes_and_line_breaks_are_quoted_not_split():
    line = exports.csv_line(['Smith, Jones & "Partners"', "Line one\nline two"])
    assert parse(line) == [['Smith, Jones & "Partners"', "Line one\nline two"]]
    assert line.endswith("\r\n")


def test_stream_csv_is_a_generator_starting_with_a_byte_order_mark():
    stream = exports.stream_csv(["A", "B"], iter([["1", "=2"], ["3", "4"]]))
    assert isinstance(stream, types.GeneratorType)
    text = "".join(stream)
    assert text.startswith(exports.BYTE_ORDER_MARK)
    assert parse(text) == [["A", "B"], ["1", "'=2"], ["3", "4"]]


def test_iso_utc():
    assert exports.iso_utc(datetime(2026, 3, 1, 14, 5, 9, 123456, tzinfo=UTC)) == "2026-03-01T14:05:09Z"
    assert exports.iso_utc(None) == ""


def _row(nomination) -> dict[str, str]:
    form = exports.export_form(nomination.cycle)
    return dict(zip(form.header, exports.nomination_row(nomination, form), strict=True))


def test_a_nomination_row_has_every_column_with_trends_primary_first(app):
    cycle = make_cycle()
    nomination = make_nomination(
        cycle,
        title="=cmd|' /C calc'!A0",
        organisation_name="@Riverside Council",
        contact_name="+Casey",
        region="-South West",
        challenge="=1+1 is the challenge",
    )
    nomination.partners.append(NominationPartner(name="Northshire Council", is_supplier=False, position=1))
    # Make the second trend the primary one, so "primary first" is not just insertion order.
    first, second = nomination.trend_links
    first.is_primary, second.is_primary = False, True
    nomination.eligibility = Eligibility.INELIGIBLE
    nomination.eligibility_reason = "=Submitted late"
    nomination.submitted_at = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    db.session.commit()
    db.session.expire_all()

    assert _row(nomination) == {
        "Reference": nomination.reference,
        "Status": "Submitted",
        "Category": nomination.category.name,
        "Title": "=cmd|' /C calc'!A0",
        "Organisation": "@Riverside Council",
        "Partners": "Acme Digital Ltd (supplier); Northshire Council",
        "Contact name": "+Casey",
        "Contact email": nomination.contact_email,
        "Region": "-South West",
        "Trends": f"{second.trend.name} (primary); {first.trend.name}",
        "Submitted at (UTC)": "2026-03-01T23:30:00Z",
        "Eligibility": "Not eligible",
        "Eligibility reason": "=Submitted late",
        # then a column per other question of the default form, in form order
        "Contact’s telephone number": "01234 567890",
        "Public summary": "A short public summary of the project.",
        "The challenge": "=1+1 is the challenge",
        "The approach": "How we approached it.",
        "Outcomes and impact": "What changed.",
        "Measured outcomes": "What was measured: Calls handled; Baseline: 100 a day; Result: 40 a day; "
        "When it was measured: March 2026",
        "Unintended consequences and risks": "What surprised us.",
        "Lessons and how others could adopt it": "What others can learn.",
        "Supporting documents": "",
        "The information is accurate": "Confirmed",
        "May be published as an impact case if shortlisted": "Yes",
        "The organisation authorised the nomination": "Confirmed",
    }
    # Escaping happens on the way out, for every column.
    form = exports.export_form(cycle)
    [header, record] = parse("".join(exports.nominations_csv([nomination], form)))
    assert header == form.header == exports.nomination_header(cycle)
    assert header[: len(exports.NOMINATION_COLUMNS)] == list(exports.NOMINATION_COLUMNS)
    assert record[3] == "'=cmd|' /C calc'!A0"
    assert record[4] == "'@Riverside Council"
    assert record[6] == "'+Casey"
    assert record[8] == "'-South West"
    assert record[12] == "'=Submitted late"
    assert record[header.index("The challenge")] == "'=1+1 is the challenge"


def test_a_draft_row_is_mostly_empty_and_not_decided(app):
    nomination = make_nomination(make_cycle(), status="draft", complete=False)
    row = _row(nomination)
    assert row["Status"] == "Draft"
    assert row["Submitted at (UTC)"] == ""
    assert row["Eligibility"] == "Not decided"
    assert row["Trends"] == row["Partners"] == ""
    assert row["The challenge"] == row["Measured outcomes"] == ""
    assert row["May be published as an impact case if shortlisted"] == ""  # not answered yet


def test_rows_read_as_columns_match_the_rows_of_loaded_nominations(app):
    # The streamed export reads plain columns (exports.nomination_rows); it must say exactly
    # what nomination_row says of the same nominations, in the order asked for.
    cycle = make_cycle()
    install_public_form(cycle)
    full = make_nomination(cycle, title="Full")
    full.partners.append(NominationPartner(name="Northshire Council", is_supplier=False, position=1))
    first, second = full.trend_links
    first.is_primary, second.is_primary = False, True
    full.eligibility, full.eligibility_reason = Eligibility.INELIGIBLE, "Submitted late"
    fill_public_answers(full)
    add_attachment(full, filename="evidence.png", stream=io.BytesIO(PNG), by=full.nominator)
    eligible = make_nomination(cycle, title="Eligible", category=cycle.categories[1])
    eligible.eligibility = Eligibility.ELIGIBLE
    fill_public_answers(eligible, open_source=False)
    draft = make_nomination(cycle, status="draft", complete=False)
    db.session.commit()
    ids = [draft.id, full.id, eligible.id]
    form = exports.export_form(cycle)
    rows = exports.nomination_rows([*ids, 999_999], form)
    db.session.expire_all()
    assert rows == [exports.nomination_row(n, form) for n in (draft, full, eligible)]
    assert exports.nomination_rows([], form) == []
    by_reference = {row[0]: dict(zip(form.header, row, strict=True)) for row in rows}
    assert by_reference[full.reference]["Supporting documents"] == "evidence.png"
    assert by_reference[eligible.reference]["Open source"] == "No"


def test_a_custom_form_has_a_column_per_question_in_form_order(app):
    cycle = make_cycle()
    install_public_form(cycle)
    nomination = make_nomination(cycle)
    fill_public_answers(nomination)
    form = exports.export_form(cycle)
    header = form.header
    questions = [q for q in entry_forms.questions_of(cycle) if q.key not in exports.FIXED_QUESTION_KEYS]
    assert header == [*exports.NOMINATION_COLUMNS, *(entry_forms.short_name(q) for q in questions)]
    assert header.index("Measured outcomes") < header.index("Staff hours saved") < header.index("Budget code")
    row = dict(zip(header, exports.nomination_row(nomination, form), strict=True))
    assert row["Staff hours saved"] == "1,200"
    assert row["Went live"] == "7 March 2025"
    assert row["Open source"] == "Yes"
    assert row["Channels"] == "Web\nPhone"
    assert row["Savings"] == (
        f"What was saved: Printing; Amount (£): 2500.50; Every year\nWhat was saved: {FORMULA_ANSWER}; Amount (£): 300"
    )
    assert row["Where the code is"] == "https://code.example.gov.uk/bins"
    # organisers see every answer, the organiser-only one too
    assert row["Notes for judges"] == PRIVATE_ANSWER
    assert row["Budget code"] == ORGANISER_ONLY_ANSWER
    # a question the nomination is not asked (another category's) is blank, though an answer is kept
    assert row["Second category question"] == ""
    # a question whose condition does not hold is blank too
    nomination.answers = {**nomination.answers, "open_source": False}
    db.session.commit()
    row = dict(zip(header, exports.nomination_row(nomination, form), strict=True))
    assert row["Where the code is"] == "" and row["Open source"] == "No"

    [parsed_header, record] = parse("".join(exports.nominations_csv([nomination], form)))
    assert parsed_header == header
    # a custom answer starting with = is neutralised: the group's cell starts its column's text,
    # so the whole cell is checked, and a custom text answer alone
    savings = record[header.index("Savings")]
    assert savings.startswith("What was saved")
    nomination.answers = {**nomination.answers, "internal_notes": "=2+2", "staff_hours": "-5"}
    db.session.commit()
    [_, record] = parse("".join(exports.nominations_csv([nomination], form)))
    assert record[header.index("Notes for judges")] == "'=2+2"
    assert record[header.index("Staff hours saved")] == "'-5"


def test_two_questions_with_one_short_name_get_columns_told_apart(app):
    cycle = make_cycle()
    definition = entry_forms.definition_of(cycle)
    section = next(s for s in definition["sections"] if s["key"] == "lessons")
    section["questions"].append(
        {
            "key": "summary_again",
            "kind": "text",
            "core": False,
            "label": "Public summary",
            "hint": "",
            "required": False,
            "settings": {},
            "judges_see": "all",
            "public": False,
            "condition": None,
        }
    )
    entry_forms.install(cycle, definition)
    db.session.commit()
    header = exports.nomination_header(cycle)
    assert "Public summary (summary)" in header and "Public summary (summary_again)" in header
    assert len(set(header)) == len(header)
