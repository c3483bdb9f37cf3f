"""A cycle judged in two rounds, in a real browser (issue #15, item 7): a pass/fail qualifying round, a scored
final round, advancing between them, the final panel's meeting, publication and the judges' feedback released.

Set up through the factories and the domain (not the journey): a cycle in judging with one category (a shortlist
of two), four submitted nominations and three judges, each judge assigned every entry in round 1. In the browser:
the organiser makes round 1 pass/fail on the round's page and adds round 2 (scored, the advanced entries, the final
round); two judges give verdicts, one with feedback for the entrant (the other verdicts through the domain); the
organiser reads the pass/fail board, advances the suggested entries and one more with a reason (first refused
without it), runs round 2's assignment; a judge declares no conflict and scores their round-2 entry (the other
round-2 sheets through the domain); the organiser and a panel judge read the meeting page, the judge records the
winner with the panel's reason, the organiser closes the meeting; the organiser approves the feedback with changed
wording and publishes; the nominee reads "Feedback from the judges" with the approved wording and no judge's name,
and their result e-mail carries it.

The rounds list, the round form, the advancing page, the meeting page and the feedback pages are checked (axe-core,
HTML, no sideways scrolling) at 1280 and at 375 pixels (the same browser, narrowed). Everyone is signed in with a
session cookie (tests/e2e/signed_in.py): signing in is other journeys' business.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.signed_in import sign_in_with_cookie
from tests.factories import DEFAULT_PASSWORD
from tests.support.browser import DESKTOP, error_box, heading, make_organiser, narrowed

pytestmark = pytest.mark.e2e

CYCLE_NAME = "Public Sector Digital Awards 2026"
CATEGORY_SLUG = "technology-for-public-good"
TITLES = (
    "Community alarms that call back",
    "Bin collections by text",
    "Open planning data",
    "Paper permits, posted",
)
JUDGES = (
    ("Priya Ramanathan", "priya@judges.example.org", "Ramanathan Research"),
    ("Tomasz Wiśniewski", "tomasz@judges.example.org", "Northfield University"),
    ("Grace Okonkwo", "grace@judges.example.org", "Civic Design Lab"),
)
# Round 1's verdicts: the judge (by index) → verdicts per entry (by index). Those marked None are given in the
# browser. Pass shares: entry 0 3/3, entry 1 2/3, entry 2 1/3, entry 3 0/3 → the suggestion (top 2) is 0 and 1.
VERDICTS = {
    0: ("browser", "browser", "fail", "fail"),
    1: ("browser", "pass", "pass", "fail"),
    2: ("pass", "unsure", "fail", "fail"),
}
FEEDBACK = "The call-back trial is well evidenced. Say more about what it costs to run each year."
APPROVED = "The call-back trial is well evidenced. Tell us more about what it costs to run each year."
RATIONALE = "The panel agreed the clearest evidence of outcomes for residents, at the lowest cost."
REASON = "One harsh fail; the evidence is strong enough to see again in the final."


def check_both(page, check_page, label: str) -> None:
    """The page as it is at 1280 pixels, then at 375 (the same page, narrowed), then back to 1280."""
    check_page(page, label)
    narrowed(page)
    check_page(page, f"{label} on a phone", screenshot=False)
    narrowed(page, DESKTOP)


def notice(page, text: str):
    return page.get_by_role("main").get_by_text(text, exact=False).first


# --- the server's side (plain values back) ----------------------------------------------------------


def _set_up() -> dict:
    from awards.extensions import db
    from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_user

    cycle = make_cycle(name=CYCLE_NAME, status="judging", categories=[CATEGORY_SLUG], judges_per_nomination=3)
    category = cycle.categories[0]
    category.shortlist_size = 2
    db.session.commit()
    judges = []
    for name, email, organisation in JUDGES:
        user = make_user(name=name, email=email, roles=("judge",), organisation=organisation)
        judges.append(make_judge(cycle, user, organisation=organisation))
    nominations = [make_nomination(cycle, category=category, title=title) for title in TITLES]
    for judge in judges:
        for nomination in nominations:
            make_assignment(judge, nomination, no_conflict_declared=True)
    return {
        "slug": cycle.slug,
        "category": category.slug,
        "category_name": category.name,
        "references": [n.reference for n in nominations],
        "nominee": nominations[0].nominator.email,
    }


def _the_other_verdicts(slug: str) -> None:
    """The round-1 verdicts the journey does not give in the browser (the round is pass/fail by now)."""
    from awards.extensions import db
    from awards.models import Assignment, Cycle, Judge, Nomination, RoundMode, Verdict
    from tests.factories import make_review

    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.slug == slug))
    first = cycle.rounds[0]
    assert first.mode is RoundMode.PASS_FAIL, "round 1 should be pass/fail before any verdict"
    by_email = {j.email: j for j in db.session.scalars(sa.select(Judge).where(Judge.cycle_id == cycle.id))}
    by_title = {n.title: n for n in db.session.scalars(sa.select(Nomination).where(Nomination.cycle_id == cycle.id))}
    for j, verdicts in VERDICTS.items():
        for n, verdict in enumerate(verdicts):
            if verdict == "browser":
                continue
            assignment = db.session.scalar(
                sa.select(Assignment).where(
                    Assignment.round_id == first.id,
                    Assignment.judge_id == by_email[JUDGES[j][1]].id,
                    Assignment.nomination_id == by_title[TITLES[n]].id,
                )
            )
            make_review(assignment, status="submitted", verdict=Verdict(verdict))


def _round_two_work(slug: str) -> dict:
    """Round 2's assignments: the e-mail and entry of one judge to score in the browser; every other sheet of the
    round submitted through the domain (7 on every criterion)."""
    from awards.extensions import db
    from awards.models import Assignment, Cycle, ReviewScore
    from tests.factories import make_review

    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.slug == slug))
    second = cycle.rounds[1]
    assignments = list(
        db.session.scalars(sa.select(Assignment).where(Assignment.round_id == second.id).order_by(Assignment.id))
    )
    chosen = assignments[0]
    for assignment in assignments[1:]:
        review = make_review(assignment, status="submitted")
        review.scores = [ReviewScore(criterion_id=c.id, value=7) for c in second.criteria]
    db.session.commit()
    return {
        "count": len(assignments),
        "email": chosen.judge.email,
        "name": chosen.judge.display_name,
        "reference": chosen.nomination.reference,
        "title": chosen.nomination.title,
        "criteria": [c.name for c in second.criteria],
    }


def _round_entries(slug: str) -> list[str]:
    from awards.domain.judging import rounds
    from awards.extensions import db
    from awards.models import Cycle, Nomination

    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.slug == slug))
    ids = rounds.entry_ids(cycle.rounds[1])
    return sorted(db.session.scalars(sa.select(Nomination.reference).where(Nomination.id.in_(ids))))


# --- the journey's steps --------------------------------------------------------------------------------


def organiser_sets_up_the_rounds(page, check_page, setup: dict) -> None:
    slug = setup["slug"]
    page.goto(f"/organiser/cycles/{slug}/rounds")
    expect(heading(page)).to_have_text("Judging rounds")
    expect(page.get_by_role("heading", name="Round 1: Judging")).to_be_visible()
    check_both(page, check_page, "rounds: one round")

    page.get_by_role("link", name=re.compile(r"^Change")).click()
    expect(heading(page)).to_have_text("Change Round 1: Judging")
    check_both(page, check_page, "round form: round 1")
    page.get_by_label("Pass, fail or unsure (qualifying)").check()
    page.get_by_label("Name", exact=True).fill("Qualifying")
    page.get_by_role("button", name="Save changes").click()
    expect(notice(page, "Your changes to Round 1: Qualifying have been saved")).to_be_visible()
    expect(page.get_by_text("Pass, fail or unsure (qualifying)")).to_be_visible()

    page.get_by_role("button", name="Add a round").click()  # a link drawn as a button
    expect(heading(page)).to_have_text("Add round 2")
    expect(page.get_by_label("Entries advanced from the previous round")).to_be_checked()
    expect(page.get_by_label("Scores against weighted criteria")).to_be_checked()
    page.get_by_role("button", name="Add round").click()
    expect(error_box(page).get_by_role("link", name="Enter the round’s name")).to_be_visible()
    check_page(page, "round form: adding round 2, with errors")
    page.get_by_label("Name", exact=True).fill("Final panel")
    page.get_by_label("Judges for each entry").fill("1")
    page.get_by_label("This is the final round").check()
    expect(page.get_by_label("Copy the criteria and rubric from round 1 (Qualifying)")).to_be_checked()
    page.get_by_role("button", name="Add round").click()
    expect(notice(page, "Round 2: Final panel has been added")).to_be_visible()
    final = page.locator("#round-2")
    expect(final.get_by_text("Entries advanced from the previous round")).to_be_visible()
    expect(final.get_by_text("Yes: its panel meets to agree the results")).to_be_visible()
    check_both(page, check_page, "rounds: a qualifying round and a final panel")


def judge_gives_verdicts(page, check_page, references: list[str], verdicts: tuple, *, feedback: str = "") -> None:
    for reference, verdict in zip(references, verdicts, strict=True):
        if verdict != "browser":
            continue
        page.goto(f"/judging/nominations/{reference}")
        verdict_group = page.get_by_role("group", name="Your verdict")
        expect(verdict_group).to_be_visible()
        if feedback and reference == references[0]:
            check_page(page, "judge: a pass/fail sheet")
            page.get_by_label("Feedback for the entrant (optional)").fill(feedback)
        verdict_group.get_by_label("Pass", exact=True).check()
        page.get_by_role("button", name="Submit verdict").click()
        expect(notice(page, f"Your verdict on {reference} has been submitted")).to_be_visible()


def organiser_advances(page, check_page, setup: dict) -> None:
    slug, refs = setup["slug"], setup["references"]
    page.goto(f"/organiser/cycles/{slug}/results?round=1")
    board = page.get_by_role("table", name=f"Verdicts for {setup['category_name']}")
    # position, nomination, passes, unsure, fails, pass share
    for reference, cells in ((refs[0], ("1", "3", "0", "0", "100%")), (refs[2], ("3", "1", "0", "2", "33%"))):
        row = board.get_by_role("row").filter(has_text=reference).get_by_role("cell")
        expect(row.nth(0)).to_have_text(cells[0])
        for n, value in enumerate(cells[1:], start=2):
            expect(row.nth(n)).to_have_text(value)
    check_page(page, "results: the pass/fail board of round 1")
    page.get_by_role("link", name=re.compile(r"^Advance entries")).first.click()

    expect(heading(page)).to_have_text("Advance entries to Round 2: Final panel")
    expect(page.get_by_text("No entries are advanced yet")).to_be_visible()
    for n, ticked in enumerate((True, True, False, False)):
        box = page.get_by_role("checkbox", name=f"Advance {refs[n]}")
        expect(box).to_be_checked() if ticked else expect(box).not_to_be_checked()
    row = page.get_by_role("row").filter(has_text=refs[2])
    expect(row.get_by_role("cell").nth(2)).to_have_text("1 pass, 0 unsure, 2 fail")
    check_both(page, check_page, "advancing: the suggestion")

    page.get_by_role("checkbox", name=f"Advance {refs[2]}").check()
    page.get_by_role("button", name="Save advanced entries").click()
    expect(
        error_box(page).get_by_role(
            "link", name=f"Give the reason for advancing {refs[2]}: the suggestion leaves it out"
        )
    ).to_be_visible()
    expect(page.get_by_role("checkbox", name=f"Advance {refs[2]}")).to_be_checked()  # what was ticked is kept
    check_page(page, "advancing: a change without its reason")
    page.get_by_label(f"Reason for {refs[2]}").fill(REASON)
    page.get_by_role("button", name="Save advanced entries").click()
    expect(notice(page, "Saved: 3 entries advanced to Round 2: Final panel")).to_be_visible()
    expect(page.get_by_label(f"Reason for {refs[2]}")).to_have_value(REASON)
    check_page(page, "advancing: saved")


def organiser_assigns_round_two(page, check_page, slug: str) -> None:
    page.goto(f"/organiser/cycles/{slug}/assignment?round=2")
    expect(heading(page)).to_have_text("Assign judges")
    page.get_by_role("button", name="Run assignment").click()
    expect(heading(page)).to_have_text("Check the new assignment")
    page.get_by_role("button", name="Confirm assignment").click()
    expect(page.get_by_text(re.compile(r"The assignment has been saved: 3 new assignments"))).to_be_visible()
    check_page(page, "assignment: round 2 confirmed")


def judge_scores_in_round_two(page, work: dict) -> None:
    page.goto(f"/judging/nominations/{work['reference']}?round=2")
    expect(heading(page)).to_have_text("Do you have a conflict of interest?")
    page.get_by_label("No, I do not have a conflict of interest").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Your scores")).to_be_visible()
    for criterion in work["criteria"]:
        page.get_by_role("group", name=criterion, exact=True).get_by_role("radio", name=re.compile(r"^8( |$)")).check()
    page.get_by_role("button", name="Submit scores").click()
    expect(notice(page, f"Your scores for {work['reference']} have been submitted")).to_be_visible()


def meeting(organiser, panel_judge, check_page, setup: dict, work: dict) -> None:
    slug, category, refs = setup["slug"], setup["category"], setup["references"]
    winner = refs[0]
    address = f"/organiser/cycles/{slug}/rounds/2/meeting/{category}"
    organiser.goto(address)
    expect(heading(organiser)).to_have_text(f"Panel meeting: {setup['category_name']}")
    for reference in refs[:3]:
        expect(organiser.get_by_role("region", name=TITLES[refs.index(reference)])).to_be_visible()
    expect(organiser.get_by_text(TITLES[3])).to_have_count(0)  # not advanced
    expect(organiser.get_by_role("region", name=work["title"]).get_by_text(work["name"]).first).to_be_visible()
    check_both(organiser, check_page, "meeting: the organiser's page, open")

    panel_judge.goto(f"/judging/cycles/{slug}/rounds/2/meeting/{category}")
    expect(heading(panel_judge)).to_have_text(f"Panel meeting: {setup['category_name']}")
    entry = panel_judge.get_by_role("region", name=TITLES[0])
    entry.get_by_role("group", name=f"The panel’s decision for {winner}").get_by_label("Winner", exact=True).check()
    entry.get_by_label("The panel’s reason").fill(RATIONALE)
    entry.get_by_role("button", name="Save the decision").click()
    expect(notice(panel_judge, f"The panel’s decision for {winner}: Winner")).to_be_visible()
    check_page(panel_judge, "meeting: a panel judge's page, a decision saved")

    organiser.reload()
    decision = organiser.get_by_role("region", name=TITLES[0]).get_by_text(re.compile(r"Winner: "))
    expect(decision).to_have_text(f"Winner: {RATIONALE} ({JUDGES[1][0]})")  # the decider named to the organiser
    organiser.get_by_role("button", name="Close the meeting").click()  # a link drawn as a button
    expect(heading(organiser)).to_have_text(f"Close the panel meeting for {setup['category_name']}?")
    expect(organiser.get_by_text("2 entries have no decision yet.")).to_be_visible()
    check_page(organiser, "meeting: close, with entries undecided")
    organiser.get_by_role("button", name="Close the meeting").click()
    expect(notice(organiser, f"The panel meeting for {setup['category_name']} is closed")).to_be_visible()
    organiser.goto(address)
    expect(organiser.get_by_text(re.compile(r"This meeting was closed on .* Its decisions are locked"))).to_be_visible()
    expect(organiser.get_by_role("button", name="Save the decision")).to_have_count(0)  # read-only
    check_page(organiser, "meeting: closed")


def organiser_approves_feedback(page, check_page, setup: dict) -> None:
    winner = setup["references"][0]
    page.goto(f"/organiser/cycles/{setup['slug']}/feedback")
    expect(heading(page)).to_have_text("Feedback for entrants")
    expect(page.get_by_text(FEEDBACK)).to_be_visible()
    check_both(page, check_page, "feedback: to review")
    page.get_by_role("link", name=re.compile(winner)).first.click()

    expect(heading(page)).to_have_text("Feedback for the entrant")
    expect(page.get_by_text(JUDGES[0][0]).first).to_be_visible()  # the organiser sees who wrote it
    expect(page.get_by_label("Wording the entrant will see")).to_have_value(FEEDBACK)
    check_both(page, check_page, "feedback: one judge's words")
    page.get_by_label("Wording the entrant will see").fill(APPROVED)
    page.get_by_role("button", name="Approve").click()
    expect(notice(page, f"Feedback on {winner} approved. The entrant will see it with the results.")).to_be_visible()


def organiser_publishes(page, slug: str) -> None:
    page.goto(f"/organiser/cycles/{slug}/publish")
    expect(heading(page)).to_have_text("Publish the results")
    page.get_by_role("button", name="Publish results").click()
    expect(page.get_by_text(re.compile(r"Results published: 1 shortlisted"))).to_be_visible()


def nominee_reads_feedback(page, check_page, reference: str) -> None:
    page.goto(f"/nominations/{reference}")
    feedback = page.get_by_role("heading", name="Feedback from the judges")
    expect(feedback).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_text("Winner", exact=True)).to_be_visible()  # the final panel's decision, published
    expect(main.get_by_text(APPROVED)).to_be_visible()
    text = main.inner_text()
    assert FEEDBACK not in text  # the judge's own words were changed before approval
    for name, email, organisation in JUDGES:
        for word in (*name.split(), email, organisation):
            assert word not in text, f"{word!r} is on the nominee's page"
    check_page(page, "nominee: released feedback")


# --- the journey ---------------------------------------------------------------------------------------


def test_a_two_round_cycle_from_qualifying_to_released_feedback(journey, live_server, check_page):
    organiser_info = make_organiser(live_server)
    setup = live_server.run(_set_up)
    slug, refs = setup["slug"], setup["references"]
    organiser = journey.new_page()
    sign_in_with_cookie(organiser, live_server, organiser_info.email, organiser_info.password)
    organiser_sets_up_the_rounds(organiser, check_page, setup)

    live_server.run(_the_other_verdicts, slug)
    judges = []
    for _, email, _ in JUDGES[:2]:
        page = journey.new_page()
        sign_in_with_cookie(page, live_server, email, DEFAULT_PASSWORD)
        judges.append(page)
    judge_gives_verdicts(judges[0], check_page, refs, VERDICTS[0], feedback=FEEDBACK)
    judge_gives_verdicts(judges[1], check_page, refs, VERDICTS[1])

    organiser_advances(organiser, check_page, setup)
    assert live_server.run(_round_entries, slug) == sorted(refs[:3])
    organiser_assigns_round_two(organiser, check_page, slug)

    work = live_server.run(_round_two_work, slug)
    assert work["count"] == 3
    scorer = next((p for p, (_, e, _) in zip(judges, JUDGES, strict=False) if e == work["email"]), None)
    if scorer is None:
        scorer = journey.new_page()
        sign_in_with_cookie(scorer, live_server, work["email"], DEFAULT_PASSWORD)
    judge_scores_in_round_two(scorer, work)

    meeting(organiser, judges[1], check_page, setup, work)
    organiser_approves_feedback(organiser, check_page, setup)
    organiser_publishes(organiser, slug)

    nominee = journey.new_page()
    sign_in_with_cookie(nominee, live_server, setup["nominee"], DEFAULT_PASSWORD)
    nominee_reads_feedback(nominee, check_page, refs[0])

    results = [m for m in live_server.outbox(to=setup["nominee"]) if m.kind.startswith("result_")]
    assert len(results) == 1, [(m.kind, m.subject) for m in live_server.outbox(to=setup["nominee"])]
    (email,) = results
    assert "Feedback from the judges" in email.body_text and APPROVED in email.body_text
    assert FEEDBACK not in email.body_text and APPROVED in (email.body_html or "")
    for name, address, organisation in JUDGES:
        for word in (*name.split(), address, organisation):
            assert word not in email.body_text, f"{word!r} is in the result e-mail"
