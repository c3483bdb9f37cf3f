"""The results page of a round judged pass/fail or by ranking: each category's order with its verdicts or ranking
points, the stated rule, conflicted organisers' entries withheld as on a scored board, and the shortlist of a final
round in those modes suggested from its order."""

from __future__ import annotations

import sqlalchemy as sa

from awards.domain.results.round_modes import ranking_rule, verdict_rule
from awards.extensions import db
from awards.models import RoundMode, ShortlistDecision, Verdict
from tests.factories import add_conflict, make_assignment, make_cycle, make_judge, make_nomination, make_review
from tests.support.queries import counting_queries
from tests.support.verdicts import pass_fail_cycle
from tests.support.visible import buttons, main_text


def rows(page_html: str, references: list[str]) -> list[str]:
    """The references in the order the page shows them."""
    return sorted(references, key=page_html.index)


def test_a_pass_fail_round_shows_each_entrys_verdicts_in_order_with_the_rule(organiser_client):
    cycle, entries, _ = pass_fail_cycle({"a": "PFF", "b": "PPP", "c": "PPF", "d": "PPU", "e": ""})
    response = organiser_client.get(f"/organiser/cycles/{cycle.slug}/results?round=1")
    assert response.status_code == 200
    text, html = main_text(response), response.get_data(as_text=True)
    assert verdict_rule() in text and "not yet available" not in text
    refs = [e.reference for e in entries.values()]
    assert rows(html, refs) == [entries[k].reference for k in ("b", "d", "c", "a", "e")]
    # b: 3 pass 0 unsure 0 fail 100%; d: 2 1 0 67%; c: 2 0 1 67%; a: 1 0 2 33%
    b, d, c, a = (entries[k].reference for k in "bdca")
    assert f"1 {b} Entry b" in text and "Passes 3 0 0 100%" in text
    assert f"2 {d} Entry d" in text and "Passes 2 1 0 67%" in text
    assert f"3 {c} Entry c" in text and "Passes 2 0 1 67%" in text
    assert f"4 {a} Entry a" in text and f"{a} Entry a Testshire" in text and "1 0 2 33%" in text
    assert text.count("Passes") == 1 + 3  # the column heading, and the three entries that pass
    assert "1 entry not judged yet" in text
    assert "Advance entries to the next round" in text
    assert "The shortlist is decided from the results of the final round, Round 2: Final panel" in text


def test_a_ranking_round_shows_the_combined_order_with_borda_points_and_firsts(organiser_client):
    cycle = make_cycle(status="judging")
    first = cycle.rounds[0]
    first.mode, first.ranking_method = RoundMode.RANKING, "borda"
    db.session.commit()
    one, two = make_judge(cycle), make_judge(cycle)
    x, y, z = (make_nomination(cycle, category=cycle.categories[0], title=f"Entry {k}") for k in "xyz")
    # One: x, y, z (1, ½, 0); two: y, x (1, 0). y ¾, x ½, z 0; each of x and y first once.
    for judge, placed in ((one, (x, y, z)), (two, (y, x))):
        for rank, nomination in enumerate(placed, start=1):
            make_review(make_assignment(judge, nomination), status="submitted", rank=rank)
    response = organiser_client.get(f"/organiser/cycles/{cycle.slug}/results")
    text = main_text(response)
    assert ranking_rule("borda") in text and "combined by the Borda count" in text
    assert "Judges who ranked it Borda points First places" in text and "Wins" not in text
    assert f"1 {y.reference} Entry y" in text and "2 0.75 1" in text
    assert f"2 {x.reference} Entry x" in text and "2 0.50 1" in text
    assert f"3 {z.reference} Entry z" in text and "1 0.00 0" in text
    # A single-round final: the shortlist is suggested from this order
    assert "Suggest shortlist" in buttons(response)
    first.ranking_method = "schulze"
    db.session.commit()
    text = main_text(organiser_client.get(f"/organiser/cycles/{cycle.slug}/results"))
    assert ranking_rule("schulze") in text and "Borda points Wins First places" in text


