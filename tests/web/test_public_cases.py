"""The public library: impact cases (list, filters, search, pages, case pages, 410), trends with
their chart, a cycle's published shortlist, the Atom feed, caching, and the consent rule."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.domain.publishing import publication
from awards.domain.results import shortlists
from awards.extensions import db
from awards.models import ImpactCase
from tests.factories import make_published_case, make_published_cycle, make_user
from tests.support.pages import page_source
from tests.support.programme import trend
from tests.support.public_form import (
    ANSWERS,
    FORMULA_ANSWER,
    ORGANISER_ONLY_ANSWER,
    PRIVATE_ANSWER,
    PUBLIC_LABELS,
    install_public_form,
)
from tests.support.publishing import PUBLIC_TITLES, SECRET_ORG, SECRET_TITLE, WITHDRAWN_TITLE
from tests.support.queries import recorded_queries
from tests.support.visible import select_choices, text_of

ATOM = "{http://www.w3.org/2005/Atom}"


def titles_in_order(html: str, candidates) -> list[str]:
    found = [(html.find(f">{t}<"), t) for t in candidates if f">{t}<" in html]
    return [t for _pos, t in sorted(found)]


# --- /impact-cases -------------------------------------------------------------------------


def test_library_lists_published_cases_newest_cycle_first_then_by_result(client, shelf):
    response = client.get("/impact-cases")
    html = page_source(response)
    assert response.status_code == 200
    assert "4 impact cases" in html
    # 2025 (winner, highly commended, shortlisted), then 2024
    assert titles_in_order(html, PUBLIC_TITLES) == PUBLIC_TITLES
    assert WITHDRAWN_TITLE not in html and SECRET_TITLE not in html and SECRET_ORG not in html
    assert "<title>Impact cases – " in html


def test_each_card_has_its_details_and_trend_links_primary_first(client, shelf):
    html = page_source(client.get("/impact-cases"))
    card = html[html.find('id="case-' + shelf.bins.slug) :]
    card = card[: card.find("</div>")]
    assert f'href="/impact-cases/{shelf.bins.slug}"' in card
    assert "Riverside Borough Council" in card and "Winner" in card and shelf.cat_a.name in card and "2025" in card
    assert "Sensors tell crews which bins are full." in card
    ai_link, data_link = f'href="/trends/{shelf.ai.slug}"', f'href="/trends/{shelf.data.slug}"'
    assert ai_link in card and data_link in card
    assert card.find(ai_link) < card.find(data_link)
    assert "(main trend)" in card


def _card_words(html: str, slug: str) -> str:
    """What a reader sees of one impact case's card in a list."""
    card = html[html.rfind("<div", 0, html.find(f'id="case-{slug}"')) :]
    return text_of(card[: card.find("</div>")])


def test_a_kept_card_shows_every_change_to_what_it_shows(make_app, shelf):
    """Each card is kept per process under everything it shows (cases.case_card_key): renaming its trend, editing
    the case, changing how it addresses a trend each show at once, with no page cache in the way."""
    client = make_app(PUBLIC_CACHE_ENTRIES=0).test_client()
    before = _card_words(page_source(client.get("/impact-cases")), shelf.bins.slug)
    assert "Smarter bin collections" in before and shelf.ai.name in before
    trend_page = page_source(client.get(f"/trends/{shelf.data.slug}"))
    link = next(link for link in shelf.bins.trend_links if link.trend_id == shelf.data.id)
    assert link.how_addressed and text_of(link.how_addressed) in _card_words(trend_page, shelf.bins.slug)
    shelf.ai.name = "Machine learning & AI 🤖"
    shelf.bins.title = "Smarter bin rounds"
    link.how_addressed = "Fill levels feed the route planner."
    db.session.commit()
    after = _card_words(page_source(client.get("/impact-cases")), shelf.bins.slug)
    assert "Smarter bin rounds" in after and "Smarter bin collections" not in after
    assert "Machine learning & AI 🤖" in after
    trend_words = _card_words(page_source(client.get(f"/trends/{shelf.data.slug}")), shelf.bins.slug)
    assert "Fill levels feed the route planner." in trend_words


