"""Advancing entries from a round's results to the next round, through the organiser's pages: the suggested top N
per category ticked, a reason required (and named in the error summary) for every change from it, the changes
audited with their reasons, the finalists e-mailed once with nothing of their results, and round 2 judging exactly
the advanced entries."""

from __future__ import annotations

import re

from awards.domain.judging import rounds
from awards.extensions import db
from awards.models import RoundEntries, RoundMode, Verdict
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_review
from tests.support.audit import action_events
from tests.support.pages import input_value
from tests.support.programme import add_round
from tests.support.visible import buttons, error_summary, main_text, text_of

VERDICTS = {"a1": "PPP", "a2": "PPU", "a3": "PPF", "a4": "FFU", "b1": "PFF", "b2": "PP", "b3": ""}
LETTER = {"P": Verdict.PASS, "U": Verdict.UNSURE, "F": Verdict.FAIL}


def two_rounds():
    """Round 1 pass/fail over two categories (shortlist size 2 each); round 2, the final panel, judges the
    entries advanced from it."""
    cycle = make_cycle(status="judging")
    cycle.rounds[0].mode = RoundMode.PASS_FAIL
    for category in cycle.categories[:2]:
        category.shortlist_size = 2
    db.session.commit()
    final = add_round(cycle, "Final panel", entries=RoundEntries.ADVANCED, is_final=True)
    judges = [make_judge(cycle) for _ in range(3)]
    entries = {}
    for key, letters in VERDICTS.items():
        category = cycle.categories[0] if key[0] == "a" else cycle.categories[1]
        entries[key] = make_nomination(cycle, category=category, title=f"Entry {key}")
        for judge, letter in zip(judges, letters, strict=False):
            make_review(make_assignment(judge, entries[key]), status="submitted", verdict=LETTER[letter])
    return cycle, final, entries


def advance_ticked(response) -> set[int]:
    html = response.get_data(as_text=True)
    return {int(n) for n in re.findall(r'name="advance" type="checkbox" value="(\d+)" checked', html)}


def id_set(entries, *keys) -> set[int]:
    return {entries[k].id for k in keys}


