"""The organiser's assignment pages: the state of things, "Run assignment" (a preview that stores
nothing), "Confirm assignment" (refused if anything changed since the preview), and per nomination
adding a judge by hand, removing one and locking."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from awards.domain.core.clock import utcnow
from awards.extensions import db
from awards.models import (
    Advancement,
    Assignment,
    AuditEvent,
    CycleStatus,
    JudgingRound,
    PanelMember,
    RoundEntries,
)
from tests.factories import (
    add_conflict,
    make_assignment,
    make_cycle,
    make_judge,
    make_nomination,
    make_review,
    make_user,
    set_expertise,
)
from tests.support.visible import text_of

INPUTS = re.compile(r'name="inputs"[^>]*value="([0-9a-f]{64})"|value="([0-9a-f]{64})"[^>]*name="inputs"')


def inputs_hash(page: str) -> str:
    match = INPUTS.search(page)
    assert match, "no inputs hash on the preview"
    return match.group(1) or match.group(2)


def assignment_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Assignment.id)))


@pytest.fixture
def cycle(app):
    return make_cycle(judges_per_nomination=2, judge_max_load=5)


@pytest.fixture
def setup(cycle):
    """Three nominations, three judges: Ada (an expert), Ben and Cy."""
    nominations = [make_nomination(cycle, title=f"Project {n}") for n in "ABC"]
    judges = {
        name: make_judge(
            cycle,
            user=make_user(
                name=name,
                email=f"{name.split()[0].lower()}@judges.example.org",
                roles=("judge",),
                organisation="Judging Partners Ltd",
            ),
        )
        for name in ("Ada Expert", "Ben Bright", "Cy Clear")
    }
    set_expertise(judges["Ada Expert"].user, {t: 2 for t in cycle.trends})
    return nominations, judges


def assignment_url(cycle, tail: str = "") -> str:
    return f"/organiser/cycles/{cycle.slug}/assignment{tail}"


def test_the_page_shows_the_state_and_a_run_button(organiser_client, cycle, setup):
    nominations, judges = setup
    make_assignment(judges["Ben Bright"], nominations[0], locked=True)
    response = organiser_client.get(assignment_url(cycle))
    assert response.status_code == 200
    text = text_of(response.get_data(as_text=True))
    assert "Assign judges" in text and "Run assignment" in text
    assert "Submitted nominations 3" in text
    assert "3 judges have accepted" in text
    assert "Places filled 1 of 6" in text
    assert "Ben Bright Locked" in text
    assert nominations[0].reference in text and "Short by 1" in text and "No judges" in text


def test_running_shows_a_preview_and_stores_nothing(organiser_client, cycle, setup):
    nominations, judges = setup
    page = organiser_client.get(assignment_url(cycle)).get_data(as_text=True)
    response = organiser_client.post_form(assignment_url(cycle), token_from=assignment_url(cycle))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    text = text_of(body)
    assert "Check the new assignment" in text and "Nothing has been saved yet" in text
    assert "Places filled 6 of 6" in text and "New assignments 6" in text
    assert "Lowest matches" in text and "Confirm assignment" in text
    assert "From 1 to 3 nominations each" in text  # Ada is the best match for all three
    assert "Ada Expert (+6) New" in text  # +2 on both trends, the primary counting double
    assert len(inputs_hash(body)) == 64
    assert assignment_count() == 0
    assert page  # the page itself was reachable


def test_confirming_the_preview_writes_it(organiser_client, cycle, setup, organiser):
    nominations, _ = setup
    preview = organiser_client.post_form(assignment_url(cycle), token_from=assignment_url(cycle)).get_data(as_text=True)
    response = organiser_client.post_form(
        assignment_url(cycle, "/confirm"),
        {"inputs": inputs_hash(preview)},
        token_from=assignment_url(cycle),
        follow_redirects=True,
    )
    assert response.status_code == 200
    text = text_of(response.get_data(as_text=True))
    assert "The assignment has been saved: 6 new assignments, 0 removed, 0 unchanged." in text
    assert "Every nomination has all its judges." in text
    assert assignment_count() == 6
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.applied"))
    assert event.actor_id == organiser.id and event.detail["added"] == 6
    assert "Places filled 6 of 6" in text


def test_a_stale_preview_is_refused_with_a_fresh_one(organiser_client, cycle, setup):
    nominations, judges = setup
    preview = organiser_client.post_form(assignment_url(cycle), token_from=assignment_url(cycle)).get_data(as_text=True)
    old = inputs_hash(preview)
    # Meanwhile a conflict of interest is recorded.
    add_conflict(judges["Ada Expert"], nominations[0])
    response = organiser_client.post_form(
        assignment_url(cycle, "/confirm"), {"inputs": old}, token_from=assignment_url(cycle)
    )
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    text = text_of(body)
    assert "The preview was out of date" in text
    assert "Something changed since your preview" in text and "nothing was saved" in text
    assert assignment_count() == 0
    fresh = inputs_hash(body)
    assert fresh != old
    response = organiser_client.post_form(
        assignment_url(cycle, "/confirm"), {"inputs": fresh}, token_from=assignment_url(cycle), follow_redirects=True
    )
    assert "The assignment has been saved" in text_of(response.get_data(as_text=True))
    ada = judges["Ada Expert"].id
    assert (
        db.session.scalar(
            select(func.count(Assignment.id)).where(
                Assignment.judge_id == ada, Assignment.nomination_id == nominations[0].id
            )
        )
        == 0
    )


def test_a_confirm_without_a_preview_is_refused(organiser_client, cycle, setup):
    response = organiser_client.post_form(assignment_url(cycle, "/confirm"), token_from=assignment_url(cycle))
    assert response.status_code == 409
    assert "The preview was out of date" in text_of(response.get_data(as_text=True))
    assert assignment_count() == 0


def test_shortfalls_are_explained_in_the_preview(organiser_client, cycle, setup):
    nominations, judges = setup
    for judge in judges.values():
        judge.max_load = 1
    db.session.commit()
    response = organiser_client.post_form(assignment_url(cycle), token_from=assignment_url(cycle))
    text = text_of(response.get_data(as_text=True))
    category = nominations[0].category.name
    assert (
        f"3 nominations in {category} can get only 1 judge: add a judge to this category or raise a load limit."
    ) in text
    assert "Places filled 3 of 6 (3 short)" in text
    assert "You can still confirm" in text


def test_a_published_cycle_cannot_be_assigned(organiser_client, cycle, setup):
    cycle.status = CycleStatus.PUBLISHED
    db.session.commit()
    text = text_of(organiser_client.get(assignment_url(cycle)).get_data(as_text=True))
    assert "Run assignment" not in text and "results of this cycle are published" in text
    response = organiser_client.post_form(
        assignment_url(cycle), token_from=assignment_url(cycle), follow_redirects=True
    )
    assert "cannot be changed" in text_of(response.get_data(as_text=True))
    assert assignment_count() == 0


# --- One nomination -----------------------------------------------------------------------------


def radio_labels(page: str) -> list[str]:
    return [
        html.unescape(label).strip()
        for label in re.findall(r'<label class="govuk-label govuk-radios__label"[^>]*>\s*([^<]+?)\s*</label>', page)
    ]


def test_only_accepted_unconflicted_category_judges_are_offered(organiser_client, cycle, setup):
    nominations, judges = setup
    nomination = nominations[0]
    add_conflict(judges["Cy Clear"], nomination)
    other = make_judge(
        cycle,
        all_categories=False,
        user=make_user(
            name="Olly Other", email="olly@judges.example.org", roles=("judge",), organisation="Elsewhere Ltd"
        ),
    )
    other.categories = [cycle.categories[1]]
    db.session.commit()
    make_judge(cycle, accepted=False, email="invited@judges.example.org")
    full = make_judge(
        cycle,
        max_load=1,
        user=make_user(name="Fay Full", email="fay@judges.example.org", roles=("judge",), organisation="Full Ltd"),
    )
    make_assignment(full, nominations[1])
    page = organiser_client.get(assignment_url(cycle, f"/{nomination.reference}")).get_data(as_text=True)
    assert radio_labels(page) == ["Ada Expert", "Ben Bright"]  # best match first
    text = text_of(page)
    assert "Affinity +6 · 0 of 5 nominations" in text
    assert "Conflict of interest: Cy Clear" in text
    assert f"Do not judge {nomination.category.name}: Olly Other" in text
    assert "At their load limit: Fay Full (1 of 1)" in text
    assert "1 invited judge has not accepted yet" in text


def test_adding_a_judge_creates_a_locked_assignment(organiser_client, cycle, setup, organiser):
    nominations, judges = setup
    nomination, ben = nominations[0], judges["Ben Bright"]
    page_url = assignment_url(cycle, f"/{nomination.reference}")
    response = organiser_client.post_form(page_url, {"judge": ben.id}, token_from=page_url, follow_redirects=True)
    text = text_of(response.get_data(as_text=True))
    assert (
        f"Ben Bright has been added to {nomination.reference}. The assignment is locked, so running the "
        "assignment again keeps it."
    ) in text
    row = db.session.scalar(select(Assignment).where(Assignment.nomination_id == nomination.id))
    assert row.judge_id == ben.id and row.locked and row.created_by_id == organiser.id
    assert radio_labels(response.get_data(as_text=True)) == ["Ada Expert", "Cy Clear"]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.added")).actor_id == organiser.id
    # A re-run keeps the judge added by hand.
    preview = organiser_client.post_form(assignment_url(cycle), token_from=assignment_url(cycle)).get_data(as_text=True)
    organiser_client.post_form(
        assignment_url(cycle, "/confirm"), {"inputs": inputs_hash(preview)}, token_from=assignment_url(cycle)
    )
    assert db.session.scalar(
        select(Assignment.locked).where(Assignment.nomination_id == nomination.id, Assignment.judge_id == ben.id)
    )


def test_adding_needs_a_judge_from_the_list(organiser_client, cycle, setup):
    nominations, judges = setup
    nomination = nominations[0]
    add_conflict(judges["Cy Clear"], nomination)
    page_url = assignment_url(cycle, f"/{nomination.reference}")
    response = organiser_client.post_form(page_url, token_from=page_url)
    assert response.status_code == 200
    assert "Select a judge to add" in text_of(response.get_data(as_text=True))
    # A conflicted judge's id, posted by hand, is refused.
    response = organiser_client.post_form(page_url, {"judge": judges["Cy Clear"].id}, token_from=page_url)
    assert "Select a judge from the list" in text_of(response.get_data(as_text=True))
    assert assignment_count() == 0


def test_removing_a_judge_asks_first_and_deletes_their_draft(organiser_client, cycle, setup, organiser):
    nominations, judges = setup
    nomination = nominations[0]
    item = make_assignment(judges["Ben Bright"], nomination)
    make_review(item, status="draft")
    remove_url = assignment_url(cycle, f"/{nomination.reference}/{item.id}/remove")
    page = text_of(organiser_client.get(remove_url).get_data(as_text=True))
    assert "Remove Ben Bright from this nomination?" in page
    assert "Their draft scores will be deleted" in page
    response = organiser_client.post_form(remove_url, token_from=remove_url, follow_redirects=True)
    assert f"Ben Bright has been removed from {nomination.reference}" in text_of(response.get_data(as_text=True))
    assert assignment_count() == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.removed"))
    assert event.actor_id == organiser.id and event.detail["had_draft"] is True


def test_a_judge_with_submitted_scores_cannot_be_removed(organiser_client, cycle, setup):
    nominations, judges = setup
    nomination = nominations[0]
    item = make_assignment(judges["Ben Bright"], nomination)
    make_review(item, status="submitted")
    remove_url = assignment_url(cycle, f"/{nomination.reference}/{item.id}/remove")
    page = text_of(organiser_client.get(remove_url).get_data(as_text=True))
    assert "Ben Bright cannot be removed" in page and "has submitted scores" in page
    response = organiser_client.post_form(remove_url, token_from=assignment_url(cycle), follow_redirects=True)
    assert "cannot be removed" in text_of(response.get_data(as_text=True))
    assert assignment_count() == 1
    listing = organiser_client.get(assignment_url(cycle, f"/{nomination.reference}")).get_data(as_text=True)
    assert remove_url not in listing


def test_locking_and_unlocking(organiser_client, cycle, setup, organiser):
    nominations, judges = setup
    nomination = nominations[0]
    item = make_assignment(judges["Ben Bright"], nomination)
    page_url = assignment_url(cycle, f"/{nomination.reference}")
    response = organiser_client.post_form(
        assignment_url(cycle, f"/{nomination.reference}/{item.id}/lock"), token_from=page_url, follow_redirects=True
    )
    assert "Ben Bright's assignment is locked: running the assignment again keeps it" in text_of(
        response.get_data(as_text=True)
    )
    db.session.expire_all()
    assert db.session.get(Assignment, item.id).locked
    response = organiser_client.post_form(
        assignment_url(cycle, f"/{nomination.reference}/{item.id}/unlock"), token_from=page_url, follow_redirects=True
    )
    assert "Ben Bright's assignment is unlocked" in text_of(response.get_data(as_text=True))
    db.session.expire_all()
    assert not db.session.get(Assignment, item.id).locked
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("assignment.%")).order_by(AuditEvent.id)
    ).all()
    assert actions == ["assignment.locked", "assignment.unlocked"]


def test_a_nomination_of_another_cycle_or_assignment_is_not_found(organiser_client, cycle, setup):
    nominations, judges = setup
    other_cycle = make_cycle(name="Other awards", year=2027)
    other = make_nomination(other_cycle)
    assert organiser_client.get(assignment_url(cycle, f"/{other.reference}")).status_code == 404
    item = make_assignment(judges["Ben Bright"], nominations[1])
    assert (
        organiser_client.get(assignment_url(cycle, f"/{nominations[0].reference}/{item.id}/remove")).status_code == 404
    )


def test_a_withdrawn_nomination_offers_no_judges(organiser_client, cycle, setup):
    withdrawn = make_nomination(cycle, status="withdrawn")
    text = text_of(organiser_client.get(assignment_url(cycle, f"/{withdrawn.reference}")).get_data(as_text=True))
    assert "Only submitted nominations are judged" in text and "Add judge" not in text


# --- Judging rounds ----------------------------------------------------------------------------


@pytest.fixture
def second_round(cycle, setup):
    """Round 1 assigned (every nomination, every judge); round 2 judges the first two nominations,
    advanced into it, by a panel of Ada and Ben, with 1 judge for each."""
    nominations, judges = setup
    from awards.domain.judging.assignment import solver

    solver.apply(solver.propose(cycle.rounds[0]), by=None)
    now = utcnow()
    second = JudgingRound(
        number=2,
        name="Final panel",
        entries=RoundEntries.ADVANCED,
        whole_panel=False,
        judges_per_nomination=1,
        judge_max_load=5,
        created_at=now,
        updated_at=now,
    )
    cycle.rounds.append(second)
    db.session.flush()
    for nomination in nominations[:2]:
        db.session.add(Advancement(round_id=second.id, nomination_id=nomination.id, created_at=now))
    for name in ("Ada Expert", "Ben Bright"):
        db.session.add(PanelMember(round_id=second.id, judge_id=judges[name].id))
    db.session.commit()
    return second


def round_assignments(judging_round) -> set[tuple[int, int]]:
    db.session.expire_all()
    return set(
        db.session.execute(
            select(Assignment.judge_id, Assignment.nomination_id).where(Assignment.round_id == judging_round.id)
        ).all()
    )


def test_the_assignment_pages_work_on_the_chosen_round(organiser_client, cycle, setup, second_round):
    nominations, judges = setup
    first = cycle.rounds[0]
    before = round_assignments(first)
    assert len(before) == 6
    # The current round is round 2 (entries were advanced into it); ?round=1 shows round 1.
    page = organiser_client.get(assignment_url(cycle)).get_data(as_text=True)
    text = text_of(page)
    assert "Round 1: Judging" in text and "Round 2: Final panel" in text
    assert 'aria-current="page">Round 2: Final panel' in page
    assert "Entries advanced into this round 2" in text and "Places filled 0 of 2" in text
    assert nominations[2].reference not in text
    assert f'action="/organiser/cycles/{cycle.slug}/assignment?round=2"' in page
    assert f"/assignment/{nominations[0].reference}?round=2" in page
    first_page = text_of(organiser_client.get(assignment_url(cycle, "?round=1")).get_data(as_text=True))
    assert "Submitted nominations 3" in first_page and "Places filled 6 of 6" in first_page
    assert organiser_client.get(assignment_url(cycle, "?round=3")).status_code == 404

    url = assignment_url(cycle, "?round=2")
    preview = organiser_client.post_form(url, token_from=url).get_data(as_text=True)
    assert "Places filled 2 of 2" in text_of(preview)
    assert f'action="/organiser/cycles/{cycle.slug}/assignment/confirm?round=2"' in preview
    response = organiser_client.post_form(
        assignment_url(cycle, "/confirm?round=2"), {"inputs": inputs_hash(preview)}, token_from=url
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/assignment?round=2")
    added = round_assignments(second_round)
    assert len(added) == 2 and {n for _, n in added} == {nominations[0].id, nominations[1].id}
    assert {j for j, _ in added} <= {judges["Ada Expert"].id, judges["Ben Bright"].id}
    assert round_assignments(first) == before  # round 1 left alone


def test_a_nomination_page_adds_a_judge_in_the_chosen_round(organiser_client, cycle, setup, second_round):
    nominations, judges = setup
    ben, cy = judges["Ben Bright"], judges["Cy Clear"]
    page_url = assignment_url(cycle, f"/{nominations[0].reference}?round=2")
    page = organiser_client.get(page_url).get_data(as_text=True)
    text = text_of(page)
    assert "Judges 0 of 1 needed" in text
    assert "1 judge is not on this round’s panel" in text and cy.display_name not in text.split("Add a judge")[-1]
    response = organiser_client.post_form(page_url, {"judge": ben.id}, token_from=page_url)
    assert response.status_code == 302 and response.headers["Location"].endswith(page_url)
    assert (ben.id, nominations[0].id) in round_assignments(second_round)
    # Not advanced into round 2: no judges to add there.
    other_url = assignment_url(cycle, f"/{nominations[2].reference}?round=2")
    other = text_of(organiser_client.get(other_url).get_data(as_text=True))
    assert "was not advanced into Round 2: Final panel" in other and "Add a judge" not in other
    # Lock and remove keep the round.
    assignment = db.session.scalar(
        select(Assignment).where(Assignment.round_id == second_round.id, Assignment.judge_id == ben.id)
    )
    remove_url = assignment_url(cycle, f"/{nominations[0].reference}/{assignment.id}/remove?round=2")
    response = organiser_client.post_form(remove_url, token_from=remove_url)
    assert response.headers["Location"].endswith(page_url)
    assert (ben.id, nominations[0].id) not in round_assignments(second_round)
    # An assignment of round 1 is not found on round 2's pages.
    in_first = db.session.scalar(select(Assignment).where(Assignment.round_id == cycle.rounds[0].id))
    url = assignment_url(cycle, f"/{in_first.nomination.reference}/{in_first.id}/remove?round=2")
    assert organiser_client.get(url).status_code == 404


# --- A page of the list at a time ------------------------------------------------------------------


def assignment_listed(response) -> list[str]:
    """The references in the page's list of entries and their judges, in order."""
    html = response.get_data(as_text=True)
    table = html[html.find('id="nominations"') :]
    return re.findall(r'href="/organiser/cycles/[^/]+/assignment/([^"?/]+)[^"]*">', table)