@pytest.mark.parametrize(
    "query,expected",
    [
        (lambda s: {"trend": s.ai.slug}, ["Smarter bin collections", "Faster GP triage", "Cyber drills for schools"]),
        (lambda s: {"trend": s.cyber.slug}, ["Cyber drills for schools"]),
        (lambda s: {"category": s.cat_b.name}, ["Faster GP triage"]),
        (
            lambda s: {"category": s.cat_a.name.upper()},
            ["Smarter bin collections", "Digital library cards", "Cyber drills for schools"],
        ),
        (lambda s: {"year": "2024"}, ["Cyber drills for schools"]),
        (lambda s: {"result": "winner"}, ["Smarter bin collections", "Cyber drills for schools"]),
        (lambda s: {"result": "winner", "year": "2025", "trend": s.ai.slug}, ["Smarter bin collections"]),
        (lambda s: {"year": "twenty", "result": "best"}, PUBLIC_TITLES),  # nonsense is ignored
        (lambda s: {"trend": "no-such-trend"}, []),
    ],
)
def test_filters_combine(client, shelf, query, expected):
    html = page_source(client.get("/impact-cases", query_string=query(shelf)))
    assert titles_in_order(html, PUBLIC_TITLES) == expected
    count = {0: "No impact cases", 1: "1 impact case"}.get(len(expected), f"{len(expected)} impact cases")
    assert count in html


def test_filters_are_kept_in_the_form_and_can_be_removed(client, shelf):
    html = page_source(client.get("/impact-cases", query_string={"trend": shelf.ai.slug, "year": "2025", "q": "bin"}))
    assert f'<option value="{shelf.ai.slug}" selected>' in html
    assert '<option value="2025" selected>' in html
    assert 'value="bin"' in html
    assert "Filters applied" in html and "Clear all filters" in html
    # removing the year keeps the other two
    assert f'href="/impact-cases?q=bin&amp;trend={shelf.ai.slug}"' in html
    # only values that public cases have are offered
    assert f'<option value="{shelf.cyber.slug}"' in html
    assert f'<option value="{trend("T4").slug}"' not in html


@pytest.mark.parametrize(
    "q,expected",
    [
        ("riverside", ["Smarter bin collections"]),
        ("RIVERSIDE bins", ["Smarter bin collections"]),  # every word must match, in any case
        ("sensors crews", ["Smarter bin collections"]),  # words from the summary
        ("council", ["Cyber drills for schools", "Digital library cards", "Smarter bin collections"]),
        ("riverside northtown", []),
        ("100%", []),  # "100" is in no case
        ("_", []),  # no word at all
        ("hushville", []),  # never the entry without consent
    ],
)
def test_search_over_title_summary_and_organisation(client, shelf, q, expected):
    # Which cases match (in alphabetical order): the order by relevance is tested in tests/web/test_search.py.
    response = client.get("/impact-cases", query_string={"q": q})
    assert response.status_code == 200
    assert sorted(titles_in_order(page_source(response), PUBLIC_TITLES)) == expected


def test_pagination_keeps_the_filters(client, app):
    cycle = make_published_cycle(year=2025)
    for i in range(25):
        make_published_case(cycle, title=f"Case number {i:02d}", summary="Shared words here.")
    first = page_source(client.get("/impact-cases?q=shared"))
    assert "25 impact cases" in first and "Showing 1 to 20 of 25" in first
    assert first.count('class="govuk-heading-m govuk-!-margin-bottom-2"') == 20
    assert 'href="/impact-cases?q=shared&amp;page=2"' in first and 'rel="next"' in first
    assert "(page 1 of 2)" in first
    second = page_source(client.get("/impact-cases?q=shared&page=2"))
    assert "Showing 21 to 25 of 25" in second
    assert second.count('class="govuk-heading-m govuk-!-margin-bottom-2"') == 5
    assert 'href="/impact-cases?q=shared"' in second and 'rel="prev"' in second
    assert client.get("/impact-cases?q=shared&page=3").status_code == 404
    assert client.get("/impact-cases?page=nonsense").status_code == 200