def test_advancing_from_a_pass_fail_round_with_reasons_then_telling_the_finalists(organiser_client, outbox):
    cycle, final, entries = two_rounds()
    results = organiser_client.get(f"/organiser/cycles/{cycle.slug}/results?round=1")
    url = f"/organiser/cycles/{cycle.slug}/rounds/1/advance"
    assert f'href="{url}"' in results.get_data(as_text=True)

    page = organiser_client.get(url)
    text = main_text(page)
    assert "Advance entries to Round 2: Final panel" in text and "No entries are advanced yet" in text
    assert "3 pass, 0 unsure, 0 fail" in text and "Not judged yet" in text
    assert advance_ticked(page) == id_set(entries, "a1", "a2", "b2", "b1")  # the suggestion: the top 2 of each category
    assert text.count("Suggested") == 4

    # a3 advanced and b1 left out without a reason: both named in the error summary, what was ticked kept
    shown = [str(e.id) for e in entries.values()]
    chosen = [str(i) for i in id_set(entries, "a1", "a2", "a3", "b2")]
    refused = organiser_client.post_form(url, {"shown": shown, "advance": chosen}, token_from=url)
    assert refused.status_code == 200
    a3, b1 = entries["a3"], entries["b1"]
    assert error_summary(refused) == [
        (f"#reason_{a3.id}", f"Give the reason for advancing {a3.reference}: the suggestion leaves it out"),
        (f"#reason_{b1.id}", f"Give the reason for not advancing {b1.reference}: the suggestion includes it"),
    ]
    assert advance_ticked(refused) == id_set(entries, "a1", "a2", "a3", "b2")
    assert rounds.entry_ids(final) == set()  # nothing saved

    reasons = {f"reason_{a3.id}": "Strong evidence; one harsh fail", f"reason_{b1.id}": "Two judges failed it"}
    saved = organiser_client.post_form(url, {"shown": shown, "advance": chosen, **reasons}, token_from=url)
    assert saved.status_code == 302
    page = organiser_client.get(url)
    assert "Saved: 4 entries advanced to Round 2: Final panel" in main_text(page)
    assert advance_ticked(page) == id_set(entries, "a1", "a2", "a3", "b2")
    assert 'value="Strong evidence; one harsh fail"' in page.get_data(as_text=True)  # the reason is shown again
    # Round 2 judges exactly the advanced entries
    assert rounds.entry_ids(final) == id_set(entries, "a1", "a2", "a3", "b2")
    advanced = {int(e.object_id): e.detail for e in action_events("round.advanced")}
    assert set(advanced) == id_set(entries, "a1", "a2", "a3", "b2")
    assert advanced[a3.id]["reason"] == "Strong evidence; one harsh fail" and not advanced[a3.id]["suggested"]
    assert advanced[entries["a1"].id]["reason"] == "" and advanced[entries["a1"].id]["suggested"]
    [left_out] = action_events("round.not_advanced")
    assert left_out.detail["reason"] == "Two judges failed it" and left_out.object_id == str(b1.id)
    # b1's reason is on record: saving again asks for nothing. Taking a2 back (suggested) needs a reason too.
    a2 = entries["a2"]
    assert 'value="Two judges failed it"' in page.get_data(as_text=True)
    chosen.remove(str(a2.id))
    refused = organiser_client.post_form(url, {"shown": shown, "advance": chosen}, token_from=url)
    assert [href for href, _ in error_summary(refused)] == [f"#reason_{a2.id}"]
    organiser_client.post_form(
        url, {"shown": shown, "advance": chosen, f"reason_{a2.id}": "Withdrawn by the council"}, token_from=url
    )
    [removed] = action_events("round.advancement_removed")
    assert removed.detail["reason"] == "Withdrawn by the council" and removed.object_id == str(a2.id)
    assert rounds.entry_ids(final) == id_set(entries, "a1", "a3", "b2")
    # The activity log reads the decisions in words
    assert "round.advanced" not in main_text(organiser_client.get("/organiser/"))

    # Telling the finalists: one e-mail to each advanced entry's nominator, nothing of any result
    finalists = f"/organiser/cycles/{cycle.slug}/rounds/1/finalists"
    confirm = organiser_client.get(finalists)
    assert "Email 3 finalists" in buttons(confirm) and "It says nothing about scores, verdicts or places" in main_text(
        confirm
    )
    assert outbox("finalist") == []
    assert organiser_client.post_form(finalists, token_from=finalists).status_code == 302
    sent = outbox("finalist")
    assert sorted(m.to_address for m in sent) == sorted(entries[k].nominator.email for k in ("a1", "a3", "b2"))
    for message in sent:
        body = message.body_text.lower()
        assert "is a finalist in" in body and cycle.name.lower() in body and "final panel" in body
        assert not any(word in body for word in ("pass", "fail", "unsure", "score", "position", "rank"))
    again = organiser_client.get(finalists)
    assert "Every finalist with a nominator has been told" in main_text(again) and "Email" not in " ".join(
        buttons(again)
    )
    organiser_client.post_form(finalists, token_from=finalists)
    assert len(outbox("finalist")) == 3  # told once


def test_suggesting_another_number_and_a_refused_number(organiser_client):
    cycle, final, entries = two_rounds()
    url = f"/organiser/cycles/{cycle.slug}/rounds/1/advance"
    a, b = cycle.categories[0], cycle.categories[1]
    refused = organiser_client.post_form(f"{url}/suggest", {f"top_{a.id}": "three", f"top_{b.id}": "1"}, token_from=url)
    assert refused.status_code == 200
    assert error_summary(refused) == [
        (f"#top_{a.id}", f"Enter how many entries to suggest in {a.name}, as a whole number")
    ]
    assert 'value="three"' in refused.get_data(as_text=True)
    assert rounds.entry_ids(final) == set()
    done = organiser_client.post_form(f"{url}/suggest", {f"top_{a.id}": "3", f"top_{b.id}": "1"}, token_from=url)
    assert done.status_code == 302
    page = organiser_client.get(url)
    assert "Suggested 4 entries: the top of each category by the share of pass verdicts" in main_text(page)
    assert rounds.entry_ids(final) == id_set(entries, "a1", "a2", "a3", "b2")
    assert advance_ticked(page) == id_set(entries, "a1", "a2", "a3", "b2")
    assert "The suggestion takes the top 3." in main_text(page) and "The suggestion takes the top 1." in main_text(page)