def test_the_list_pages_while_the_figures_and_the_run_cover_every_nomination(
    app, organiser_client, cycle, setup, monkeypatch
):
    nominations, _ = setup
    monkeypatch.setitem(app.config, "ASSIGNMENT_ROWS_PER_PAGE", 2)
    first = organiser_client.get(assignment_url(cycle))
    text = text_of(first.get_data(as_text=True))
    assert "Showing 1 to 2 of 3 nominations." in text and "Places filled 0 of 6" in text
    assert assignment_listed(first) == [n.reference for n in nominations[:2]]
    assert f'href="{assignment_url(cycle, "?page=2#nominations")}"' in first.get_data(as_text=True)
    second = organiser_client.get(assignment_url(cycle, "?page=2"))
    text = text_of(second.get_data(as_text=True))
    assert "Showing 3 to 3 of 3 nominations." in text and "Places filled 0 of 6" in text  # the round's figures
    assert assignment_listed(second) == [nominations[2].reference]
    # Running from page 2 previews and confirms every nomination of the round, not the page's
    url = assignment_url(cycle, "?page=2")
    preview = organiser_client.post_form(assignment_url(cycle), token_from=url).get_data(as_text=True)
    assert "Places filled 6 of 6" in text_of(preview)
    organiser_client.post_form(assignment_url(cycle, "/confirm"), {"inputs": inputs_hash(preview)}, token_from=url)
    assert assignment_count() == 6
    db.session.expire_all()
    assert {a.nomination_id for a in db.session.scalars(select(Assignment))} == {n.id for n in nominations}
    # Past the end is the last page
    assert assignment_listed(organiser_client.get(assignment_url(cycle, "?page=7"))) == [nominations[2].reference]


