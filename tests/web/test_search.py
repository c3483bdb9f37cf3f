"""The impact-case search by the databases' own full-text engines (issue 19, item 6): words found in any
form ("councils" finds "council"), every word required, the best matches first, the words found marked
in an excerpt of the summary, a reader's punctuation taken as words, never as query syntax, an edit found
by its new words at once, and one test corpus giving the same cases in the same order with the same
excerpts on SQLite and on PostgreSQL (each test here runs on both)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from awards.domain.publishing import search
from awards.domain.results import shortlists
from awards.models import Result
from tests.factories import make_published_case, make_published_cycle, make_user

# A small library whose order by relevance differs from its library order (newest cycle first, winners
# first, then by title): the words searched for are in these cases' titles, summaries or organisations.
CORPUS = [
    {
        "title": "Housing repairs booked online",
        "summary": "Tenants of the council book housing repairs online and see when the team will arrive.",
        "organisation": "Northtown Council",
        "result": Result.SHORTLISTED,
    },
    {
        "title": "Bin collection alerts",
        "summary": (
            "Every week thousands of residents get a text message the evening before their bins are "
            "collected, with a reminder of which bins go out; the council housing team now sends the same "
            "alerts before estate cleaning and repairs in blocks of flats, and tenants can answer to report "
            "a missed collection or a broken lift."
        ),
        "organisation": "Riverside Borough Council",
        "result": Result.WINNER,
    },
    {
        "title": "Library cards for everyone",
        "summary": "Readers join the library online and borrow books from home.",
        "organisation": "Eastborough Council",
        "result": Result.HIGHLY_COMMENDED,
    },
    {
        "title": "Councils sharing housing data",
        "summary": "Five councils share housing waiting lists to place families faster.",
        "organisation": "Southshire Combined Authority",
        "result": Result.SHORTLISTED,
    },
]

# Query → the cases found, best first: (title, the excerpt as read, the words marked in it).
EXPECTED = {
    "council housing": [
        (
            "Councils sharing housing data",
            "Five councils share housing waiting lists to place families faster.",
            ["councils", "housing"],
        ),
        (
            "Housing repairs booked online",
            "Tenants of the council book housing repairs online and see when the team will arrive.",
            ["council", "housing"],
        ),
        (
            "Bin collection alerts",
            "…of which bins go out; the council housing team now sends the same alerts before estate "
            "cleaning and repairs in blocks of flats, and tenants can answer to report a…",
            ["council", "housing"],
        ),
    ],
    "repair": [
        (
            "Housing repairs booked online",
            "Tenants of the council book housing repairs online and see when the team will arrive.",
            ["repairs"],
        ),
        (
            "Bin collection alerts",
            "…council housing team now sends the same alerts before estate cleaning and repairs in blocks of "
            "flats, and tenants can answer to report a missed collection or a broken lift.",
            ["repairs"],
        ),
    ],
    "libraries borrowing": [
        (
            "Library cards for everyone",
            "Readers join the library online and borrow books from home.",
            ["library", "borrow"],
        ),
    ],
}


class _CardReader(HTMLParser):
    """Each case card of a list page: its title, the words of its summary (or excerpt) as read, the words
    marked in it, and the elements inside that paragraph."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cards: list[dict] = []
        self._in_title = self._in_summary = self._in_mark = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "div" and (attributes.get("id") or "").startswith("case-"):
            self.cards.append({"title": "", "text": "", "marks": [], "tags": []})
        elif self.cards and tag == "a" and not self.cards[-1]["title"] and not self.cards[-1]["text"]:
            self._in_title = True
        elif self.cards and tag == "p" and attributes.get("class") == "govuk-body govuk-!-margin-bottom-2":
            self._in_summary = True
        elif self._in_summary:
            self.cards[-1]["tags"].append(tag)
            if tag == "mark":
                self._in_mark = True
                self.cards[-1]["marks"].append("")

    def handle_endtag(self, tag):
        if tag == "a":
            self._in_title = False
        elif tag == "p":
            self._in_summary = False
        elif tag == "mark":
            self._in_mark = False

    def handle_data(self, data):
        if self._in_title:
            self.cards[-1]["title"] += data.strip()
        if self._in_summary:
            self.cards[-1]["text"] += data
        if self._in_mark:
            self.cards[-1]["marks"][-1] += data


def _search_cards(client, words: str) -> list[dict]:
    response = client.get("/impact-cases", query_string={"q": words})
    assert response.status_code == 200
    reader = _CardReader()
    reader.feed(response.get_data(as_text=True))
    for card in reader.cards:
        card["text"] = " ".join(card["text"].split())
    return reader.cards


def _found_titles(client, words: str) -> list[str]:
    return [card["title"] for card in _search_cards(client, words)]


@pytest.fixture
def corpus(app):
    cycle = make_published_cycle(year=2025)
    return [make_published_case(cycle, **case) for case in CORPUS]


@pytest.mark.parametrize("words", sorted(EXPECTED))
def test_the_corpus_gives_the_same_cases_order_and_excerpts_on_both_databases(client, corpus, words):
    cards = _search_cards(client, words)
    assert [(c["title"], c["text"], c["marks"]) for c in cards] == EXPECTED[words]
    assert all(set(c["tags"]) == {"mark"} for c in cards)  # only the words found are marked up


