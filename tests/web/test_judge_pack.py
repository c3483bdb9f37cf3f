"""The judge's pack (issue #18): one PDF per round, /judging/cycles/<slug>/rounds/<n>/pack.pdf.

Read as a person reads it (pypdf's text, white space aside: tests/support/pdfs.py): each entry the judge
may read with its content, the criteria and rubric, a blank sheet per entry; the blind copy in a blind
round; never a conflicted entry; an entry whose conflict question is unanswered only listed; the round's
own page's answer for a round not begun or closed; tagged for screen readers; its download audited.
"""

from __future__ import annotations

import gc
from datetime import timedelta

import pytest

from awards.domain.core.clock import utcnow
from awards.extensions import db
from awards.models import RoundMode
from tests.canary import CANARY, canary_hits, decoded_contents, plant_canary_nomination
from tests.factories import (
    add_conflict,
    make_assignment,
    make_cycle,
    make_judge,
    make_nomination,
    make_review,
    make_user,
)
from tests.support.audit import action_events
from tests.support.browser import SCREENSHOT_DIR, screenshots_wanted
from tests.support.pdfs import pdf_catalog, pdf_holds, pdf_metadata, pdf_text, squeezed
from tests.support.visible import links_in, main_text

RUBRIC = [
    {"from": 1, "to": 3, "label": "Weak", "text": "Little evidence of change for residents."},
    {"from": 4, "to": 7, "label": "Sound", "text": "A baseline and a measured change."},
    {"from": 8, "to": 10, "label": "Outstanding", "text": "Independent evaluation shows lasting change."},
]


def pack_cycle(**fields):
    now = utcnow()
    cycle = make_cycle(status="judging", open_at=now - timedelta(days=60), close_at=now - timedelta(days=1), **fields)
    return cycle


def pack_url(cycle, number=1) -> str:
    return f"/judging/cycles/{cycle.slug}/rounds/{number}/pack.pdf"


@pytest.fixture
def cycle(app):
    cycle = pack_cycle()
    for criterion in cycle.rounds[0].criteria:
        criterion.rubric = RUBRIC
    db.session.commit()
    return cycle


@pytest.fixture
def membership(cycle, judge):
    return make_judge(cycle, judge)


def download(client, cycle, number=1, label: str = ""):
    response = client.get(pack_url(cycle, number))
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    if label and screenshots_wanted():  # to look at (AWARDS_SCREENSHOTS=1)
        SCREENSHOT_DIR.mkdir(exist_ok=True)
        (SCREENSHOT_DIR / f"judge-pack-{label}.pdf").write_bytes(response.get_data())
    return response


def test_the_judge_downloads_a_pack_of_their_entries_with_criteria_rubric_and_a_sheet_each(
    cycle, membership, judge_client
):
    entries = [
        make_nomination(cycle, title=f"Project {name}", approach=f"We rebuilt the {name} service with residents.")
        for name in ("Alder", "Birch")
    ]
    for nomination in entries:
        make_assignment(membership, nomination, no_conflict_declared=True)
    other = make_nomination(cycle, title="Project Elsewhere")  # given to nobody

    response = download(judge_client, cycle, label="scores")
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"judge-pack-{cycle.slug}-round-1.pdf" in disposition
    text = pdf_text(response.get_data())
    for nomination in entries:
        assert pdf_holds(text, nomination.reference)
        assert pdf_holds(text, nomination.title)
        assert pdf_holds(text, nomination.answers["approach"])
        assert pdf_holds(text, f"Score sheet for {nomination.reference}")
    assert not pdf_holds(text, other.reference) and not pdf_holds(text, "Project Elsewhere")
    for criterion in cycle.rounds[0].criteria:
        assert pdf_holds(text, criterion.name)
    for band in RUBRIC:
        assert pdf_holds(text, band["label"]) and pdf_holds(text, band["text"])
    assert pdf_holds(text, "How to use this pack")
    assert pdf_holds(text, "Prepared for Jo Judge")
    assert pdf_holds(text, "Entries in this pack 2")
    assert squeezed(text).count(squeezed("Score sheet for")) == 2

    [event] = action_events("round.judge_pack_downloaded")
    assert event.actor_id == membership.user_id
    assert event.detail["entries"] == 2 and event.detail["listed"] == 0