def test_the_list_shows_the_nominations_short_of_judges_on_their_own(app, organiser_client, cycle, setup):
    nominations, judges = setup
    make_assignment(judges["Ben Bright"], nominations[0])
    make_assignment(judges["Cy Clear"], nominations[0])
    make_assignment(judges["Ben Bright"], nominations[2])
    page = organiser_client.get(assignment_url(cycle))
    text = text_of(page.get_data(as_text=True))
    assert "Every nomination (3) · Short of judges (2)" in text and "Nominations short of judges 2" in text
    short_url = assignment_url(cycle, "?show=short#nominations")
    assert f'href="{short_url}"' in page.get_data(as_text=True)  # the figure and the choice both lead there
    short = organiser_client.get(assignment_url(cycle, "?show=short"))
    text = text_of(short.get_data(as_text=True))
    assert "2 nominations short of judges." in text and "Places filled 3 of 6" in text
    assert assignment_listed(short) == [nominations[1].reference, nominations[2].reference]
    make_assignment(judges["Cy Clear"], nominations[1])
    make_assignment(judges["Cy Clear"], nominations[2])
    make_assignment(judges["Ada Expert"], nominations[1])
    text = text_of(organiser_client.get(assignment_url(cycle, "?show=short")).get_data(as_text=True))
    assert "No nominations are short of judges." in text and "Every nomination (3)" in text