def test_an_empty_library_says_so(client, app):
    html = page_source(client.get("/impact-cases"))
    assert "No impact cases have been published yet" in html


# --- /impact-cases/<slug> ------------------------------------------------------------------


def test_case_page_shows_the_whole_case(make_app, shelf):
    app = make_app(BASE_URL="https://awards.example.org")
    client = app.test_client()
    shelf.bins.partners = [
        {"name": "Acme Sensors Ltd", "is_supplier": True},
        {"name": "Riverside Library", "is_supplier": False},
    ]
    db.session.commit()
    response = client.get(f"/impact-cases/{shelf.bins.slug}")
    html = page_source(response)
    assert response.status_code == 200
    assert "<title>Smarter bin collections – impact case – " in html
    assert '<meta name="description" content="Sensors tell crews which bins are full.">' in html
    assert f'<link rel="canonical" href="https://awards.example.org/impact-cases/{shelf.bins.slug}">' in html
    for expected in (
        "Riverside Borough Council",
        "Acme Sensors Ltd",
        "(supplier)",
        "Riverside Library",
        "South West",
        shelf.c2025.name,
        shelf.cat_a.name,
        "Winner",
        "The challenge we faced.",
        "How we approached it.",
        "What changed.",
        "What surprised us.",
        "What others can learn.",
        "The judges’ citation",
        "A model of reuse.",
        "Calls handled",
        "100 a day",
        "40 a day",
        "March 2026",
        "Published ",
        f"It addresses {shelf.ai.name}.",
        f"It addresses {shelf.data.name}.",
    ):
        assert expected in html, expected
    assert (
        '<a class="govuk-link" rel="license" href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>' in html
    )
    # trends primary first, each linked, the primary marked
    assert html.find(f'href="/trends/{shelf.ai.slug}"') < html.find(f'href="/trends/{shelf.data.slug}"')
    assert "Main trend" in html
    # other cases with the same primary trend (not those that only mention it)
    related = html[html.find('id="related-heading"') :]
    assert "Faster GP triage" in related and "Cyber drills for schools" not in related
    assert WITHDRAWN_TITLE not in related
    # no contact details
    assert "Casey Contact" not in html and "@testshire.gov.uk" not in html and "01234 567890" not in html


def test_case_page_has_valid_json_ld(make_app, shelf):
    app = make_app(BASE_URL="https://awards.example.org")
    response = app.test_client().get(f"/impact-cases/{shelf.bins.slug}")
    html = page_source(response)
    # a data block: never run, so it needs no nonce or hash in the CSP (and a cached page can carry it)
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD"
    data = json.loads(match.group(1))
    assert data["@context"] == "https://schema.org" and data["@type"] == "Article"
    assert data["name"] == "Smarter bin collections"
    assert data["description"] == "Sensors tell crews which bins are full."
    assert data["datePublished"].endswith("Z")
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert [a["name"] for a in data["about"]] == [shelf.ai.name, shelf.data.name]
    assert data["author"] == {"@type": "Organization", "name": "Riverside Borough Council"}
    assert data["url"] == f"https://awards.example.org/impact-cases/{shelf.bins.slug}"


def test_json_ld_cannot_be_broken_out_of(client, shelf):
    shelf.bins.summary = "</script><script>alert(1)</script>"
    db.session.commit()
    html = page_source(client.get(f"/impact-cases/{shelf.bins.slug}"))
    assert "<script>alert(1)" not in html
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert json.loads(match.group(1))["description"] == "</script><script>alert(1)</script>"


def test_unpublished_case_is_gone_and_unknown_is_not_found(client, shelf):
    response = client.get(f"/impact-cases/{shelf.withdrawn.slug}")
    assert response.status_code == 410
    assert "This page has been removed" in page_source(response) and WITHDRAWN_TITLE not in page_source(response)
    assert client.get("/impact-cases/no-such-case").status_code == 404
    # taking a case down through the domain has the same effect
    organiser = make_user(roles=("organiser",))
    shortlists.unpublish_case(shelf.cards, by=organiser)
    db.session.commit()
    assert client.get(f"/impact-cases/{shelf.cards.slug}").status_code == 410
    assert "Digital library cards" not in page_source(client.get("/impact-cases"))