def test_the_pdf_is_tagged_in_british_english_and_titled_with_the_cycle_and_round(cycle, membership, judge_client):
    make_assignment(membership, make_nomination(cycle), no_conflict_declared=True)
    data = download(judge_client, cycle).get_data()
    root = pdf_catalog(data)
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert str(root["/Lang"]) == "en-GB"
    metadata = pdf_metadata(data)
    assert metadata["title"] == f"Judge pack: {cycle.name}, {cycle.rounds[0].label}"
    assert metadata["author"] == "awards"


def test_a_blind_round_has_the_blind_copy_and_an_open_round_names_the_organisation(cycle, membership, judge_client):
    nomination = make_nomination(cycle, title="Project Quay", organisation_name="Riverside Borough Council")
    make_assignment(membership, nomination, no_conflict_declared=True)
    assert cycle.rounds[0].blind
    text = pdf_text(download(judge_client, cycle).get_data())
    assert pdf_holds(text, "Project Quay") and pdf_holds(text, "This is blind judging")
    for hidden in ("Riverside Borough Council", "Acme Digital Ltd", "Casey Contact", nomination.contact_email):
        assert not pdf_holds(text, hidden), hidden

    cycle.rounds[0].blind = False
    db.session.commit()
    text = pdf_text(download(judge_client, cycle).get_data())
    assert pdf_holds(text, "Organisation Riverside Borough Council")
    assert not pdf_holds(text, "This is blind judging")


def test_a_conflicted_entry_is_absent_and_an_undeclared_one_only_listed(cycle, membership, judge, judge_client):
    readable = make_nomination(cycle, title="Project Readable")
    conflicted = make_nomination(
        cycle, title="Project Conflicted", organisation_name="Northgate Council", approach="Conflicted approach words."
    )
    declared = make_nomination(cycle, title="Project Declared", approach="Declared approach words.")
    undeclared = make_nomination(cycle, title="Project Undeclared", approach="Undeclared approach words.")
    make_assignment(membership, readable, no_conflict_declared=True)
    make_assignment(membership, conflicted, no_conflict_declared=True)
    add_conflict(membership, conflicted)  # recorded by the organisers after the judge said none
    make_assignment(membership, declared, status="recused")
    add_conflict(membership, declared, source="declared")
    make_assignment(membership, undeclared)

    text = pdf_text(download(judge_client, cycle, label="conflicts").get_data())
    assert pdf_holds(text, "Project Readable") and pdf_holds(text, f"Score sheet for {readable.reference}")
    for absent in (conflicted, declared):
        for words in (absent.reference, absent.title, absent.answers["approach"]):
            assert not pdf_holds(text, words), words
    assert not pdf_holds(text, "Northgate Council")
    # Listed with what the judge must do first, nothing of its content, no sheet
    assert pdf_holds(text, f"{undeclared.reference}: Project Undeclared")
    assert pdf_holds(text, "Declare whether you have a conflict of interest before this entry is included")
    assert not pdf_holds(text, "Undeclared approach words")
    assert not pdf_holds(text, f"Score sheet for {undeclared.reference}")
    assert pdf_holds(text, "Entries in this pack 1") and pdf_holds(text, "Entries listed, not yet included 1")
    [event] = action_events("round.judge_pack_downloaded")
    assert (event.detail["entries"], event.detail["listed"]) == (1, 1)