def test_an_entry_with_judges_in_the_next_round_cannot_be_taken_back(organiser_client):
    cycle, final, entries = two_rounds()
    url = f"/organiser/cycles/{cycle.slug}/rounds/1/advance"
    organiser_client.post_form(f"{url}/suggest", token_from=url)
    make_assignment(make_judge(cycle), entries["a1"], round_id=final.id)
    shown = [str(e.id) for e in entries.values()]
    keep = [str(i) for i in id_set(entries, "a2", "b1", "b2")]
    a1 = entries["a1"]
    refused = organiser_client.post_form(
        url, {"shown": shown, "advance": keep, f"reason_{a1.id}": "Changed our minds"}, token_from=url
    )
    assert error_summary(refused) == [
        (
            f"#advance_{a1.id}",
            f"{a1.reference} already has judges in Round 2: Final panel, so it stays advanced. Remove its "
            "assignments in that round first.",
        )
    ]
    assert "Given to judges in Round 2: Final panel" in main_text(organiser_client.get(url))
    assert a1.id in rounds.entry_ids(final)


def test_a_round_without_a_next_round_of_advanced_entries_says_so(organiser_client):
    cycle = make_cycle(status="judging")
    url = f"/organiser/cycles/{cycle.slug}/rounds/1/advance"
    page = organiser_client.get(url)
    assert page.status_code == 200
    assert "Round 1: Judging is the last round, so there is no round to advance its entries to" in main_text(page)
    response = organiser_client.post_form(url, {"shown": ["1"], "advance": ["1"]}, token_from=url)
    assert response.status_code == 302
    assert "Advance entries to the next round" not in main_text(
        organiser_client.get(f"/organiser/cycles/{cycle.slug}/results")
    )
    assert organiser_client.get(f"/organiser/cycles/{cycle.slug}/rounds/9/advance").status_code == 404


def test_a_long_category_lists_its_top_and_every_advanced_entry_with_a_page_for_all(organiser_client, monkeypatch):
    from awards.domain.results import advancing

    monkeypatch.setattr(advancing, "SHOWN_AT_LEAST", 1)  # the top 2 × the suggested number
    cycle, final, entries = two_rounds()
    a = cycle.categories[0]
    url = f"/organiser/cycles/{cycle.slug}/rounds/1/advance"
    organiser_client.post_form(f"{url}/suggest", {f"top_{a.id}": "1"}, token_from=url)  # a1 only
    page = organiser_client.get(url)
    text = main_text(page)
    assert entries["a2"].reference in text and entries["a3"].reference not in text
    assert "2 more entries further down the order are not listed here and not advanced" in text
    # All of category A on its own page: a4 advanced there, with a reason
    every = organiser_client.get(f"{url}?category={a.slug}")
    assert entries["a4"].reference in main_text(every) and entries["b1"].reference not in main_text(every)
    shown = [str(entries[k].id) for k in ("a1", "a2", "a3", "a4")]
    chosen = [str(entries[k].id) for k in ("a1", "a4")]
    response = organiser_client.post_form(
        f"{url}?category={a.slug}",
        {"shown": shown, "advance": chosen, f"reason_{entries['a4'].id}": "The panel asked for it"},
        token_from=url,
    )
    assert response.headers["Location"].endswith(f"?category={a.slug}")
    assert rounds.entry_ids(final) == id_set(entries, "a1", "a4", "b2", "b1")  # category B left as it was
    text = main_text(organiser_client.get(url))
    assert entries["a4"].reference in text and "1 more entry further down the order is not listed" in text


