"""The organiser's nominations: list with filters, search, pagination and counts; a
nomination's full page and history; eligibility decisions; the CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine

from awards.domain.core import audit
from awards.domain.nominations import attachments
from awards.domain.programme import entry_forms
from awards.domain.publishing.exports import (
    BYTE_ORDER_MARK,
    FIXED_QUESTION_KEYS,
    NOMINATION_COLUMNS,
    nomination_header,
)
from awards.extensions import db
from awards.models import AuditEvent, Eligibility, Nomination, NominationPartner, NominationStatus, NominationTrend
from tests.factories import make_cycle, make_nomination
from tests.support.object_storage import both_storages
from tests.support.public_form import (
    FORMULA_ANSWER,
    ORGANISER_ONLY_ANSWER,
    PRIVATE_ANSWER,
    fill_public_answers,
    install_public_form,
)
from tests.support.queries import recorded_queries
from tests.support.visible import text_of

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
REFERENCE_LINK = re.compile(r'/nominations/([A-Z]+-\d{4}-\d{4})">')


@pytest.fixture
def cycle(app):
    return make_cycle()


@pytest.fixture
def nominator(nominee):
    """Nina Nominee, nina@riverside.gov.uk."""
    return nominee


def headings_of(html: str, tag: str) -> list[str]:
    """The visible text of each heading of this level, in page order."""
    return [text_of(h) for h in re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", html, re.S)]


def list_url(cycle, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/organiser/cycles/{cycle.slug}/nominations" + (f"?{query}" if query else "")


def page_url(nomination):
    return f"/organiser/cycles/{nomination.cycle.slug}/nominations/{nomination.reference}"


def listed(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return REFERENCE_LINK.findall(response.get_data(as_text=True))


def read_csv(response) -> list[dict[str, str]]:
    text = response.get_data(as_text=True)
    assert text.startswith(BYTE_ORDER_MARK)
    return list(csv.DictReader(io.StringIO(text.removeprefix(BYTE_ORDER_MARK))))


# ------------------------------------------------------------------ the list


def test_the_list_shows_the_cycles_nominations_and_no_others(organiser_client, cycle, nominator):
    mine = make_nomination(
        cycle, nominator=nominator, title="Digital front door", organisation_name="Riverside Council"
    )
    draft = make_nomination(cycle, nominator=nominator, status="draft", complete=False)
    other = make_nomination(make_cycle(name="Other awards", year=2027), nominator=nominator)

    response = organiser_client.get(list_url(cycle))
    page = response.get_data(as_text=True)
    assert '<h1 class="govuk-heading-l">Nominations</h1>' in page
    assert REFERENCE_LINK.findall(page) == [mine.reference, draft.reference]
    assert other.reference not in page
    row = text_of(page.split(mine.reference + "</a>", 1)[1].split("</tr>", 1)[0])
    for expected in (
        "Digital front door",
        "Riverside Council",
        mine.category.name,
        mine.primary_trend.name,
        "Submitted",
    ):
        assert expected in row
    assert "govuk-tag govuk-tag--blue" in page
    draft_row = text_of(page.split(draft.reference + "</a>", 1)[1].split("</tr>", 1)[0])
    assert "Untitled nomination" in draft_row and "Draft" in draft_row and "Not submitted" in draft_row


def test_the_submitted_date_is_in_the_cycles_time_zone(organiser_client, nominator):
    cycle = make_cycle(time_zone="Pacific/Auckland")
    nomination = make_nomination(cycle, nominator=nominator)
    nomination.submitted_at = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)  # 9am on 2 March in Auckland
    db.session.commit()
    assert "2 March 2026" in organiser_client.get(list_url(cycle)).get_data(as_text=True)
    assert "9am on 2 March 2026" in organiser_client.get(page_url(nomination)).get_data(as_text=True)


def test_counts_per_status_cover_the_whole_cycle(organiser_client, cycle, nominator):
    for _ in range(3):
        make_nomination(cycle, nominator=nominator)
    for _ in range(2):
        make_nomination(cycle, nominator=nominator, status="draft", complete=False)
    make_nomination(cycle, nominator=nominator, status="withdrawn")
    make_nomination(make_cycle(name="Other awards", year=2027), nominator=nominator)

    for url in (list_url(cycle), list_url(cycle, status="draft"), list_url(cycle, q="nothing-matches")):
        page = organiser_client.get(url).get_data(as_text=True)
        counts = re.sub(
            r"\s+", " ", re.sub(r"<[^>]+>", "", page.split('id="status-counts">', 1)[1].split("</p>", 1)[0])
        ).strip()
        assert counts == "6 nominations in this cycle: 3 submitted, 2 drafts and 1 withdrawn."
        assert f'href="{list_url(cycle, status="draft")}">2 drafts</a>' in page


def test_an_empty_cycle_says_so(organiser_client, cycle):
    page = organiser_client.get(list_url(cycle)).get_data(as_text=True)
    assert "No one has started a nomination in this cycle yet." in page
    assert "No nominations yet" in page
    assert "nominations.csv" not in page


def test_filters_by_category_trend_and_status_combine(organiser_client, cycle, nominator):
    first, second = cycle.categories[:2]
    trend_a, trend_b, trend_c = cycle.trends[:3]

    def nominate(category, trends, status="submitted"):
        n = make_nomination(cycle, nominator=nominator, category=category, status=status)
        n.trend_links = []
        db.session.flush()
        n.trend_links = [
            NominationTrend(trend=t, is_primary=i == 0, how_addressed="Because.", position=i)
            for i, t in enumerate(trends)
        ]
        db.session.commit()
        return n.reference

    a = nominate(first, [trend_a, trend_b])
    b = nominate(first, [trend_c, trend_a])  # trend_a, but not as its primary trend
    c = nominate(second, [trend_a])
    d = nominate(second, [trend_b], status="withdrawn")

    assert listed(organiser_client, list_url(cycle, category=first.slug)) == [a, b]
    assert listed(organiser_client, list_url(cycle, trend=trend_a.slug)) == [a, b, c]
    assert listed(organiser_client, list_url(cycle, trend=trend_b.slug)) == [a, d]
    assert listed(organiser_client, list_url(cycle, status="withdrawn")) == [d]
    assert listed(organiser_client, list_url(cycle, category=second.slug, trend=trend_a.slug)) == [c]
    assert listed(organiser_client, list_url(cycle, category=second.slug, trend=trend_b.slug, status="submitted")) == []
    page = organiser_client.get(list_url(cycle, category=second.slug, trend=trend_b.slug, status="submitted")).get_data(
        as_text=True
    )
    assert "No nominations match your filters" in page


def test_search_is_case_insensitive_over_reference_title_and_organisation(organiser_client, cycle, nominator):
    a = make_nomination(cycle, nominator=nominator, title="Digital Front Door", organisation_name="Riverside")
    b = make_nomination(cycle, nominator=nominator, title="Care records", organisation_name="Northshire COUNCIL")
    c = make_nomination(cycle, nominator=nominator, title="100% online", organisation_name="Eastshire")

    assert listed(organiser_client, list_url(cycle, q="front+door")) == [a.reference]
    assert listed(organiser_client, list_url(cycle, q="northshire+council")) == [b.reference]
    assert listed(organiser_client, list_url(cycle, q=c.reference.lower())) == [c.reference]
    assert listed(organiser_client, list_url(cycle, q="+riverside+")) == [a.reference]
    # Wildcards are searched for literally
    assert listed(organiser_client, list_url(cycle, q="%25")) == [c.reference]
    assert listed(organiser_client, list_url(cycle, q="_")) == []
    # Search and filters combine
    assert listed(organiser_client, list_url(cycle, q="council", status="draft")) == []


def test_unknown_filter_values_are_ignored(organiser_client, cycle, nominator):
    n = make_nomination(cycle, nominator=nominator)
    response = organiser_client.get(list_url(cycle, category="no-such-category", trend="nope", status="lost", page="x"))
    assert REFERENCE_LINK.findall(response.get_data(as_text=True)) == [n.reference]
    assert "govuk-error-summary" not in response.get_data(as_text=True)


def test_the_filters_stay_selected_and_in_the_export_link(organiser_client, cycle, nominator):
    category, trend = cycle.categories[0], cycle.trends[0]
    make_nomination(cycle, nominator=nominator)
    page = organiser_client.get(
        list_url(cycle, category=category.slug, trend=trend.slug, status="submitted", q="Digital")
    ).get_data(as_text=True)
    assert f'<option value="{category.slug}" selected>' in page
    assert f'<option value="{trend.slug}" selected>' in page
    assert '<option value="submitted" selected>' in page
    assert 'name="q" type="search" spellcheck="false" value="Digital"' in page
    assert "Clear filters" in page
    csv_link = re.search(r'href="([^"]+nominations\.csv[^"]*)"', page).group(1).replace("&amp;", "&")
    assert f"category={category.slug}" in csv_link and f"trend={trend.slug}" in csv_link
    assert "status=submitted" in csv_link and "q=Digital" in csv_link


def test_pagination_shows_50_a_page_and_keeps_the_filters(organiser_client, cycle, nominator):
    category = cycle.categories[0]
    made = [make_nomination(cycle, nominator=nominator, category=category).reference for _ in range(53)]
    make_nomination(cycle, nominator=nominator, category=cycle.categories[1])

    url = list_url(cycle, category=category.slug)
    first = organiser_client.get(url).get_data(as_text=True)
    assert REFERENCE_LINK.findall(first) == made[:50]
    assert "Showing 1 to 50 of 53 nominations matching your filters" in first
    assert "govuk-pagination" in first
    next_link = re.search(r'<a class="govuk-link govuk-pagination__link" href="([^"]+)" rel="next">', first)
    next_url = next_link.group(1).replace("&amp;", "&")
    assert f"category={category.slug}" in next_url and "page=2" in next_url

    second = organiser_client.get(next_url).get_data(as_text=True)
    assert REFERENCE_LINK.findall(second) == made[50:]
    assert "Showing 51 to 53 of 53 nominations" in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    # A page past the end shows the last page rather than nothing
    assert REFERENCE_LINK.findall(organiser_client.get(url + "&page=9").get_data(as_text=True)) == made[50:]


def test_a_search_matching_more_than_it_counts_says_more_than_and_pages_on(
    organiser_client, cycle, nominator, monkeypatch
):
    """A filtered list counts its matches only COUNT_AHEAD past the page's start (1,000 in production; 50
    here, so that a few dozen nominations show it): beyond that the heading says "more than", the
    download link gives no number, and the pages go on with "Next" instead of a last page."""
    from awards.web.organiser.nominations import routes

    monkeypatch.setattr(routes, "COUNT_AHEAD", 50)
    made = [make_nomination(cycle, nominator=nominator, title=f"Digital service {i}").reference for i in range(120)]
    make_nomination(cycle, nominator=nominator, title="Paper forms")

    def page(number):
        response = organiser_client.get(list_url(cycle, q="digital", page=number))
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        nav = html[
            html.find('<nav class="govuk-pagination"') : html.find("</nav>", html.find('<nav class="govuk-pagination"'))
        ]
        return html, headings_of(html, "h2"), text_of(nav)

    html, headings, nav = page(1)
    assert REFERENCE_LINK.findall(html) == made[:50]
    assert "Showing 1 to 50 of more than 50 nominations matching your filters" in headings
    assert "Download these nominations as a spreadsheet (CSV)" in text_of(html)
    assert nav == "1 ⋯ Next page"

    html, headings, nav = page(2)
    assert REFERENCE_LINK.findall(html) == made[50:100]
    assert "Showing 51 to 100 of more than 100 nominations matching your filters" in headings
    assert nav == "Previous page 1 2 ⋯ Next page"

    html, headings, nav = page(3)  # the last 20: counted to the end, so exact again
    assert REFERENCE_LINK.findall(html) == made[100:]
    assert "Showing 101 to 120 of 120 nominations matching your filters" in headings
    assert "Download these 120 nominations as a spreadsheet (CSV)" in text_of(html)
    assert nav == "Previous page 1 2 3"

    # Unfiltered, and by status alone, the total comes from the counts by status: always exact.
    everything = organiser_client.get(list_url(cycle)).get_data(as_text=True)
    assert "Showing 1 to 50 of 121 nominations" in headings_of(everything, "h2")
    submitted = organiser_client.get(list_url(cycle, status="submitted")).get_data(as_text=True)
    assert "Showing 1 to 50 of 121 nominations matching your filters" in headings_of(submitted, "h2")


def test_the_counts_by_status_are_read_once_until_something_is_committed(organiser_client, cycle, nominator):
    """The counts above the list read every nomination of the cycle: they are kept while nothing is committed
    anywhere (the data version), and read again, with the change, after a commit."""
    for _ in range(3):
        make_nomination(cycle, nominator=nominator)
    category = cycle.categories[0]

    def counts_and_reads(url):
        with recorded_queries() as statements:
            response = organiser_client.get(url)
        html = response.get_data(as_text=True)
        counted = sum("GROUP BY nominations.status" in s for s in statements)
        return text_of(re.search(r'id="status-counts">(.*?)</p>', html, re.S).group(1)), counted

    assert counts_and_reads(list_url(cycle)) == ("3 nominations in this cycle: 3 submitted.", 1)
    assert counts_and_reads(list_url(cycle, category=category.slug)) == (
        "3 nominations in this cycle: 3 submitted.",
        0,
    )
    make_nomination(cycle, nominator=nominator, status="draft")  # committed: the version moves
    assert counts_and_reads(list_url(cycle, q="a")) == ("4 nominations in this cycle: 3 submitted and 1 draft.", 1)


def test_the_list_and_the_export_make_the_same_number_of_queries_for_3_or_30_nominations(
    organiser_client, cycle, nominator
):
    def add(count):
        for i in range(count):
            n = make_nomination(cycle, nominator=nominator, category=cycle.categories[i % 3])
            n.partners.append(NominationPartner(name=f"Partner {i}", is_supplier=False, position=1))
        db.session.commit()

    organiser_client.get(list_url(cycle))  # warm up: connections, dialect checks

    def measure(url):
        with recorded_queries() as statements:
            response = organiser_client.get(url)
            response.get_data()
        assert response.status_code == 200
        return len(statements)

    urls = (
        list_url(cycle),
        list_url(cycle, trend=cycle.trends[0].slug, q="digital"),
        f"/organiser/cycles/{cycle.slug}/nominations.csv",
    )
    add(3)
    with_3 = [measure(url) for url in urls]
    add(27)
    with_30 = [measure(url) for url in urls]
    assert with_3 == with_30
    # (the export reads the cycle's form, for a column per question, and the files' names)
    assert max(with_30) <= 18


# ------------------------------------------------------------------ a nomination's page


def test_the_nomination_page_shows_every_section(app, organiser_client, cycle, nominator, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    nomination = make_nomination(
        cycle,
        nominator=nominator,
        title="Digital front door",
        organisation_name="Riverside Council",
        contact_name="Casey Contact",
        contact_email="casey@riverside.gov.uk",
        contact_phone="01234 567890",
        region="North East",
        summary="A single place to ask the council for help.",
        challenge="Residents called 12 numbers.\n\nMany gave up.",
        approach="We built one front door.",
        outcomes_narrative="Fewer calls.",
        unintended_consequences="Staff liked it more than expected.",
        lessons="Start with the phone lines.",
    )
    nomination.partners.append(NominationPartner(name="Northshire Council", is_supplier=False, position=1))
    first, second = nomination.trend_links
    first.is_primary, second.is_primary = False, True
    second.how_addressed = "It joins up data across services."
    attachments.add_attachment(nomination, filename="Evaluation report.pdf", stream=io.BytesIO(PDF), by=nominator)
    db.session.commit()

    response = organiser_client.get(page_url(nomination))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    words = text_of(page)
    assert '<h1 class="govuk-heading-l">Digital front door</h1>' in page
    for expected in (
        "Riverside Council",
        "Acme Digital Ltd (is a supplier)",
        "Northshire Council",
        "Casey Contact",
        "casey@riverside.gov.uk",
        "01234 567890",
        "North East",
        "A single place to ask the council for help.",
        "Residents called 12 numbers.",
        "Many gave up.",
        "We built one front door.",
        "Fewer calls.",
        "Staff liked it more than expected.",
        "Start with the phone lines.",
        "Calls handled",
        "100 a day",
        "40 a day",
        "March 2026",
        "Evaluation report.pdf",
        "Nina Nominee",
        "nina@riverside.gov.uk",
        nomination.category.name,
    ):
        assert expected in words, expected
    assert "Northshire Council (is a supplier)" not in words
    # Every section the nomination is asked, in the form's order, as a heading
    titles = [s.title for s in entry_forms.sections_of(cycle)]
    headings = [h for h in headings_of(page, "h2") if h in titles]
    assert headings == titles
    # Trends: the primary one first, each with how the work addresses it
    primary_at = words.index(second.trend.name)
    assert primary_at < words.index(first.trend.name)
    assert "(main trend)" in words[primary_at : words.index(first.trend.name)]
    assert "It joins up data across services." in page
    # Paragraphs as typed
    assert (
        '<p class="govuk-body">Residents called 12 numbers.</p><p class="govuk-body">Many gave up.</p>'
        in page.replace("\n", "")
    )

    # The document can be downloaded by the organiser
    [attachment] = nomination.attachments
    link = f"{page_url(nomination)}/documents/{attachment.id}"
    assert f'href="{link}"' in page
    download = organiser_client.get(link)
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_organisers_see_every_asked_question_of_a_custom_form(organiser_client, cycle, nominator):
    install_public_form(cycle)
    nomination = make_nomination(cycle, nominator=nominator, category=cycle.categories[0])
    fill_public_answers(nomination)
    page = organiser_client.get(page_url(nomination))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # the sections in the form's order, the custom one among them
    titles = [s.title for s in entry_forms.sections_of(cycle)]
    assert [h for h in headings_of(html, "h2") if h in titles] == titles
    words = text_of(html)
    impact = words.split("Impact in numbers", 1)[1].split("Unintended consequences and lessons", 1)[0]
    for expected in (
        "Staff hours saved",
        "1,200",
        "Went live 7 March 2025",
        "Open source Yes",
        "Web",
        "Printing",
        "Where the code is https://code.example.gov.uk/bins",
        # organisers see everything: what only judges and organisers read, and what only organisers read
        f"Notes for judges {PRIVATE_ANSWER}",
        f"Budget code {ORGANISER_ONLY_ANSWER}",
    ):
        assert expected in impact, expected
    # but not a question the nomination is not asked (another category's)
    assert "Second category question" not in words and "Second-category-marker" not in words
    # nor one whose condition does not hold
    nomination.answers = {**nomination.answers, "open_source": False}
    db.session.commit()
    words = text_of(organiser_client.get(page_url(nomination)).get_data(as_text=True))
    assert "Open source No" in words and "Where the code is" not in words


@both_storages
def test_a_document_of_another_nomination_is_not_found_here(app, organiser_client, cycle, nominator, storage):
    a = make_nomination(cycle, nominator=nominator)
    b = make_nomination(cycle, nominator=nominator)
    attachment = attachments.add_attachment(b, filename="b.pdf", stream=io.BytesIO(PDF), by=nominator)
    db.session.commit()
    assert organiser_client.get(f"{page_url(a)}/documents/{attachment.id}").status_code == 404
    found = organiser_client.get(f"{page_url(b)}/documents/{attachment.id}")
    assert found.status_code == 200 and found.data == PDF
    assert organiser_client.get(f"{page_url(b)}/documents/999999").status_code == 404


def test_the_history_is_newest_first_with_names_and_readable_actions(organiser_client, organiser, cycle, nominator):
    nomination = make_nomination(cycle, nominator=nominator)
    with time_machine.travel("2026-02-01 10:00:00+00:00", tick=False):
        audit.record("nomination.started", actor=nominator, obj=nomination, reference=nomination.reference)
    with time_machine.travel("2026-02-02 10:00:00+00:00", tick=False):
        audit.record("nomination.section_saved", actor=nominator, obj=nomination, section="challenge")
    with time_machine.travel("2026-02-03 10:00:00+00:00", tick=False):
        audit.record("nomination.submitted", actor=nominator, obj=nomination)
    # Not this nomination's history
    audit.record("nomination.submitted", actor=nominator, object_type="nominations", object_id=nomination.id + 1)
    audit.record("account.signed_in", actor=nominator, object_type="users", object_id=nomination.id)
    db.session.commit()
    organiser_client.post_form(
        f"{page_url(nomination)}/eligibility",
        {"decision": "ineligible", "reason": "Submitted twice", "version": nomination.version},
        token_from=page_url(nomination),
    )

    page = organiser_client.get(page_url(nomination)).get_data(as_text=True)
    rows = [text_of(r).strip() for r in page.split('id="history"', 1)[1].split("<tbody", 1)[1].split("</tr>")[:-1]]
    assert len(rows) == 4
    assert "Omar Organiser" in rows[0] and "Marked it not eligible" in rows[0] and "Submitted twice" in rows[0]
    assert rows[1] == "10am on 3 February 2026 Nina Nominee (nominator) Submitted the nomination"
    assert rows[2] == "10am on 2 February 2026 Nina Nominee (nominator) Saved a section The challenge"
    assert rows[3] == "10am on 1 February 2026 Nina Nominee (nominator) Started the nomination"


@pytest.mark.parametrize("case", ["unknown cycle", "unknown reference", "other cycle's nomination"])
@pytest.mark.parametrize("suffix,method", [("", "GET"), ("/eligibility", "POST")])
def test_not_found(organiser_client, cycle, nominator, case, suffix, method):
    other = make_nomination(make_cycle(name="Other awards", year=2027), nominator=nominator)
    mine = make_nomination(cycle, nominator=nominator)
    url = {
        "unknown cycle": f"/organiser/cycles/no-such-cycle/nominations/{mine.reference}",
        "unknown reference": f"/organiser/cycles/{cycle.slug}/nominations/PSDA-2026-9999",
        "other cycle's nomination": f"/organiser/cycles/{cycle.slug}/nominations/{other.reference}",
    }[case] + suffix
    if method == "GET":
        response = organiser_client.get(url)
    else:
        response = organiser_client.post_form(url, {"decision": "eligible", "version": "1"})
    assert response.status_code == 404
    db.session.expire_all()
    assert other.eligibility is None


@pytest.mark.parametrize("path", ["/nominations", "/nominations.csv"])
def test_an_unknown_cycle_has_no_list_or_export(organiser_client, path):
    assert organiser_client.get(f"/organiser/cycles/no-such-cycle{path}").status_code == 404


@pytest.mark.parametrize("client_name", ["nominee_client", "judge_client"])
def test_only_organisers_see_nominations(request, cycle, nominator, client_name):
    client = request.getfixturevalue(client_name)
    nomination = make_nomination(cycle, nominator=nominator)
    for url in (list_url(cycle), page_url(nomination), f"/organiser/cycles/{cycle.slug}/nominations.csv"):
        assert client.get(url).status_code == 403


# ------------------------------------------------------------------ eligibility


def decide(client, nomination, **data):
    data.setdefault("version", nomination.version)
    return client.post_form(f"{page_url(nomination)}/eligibility", data, token_from=page_url(nomination))


def test_marking_ineligible_needs_a_reason_and_keeps_what_was_chosen(organiser_client, cycle, nominator, outbox):
    nomination = make_nomination(cycle, nominator=nominator)
    response = decide(organiser_client, nomination, decision="ineligible", reason="   ")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<title>Error: " in page
    assert "govuk-error-summary" in page
    assert '<a href="#reason">Enter the reason the nomination is not eligible</a>' in page
    assert 'value="ineligible" checked' in page
    db.session.expire_all()
    assert nomination.eligibility is None and nomination.status is NominationStatus.SUBMITTED
    assert outbox() == []

    response = decide(organiser_client, nomination, reason="Too long already")
    page = response.get_data(as_text=True)
    assert '<a href="#decision">Select whether the nomination is eligible</a>' in page
    assert "Too long already" in page  # typed text kept


def test_marking_ineligible_tells_the_nominator_and_shows_on_the_page(
    organiser_client, organiser, cycle, nominator, outbox
):
    nomination = make_nomination(cycle, nominator=nominator, title="Digital front door")
    response = decide(
        organiser_client, nomination, decision="ineligible", reason="The work was completed before 1 January 2024."
    )
    assert response.status_code == 302
    assert response.headers["Location"] == page_url(nomination)
    db.session.expire_all()
    assert nomination.status is NominationStatus.INELIGIBLE
    assert nomination.eligibility is Eligibility.INELIGIBLE
    assert nomination.eligibility_reason == "The work was completed before 1 January 2024."
    assert nomination.eligibility_decided_by_id == organiser.id
    assert nomination.eligibility_decided_at is not None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "nomination.eligibility"))
    assert event.object_id == str(nomination.id) and event.actor_id == organiser.id

    [message] = outbox("eligibility_ineligible")
    assert message.to_address == "nina@riverside.gov.uk"
    assert "The work was completed before 1 January 2024." in message.body_text
    assert message.sent_at is not None

    page = organiser_client.get(page_url(nomination)).get_data(as_text=True)
    assert f"{nomination.reference} is marked not eligible. We have emailed Nina Nominee to tell them." in page
    assert "govuk-notification-banner--success" in page
    words = text_of(page)
    assert "Not eligible" in words and "Omar Organiser at" in words
    assert "Change the decision: is this nomination eligible?" in page
    assert 'value="ineligible" checked' in page
    # It now shows as ineligible in the list
    listing = organiser_client.get(list_url(cycle, status="ineligible")).get_data(as_text=True)
    assert REFERENCE_LINK.findall(listing) == [nomination.reference]


def test_an_ineligible_nomination_can_be_found_eligible_again(organiser_client, cycle, nominator, outbox):
    nomination = make_nomination(cycle, nominator=nominator)
    decide(organiser_client, nomination, decision="ineligible", reason="No public body involved")
    db.session.expire_all()
    response = decide(organiser_client, nomination, decision="eligible", reason="")
    assert response.status_code == 302
    db.session.expire_all()
    assert nomination.status is NominationStatus.SUBMITTED
    assert nomination.eligibility is Eligibility.ELIGIBLE
    assert nomination.eligibility_reason == ""
    assert [m.kind for m in outbox()] == ["eligibility_ineligible", "eligibility_eligible"]
    page = organiser_client.get(page_url(nomination)).get_data(as_text=True)
    assert f"{nomination.reference} is marked eligible." in page


def test_the_same_decision_twice_sends_one_email(organiser_client, cycle, nominator, outbox):
    nomination = make_nomination(cycle, nominator=nominator)
    decide(organiser_client, nomination, decision="eligible")
    db.session.expire_all()
    response = decide(organiser_client, nomination, decision="eligible")
    assert response.status_code == 302
    assert "Nothing changed" in organiser_client.get(page_url(nomination)).get_data(as_text=True)
    assert len(outbox()) == 1


@pytest.mark.parametrize("status", ["draft", "withdrawn", "shortlisted"])
def test_unscreenable_nominations_have_no_form_and_refuse_a_decision(
    organiser_client, cycle, nominator, outbox, status
):
    nomination = make_nomination(cycle, nominator=nominator, status=status, complete=status != "draft")
    page = organiser_client.get(page_url(nomination)).get_data(as_text=True)
    assert "/eligibility" not in page
    assert "Is this nomination eligible?" not in page
    assert "govuk-inset-text" in page
    response = decide(organiser_client, nomination, decision="eligible")
    assert response.status_code == 409
    db.session.expire_all()
    assert nomination.eligibility is None and nomination.status is NominationStatus(status)
    assert outbox() == []


def test_a_draft_says_it_can_be_screened_once_submitted(organiser_client, cycle, nominator):
    draft = make_nomination(cycle, nominator=nominator, status="draft", complete=False)
    page = organiser_client.get(page_url(draft)).get_data(as_text=True)
    assert "This nomination is still a draft. It can be screened once the nominator submits it." in page
    assert "Not answered" in text_of(page)


def test_a_decision_on_an_out_of_date_page_is_refused(organiser_client, cycle, nominator, outbox):
    nomination = make_nomination(cycle, nominator=nominator)
    seen = nomination.version
    nomination.title = "Changed by the nominee meanwhile"
    db.session.commit()
    response = decide(organiser_client, nomination, decision="ineligible", reason="Late", version=seen)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This nomination changed while you were looking at it." in page
    assert "Changed by the nominee meanwhile" in page
    assert f'name="version" type="hidden" value="{seen + 1}"' in page
    assert "Late" in page
    db.session.expire_all()
    assert nomination.eligibility is None
    assert outbox() == []


# ------------------------------------------------------------------ CSV export


def test_the_export_is_a_streamed_attachment_of_the_filtered_list(organiser_client, organiser, cycle, nominator):
    a = make_nomination(cycle, nominator=nominator, title="Digital front door", category=cycle.categories[0])
    make_nomination(cycle, nominator=nominator, category=cycle.categories[1])
    make_nomination(cycle, nominator=nominator, status="draft", complete=False, category=cycle.categories[0])
    make_nomination(make_cycle(name="Other awards", year=2027), nominator=nominator)

    # Unbuffered, as a server sends it: the body is read after the request has ended.
    response = organiser_client.get(
        f"/organiser/cycles/{cycle.slug}/nominations.csv?category={cycle.categories[0].slug}&status=submitted",
        buffered=False,
    )
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{cycle.slug}-nominations.csv"'
    rows = read_csv(response)
    assert [r["Reference"] for r in rows] == [a.reference]
    assert list(rows[0]) == nomination_header(cycle)
    assert list(rows[0])[: len(NOMINATION_COLUMNS)] == list(NOMINATION_COLUMNS)
    assert rows[0]["The challenge"] == "The challenge we faced."
    assert rows[0]["Title"] == "Digital front door"
    assert rows[0]["Partners"] == "Acme Digital Ltd (supplier)"
    assert rows[0]["Trends"].endswith(f"{a.trend_links[1].trend.name}")
    assert rows[0]["Trends"].startswith(f"{a.primary_trend.name} (primary); ")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rows[0]["Submitted at (UTC)"])
    assert rows[0]["Eligibility"] == "Not decided"

    everything = read_csv(organiser_client.get(f"/organiser/cycles/{cycle.slug}/nominations.csv"))
    assert len(everything) == 3

    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "nominations.exported").order_by(AuditEvent.id)
    ).first()
    assert event.actor_id == organiser.id and event.object_id == str(cycle.id)
    assert event.detail["count"] == 1
    assert event.detail["filters"] == {"category": cycle.categories[0].slug, "status": "submitted"}


@pytest.mark.parametrize(
    "trigger",
    [
        "=",
        "+",
        "-",
        "@",
        "\t",
        "\r",
        # whatever precedes it, and the full-width forms (OWASP)
        " =",
        "  \t+",
        "\r\n-",
        "\n@",
        "\uff1d",
        "\uff0b",
        "\uff0d",
        "\uff20",
        " \uff1d",
        "\u3000\uff20",
    ],
)
def test_the_export_neutralises_formulas(organiser_client, cycle, nominator, trigger):
    nomination = make_nomination(
        cycle,
        nominator=nominator,
        title=f'{trigger}HYPERLINK("https://x.test")',
        organisation_name=f"{trigger}1+1",
        contact_name=f"{trigger}SUM(A1:A9)",
    )
    nomination.partners[0].name = f"{trigger}cmd"
    nomination.eligibility = Eligibility.INELIGIBLE
    nomination.status = NominationStatus.INELIGIBLE
    nomination.eligibility_reason = f"{trigger}Reason"
    db.session.commit()
    [row] = read_csv(organiser_client.get(f"/organiser/cycles/{cycle.slug}/nominations.csv"))
    assert row["Title"] == f'\'{trigger}HYPERLINK("https://x.test")'
    assert row["Organisation"] == f"'{trigger}1+1"
    assert row["Contact name"] == f"'{trigger}SUM(A1:A9)"
    assert row["Partners"] == f"'{trigger}cmd (supplier)"
    assert row["Eligibility reason"] == f"'{trigger}Reason"
    assert row["Eligibility"] == "Not eligible"


def test_the_export_of_a_custom_form_has_a_column_per_question_formula_safe_in_constant_queries(
    organiser_client, cycle, nominator
):
    install_public_form(cycle)
    url = f"/organiser/cycles/{cycle.slug}/nominations.csv"

    def add(count):
        for i in range(count):
            n = make_nomination(cycle, nominator=nominator, category=cycle.categories[i % 3])
            fill_public_answers(n, internal_notes=f"=SUM(A{i}:A9)")

    def export():
        with recorded_queries() as statements:
            response = organiser_client.get(url)
            rows = read_csv(response)
        return rows, len(statements)

    organiser_client.get(url)  # warm up
    add(3)
    rows, with_3 = export()
    add(27)
    rows, with_30 = export()
    assert with_3 == with_30 and len(rows) == 30
    header = list(rows[0])
    assert header == nomination_header(cycle)
    questions = [q for q in entry_forms.questions_of(cycle) if q.key not in FIXED_QUESTION_KEYS]
    assert header[len(NOMINATION_COLUMNS) :] == [entry_forms.short_name(q) for q in questions]
    first = rows[0]
    assert first["Staff hours saved"] == "1,200" and first["Went live"] == "7 March 2025"
    assert first["Budget code"] == ORGANISER_ONLY_ANSWER
    # a custom answer starting with = is neutralised, in a cell of its own and in a group's lines
    assert first["Notes for judges"] == "'=SUM(A0:A9)"
    assert f"What was saved: {FORMULA_ANSWER}" in first["Savings"]
    # the second category's question is answered only by its nominees
    assert first["Second category question"] == "" and rows[1]["Second category question"] == "Second-category-marker"


def test_the_export_of_many_nominations_comes_in_order(organiser_client, cycle, nominator, monkeypatch):
    from awards.web.organiser.nominations import routes as views

    monkeypatch.setattr(views, "EXPORT_CHUNK", 4)
    made = [make_nomination(cycle, nominator=nominator).reference for _ in range(10)]
    rows = read_csv(organiser_client.get(f"/organiser/cycles/{cycle.slug}/nominations.csv"))
    assert [r["Reference"] for r in rows] == made


def test_an_empty_export_has_the_header_row(organiser_client, cycle):
    response = organiser_client.get(f"/organiser/cycles/{cycle.slug}/nominations.csv")
    assert response.status_code == 200
    assert read_csv(response) == []
    header = nomination_header(cycle)
    assert response.get_data(as_text=True) == BYTE_ORDER_MARK + ",".join(f'"{c}"' for c in header) + "\r\n"


def test_the_status_of_a_nomination_deleted_nominator_is_handled(organiser_client, cycle):
    nomination = make_nomination(cycle)
    nomination.nominator = None
    db.session.commit()
    page = organiser_client.get(page_url(nomination)).get_data(as_text=True)
    assert "The nominator's account has been deleted." in page
    assert "No one will be emailed" in page
    response = decide(organiser_client, nomination, decision="ineligible", reason="Not a public body")
    assert response.status_code == 302
    page = organiser_client.get(page_url(nomination)).get_data(as_text=True)
    assert f"{nomination.reference} is marked not eligible." in page
    assert "We have emailed" not in page
    assert (
        db.session.scalar(sa.select(Nomination.status).where(Nomination.id == nomination.id))
        is NominationStatus.INELIGIBLE
    )


def test_a_trend_the_cycle_no_longer_offers_can_still_be_filtered_on(organiser_client, cycle, nominator):
    nomination = make_nomination(cycle, nominator=nominator)
    dropped = nomination.primary_trend
    unused = cycle.trends[-1]
    cycle.trends.remove(dropped)
    cycle.trends.remove(unused)
    db.session.commit()
    page = organiser_client.get(list_url(cycle)).get_data(as_text=True)
    assert f'<option value="{dropped.slug}">{dropped.name}</option>' in page
    assert f'<option value="{unused.slug}">' not in page
    assert listed(organiser_client, list_url(cycle, trend=dropped.slug)) == [nomination.reference]