def test_a_pass_fail_round_has_its_question_and_tick_boxes(judge_client, judge):
    cycle = pack_cycle()
    cycle.rounds[0].mode = RoundMode.PASS_FAIL
    db.session.commit()
    nomination = make_nomination(cycle, title="Project Verdict")
    make_assignment(make_judge(cycle, judge), nomination, no_conflict_declared=True)
    text = pdf_text(download(judge_client, cycle, label="pass-fail").get_data())
    assert pdf_holds(text, "Say whether each entry passes this round")
    assert pdf_holds(text, f"Verdict sheet for {nomination.reference}")
    assert pdf_holds(text, "Your verdict (tick one) Pass Fail Unsure")
    assert pdf_holds(text, "What to look for")


def test_a_ranking_round_has_its_instructions_and_a_rank_box(judge_client, judge):
    cycle = pack_cycle()
    cycle.rounds[0].mode = RoundMode.RANKING
    db.session.commit()
    nomination = make_nomination(cycle, title="Project Ranked")
    make_assignment(make_judge(cycle, judge), nomination, no_conflict_declared=True)
    text = pdf_text(download(judge_client, cycle, label="ranking").get_data())
    assert pdf_holds(text, "How to rank")
    assert pdf_holds(text, f"Notes and ranking sheet for {nomination.reference}")
    assert pdf_holds(text, "Position in your ranking")


def test_a_judge_with_no_entries_in_the_round_gets_a_pack_that_says_so(cycle, membership, judge_client):
    text = pdf_text(download(judge_client, cycle).get_data())
    assert pdf_holds(text, "No entries to read yet")
    assert pdf_holds(text, "No entries have been given to you in this round yet")
    assert pdf_holds(text, "Entries in this pack 0")


def test_a_round_not_begun_is_a_404_and_a_closed_one_says_it_closed(cycle, membership, judge_client):
    from tests.support.programme import add_round

    now = utcnow()
    later = add_round(cycle, "Final panel", opens_at=now + timedelta(days=10))
    nomination = make_nomination(cycle, title="Project Closed")
    make_assignment(membership, nomination, no_conflict_declared=True)
    make_assignment(membership, nomination, no_conflict_declared=True, round_id=later.id)
    assert judge_client.get(f"/judging/cycles/{cycle.slug}/rounds/2").status_code == 404
    assert judge_client.get(pack_url(cycle, 2)).status_code == 404
    assert judge_client.get(pack_url(cycle, 3)).status_code == 404
    assert judge_client.get("/judging/cycles/no-such-cycle/rounds/1/pack.pdf").status_code == 404

    cycle.rounds[0].closes_at = now - timedelta(days=1)
    db.session.commit()
    text = pdf_text(download(judge_client, cycle).get_data())
    assert pdf_holds(text, "Project Closed")
    assert pdf_holds(text, "closed at") and pdf_holds(text, "can no longer be saved or changed")


def test_other_people_get_what_the_round_page_gives_them(app, cycle, membership, judge_client, organiser_client):
    nomination = make_nomination(cycle, title="Project Private")
    make_assignment(membership, nomination, no_conflict_declared=True)
    other_judge = make_user(name="Ola Other", email="ola@judges.example.org", roles=("judge",))
    make_judge(cycle, other_judge)
    other = app.test_client()
    other.sign_in_as(other_judge)
    text = pdf_text(download(other, cycle).get_data())
    assert not pdf_holds(text, nomination.reference) and not pdf_holds(text, "Project Private")
    assert pdf_holds(text, "Prepared for Ola Other")

    assert organiser_client.get(pack_url(cycle)).status_code == 403  # not a judge of any cycle
    nominee = app.test_client()
    nominee.sign_in_as(nomination.nominator)
    assert nominee.get(pack_url(cycle)).status_code == 403
    anonymous = app.test_client().get(pack_url(cycle))
    assert anonymous.status_code == 302 and "/sign-in" in anonymous.headers["Location"]
    assert len(action_events("round.judge_pack_downloaded")) == 1


