"""Random entry forms, randomly answered: Hypothesis draws form definitions (sections of every kind of
question, with limits, options, groups, category limits and conditions on earlier answers) and the
nominee's answers to each of their sections (valid ones, wrong ones and hostile text). For every
example: no page is 500 or more, the task list and check-your-answers pages show, and a save changes
nothing outside the nomination's own answers: no other table but the audit log (and the nomination's
own rows), no other nomination, and no answer under a key the form does not have."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from awards.domain.programme import entry_forms
from awards.extensions import db
from awards.models import Nomination
from tests.factories import make_cycle, make_nomination, make_user
from tests.snapshot import changes, describe, snapshot

NASTY = st.sampled_from(
    [
        '<script>alert("fz")</script>',
        "fz{{7*7}}fz",
        "' OR '1'='1' --",
        "x" * 5000,
        "😀" * 30,
        "\x1b[31m\r\n\t",
        "-1",
        "1e309",
        "NaN",
        "31",
        "2",
        "2025",
        "",
        " ",
    ]
)
TEXT = st.one_of(NASTY, st.text(max_size=60))
OPTIONS = st.lists(
    st.sampled_from(["Red", "Green", "Blue & white", "Ünïcode", "<b>bold</b>", "1", "2"]),
    min_size=1,
    max_size=4,
    unique=True,
)
# Tables a section save may change: the nomination's own row and rows, and the audit log.
MAY_CHANGE = {"nominations", "nomination_partners", "nomination_trends", "audit_events"}


@st.composite
def questions(draw, key: str, earlier: list[dict]):
    kind = draw(st.sampled_from([k for k in entry_forms.ADDABLE_KINDS if k != "file"]))
    settings_: dict = {}
    if kind in ("text", "textarea"):
        settings_[draw(st.sampled_from(["max_words", "max_chars"]))] = draw(st.integers(1, 40))
    if kind == "number":
        low = draw(st.none() | st.integers(-10, 10))
        settings_.update(min=low, max=draw(st.none() | st.integers(low or 0, 100)), whole=draw(st.booleans()), unit="£")
    if kind in ("choice", "choices"):
        settings_["options"] = draw(OPTIONS)
    if kind == "choices":
        settings_.update(
            min_choices=draw(st.none() | st.integers(1, 2)), max_choices=draw(st.none() | st.integers(2, 3))
        )
    if kind == "group":
        columns = draw(st.lists(st.sampled_from(entry_forms.GROUP_KINDS), min_size=1, max_size=3))
        settings_.update(
            max_rows=draw(st.integers(1, 4)),
            row_name="Row",
            columns=[
                {
                    "key": f"c{i}",
                    "kind": c,
                    "label": f"Column {i}",
                    "required": draw(st.booleans()),
                    "settings": {"options": ["A", "B"]} if c == "choice" else {},
                }
                for i, c in enumerate(columns)
            ],
        )
    condition = None
    conditional = [q for q in earlier if entry_forms.KINDS[q["kind"]].conditional]
    if conditional and draw(st.booleans()):
        on = draw(st.sampled_from(conditional))
        values = on["settings"].get("options") or ["yes", "no", "1", "Red"]
        condition = {"question": on["key"], "values": draw(st.lists(st.sampled_from(values), min_size=1, max_size=2))}
    return {
        "key": key,
        "kind": kind,
        "label": f"Question {key} & 🚀",
        "hint": draw(st.sampled_from(["", "A hint", "<i>not markup</i>"])),
        "required": draw(st.booleans()),
        "settings": settings_,
        "judges_see": draw(st.sampled_from(list(entry_forms.JUDGES_SEE))),
        "public": draw(st.booleans()),
        "condition": condition,
    }


@st.composite
def forms(draw, category_ids: list[int]):
    """The default form with one to three drawn sections after it."""
    definition = entry_forms.default_definition()
    earlier: list[dict] = []
    for s in range(draw(st.integers(1, 3))):
        section_questions = []
        for q in range(draw(st.integers(1, 4))):
            question = draw(questions(f"s{s}q{q}", earlier))
            if draw(st.booleans()) and category_ids:
                question["category_ids"] = draw(st.lists(st.sampled_from(category_ids), max_size=2, unique=True))
            section_questions.append(question)
            earlier.append(question)
        definition["sections"].append(
            {
                "key": f"extra{s}",
                "title": f"Extra section {s} & more",
                "hint": "",
                "intro": "",
                "condition": None,
                "category_ids": draw(st.lists(st.sampled_from(category_ids), max_size=1)) if category_ids else [],
                "questions": section_questions,
            }
        )
    return definition


@st.composite
def answers_to(draw, questions_: list[dict]) -> list[tuple[str, str]]:
    """Posted fields for the questions, by the names the section form uses."""
    items: list[tuple[str, str]] = []
    for q in questions_:
        key, kind, options = q["key"], q["kind"], q["settings"].get("options") or []
        if kind == "date":
            for part in ("day", "month", "year"):
                items.append((f"{key}-{part}", draw(NASTY | st.integers(0, 3000).map(str))))
        elif kind == "yes_no":
            items.append((key, draw(st.sampled_from(["yes", "no", "maybe"]))))
        elif kind == "declaration":
            if draw(st.booleans()):
                items.append((key, "y"))
        elif kind in ("choice", "choices"):
            for value in draw(st.lists(st.sampled_from(options) | NASTY, max_size=3)):
                items.append((key, value))
        elif kind == "group":
            for row in range(draw(st.integers(0, 3))):
                for column in q["settings"]["columns"]:
                    name = f"{key}-{row}-{column['key']}"
                    items.append((name, "y" if column["kind"] == "yes_no" else draw(TEXT)))
        else:
            items.append((key, draw(TEXT | st.integers(-5, 200).map(str))))
    return items


def _owners(difference) -> set[int]:
    """The nominations whose rows changed."""
    owners = set()
    for table, column in (
        ("nominations", "id"),
        ("nomination_partners", "nomination_id"),
        ("nomination_trends", "nomination_id"),
    ):
        index = list(db.metadata.tables[table].columns.keys()).index(column)
        rows = difference.get(table, {})
        owners |= {row[index] for row in rows.get("added", []) + rows.get("removed", [])}
    return owners


def _answer_keys(nomination_id: int) -> set[str]:
    db.session.rollback()
    return set((db.session.get(Nomination, nomination_id).answers or {}).keys())


def test_random_forms_take_random_answers_without_harm(app, typed_markup):
    typed_markup("<i>not markup</i>", "<b>bold</b>", '<script>alert("fz")</script>')  # typed, shown as typed
    nominee = make_user(roles=("nominee",), email="fuzz-nominee@example.org")
    cycle = make_cycle()
    category_ids = [c.id for c in cycle.categories]
    make_nomination(cycle)  # another nomination, which no save may touch (_owners)
    client = app.test_client()
    client.sign_in_as(nominee)
    token = client.csrf_token("/nominations")

    @settings(
        max_examples=20,
        deadline=None,
        database=None,
        derandomize=True,
        phases=(Phase.explicit, Phase.reuse, Phase.generate),
        suppress_health_check=list(HealthCheck),
    )
    @given(definition=forms(category_ids), data=st.data())
    def fill(definition, data):
        db.session.rollback()
        entry_forms.install(cycle, definition, category_ids={i: i for i in category_ids})
        category = data.draw(st.sampled_from(cycle.categories), label="category")
        nomination = make_nomination(cycle, nominator=nominee, category=category, status="draft", complete=False)
        keys = {q["key"] for s in definition["sections"] for q in s["questions"]}
        for section in definition["sections"][-3:]:
            if not section["key"].startswith("extra"):
                continue
            url = f"/nominations/{nomination.reference}/{section['key']}"
            page = client.get(url)
            assert page.status_code in (200, 404), f"GET {url}: {page.status_code}"
            if page.status_code == 404:  # not asked of this category, or its condition fails
                continue
            items = data.draw(answers_to(section["questions"]), label=section["key"])
            before = snapshot()
            response = client.post(url, data=MultiDict([*items, ("csrf_token", token)]))
            where = f"POST {url} {items!r:.400}"
            assert response.status_code < 500, where
            difference = changes(before, snapshot())
            outside = {name: rows for name, rows in difference.items() if name not in MAY_CHANGE}
            assert not outside, f"{where} changed {describe(outside)}"
            assert _owners(difference) <= {nomination.id}, f"{where} changed another nomination"
            assert _answer_keys(nomination.id) <= keys, where
            posted.append(response.status_code)
        for page in (f"/nominations/{nomination.reference}", f"/nominations/{nomination.reference}/check"):
            assert client.get(page).status_code < 500, page

    posted: list[int] = []
    fill()
    assert len(posted) >= 20 and 200 in posted and 302 in posted  # sections were asked, saved with and without problems