def test_withdrawing_a_cycles_results_takes_its_cases_down(client, shelf):
    shortlists.withdraw_results(shelf.c2025, by=make_user(roles=("organiser",)))
    db.session.commit()
    assert client.get(f"/impact-cases/{shelf.bins.slug}").status_code == 410
    assert client.get(f"/api/v1/impact-cases/{shelf.bins.slug}").status_code == 410
    for url in ("/impact-cases", "/impact-cases.atom", "/api/v1/impact-cases", f"/trends/{shelf.ai.slug}"):
        body = page_source(client.get(url))
        assert "Cyber drills for schools" in body and "Smarter bin collections" not in body, url
    assert client.get(f"/cycles/{shelf.c2025.slug}/shortlist").status_code == 404


def test_the_filter_choices_follow_what_is_public(make_app, shelf):
    """The choices and the library's count are kept by each process while nothing is committed
    (domain/core/kept.py): a withdrawal takes the year, category and trend that only its cases had out of them, and
    its cases out of the count, at once."""
    client = make_app(PUBLIC_CACHE_ENTRIES=0).test_client()
    before = client.get("/impact-cases")
    assert "4 impact cases" in text_of(page_source(before))  # the count is kept the same way
    assert select_choices(before, "filter-year") == ["All years", "2025", "2024"]
    assert shelf.cat_b.name in select_choices(before, "filter-category")
    assert shelf.data.name in select_choices(before, "filter-trend")
    shortlists.withdraw_results(shelf.c2025, by=make_user(roles=("organiser",)))
    db.session.commit()
    after = client.get("/impact-cases")
    assert "1 impact case" in text_of(page_source(after))
    assert select_choices(after, "filter-year") == ["All years", "2024"]
    assert shelf.cat_b.name not in select_choices(after, "filter-category")
    assert shelf.data.name not in select_choices(after, "filter-trend")
    assert shelf.cyber.name in select_choices(after, "filter-trend")


# --- /trends -------------------------------------------------------------------------------


def test_trends_page_groups_trends_with_counts_and_a_chart(client, shelf):
    retired_with_cases, retired_without = shelf.cyber, trend("T4")
    retired_with_cases.retired_at = retired_without.retired_at = utcnow()
    db.session.commit()
    response = client.get("/trends")
    html = page_source(response)
    assert response.status_code == 200
    assert "Digital trends" in html and "Technology trends" in html
    assert html.find("Digital trends") < html.find("Technology trends")
    ai = html[html.find(f'id="trend-{shelf.ai.slug}"') :]
    assert shelf.ai.description in ai[:2000] and "3 published impact cases" in ai[:2000]
    data = html[html.find(f'id="trend-{shelf.data.slug}"') :]
    assert "2 published impact cases" in data[:2000]
    assert f'id="trend-{retired_with_cases.slug}"' in html and "Retired" in html
    assert f'id="trend-{retired_without.slug}"' not in html
    assert "No published impact cases yet" in html  # current trends without cases are listed
    # the chart: an accessible SVG, and a table with the same numbers beside it
    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert "aria-labelledby=" in svg and "style=" not in svg
    assert f"{shelf.ai.name}, 2025: 2" in svg and f"{shelf.ai.name}, 2024: 1" in svg
    table = html[html.find('id="trend-chart-table"') :]
    table = table[: table.find("</table>")]
    row = table[table.find(f">{shelf.ai.name}</a>") :]
    row = row[: row.find("</tr>")]
    assert re.findall(r'numeric">(\d+)<', row) == ["1", "2", "3"]  # 2024, 2025, all years
    assert "<caption" in table and ">2024<" in table and ">2025<" in table


def test_trends_page_without_cases_has_no_chart(client, app):
    make_published_cycle()
    html = page_source(client.get("/trends"))
    assert "trend-chart" not in html
    assert "No impact cases have been published yet" in html