def test_words_are_found_in_any_form(client, corpus):
    assert _found_titles(client, "Councils houses") == [
        "Councils sharing housing data",
        "Housing repairs booked online",
        "Bin collection alerts",
    ]
    assert _found_titles(client, "borrowed libraries") == ["Library cards for everyone"]
    assert _found_titles(client, "repaired") == ["Housing repairs booked online", "Bin collection alerts"]


def test_every_word_is_required(client, corpus):
    assert _found_titles(client, "council")[-1] == "Library cards for everyone"  # in its organisation only
    assert _found_titles(client, "councils libraries") == ["Library cards for everyone"]
    assert _found_titles(client, "housing library") == []
    assert _found_titles(client, "families lifts") == []


def test_a_word_in_the_title_and_summary_ranks_above_one_found_once(client, app):
    cycle = make_published_cycle(year=2025)
    # In library order the winner comes first: relevance puts the case about allotments first.
    make_published_case(
        cycle, title="Park bookings", summary="Book a pitch; allotments listed too.", result=Result.WINNER
    )
    make_published_case(cycle, title="Allotments waiting list", summary="Allotments offered in turn.")
    make_published_case(cycle, title="Allotment sites map", summary="Every site on one map.")
    assert _found_titles(client, "allotments") == ["Allotments waiting list", "Allotment sites map", "Park bookings"]
    # Without words, library order as before.
    assert _found_titles(client, "")[0] == "Park bookings"


@pytest.mark.parametrize(
    "words,expected",
    [
        ('"housing"', ["Bin collection alerts", "Councils sharing housing data", "Housing repairs booked online"]),
        ("housing*", ["Bin collection alerts", "Councils sharing housing data", "Housing repairs booked online"]),
        ("!borrow", ["Library cards for everyone"]),
        ("borrow:", ["Library cards for everyone"]),
        ("books & home", ["Library cards for everyone"]),
        ("borrow | lift", []),  # "|" is no word; borrow and lift are in no case together
        ("NEAR(readers borrow)", []),  # "near" is a word too, in no case
        ("readers -books", ["Library cards for everyone"]),  # no exclusion: books is a word like any other
        ('"', []),
        ("*", []),
        (":", []),
        ("&", []),
        ("|", []),
        ("!", []),
        ("'", []),
        ("()", []),
        ("housing' OR 1=1 --", []),
    ],
)
def test_what_a_reader_types_is_words_never_query_syntax(client, corpus, words, expected):
    titles = _found_titles(client, words)
    if expected and len(expected) > 1:
        assert sorted(titles) == sorted(expected)
    else:
        assert titles == expected


def test_html_in_a_case_stays_text(client, app, typed_markup):
    typed = "Council <b>housing</b> & <script>alert(1)</script> for tenants"
    typed_markup("<b>", "</b>", "<script>alert(1)</script>")  # the page shows them as typed, between marks
    cycle = make_published_cycle(year=2025)
    make_published_case(cycle, title="Markup test", summary=typed)
    cards = _search_cards(client, "housing tenants")
    assert [(c["text"], c["marks"], c["tags"]) for c in cards] == [(typed, ["housing", "tenants"], ["mark", "mark"])]


def test_an_edited_case_is_found_by_its_new_words_only(client, app):
    cycle = make_published_cycle(year=2025)
    case = make_published_case(cycle, title="Community garden bookings", summary="Residents book a garden plot.")
    assert _found_titles(client, "gardens") == ["Community garden bookings"]  # the page is cached now
    shortlists.edit_case(
        case, by=make_user(roles=("organiser",)), title="Sports pitch bookings", summary="Teams book a pitch."
    )
    assert _found_titles(client, "gardens") == []
    assert _found_titles(client, "pitches") == ["Sports pitch bookings"]
    cards = _search_cards(client, "pitches")
    assert (cards[0]["text"], cards[0]["marks"]) == ("Teams book a pitch.", ["pitch"])


def test_the_api_lists_the_same_cases_in_the_same_order(client, corpus):
    for words in EXPECTED:
        listed = client.get("/api/v1/impact-cases", query_string={"q": words}).get_json()["data"]
        assert [case["title"] for case in listed] == [title for title, _text, _marks in EXPECTED[words]]


@pytest.mark.parametrize(
    "marked,expected",
    [
        ("", None),
        ("One \ue000word\ue001.", "One <mark>word</mark>."),
        ("Stray \ue000 mark \ue001 <i>kept</i> as text", "Stray <mark> mark </mark> &lt;i&gt;kept&lt;/i&gt; as text"),
        ("Lone \ue001 end and \ue000 start", "Lone  end and  start"),
        (" ".join(["word"] * 40), " ".join(["word"] * 30) + "…"),
        (
            " ".join([f"w{i}" for i in range(40)] + ["\ue000hit\ue001,"]),
            "…" + " ".join([f"w{i}" for i in range(11, 40)]) + " <mark>hit</mark>,",
        ),
    ],
)
def test_an_excerpt_is_escaped_text_and_marks(marked, expected):
    assert search.excerpt(marked) == expected