def test_a_conflicted_organiser_sees_nothing_of_the_entrys_verdicts(organiser, organiser_client):
    cycle, entries, judges = pass_fail_cycle({"a": "PPP", "b": "PFF", "c": "FFF"})
    me = make_judge(cycle, organiser)
    add_conflict(me, entries["b"])
    text = main_text(organiser_client.get(f"/organiser/cycles/{cycle.slug}/results?round=1"))
    assert "Not ranked for you" in text and "Not shown: you have a conflict of interest with this nomination" in text
    assert "Positions and suggestions are not shown in this category" in text
    b = entries["b"].reference
    assert f"– {entries['a'].reference}" in text  # no positions shown
    assert "33%" not in text and text.count(b) == 1  # b's tally nowhere; listed once, apart


def test_the_page_runs_the_same_number_of_queries_for_more_entries(organiser_client):
    cycle, entries, _ = pass_fail_cycle({"a": "PPP", "b": "PF"})
    url = f"/organiser/cycles/{cycle.slug}/results?round=1"
    organiser_client.get(url)
    with counting_queries() as few:
        organiser_client.get(url)
    judge = make_judge(cycle)
    for key in "cdefgh":
        make_review(
            make_assignment(judge, make_nomination(cycle, category=cycle.categories[1], title=f"More {key}")),
            status="submitted",
            verdict=Verdict.PASS,
        )
    organiser_client.get(url)
    with counting_queries() as many:
        organiser_client.get(url)
    assert many["n"] == few["n"]


def test_suggest_shortlist_in_a_pass_fail_final_round_uses_its_order(organiser_client):
    cycle, entries, _ = pass_fail_cycle({"a": "FFF", "b": "PPP", "c": "PPF", "d": "PFF"}, final=True)
    url = f"/organiser/cycles/{cycle.slug}/results"
    page = main_text(organiser_client.get(url))
    assert "it puts the top of each category by the share of pass verdicts on the shortlist" in page
    response = organiser_client.post_form(f"/organiser/cycles/{cycle.slug}/shortlist/suggest", token_from=url)
    assert response.status_code == 302
    flashed = main_text(organiser_client.get(url))
    assert "Suggested a shortlist of 2 nominations: the top of each category by the share of pass verdicts" in flashed
    suggested = {d.nomination_id for d in db.session.scalars(sa.select(ShortlistDecision)) if d.suggested}
    assert suggested == {entries["b"].id, entries["c"].id}
    assert flashed.count("(suggested)") == 2 and "Decision" in flashed


def test_an_entrys_page_in_a_pass_fail_round_shows_each_judges_verdict(organiser_client):
    cycle, entries, judges = pass_fail_cycle({"a": "PPU", "b": "FFF"})
    calibrating = make_judge(cycle)
    make_review(make_assignment(calibrating, entries["a"], calibration=True), status="submitted", verdict=Verdict.FAIL)
    url = f"/organiser/cycles/{cycle.slug}/results/{entries['a'].reference}?round=1"
    text = main_text(organiser_client.get(url))
    assert "Position in category 1" in text and "Verdicts 2 pass, 1 unsure, 0 fail – passes" in text
    assert "Each judge’s verdict" in text and text.count("Verdict: Pass") == 2 and "Verdict: Unsure" in text
    assert "Calibration: not counted" in text and "Verdict: Fail" in text  # the calibration review, apart
    assert "Raw score" not in text and "Decision" not in text
    text = main_text(organiser_client.get(f"/organiser/cycles/{cycle.slug}/results/{entries['b'].reference}?round=1"))
    assert "Verdicts 0 pass, 0 unsure, 3 fail – does not pass" in text


def test_the_results_of_a_pass_fail_round_download_as_csv(organiser_client):
    import csv
    import io

    cycle, entries, _ = pass_fail_cycle({"a": "PFF", "b": "PPU"})
    response = organiser_client.get(f"/organiser/cycles/{cycle.slug}/results.csv?round=1")
    assert f"{cycle.slug}-round-1-results.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][1:] == [
        "Position",
        "Reference",
        "Title",
        "Organisation",
        "Passes",
        "Unsure",
        "Fails",
        "Pass share",
        "Passes the round",
    ]
    assert [r[1:3] + r[5:] for r in rows[1:]] == [
        ["1", entries["b"].reference, "2", "1", "0", "0.67", "yes"],
        ["2", entries["a"].reference, "1", "0", "2", "0.33", "no"],
    ]