def test_trend_page_lists_its_cases_primary_first(client, shelf):
    response = client.get(f"/trends/{shelf.data.slug}")
    html = page_source(response)
    assert response.status_code == 200
    assert f'<h1 class="govuk-heading-xl">{shelf.data.name}</h1>' in html
    assert shelf.data.description in html and shelf.data.source in html
    # Digital library cards has it as primary; Smarter bin collections as secondary
    assert titles_in_order(html, PUBLIC_TITLES) == ["Digital library cards", "Smarter bin collections"]
    assert f"How it addresses {shelf.data.name}:" in html
    assert WITHDRAWN_TITLE not in page_source(client.get(f"/trends/{shelf.ai.slug}"))
    assert client.get("/trends/no-such-trend").status_code == 404


# --- /cycles/<slug>/shortlist --------------------------------------------------------------


def test_shortlist_page_by_category_winner_first(client, shelf):
    response = client.get(f"/cycles/{shelf.c2025.slug}/shortlist")
    html = page_source(response)
    assert response.status_code == 200
    assert f"{shelf.c2025.name}: shortlist and winners" in html
    sections = {
        part.split(">", 1)[1].split("</h2>", 1)[0]: part
        for part in html.split('<h2 class="govuk-heading-l" id="category-')[1:]
    }
    assert list(sections) == [c.name for c in shelf.c2025.categories]
    a = sections[shelf.cat_a.name]
    assert titles_in_order(a, PUBLIC_TITLES) == ["Smarter bin collections", "Digital library cards"]
    assert a.find("Winner") < a.find("Shortlisted")
    b = sections[shelf.cat_b.name]
    assert titles_in_order(b, PUBLIC_TITLES) == ["Faster GP triage"]
    assert "1 other shortlisted entry (not published at the entrant's request)" in b
    assert "1 other shortlisted entry (no longer published)" in b  # the case taken down
    assert SECRET_TITLE not in html and SECRET_ORG not in html and WITHDRAWN_TITLE not in html
    assert "No entries were shortlisted in this category." in html
    assert "Cyber drills for schools" not in html  # another year


def test_shortlist_only_when_results_are_published(client, shelf):
    shelf.c2025.status = type(shelf.c2025.status)("judging")
    db.session.commit()
    assert client.get(f"/cycles/{shelf.c2025.slug}/shortlist").status_code == 404
    assert client.get("/cycles/no-such-cycle/shortlist").status_code == 404


# --- The consent rule, everywhere ----------------------------------------------------------


def test_an_entry_without_consent_appears_nowhere_public(client, shelf):
    urls = [
        "/impact-cases",
        f"/impact-cases?trend={shelf.ai.slug}",
        "/impact-cases?q=hushville",
        "/impact-cases.atom",
        "/trends",
        f"/trends/{shelf.ai.slug}",
        f"/cycles/{shelf.c2025.slug}/shortlist",
        "/api/v1/impact-cases",
        f"/api/v1/impact-cases?trend={shelf.ai.slug}&per_page=100",
        "/api/v1/trends",
    ]
    urls += [f"/impact-cases/{c.slug}" for c in (shelf.bins, shelf.cards, shelf.triage, shelf.older)]
    urls += [f"/api/v1/impact-cases/{c.slug}" for c in (shelf.bins, shelf.triage)]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = page_source(response).lower()
        for secret in (SECRET_TITLE, SECRET_ORG, shelf.secret.reference, WITHDRAWN_TITLE):
            assert secret.lower() not in body, (url, secret)
    assert (
        db.session.scalar(sa.select(sa.func.count(ImpactCase.id)).where(ImpactCase.nomination_id == shelf.secret.id))
        == 0
    )


# --- The Atom feed -------------------------------------------------------------------------