def test_a_conflicted_organiser_sees_nothing_of_the_entrys_result_and_leaves_it_to_another(organiser, organiser_client):
    from tests.factories import add_conflict

    cycle, final, entries = two_rounds()
    add_conflict(make_judge(cycle, organiser), entries["a2"])
    url = f"/organiser/cycles/{cycle.slug}/rounds/1/advance"
    page = organiser_client.get(url)
    text = main_text(page)
    a2 = entries["a2"]
    assert "Not shown to you" in text and f"{a2.reference}: Entry a2" in text
    assert "2 pass, 1 unsure, 0 fail" not in text  # a2's verdicts
    assert a2.id not in advance_ticked(page) and f'id="advance_{a2.id}"' not in page.get_data(as_text=True)  # no box
    assert "Positions and suggestions are not shown in this category" in text
    # Saving leaves it as it is, even when posted
    shown = [str(e.id) for e in entries.values()]
    chosen = [str(i) for i in id_set(entries, "a1", "a2", "b1", "b2")]
    assert organiser_client.post_form(url, {"shown": shown, "advance": chosen}, token_from=url).status_code == 302
    assert rounds.entry_ids(final) == id_set(entries, "a1", "b1", "b2")


def test_the_advancing_page_runs_the_same_number_of_queries_for_more_entries(organiser_client):
    from tests.support.queries import counting_queries

    cycle, final, entries = two_rounds()
    url = f"/organiser/cycles/{cycle.slug}/rounds/1/advance"
    organiser_client.post_form(f"{url}/suggest", token_from=url)
    organiser_client.get(url)
    with counting_queries() as few:
        organiser_client.get(url)
    judge = make_judge(cycle)
    for key in "cdefgh":
        nomination = make_nomination(cycle, category=cycle.categories[1], title=f"More {key}")
        make_review(make_assignment(judge, nomination), status="submitted", verdict=Verdict.PASS)
    organiser_client.get(url)
    with counting_queries() as many:
        organiser_client.get(url)
    assert many["n"] == few["n"]


def test_a_scored_round_links_to_advancing_from_its_results(organiser_client):
    cycle = make_cycle(status="judging")
    add_round(cycle, "Final panel", entries=RoundEntries.ADVANCED)
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}/results?round=1")
    assert "Advance entries to the next round" in main_text(page)
    assert "Advance entries to the next round" not in main_text(
        organiser_client.get(f"/organiser/cycles/{cycle.slug}/results?round=2")
    )


# --- A round too big for one page: a summary per category, each category 50 a page ---------------------------


def advancing_rows(response) -> list[str]:
    """The visible text of each body row of the page's tables."""
    html = response.get_data(as_text=True)
    main = html[html.find("<main") : html.find("</main>")]
    body = "".join(re.findall(r'<tbody class="govuk-table__body">(.*?)</tbody>', main, re.S))
    return [text_of(row) for row in re.findall(r"<tr\b.*?</tr>", body, re.S)]


def paged_advancing(app, monkeypatch, *, per_page: int = 2):
    """two_rounds() with pages small enough to page: more than 5 entries to list is a summary, and a
    category's entries `per_page` a page (category A: a1, a2 | a3, a4 in the round's order)."""
    monkeypatch.setitem(app.config, "ADVANCE_OVERVIEW_ROWS", 5)
    monkeypatch.setitem(app.config, "ADVANCE_ROWS_PER_PAGE", per_page)
    return two_rounds()


