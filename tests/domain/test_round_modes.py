"""The pass/fail and ranking rounds' aggregation against results worked out by hand."""

from __future__ import annotations

from awards.domain.results import round_modes


def test_pass_fail_tallies_and_order_by_hand():
    verdicts = [
        (1, "pass"), (1, "pass"), (1, "fail"),  # x: 2 of 3 pass → passes
        (2, "pass"), (2, "unsure"),  # y: 1 of 2 → not more than half
        (3, "fail"), (3, "fail"),  # z
        (5, "pass"), (5, "fail"),  # p: half, one fail
        (6, "pass"), (6, "unsure"),  # q: half, no fail
    ]  # fmt: skip
    tallies = round_modes.tally(verdicts)
    assert (tallies[1].passes, tallies[1].unsure, tallies[1].fails, tallies[1].passed) == (2, 0, 1, True)
    assert (tallies[2].passes, tallies[2].unsure, tallies[2].fails, tallies[2].passed) == (1, 1, 0, False)
    assert tallies[3].pass_share == 0 and not tallies[3].passed
    entries = {1: "R-0001", 2: "R-0002", 3: "R-0003", 4: "R-0004", 5: "R-0005", 6: "R-0006"}
    # x (2/3), then the halves: q (no fail) before y (no fail, same verdicts: reference) before p (a fail),
    # then z (0), then the entry without a verdict.
    assert round_modes.order_by_tally(entries, tallies) == [1, 2, 6, 5, 3, 4]


def test_borda_normalised_to_each_judges_list_with_ties_by_first_places_then_reference():
    placings = [
        (10, 1, 1), (10, 2, 2), (10, 3, 3),  # judge 10: a b c → 1, ½, 0
        (11, 2, 1), (11, 1, 2),  # judge 11: b a → 1, 0
        (12, 3, 1),  # judge 12: c alone → 1
    ]  # fmt: skip
    scores = round_modes.borda(placings)
    assert scores[1].borda == 0.5 and scores[2].borda == 0.75 and scores[3].borda == 0.5
    assert (scores[1].firsts, scores[2].firsts, scores[3].firsts) == (1, 1, 1)
    order, _ = round_modes.rank_entries("borda", {1: "R-1", 2: "R-2", 3: "R-3"}, placings)
    assert order == [2, 1, 3]
    # A tie in points broken by first places: d ranked first by two judges, e by none.
    placings = [(1, 4, 1), (1, 5, 2), (2, 4, 1), (2, 5, 2), (3, 5, 1), (3, 4, 2), (4, 5, 1), (4, 4, 2)]
    scores = round_modes.borda(placings)
    assert scores[4].borda == scores[5].borda == 0.5
    placings.append((5, 4, 1))  # d now has 3 firsts of 5 judges: 0.6 against 0.5
    order, _ = round_modes.rank_entries("borda", {4: "R-4", 5: "R-5"}, placings)
    assert order == [4, 5]


def test_schulze_by_the_worked_example_of_45_voters():
    # The textbook example: 45 ballots over A..E; the Schulze order is E > A > C > B > D.
    ballots = [
        (5, "ACBED"), (5, "ADECB"), (8, "BEDAC"), (3, "CABED"),
        (7, "CAEBD"), (2, "CBADE"), (7, "DCEBA"), (8, "EBADC"),
    ]  # fmt: skip
    ids = {letter: i for i, letter in enumerate("ABCDE", start=1)}
    placings, judge = [], 0
    for count, order in ballots:
        for _ in range(count):
            judge += 1
            placings += [(judge, ids[letter], rank) for rank, letter in enumerate(order, start=1)]
    entries = {ids[letter]: f"R-{letter}" for letter in "ABCDE"}
    order, scores = round_modes.rank_entries("schulze", entries, placings)
    assert ["ABCDE"[nid - 1] for nid in order] == list("EACBD")
    assert [scores[nid].wins for nid in order] == [4, 3, 2, 1, 0]


def test_schulze_tie_is_broken_by_borda_then_reference():
    # Two judges who disagree exactly: no one beats anyone; Borda is equal too, so the reference decides.
    placings = [(1, 7, 1), (1, 8, 2), (2, 8, 1), (2, 7, 2)]
    order, scores = round_modes.rank_entries("schulze", {7: "R-B", 8: "R-A"}, placings)
    assert order == [8, 7] and scores[7].wins == scores[8].wins == 0
    # A third judge ranks only entry 7 (Borda 1 for it): still no head-to-head win, but Borda now decides.
    placings.append((3, 7, 1))
    order, _ = round_modes.rank_entries("schulze", {7: "R-B", 8: "R-A"}, placings)
    assert order == [7, 8]