def test_atom_feed_lists_the_newest_published_cases(make_app, shelf):
    app = make_app(BASE_URL="https://awards.example.org")
    response = app.test_client().get("/impact-cases.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}id") == "https://awards.example.org/impact-cases"
    assert root.findtext(f"{ATOM}title").endswith("impact cases")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", root.findtext(f"{ATOM}updated"))
    self_link = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link[0].get("href") == "https://awards.example.org/impact-cases.atom"
    assert root.find(f"{ATOM}author/{ATOM}name").text
    entries = root.findall(f"{ATOM}entry")
    assert sorted(e.findtext(f"{ATOM}title") for e in entries) == sorted(PUBLIC_TITLES)
    bins = next(e for e in entries if e.findtext(f"{ATOM}title") == "Smarter bin collections")
    url = f"https://awards.example.org/impact-cases/{shelf.bins.slug}"
    assert bins.findtext(f"{ATOM}id") == url
    assert bins.find(f"{ATOM}link").get("href") == url and bins.find(f"{ATOM}link").get("rel") == "alternate"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", bins.findtext(f"{ATOM}updated"))
    assert "Sensors tell crews which bins are full." in bins.findtext(f"{ATOM}summary")
    assert bins.findtext(f"{ATOM}author/{ATOM}name") == "Riverside Borough Council"
    assert [c.get("label") for c in bins.findall(f"{ATOM}category")] == [shelf.ai.name, shelf.data.name]
    assert b"@testshire.gov.uk" not in response.data


def test_atom_feed_holds_the_newest_fifty(client, app):
    from datetime import timedelta

    cycle = make_published_cycle()
    start = utcnow() - timedelta(days=60)
    for i in range(52):
        make_published_case(cycle, title=f"Feed case {i:02d}", published_at=start + timedelta(days=i))
    root = ET.fromstring(client.get("/impact-cases.atom").data)
    titles = [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]
    assert len(titles) == 50
    assert titles[0] == "Feed case 51" and "Feed case 00" not in titles and "Feed case 01" not in titles


def test_an_empty_feed_is_still_valid(client, app):
    root = ET.fromstring(client.get("/impact-cases.atom").data)
    assert root.findtext(f"{ATOM}updated") and root.findall(f"{ATOM}entry") == []


# --- A case from a custom form ---------------------------------------------------------------


def headings(html: str) -> list[str]:
    return [text_of(h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, re.S)]