def test_the_judges_pages_link_the_pack_as_a_pdf(cycle, membership, judge_client):
    make_assignment(membership, make_nomination(cycle), no_conflict_declared=True)
    label = f"Download your judge pack for {cycle.rounds[0].label} of {cycle.name} (PDF)"
    for url in ("/judging/", f"/judging/cycles/{cycle.slug}/rounds/1"):
        response = judge_client.get(url)
        links = links_in(response.get_data(as_text=True))
        assert links.get(label) == pack_url(cycle), (url, links)
        assert "to print or read away from the site" in main_text(response)


def test_an_answer_that_looks_like_markup_or_a_link_is_printed_as_text_and_nothing_is_fetched(
    cycle, membership, judge_client
):
    typed = '<img src="http://127.0.0.1:9/tracker.png"> see https://example.org/evidence'
    nomination = make_nomination(cycle, approach=typed)
    make_assignment(membership, nomination, no_conflict_declared=True)
    text = pdf_text(download(judge_client, cycle).get_data())
    assert pdf_holds(text, typed)


def test_the_packs_fetcher_refuses_every_address(app):
    from awards.web.judge.pdf import RefusingFetcher, render_pdf

    fetcher = RefusingFetcher()
    html = (
        '<html lang="en-GB"><head><title>t</title><link rel="stylesheet" href="file:///etc/passwd"></head>'
        '<body><h1>Fetch test</h1><img alt="x" src="http://127.0.0.1:9/x.png"><img alt="y" src="/static/favicon.svg">'
        "</body></html>"
    )
    with app.test_request_context():
        data = render_pdf(html, fetcher)
    assert pdf_holds(data, "Fetch test")
    site = app.config["BASE_URL"].rstrip("/")
    assert sorted(fetcher.refused) == sorted(
        ["file:///etc/passwd", "http://127.0.0.1:9/x.png", f"{site}/static/favicon.svg"]
    )


def test_the_cycle_collector_is_paused_while_weasyprint_works_and_resumed_after(app):
    from awards.web.judge.pdf import RefusingFetcher, render_pdf

    fetcher = RefusingFetcher()
    seen = []
    original = fetcher.fetch

    def fetch(url, headers=None):
        seen.append(gc.isenabled())
        return original(url, headers)

    fetcher.fetch = fetch  # type: ignore[method-assign]
    html = '<html lang="en-GB"><body><h1>Paused</h1><img alt="x" src="http://127.0.0.1:9/x.png"></body></html>'
    assert gc.isenabled()
    with app.test_request_context():
        data = render_pdf(html, fetcher)
    assert pdf_holds(data, "Paused")
    assert seen == [False]  # WeasyPrint asked for the image with the collector off
    assert gc.isenabled()


def test_the_collector_resumes_after_a_failure_and_only_when_the_last_pack_ends():
    from awards.domain.core.collector import collector_paused

    with pytest.raises(RuntimeError):
        with collector_paused():
            assert not gc.isenabled()
            raise RuntimeError("layout failed")
    assert gc.isenabled()

    first, second = collector_paused(), collector_paused()  # two packs at once, in two threads
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second is still being made
    second.__exit__(None, None, None)
    assert gc.isenabled()

    gc.disable()  # paused by someone else: left for them to resume
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


# ------------------------------------------------------------------ the leak canary reads the pack


def canary_parts(data: bytes) -> dict[str, list[str]]:
    """Where in the PDF (raw bytes, streams, text as read, metadata) the canary's forms were found."""
    found = {part: canary_hits(content, form=True) for part, content in decoded_contents(data, "application/pdf")}
    return {part: hits for part, hits in found.items() if hits}


def test_a_conflicted_entrys_canary_is_nowhere_in_the_pack(cycle, membership, judge_client):
    canary = plant_canary_nomination(cycle)
    make_assignment(membership, canary, no_conflict_declared=True)
    add_conflict(membership, canary)
    readable = make_nomination(cycle, title="Project Readable")
    make_assignment(membership, readable, no_conflict_declared=True)
    data = download(judge_client, cycle).get_data()
    assert pdf_holds(data, f"Score sheet for {readable.reference}")  # a real pack, read as text
    assert canary_parts(data) == {}
    assert not pdf_holds(data, canary.reference)