def test_a_big_round_shows_each_categorys_figures_and_pages_through_its_entries(app, organiser_client, monkeypatch):
    cycle, final, entries = paged_advancing(app, monkeypatch)
    a, b = cycle.categories[0], cycle.categories[1]
    url = f"/organiser/cycles/{cycle.slug}/rounds/1/advance"
    organiser_client.post_form(f"{url}/suggest", token_from=url)  # a1, a2, b2, b1 advanced

    page = organiser_client.get(url)
    text = main_text(page)
    assert "Entries by category" in text and "There are too many entries to list on one page" in text
    rows = advancing_rows(page)
    assert f"{a.name} 4 of 4 2 2 Choose entries in {a.name}" in rows
    assert f"{b.name} 2 of 3 2 2 Choose entries in {b.name}" in rows  # b3 has no verdict yet
    assert advance_ticked(page) == set() and "Save advanced entries" not in buttons(page)  # no entries listed
    assert "Suggest another number of entries per category" in text and "Tell the finalists" in text
    assert f'href="{url}?category={a.slug}"' in page.get_data(as_text=True)

    first = organiser_client.get(f"{url}?category={a.slug}")
    text = main_text(first)
    assert "Showing 1 to 2 of 4 entries, in order" in text and "Back to every category" in text
    assert [row.split(" ")[:2] for row in advancing_rows(first)] == [
        ["1", entries["a1"].reference],
        ["2", entries["a2"].reference],
    ]
    assert entries["b1"].reference not in text
    assert f'href="{url}?category={a.slug}&amp;page=2"' in first.get_data(as_text=True)  # "Next" and "2"
    second = organiser_client.get(f"{url}?category={a.slug}&page=2")
    assert "Showing 3 to 4 of 4 entries, in order" in main_text(second)
    # The tab says where the organiser is, as the heading does: advancing to the next round, the category, the page
    title = re.search(r"<title>(.*?)</title>", second.get_data(as_text=True), re.S).group(1)
    assert text_of(title).startswith(f"Advance entries to Round 2: Final panel in {a.name} (page 2 of 2): {cycle.name}")
    texts = main_text(second)
    assert texts.index("Save advanced entries") < texts.index("Previous")  # save before leaving the page
    assert [row.split(" ")[:2] for row in advancing_rows(second)] == [
        ["3", entries["a3"].reference],
        ["4", entries["a4"].reference],
    ]
    assert advance_ticked(second) == set()  # neither suggested nor advanced
    # A page past the end is the last page; a category's own page is never the summary
    assert advancing_rows(organiser_client.get(f"{url}?category={a.slug}&page=99")) == advancing_rows(second)


def test_saving_a_categorys_second_page_leaves_the_first_as_it_was(app, organiser_client, monkeypatch):
    cycle, final, entries = paged_advancing(app, monkeypatch)
    a = cycle.categories[0]
    url = f"/organiser/cycles/{cycle.slug}/rounds/1/advance"
    organiser_client.post_form(f"{url}/suggest", token_from=url)
    second = f"{url}?category={a.slug}&page=2"
    a3 = entries["a3"]
    saved = organiser_client.post_form(
        second,
        {"shown": [str(a3.id), str(entries["a4"].id)], "advance": [str(a3.id)], f"reason_{a3.id}": "Close call"},
        token_from=second,
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"?category={a.slug}&page=2")
    page = organiser_client.get(saved.headers["Location"])
    assert "Saved: 5 entries advanced to Round 2: Final panel" in main_text(page)
    assert advance_ticked(page) == {a3.id}
    assert rounds.entry_ids(final) == id_set(entries, "a1", "a2", "a3", "b1", "b2")  # page 1 and category B kept
    assert advance_ticked(organiser_client.get(f"{url}?category={a.slug}")) == id_set(entries, "a1", "a2")
    assert f"{a.name} 4 of 4 2 3 Choose entries in {a.name}" in advancing_rows(organiser_client.get(url))


def test_a_refused_save_on_a_second_page_keeps_what_was_typed_and_the_page(app, organiser_client, monkeypatch):
    cycle, final, entries = paged_advancing(app, monkeypatch)
    a = cycle.categories[0]
    url = f"/organiser/cycles/{cycle.slug}/rounds/1/advance"
    organiser_client.post_form(f"{url}/suggest", token_from=url)
    second = f"{url}?category={a.slug}&page=2"
    a3, a4 = entries["a3"], entries["a4"]
    refused = organiser_client.post_form(
        second,
        {"shown": [str(a3.id), str(a4.id)], "advance": [str(a3.id), str(a4.id)], f"reason_{a3.id}": "Close call"},
        token_from=second,
    )
    assert refused.status_code == 200
    assert error_summary(refused) == [
        (f"#reason_{a4.id}", f"Give the reason for advancing {a4.reference}: the suggestion leaves it out")
    ]
    text = main_text(refused)
    assert "Showing 3 to 4 of 4 entries, in order" in text and entries["a1"].reference not in text
    assert advance_ticked(refused) == {a3.id, a4.id}
    assert input_value(refused, f"reason_{a3.id}") == "Close call"
    assert f'action="{url}?category={a.slug}&amp;page=2"' in refused.get_data(as_text=True)  # posts to page 2 again
    assert rounds.entry_ids(final) == id_set(entries, "a1", "a2", "b1", "b2")  # nothing saved