def table_rows(html: str, label: str) -> list[list[str]]:
    """The cells of each row of the table whose region is named after `label`."""
    table = html.split(f'aria-label="{label} (scroll sideways', 1)[1].split("</table>", 1)[0]
    return [
        [text_of(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    ]


@pytest.fixture
def custom_case(app):
    """A published case of a cycle whose form adds an "Impact in numbers" section (tests/support/public_form.py)."""
    cycle = make_published_cycle(year=2025)
    install_public_form(cycle)
    return make_published_case(
        cycle,
        category=cycle.categories[0],
        title="Bins that tell crews when they are full",
        summary="Crews empty only full bins.",
        **ANSWERS,
    )


@pytest.fixture
def api_schema_validator(client):
    """Validates an API body against the schema the served OpenAPI document gives its path."""
    from jsonschema import Draft202012Validator, FormatChecker

    spec = client.get("/api/v1/openapi.json").get_json()

    def validate(path: str, body, status: int = 200) -> None:
        content = spec["paths"][path]["get"]["responses"][str(status)]["content"]["application/json"]
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **content["schema"], **spec}
        Draft202012Validator(schema, format_checker=FormatChecker()).validate(body)

    return validate


NEVER_PUBLIC = (PRIVATE_ANSWER, ORGANISER_ONLY_ANSWER, "Second-category-marker", "Budget code", "Notes for judges")


def test_a_custom_forms_public_answers_are_shown_in_form_order_under_their_labels(client, custom_case):
    html = page_source(client.get(f"/impact-cases/{custom_case.slug}"))
    shown = [h for h in headings(html) if h in PUBLIC_LABELS]
    assert shown == PUBLIC_LABELS
    words = text_of(html)

    # each answer under its heading, typed by its kind
    def after(label: str) -> str:
        return words.split(label, 1)[1][:80]

    assert after("Staff hours saved").startswith(" 1,200 hours")
    assert after("Went live").startswith(" 7 March 2025")
    assert after("Open source").startswith(" Yes")
    assert after("Channels").startswith(" Web Phone")
    assert '<a class="govuk-link" rel="nofollow noopener" href="https://code.example.gov.uk/bins">' in html
    # a repeating group is a table: its columns' labels, then a row per row
    assert table_rows(html, "Savings") == [
        ["What was saved", "Amount (£)", "Every year"],
        ["Printing", "2,500.5", "Yes"],
        [FORMULA_ANSWER, "300", "No"],
    ]
    assert table_rows(html, "Measured outcomes")[1] == ["Calls handled", "100 a day", "40 a day", "March 2026"]
    # nothing that is not public, nor what the nominee was not asked
    for private in NEVER_PUBLIC:
        assert private not in html, private


def test_a_question_not_asked_is_not_published(app, client):
    cycle = make_published_cycle(year=2025)
    install_public_form(cycle)
    # "Where the code is" is asked only when the code is open source; the answer kept from before is not published
    case = make_published_case(cycle, category=cycle.categories[0], **{**ANSWERS, "open_source": False})
    assert [a["key"] for a in case.answers if a["key"] in ("open_source", "code_url", "second_only")] == ["open_source"]
    html = page_source(client.get(f"/impact-cases/{case.slug}"))
    assert "https://code.example.gov.uk/bins" not in html and "Where the code is" not in html
    assert text_of(html).split("Open source", 1)[1].startswith(" No")
    # the question of the second category is published for a nominee of that category
    other = make_published_case(cycle, category=cycle.categories[1], **ANSWERS)
    assert "Second-category-marker" in page_source(client.get(f"/impact-cases/{other.slug}"))


def test_non_public_answers_are_nowhere_public(client, custom_case):
    urls = [
        f"/impact-cases/{custom_case.slug}",
        "/impact-cases",
        "/impact-cases.atom",
        f"/api/v1/impact-cases/{custom_case.slug}",
        "/api/v1/impact-cases",
        f"/cycles/{custom_case.cycle.slug}/shortlist",
    ]
    for url in urls:
        body = client.get(url).get_data(as_text=True)
        for private in (PRIVATE_ANSWER, ORGANISER_ONLY_ANSWER, "Second-category-marker"):
            assert private not in body, (url, private)
    # nor can they be searched for
    for words in ("Internal-marker", "BX-99", "Second-category-marker"):
        assert client.get(f"/api/v1/impact-cases?q={words}").get_json()["meta"]["total"] == 0
    assert client.get("/api/v1/impact-cases?q=crews").get_json()["meta"]["total"] == 1


def test_what_is_published_is_listed_from_the_form(app, custom_case):
    cycle = custom_case.cycle
    labels = publication.published_labels(cycle)
    assert labels == [
        "Nominated organisation",
        "Partner organisations",
        "Region",
        "Project title",
        "Public summary",
        "Trends",
        *PUBLIC_LABELS[:10],
        "Second category question",
        *PUBLIC_LABELS[10:],
    ]
    # for a nominee of a category, what a case of that category would show
    assert "Second category question" not in publication.published_labels(cycle, cycle.categories[0].id)
    assert "Second category question" in publication.published_labels(cycle, cycle.categories[1].id)
    # what the case holds is what the list names (core answers in columns of their own)
    assert [a["label"] for a in custom_case.answers] == PUBLIC_LABELS
    # without a cycle: the default form's list
    default = publication.published_labels()
    assert "The challenge" in default and "Staff hours saved" not in default
    assert "Supporting documents" not in default and "Contact" not in default


def test_a_case_copied_before_forms_were_data_keeps_its_answers(client, api_schema_validator, shelf):
    """The migration gave every impact case its answers in the default form's order, blank ones
    included (as "" ): they show, and the blank ones do not."""
    case = shelf.cards
    case.answers = [
        {"key": "challenge", "label": "The challenge", "kind": "textarea", "value": "Migrated challenge."},
        {"key": "approach", "label": "The approach", "kind": "textarea", "value": ""},
        {
            "key": "outcomes_narrative",
            "label": "Outcomes and impact",
            "kind": "textarea",
            "value": "Migrated outcomes.",
        },
        {
            "key": "measured",
            "label": "Measured outcomes",
            "kind": "group",
            "value": {
                "columns": [
                    {"key": "metric", "label": "What was measured", "kind": "text"},
                    {"key": "baseline", "label": "Baseline", "kind": "text"},
                    {"key": "result", "label": "Result", "kind": "text"},
                    {"key": "measured_on", "label": "When it was measured", "kind": "text"},
                ],
                "rows": [{"metric": "Loans", "baseline": "", "result": "3,000 a month", "measured_on": ""}],
            },
        },
        {
            "key": "unintended_consequences",
            "label": "Unintended consequences and risks",
            "kind": "textarea",
            "value": "",
        },
        {
            "key": "lessons",
            "label": "Lessons and how others could adopt it",
            "kind": "textarea",
            "value": "Migrated lessons.",
        },
    ]
    db.session.commit()
    html = page_source(client.get(f"/impact-cases/{case.slug}"))
    assert [h for h in headings(html) if h in PUBLIC_LABELS] == [
        "The challenge",
        "Outcomes and impact",
        "Measured outcomes",
        "Lessons and how others could adopt it",
    ]
    assert "Migrated challenge." in html and "Migrated lessons." in html
    assert table_rows(html, "Measured outcomes")[1] == ["Loans", "Not given", "3,000 a month", "Not given"]
    body = client.get(f"/api/v1/impact-cases/{case.slug}").get_json()
    api_schema_validator("/impact-cases/{slug}", body)
    assert [a["key"] for a in body["data"]["answers"]] == ["challenge", "outcomes_narrative", "measured", "lessons"]


# --- Caching -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/impact-cases",
        "/impact-cases/{slug}",
        "/trends",
        "/trends/{trend}",
        "/cycles/{cycle}/shortlist",
        "/impact-cases.atom",
        "/api/v1/impact-cases",
        "/api/v1/impact-cases/{slug}",
        "/api/v1/trends",
    ],
)
def test_public_pages_are_cacheable_and_answer_304(client, shelf, url):
    url = url.format(slug=shelf.bins.slug, trend=shelf.ai.slug, cycle=shelf.c2025.slug)
    first = client.get(url)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert "Cookie" in first.headers["Vary"]
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert "Set-Cookie" not in first.headers
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == "public, max-age=60"
    # the 304 keeps the cached page's policy
    assert "Content-Security-Policy" not in again.headers
    # an edit changes the ETag
    organiser = make_user(roles=("organiser",))
    shortlists.edit_case(shelf.bins, by=organiser, summary="A new summary.")
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_a_trend_edit_changes_the_etag(client, shelf):
    etag = client.get("/trends").headers["ETag"]
    shelf.ai.description = "A new description."
    db.session.commit()
    response = client.get("/trends", headers={"If-None-Match": etag})
    assert response.status_code == 200 and "A new description." in page_source(response)