def test_a_later_rounds_list_pages_within_the_round(app, organiser_client, cycle, setup, second_round, monkeypatch):
    nominations, _ = setup
    monkeypatch.setitem(app.config, "ASSIGNMENT_ROWS_PER_PAGE", 1)
    first = organiser_client.get(assignment_url(cycle, "?round=2"))
    assert "Showing 1 to 1 of 2 entries." in text_of(first.get_data(as_text=True))
    assert f'href="{assignment_url(cycle, "?page=2&amp;round=2#nominations")}"' in first.get_data(as_text=True)
    second = organiser_client.get(assignment_url(cycle, "?page=2&round=2"))
    assert "Entries and their judges, page 2 of 2" in text_of(second.get_data(as_text=True))
    assert assignment_listed(second) == [nominations[1].reference]


def test_the_page_runs_the_same_queries_whatever_the_page_size(app, organiser_client, cycle, setup, monkeypatch):
    from tests.support.queries import counting_queries

    nominations, judges = setup
    make_assignment(judges["Ben Bright"], nominations[0])
    counts = []
    for per_page in (1, 3):
        monkeypatch.setitem(app.config, "ASSIGNMENT_ROWS_PER_PAGE", per_page)
        organiser_client.get(assignment_url(cycle))
        with counting_queries() as counted:
            page = organiser_client.get(assignment_url(cycle))
        assert len(assignment_listed(page)) == per_page
        counts.append(counted["n"])
    assert counts[0] == counts[1]