def test_a_small_round_keeps_every_category_on_one_page(app, organiser_client, monkeypatch):
    monkeypatch.setitem(app.config, "ADVANCE_ROWS_PER_PAGE", 2)  # a category's own page pages; the overview does not
    cycle, final, entries = two_rounds()
    url = f"/organiser/cycles/{cycle.slug}/rounds/1/advance"
    page = organiser_client.get(url)
    assert "Entries by category" not in main_text(page) and "Save advanced entries" in buttons(page)
    assert len(advancing_rows(page)) == len(entries)
    assert "Showing" not in main_text(page)


def test_the_advancing_pages_run_the_same_queries_whatever_the_page_size(app, organiser_client, monkeypatch):
    from tests.support.queries import counting_queries

    cycle, final, entries = paged_advancing(app, monkeypatch)
    a = cycle.categories[0]
    url = f"/organiser/cycles/{cycle.slug}/rounds/1/advance"
    organiser_client.post_form(f"{url}/suggest", token_from=url)
    counts = {}
    for per_page in (3, 4):  # each page with an entry left out (its reason is looked up: one more query)
        monkeypatch.setitem(app.config, "ADVANCE_ROWS_PER_PAGE", per_page)
        for name, address in (("summary", url), ("category", f"{url}?category={a.slug}")):
            organiser_client.get(address)
            with counting_queries() as counted:
                page = organiser_client.get(address)
            assert page.status_code == 200
            counts[name, per_page] = counted["n"]
        assert len(advancing_rows(organiser_client.get(f"{url}?category={a.slug}"))) == per_page
    assert counts["summary", 3] == counts["summary", 4] and counts["category", 3] == counts["category", 4]
    # Twice the entries: the summary and a category's page run the same queries again
    judge = make_judge(cycle)
    for key in "cdefgh":
        nomination = make_nomination(cycle, category=a, title=f"More {key}")
        make_review(make_assignment(judge, nomination), status="submitted", verdict=Verdict.UNSURE)
    for name, address in (("summary", url), ("category", f"{url}?category={a.slug}")):
        organiser_client.get(address)
        with counting_queries() as counted:
            assert organiser_client.get(address).status_code == 200
        assert counted["n"] == counts[name, 4], name


def test_a_conflicted_organisers_summary_and_pages_leave_the_entry_out(app, organiser, organiser_client, monkeypatch):
    from tests.factories import add_conflict

    cycle, final, entries = paged_advancing(app, monkeypatch)
    a = cycle.categories[0]
    url = f"/organiser/cycles/{cycle.slug}/rounds/1/advance"
    organiser_client.post_form(f"{url}/suggest", token_from=url)  # a1, a2, b2, b1 advanced
    add_conflict(make_judge(cycle, organiser), entries["a2"])
    summary = organiser_client.get(url)
    assert f"{a.name} 3 of 3 Not shown 1 Choose entries in {a.name}" in advancing_rows(summary)
    assert "the figures leave out the entries you have a conflict with" in main_text(summary)
    for number in (1, 2):
        page = organiser_client.get(f"{url}?category={a.slug}&page={number}")
        text = main_text(page)
        assert "Not shown to you" in text and f"{entries['a2'].reference}: Entry a2" in text  # on every page
        assert f'id="advance_{entries["a2"].id}"' not in page.get_data(as_text=True)
    first = organiser_client.get(f"{url}?category={a.slug}")
    assert "Showing 1 to 2 of 3 entries, in order" in main_text(first)
    assert [row.split(" ")[:2] for row in advancing_rows(first)] == [
        ["–", entries["a1"].reference],
        ["–", entries["a3"].reference],
    ]