def test_signed_in_people_get_no_store_and_never_304(organiser_client, shelf):
    first = organiser_client.get("/impact-cases")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    etag = first.headers.get("ETag") or 'W/"anything"'
    assert organiser_client.get("/impact-cases", headers={"If-None-Match": etag}).status_code == 200


# --- A constant number of queries -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/impact-cases",
        "/impact-cases?trend={trend}&q=case",
        "/api/v1/impact-cases",
        "/api/v1/impact-cases?per_page=100&trend={trend}",
        "/trends",
        "/trends/{trend}",
        "/cycles/{cycle}/shortlist",
        "/impact-cases.atom",
        "/api/v1/trends",
    ],
)
def test_list_pages_run_a_constant_number_of_queries(client, app, url):
    cycle = make_published_cycle()
    cycle_2024 = make_published_cycle(year=2024)
    primary = trend("T1")
    url = url.format(trend=primary.slug, cycle=cycle.slug)

    def add(n):
        for i in range(n):
            make_published_case(
                cycle if i % 2 else cycle_2024,
                trends=[primary, trend("T2")],
                category=cycle.categories[i % 3] if i % 2 else cycle_2024.categories[i % 3],
                result=("winner", "highly_commended", "shortlisted")[i % 3],
                title=f"Case {i}",
            )

    add(5)
    with recorded_queries() as few:
        assert client.get(url).status_code == 200
    add(20)
    with recorded_queries() as many:
        response = client.get(url)
        assert response.status_code == 200
    assert len(many) == len(few), "\n".join(many)
    assert len(many) <= 10