def test_the_canary_check_finds_what_a_pack_would_leak(app, cycle, membership, judge_client):
    """The check above can fail: an entry the judge may read in a round that is not blind names its
    organisation, and the canary is found in the PDF's text though never in its bytes; a name in the
    title is found in the metadata."""
    canary = plant_canary_nomination(cycle)
    cycle.rounds[0].blind = False
    db.session.commit()
    make_assignment(membership, canary, no_conflict_declared=True)
    data = download(judge_client, cycle).get_data()
    found = canary_parts(data)
    assert "PDF text" in found and "PDF text without white space" in found
    assert "raw bytes" not in found  # WeasyPrint's text is glyph-encoded: only a reader's text shows it

    from awards.web.judge.pdf import render_pdf

    with app.test_request_context():
        titled = render_pdf(
            f'<html lang="en-GB"><head><title>About {CANARY}</title></head><body><p>x</p></body></html>'
        )
    assert "PDF metadata" in canary_parts(titled)
    assert canary_hits(pdf_text(titled)) == []  # only the metadata holds it


def test_while_the_calibration_example_waits_the_rounds_other_entries_are_only_listed(judge, judge_client, organiser):
    from awards.domain.judging import calibration
    from tests.support.calibration import calibrating_cycle, earlier_cycle

    earlier = earlier_cycle()
    example = make_nomination(earlier, title="A council chatbot, judged last year", approach="Example approach.")
    cycle = calibrating_cycle()
    entry = make_nomination(cycle, title="Digital blue badges", approach="Blue badge approach words.")
    member = make_judge(cycle, judge)
    make_assignment(member, entry, no_conflict_declared=True)
    calibration.choose_example(cycle.rounds[0], example.reference, by=organiser)
    db.session.commit()
    text = pdf_text(download(judge_client, cycle).get_data())
    # The example asks its conflict question first, as its page does; so far both are only listed
    assert pdf_holds(text, "Entries in this pack 0") and pdf_holds(text, "Entries listed, not yet included 2")

    example_assignment = calibration.calibration_assignment(judge, example, "1")
    example_assignment.no_conflict_declared_at = utcnow()
    db.session.commit()
    text = pdf_text(download(judge_client, cycle, label="calibration").get_data())
    assert pdf_holds(text, "Example approach.") and pdf_holds(text, "Calibration example, not in competition")
    assert pdf_holds(text, f"Score sheet for {example.reference}")
    assert pdf_holds(text, f"{entry.reference}: Digital blue badges")
    assert pdf_holds(text, "Submit your judgement of the calibration example before this entry is included")
    assert not pdf_holds(text, "Blue badge approach words")

    make_review(example_assignment, status="submitted")
    text = pdf_text(download(judge_client, cycle).get_data())
    assert pdf_holds(text, "Blue badge approach words") and pdf_holds(text, f"Score sheet for {entry.reference}")
    assert pdf_holds(text, "Entries in this pack 2")


def test_downloads_are_limited_per_judge_not_per_address(make_app, cycle, membership, judge):
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_JUDGE_PACK="2 per hour",
        RATELIMIT_JUDGE_PACK_OVERALL="",
    )
    other_judge = make_user(name="Ola Other", email="ola@judges.example.org", roles=("judge",))
    make_judge(cycle, other_judge)
    mine, theirs = app.test_client(), app.test_client()  # both from the same address
    mine.sign_in_as(judge)
    theirs.sign_in_as(other_judge)
    assert [mine.get(pack_url(cycle)).status_code for _ in range(2)] == [200, 200]
    refused = mine.get(pack_url(cycle))
    assert refused.status_code == 429 and "Too many requests" in main_text(refused)
    assert theirs.get(pack_url(cycle)).status_code == 200
    assert mine.get(f"/judging/cycles/{cycle.slug}/rounds/1").status_code == 200  # the pages are not counted
    assert len(action_events("round.judge_pack_downloaded")) == 3
