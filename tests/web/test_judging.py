"""The judge's pages through the test client: the list with statuses and progress, the conflict
declaration, the entry beside the score sheet, drafts and submission, locked scores, tampered
values, closed judging, concurrent saves, documents, and the organiser's reopen, score sheets
and redaction pages."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.domain.nominations.attachments import add_attachment
from awards.extensions import db
from awards.models import (
    Assignment,
    AssignmentStatus,
    AuditEvent,
    ConflictOfInterest,
    ConflictSource,
    CycleStatus,
    Redaction,
    Review,
    ReviewScore,
    ReviewStatus,
)
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_review, make_user
from tests.support.files import PNG
from tests.support.object_storage import both_storages
from tests.support.visible import text_of

VERSION = re.compile(r'name="version" value="(\d+)"')


def judging_cycle(status="judging", **rules):
    now = utcnow()
    cycle = make_cycle(status=status, open_at=now - timedelta(days=60), close_at=now - timedelta(days=1), **rules)
    return cycle


@pytest.fixture
def cycle(app):
    return judging_cycle()


@pytest.fixture
def nominator(app):
    return make_user(name="Nia Nominator", email="nia@riverside.gov.uk", organisation="Riverside Council")


@pytest.fixture
def nomination(cycle, nominator):
    return make_nomination(
        cycle,
        nominator=nominator,
        title="Digital blue badges",
        organisation_name="Riverside Borough Council",
        challenge="Queues at the counter.",
    )


@pytest.fixture
def membership(cycle, judge):
    return make_judge(cycle, judge)


@pytest.fixture
def assignment(membership, nomination):
    return make_assignment(membership, nomination)


@pytest.fixture
def declared(assignment):
    assignment.no_conflict_declared_at = utcnow()
    db.session.commit()
    return assignment


def entry_url(nomination):
    return f"/judging/nominations/{nomination.reference}"


def declare_url(nomination):
    return f"/judging/nominations/{nomination.reference}/declare"


def full_sheet(cycle, value=7, **overrides):
    data = {f"score-{c.id}": str(value) for c in cycle.rounds[0].criteria}
    data.update(overrides)
    return data


def post_scores(client, nomination, data, *, action="draft", version=None):
    url = entry_url(nomination)
    page = client.get(url).get_data(as_text=True)
    data = dict(data)
    data.setdefault("action", action)
    data.setdefault("version", version if version is not None else VERSION.search(page).group(1))
    return client.post_form(url, data, token_from=url)


def review_of(assignment):
    db.session.expire_all()
    return db.session.scalar(sa.select(Review).where(Review.assignment_id == assignment.id))


# ------------------------------------------------------------------ the list


def test_the_list_shows_each_cycle_with_statuses_and_progress(judge_client, cycle, membership, nominator):
    titles = ["Alpha", "Bravo", "Charlie", "Delta"]
    nominations = [make_nomination(cycle, nominator=nominator, title=t) for t in titles]
    a0, a1, a2, a3 = (make_assignment(membership, n) for n in nominations)
    make_review(a1, status="draft")
    make_review(a2, status="submitted")
    a3.no_conflict_declared_at = utcnow()
    db.session.commit()

    response = judge_client.get("/judging/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert cycle.name in page
    text = text_of(page)
    assert "1 of 4 submitted" in text
    assert "1 in progress, 2 not started" in text
    assert '<progress class="app-progress__bar" max="4" value="1"' in page
    assert "style=" not in page
    rows = {n.reference: text_of(page.split(n.reference, 1)[1].split("</tr>", 1)[0]) for n in nominations}
    assert rows[nominations[0].reference].endswith("Not started")
    assert rows[nominations[1].reference].endswith("In progress")
    assert rows[nominations[2].reference].endswith("Submitted")
    assert rows[nominations[3].reference].endswith("Not started")
    assert f'href="/judging/nominations/{nominations[0].reference}"' in page


def test_the_list_leaves_out_conflicted_nominations_and_shows_declared_ones_by_reference_only(
    judge_client, judge, cycle, membership, nominator
):
    fine = make_nomination(cycle, nominator=nominator, title="Fine entry")
    # Detected conflict: the judge's own organisation made it
    judge.organisation = "Hilltop District Council"
    db.session.commit()
    detected = make_nomination(cycle, nominator=nominator, title="Hilltop entry", organisation_name="Hilltop Council")
    recused = make_nomination(cycle, nominator=nominator, title="Recused entry")
    organiser_conflict = make_nomination(cycle, nominator=nominator, title="Organiser conflict entry")
    for n in (fine, detected, recused, organiser_conflict):
        make_assignment(membership, n)
    from awards.domain.judging import conflicts

    organiser = make_user(roles=("organiser",))
    conflicts.declare(membership, recused, has_conflict=True, reason="I advised them", by=judge)
    conflicts.add_organiser_conflict(membership, organiser_conflict, reason="Former employer", by=organiser)
    db.session.commit()

    page = judge_client.get("/judging/").get_data(as_text=True)
    assert "Fine entry" in page
    for hidden in (detected, organiser_conflict):
        assert hidden.reference not in page and hidden.title not in page
    assert recused.reference in page and "Recused entry" not in page
    row = text_of(page.split(recused.reference, 1)[1].split("</tr>", 1)[0])
    assert "Conflict declared" in row
    assert "0 of 1 submitted" in text_of(page)


def test_the_list_does_not_query_per_nomination(judge_client, cycle, membership, nominator):
    def count_queries():
        statements = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert judge_client.get("/judging/").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    make_review(make_assignment(membership, make_nomination(cycle, nominator=nominator)), status="draft")
    count_queries()  # the first reads the cycle's entry form, which this process then keeps (entry_forms.kept_sections)
    make_assignment(membership, make_nomination(cycle, nominator=make_user()))  # each count after a write
    few = count_queries()
    for i in range(8):
        assignment = make_assignment(membership, make_nomination(cycle, nominator=make_user()))
        if i % 2:
            make_review(assignment, status="submitted")
    assert count_queries() == few


def test_the_list_is_forbidden_to_people_who_judge_nothing(client, nominee_client, organiser_client, judge_client):
    # Function level (they judge no cycle; the judge role alone is not a membership): 403, as for the profile
    for c in (nominee_client, organiser_client, judge_client):
        assert c.get("/judging/").status_code == 403
    response = client.get("/judging/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_the_list_says_when_scoring_opens_and_closes(judge_client, membership, cycle, assignment):
    cycle.rounds[0].closes_at = utcnow() + timedelta(days=7)
    db.session.commit()
    assert "Submit your scores by" in judge_client.get("/judging/").get_data(as_text=True)
    cycle.status = CycleStatus.CLOSED
    db.session.commit()
    assert "Scoring opens when the organisers start judging" in judge_client.get("/judging/").get_data(as_text=True)


def test_a_judge_with_nothing_assigned_is_told_so(judge_client, membership):
    page = judge_client.get("/judging/").get_data(as_text=True)
    assert "No nominations have been given to you yet" in page


# ------------------------------------------------------------------ the declaration


def test_the_nomination_page_asks_about_conflicts_first(judge_client, nomination, assignment):
    response = judge_client.get(entry_url(nomination))
    assert response.status_code == 302 and response.headers["Location"] == declare_url(nomination)
    doc = add_attachment(nomination, filename="report.png", stream=io.BytesIO(PNG), by=nomination.nominator)
    db.session.commit()
    response = judge_client.get(f"{entry_url(nomination)}/documents/{doc.id}")
    assert response.status_code == 302 and response.headers["Location"] == declare_url(nomination)


def test_the_declaration_shows_only_reference_title_and_category(judge_client, nomination, assignment):
    page = judge_client.get(declare_url(nomination)).get_data(as_text=True)
    assert "Do you have a conflict of interest?" in page
    for shown in (nomination.reference, "Digital blue badges", nomination.category.name):
        assert shown in page
    for hidden in (
        "Riverside",
        "Queues at the counter",
        "Acme Digital",
        "Casey Contact",
        "Nia Nominator",
        nomination.contact_email,
    ):
        assert hidden not in page
    assert "app-radios-reveal__panel" in page  # "Yes" reveals the reason
    assert "Judging is anonymous, so the nominated organisation is not shown." in text_of(page)


def test_the_declaration_shows_the_organisation_when_judging_is_not_blind(judge_client, cycle, nomination, assignment):
    cycle.rounds[0].blind = False
    db.session.commit()
    page = judge_client.get(declare_url(nomination)).get_data(as_text=True)
    assert "Riverside Borough Council" in page
    assert "Judging is anonymous" not in text_of(page)


def test_no_answer_is_an_error(judge_client, nomination, assignment):
    response = judge_client.post_form(declare_url(nomination), {}, token_from=declare_url(nomination))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert 'href="#has_conflict"' in page
    assert "Select yes if you have a conflict of interest with this nomination" in page
    assert review_of(assignment) is None


def test_no_conflict_opens_the_entry(judge_client, nomination, assignment, membership):
    response = judge_client.post_form(
        declare_url(nomination), {"has_conflict": "no"}, token_from=declare_url(nomination)
    )
    assert response.status_code == 302 and response.headers["Location"] == entry_url(nomination)
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).no_conflict_declared_at is not None
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "conflict.declared_none"))
    assert judge_client.get(entry_url(nomination)).status_code == 200


def test_yes_recuses_the_judge_and_the_entry_disappears(judge_client, nomination, assignment, membership):
    response = judge_client.post_form(
        declare_url(nomination),
        {"has_conflict": "yes", "reason": "I advised the project board"},
        token_from=declare_url(nomination),
    )
    assert response.status_code == 302 and response.headers["Location"] == "/judging/"
    page = judge_client.get("/judging/").get_data(as_text=True)
    assert "the organisers will give it to another judge" in page
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).status is AssignmentStatus.RECUSED
    conflict = db.session.scalar(sa.select(ConflictOfInterest))
    assert conflict.source is ConflictSource.DECLARED and conflict.reason == "I advised the project board"
    for url in (entry_url(nomination), declare_url(nomination)):
        assert judge_client.get(url).status_code == 404


def test_a_judge_can_declare_a_conflict_later_from_the_entry(judge_client, nomination, declared):
    page = judge_client.get(entry_url(nomination)).get_data(as_text=True)
    assert f'href="{declare_url(nomination)}"' in page
    assert "You told us you had no conflict of interest" in judge_client.get(declare_url(nomination)).get_data(
        as_text=True
    )
    judge_client.post_form(declare_url(nomination), {"has_conflict": "yes"}, token_from=declare_url(nomination))
    assert judge_client.get(entry_url(nomination)).status_code == 404


def test_a_judge_who_submitted_cannot_recuse_without_the_organisers(judge_client, nomination, declared):
    make_review(declared, status="submitted")
    response = judge_client.post_form(
        declare_url(nomination), {"has_conflict": "yes"}, token_from=declare_url(nomination)
    )
    assert response.status_code == 200
    assert "already submitted scores" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Assignment, declared.id).status is AssignmentStatus.ASSIGNED


# ------------------------------------------------------------------ the entry and the score sheet


def test_the_entry_sits_beside_the_score_sheet(judge_client, cycle, nomination, declared):
    add_attachment(nomination, filename="Riverside results.png", stream=io.BytesIO(PNG), by=nomination.nominator)
    db.session.commit()
    response = judge_client.get(entry_url(nomination))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    entry, scores = page.split('class="govuk-grid-column-one-half app-judging-entry"', 1)[1].split(
        'class="govuk-grid-column-one-half app-judging-scores"', 1
    )
    # the entry comes first in the page, so it comes first on a phone
    assert "Digital blue badges</h1>" in page
    for shown in (
        "Queues at the counter.",
        "How we approached it.",
        "What changed.",
        "What surprised us.",
        "What others can learn.",
        "Calls handled",
        "100 a day",
        "40 a day",
        "March 2026",
        "Supporting document 1.png",
        cycle.trends[0].name,
    ):
        assert shown in entry
    assert "Riverside results.png" not in page
    assert "Riverside Borough Council" not in page
    first = cycle.rounds[0].criteria[0]
    assert first.name in scores
    # each band: its name and descriptor, then its values; each radio is named with its band
    assert "<strong>Strong</strong>: A baseline and a measured improvement; users involved." in scores
    assert (
        f'<label class="govuk-label govuk-radios__label" for="score-{first.id}-7">7<span '
        'class="govuk-visually-hidden"> – Strong</span></label>'
    ) in scores
    assert f'id="score-{first.id}" name="score-{first.id}" type="radio" value="1"' in scores  # the summary links here
    assert scores.count(f'name="score-{first.id}"') == first.scale_max - first.scale_min + 1
    assert 'value="na"' not in scores
    assert "Save as draft" in scores and "Submit scores" in scores
    assert 'name="version" value="0"' in scores


def test_not_applicable_is_offered_only_where_the_criterion_allows_it(judge_client, cycle, nomination, declared):
    allowed = cycle.rounds[0].criteria[2]
    allowed.allow_not_applicable = True
    db.session.commit()
    page = judge_client.get(entry_url(nomination)).get_data(as_text=True)
    assert page.count('value="na"') == 1
    assert f'id="score-{allowed.id}-na" name="score-{allowed.id}" type="radio" value="na"' in page


def test_a_draft_can_be_partial_and_is_kept(judge_client, cycle, nomination, declared):
    first, second = cycle.rounds[0].criteria[:2]
    response = post_scores(
        judge_client,
        nomination,
        {f"score-{first.id}": "8", f"comment-{second.id}": "Thin evidence", "overall_comment": "Promising"},
    )
    assert response.status_code == 302 and response.headers["Location"] == entry_url(nomination)
    review = review_of(declared)
    assert review.status is ReviewStatus.DRAFT and review.overall_comment == "Promising"
    scores = {s.criterion_id: s for s in review.scores}
    assert scores[first.id].value == 8
    assert scores[second.id].value is None and scores[second.id].comment == "Thin evidence"
    assert len(scores) == 2
    page = judge_client.get(entry_url(nomination)).get_data(as_text=True)
    assert "Your draft scores have been saved" in page
    assert f'id="score-{first.id}-8" name="score-{first.id}" type="radio" value="8" checked' in page
    assert "Thin evidence" in page and "Promising" in page
    assert 'name="version" value="1"' in page
    assert "In progress" in text_of(judge_client.get("/judging/").get_data(as_text=True))


def test_submitting_needs_every_criterion_and_saves_nothing_otherwise(judge_client, cycle, nomination, declared):
    first = cycle.rounds[0].criteria[0]
    data = full_sheet(cycle)
    del data[f"score-{cycle.rounds[0].criteria[1].id}"]
    del data[f"score-{cycle.rounds[0].criteria[4].id}"]
    data["overall_comment"] = "Kept after the error"
    response = post_scores(judge_client, nomination, data, action="submit")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert f'href="#score-{cycle.rounds[0].criteria[1].id}"' in page
    assert f"Select a score for {cycle.rounds[0].criteria[1].name}" in page
    assert f"Select a score for {cycle.rounds[0].criteria[4].name}" in page
    assert "Kept after the error" in page
    assert f'id="score-{first.id}-7" name="score-{first.id}" type="radio" value="7" checked' in page
    assert page.startswith("<!DOCTYPE html>") and "<title>Error:" in page
    assert review_of(declared) is None


def test_submitted_scores_are_locked(judge_client, cycle, nomination, declared, outbox):
    allowed = cycle.rounds[0].criteria[5]
    allowed.allow_not_applicable = True
    db.session.commit()
    response = post_scores(
        judge_client, nomination, full_sheet(cycle, 9, **{f"score-{allowed.id}": "na"}), action="submit"
    )
    assert response.status_code == 302 and response.headers["Location"] == "/judging/"
    review = review_of(declared)
    assert review.status is ReviewStatus.SUBMITTED and review.submitted_at is not None
    assert {s.criterion_id: (s.value, s.not_applicable) for s in review.scores}[allowed.id] == (None, True)
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "review.submitted"))
    assert "Your scores for" in judge_client.get("/judging/").get_data(as_text=True)

    page = judge_client.get(entry_url(nomination)).get_data(as_text=True)
    assert "They are locked" in page
    assert 'name="score-' not in page and "Submit scores" not in page
    assert "9 – Exceptional" in page and "Not applicable" in page
    assert "89 out of 100" in page  # (9 − 1) / 9 on every criterion answered

    response = judge_client.post_form(
        entry_url(nomination),
        {**full_sheet(cycle, 1), "action": "draft", "version": str(review.version)},
        token_from=entry_url(nomination),
    )
    assert response.status_code == 409
    assert "already submitted your scores" in response.get_data(as_text=True)
    assert {s.value for s in review_of(declared).scores} == {9, None}


@pytest.mark.parametrize(
    "tamper",
    [
        "out_of_range",
        "below_range",
        "other_cycle",
        "na_not_allowed",
        "not_a_number",
        "unknown_field",
        "no_version",
        "bad_action",
        "value_and_na",
    ],
)
def test_tampered_scores_are_refused_and_nothing_is_stored(judge_client, cycle, nomination, declared, tamper):
    first = cycle.rounds[0].criteria[0]
    data = full_sheet(cycle)
    version = None
    if tamper == "out_of_range":
        data[f"score-{first.id}"] = "11"
    elif tamper == "below_range":
        data[f"score-{first.id}"] = "0"
    elif tamper == "other_cycle":
        other = judging_cycle(name="Other awards", year=2027)
        data[f"score-{other.rounds[0].criteria[0].id}"] = "5"
    elif tamper == "na_not_allowed":
        data[f"score-{first.id}"] = "na"
    elif tamper == "not_a_number":
        data[f"score-{first.id}"] = "seven"
    elif tamper == "unknown_field":
        data["score-abc"] = "5"
    elif tamper == "no_version":
        version = ""
    elif tamper == "bad_action":
        data["action"] = "publish"
    elif tamper == "value_and_na":
        data[f"score-{first.id}"] = ["7", "na"]
    response = post_scores(judge_client, nomination, data, action="submit", version=version)
    if tamper == "value_and_na":
        # The form sends one value per criterion; a second one is ignored like any browser would
        assert response.status_code == 302
        return
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was saved" in page
    assert review_of(declared) is None
    assert db.session.scalar(sa.select(sa.func.count(ReviewScore.id))) == 0


def test_a_value_off_the_scale_names_the_scale(judge_client, cycle, nomination, declared):
    first = cycle.rounds[0].criteria[0]
    response = post_scores(judge_client, nomination, {f"score-{first.id}": "11"})
    assert response.status_code == 400
    assert f"The score for {first.name} must be from 1 to 10" in response.get_data(as_text=True)


def test_a_comment_too_long_is_an_error_not_a_loss(judge_client, cycle, nomination, declared):
    first = cycle.rounds[0].criteria[0]
    response = post_scores(judge_client, nomination, {f"score-{first.id}": "6", f"comment-{first.id}": "x" * 5001})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Your comment on {first.name} must be 5,000 characters or fewer" in page
    assert f'href="#comment-{first.id}"' in page
    assert review_of(declared) is None


@pytest.mark.parametrize("status", ["open", "closed", "published"])
def test_scoring_is_refused_outside_judging(judge_client, cycle, nomination, declared, status):
    cycle.status = CycleStatus(status)
    db.session.commit()
    page = judge_client.get(entry_url(nomination)).get_data(as_text=True)
    assert "Submit scores" not in page
    assert "Queues at the counter." in page  # the entry can still be read
    response = judge_client.post_form(
        entry_url(nomination),
        {**full_sheet(cycle), "action": "submit", "version": "0"},
        token_from=entry_url(nomination),
    )
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "Nothing was saved" in text
    assert (
        "Scoring opens when the organisers start judging" in text
        if status != "published"
        else "The results have been published" in text
    )
    assert review_of(declared) is None


def test_scoring_is_refused_after_judging_closes(judge_client, cycle, nomination, declared):
    make_review(declared, status="draft")
    cycle.rounds[0].closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = judge_client.get(entry_url(nomination)).get_data(as_text=True)
    assert "Judging closed at" in page and "Submit scores" not in page
    assert "Your draft scores, last saved at" in page
    response = judge_client.post_form(
        entry_url(nomination),
        {**full_sheet(cycle), "action": "submit", "version": "1"},
        token_from=entry_url(nomination),
    )
    assert response.status_code == 409
    assert "Judging closed at" in response.get_data(as_text=True)
    review = review_of(declared)
    assert review.status is ReviewStatus.DRAFT and review.scores == []


def test_two_windows_saving_one_sheet_one_wins(judge_client, cycle, nomination, declared):
    first = cycle.rounds[0].criteria[0]
    url = entry_url(nomination)
    # Both windows open the page before either saves
    version = VERSION.search(judge_client.get(url).get_data(as_text=True)).group(1)
    assert post_scores(judge_client, nomination, {f"score-{first.id}": "3"}, version=version).status_code == 302
    response = post_scores(judge_client, nomination, {f"score-{first.id}": "9"}, version=version)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "saved in another window or tab after you opened this page" in page
    assert "The latest saved scores" in page
    assert [s.value for s in review_of(declared).scores] == [3]
    # The form keeps what this window sent, with the latest version: saving again replaces the other save
    assert f'id="score-{first.id}-9" name="score-{first.id}" type="radio" value="9" checked' in page
    new_version = VERSION.search(page).group(1)
    assert new_version == "1"
    assert post_scores(judge_client, nomination, {f"score-{first.id}": "9"}, version=new_version).status_code == 302
    assert [s.value for s in review_of(declared).scores] == [9]


def test_a_save_racing_another_at_the_database_gets_the_conflict_message(judge_client, cycle, nomination, declared):
    first = cycle.rounds[0].criteria[0]
    post_scores(judge_client, nomination, {f"score-{first.id}": "5"})
    review_id = review_of(declared).id
    table = Review.__table__
    fired = []

    def other_save_lands_first(session, flush_context, instances):
        # between this request's read of the sheet and its write, another request commits a save
        if not fired and any(isinstance(o, Review) for o in session.dirty):
            fired.append(True)
            with db.engine.begin() as other:
                other.execute(
                    sa.update(table)
                    .where(table.c.id == review_id)
                    .values(version=table.c.version + 1, overall_comment="From the other window")
                )

    session_class = db.session.session_factory.class_
    sa.event.listen(session_class, "before_flush", other_save_lands_first)
    try:
        response = post_scores(judge_client, nomination, {f"score-{first.id}": "8"})
    finally:
        sa.event.remove(session_class, "before_flush", other_save_lands_first)
    assert fired
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "saved in another window or tab" in page and "From the other window" in page
    review = review_of(declared)
    assert [s.value for s in review.scores] == [5] and review.overall_comment == "From the other window"


def test_two_windows_with_an_existing_draft(judge_client, cycle, nomination, declared):
    first = cycle.rounds[0].criteria[0]
    post_scores(judge_client, nomination, {f"score-{first.id}": "5"})
    old = str(review_of(declared).version)
    assert post_scores(judge_client, nomination, full_sheet(cycle, 6), action="submit", version=old).status_code == 302
    response = post_scores(judge_client, nomination, {f"score-{first.id}": "2"}, version=old)
    assert response.status_code == 409
    assert "already submitted your scores" in response.get_data(as_text=True)
    assert review_of(declared).status is ReviewStatus.SUBMITTED


# ------------------------------------------------------------------ who reaches the pages


def test_nobody_else_reaches_the_judging_pages(app, cycle, nomination, declared, nominator):
    doc = add_attachment(nomination, filename="report.png", stream=io.BytesIO(PNG), by=nominator)
    db.session.commit()
    other_judge = make_judge(cycle)
    organiser = make_user(roles=("organiser",))
    urls = [entry_url(nomination), declare_url(nomination), f"{entry_url(nomination)}/documents/{doc.id}"]
    # Another judge of the cycle: the entry is not theirs (404); people who judge nothing: not their function (403)
    for person, status in ((other_judge.user, 404), (nominator, 403), (organiser, 403)):
        client = app.test_client()
        client.sign_in_as(person)
        for url in urls:
            assert client.get(url).status_code == status, (person, url)
        assert (
            client.post_form(
                entry_url(nomination), {**full_sheet(cycle), "action": "submit", "version": "0"}, token_from="/account"
            ).status_code
            == status
        )
    anonymous = app.test_client()
    for url in urls:
        response = anonymous.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_an_organiser_who_judges_is_bound_by_their_own_conflicts(app, cycle, nominator):
    organiser = make_user(
        roles=("organiser", "judge"), organisation="Riverside Borough Council", email="olu@awards.example.org"
    )
    membership = make_judge(cycle, organiser)
    conflicted = make_nomination(
        cycle, nominator=nominator, organisation_name="Riverside Council", title="Conflicted entry"
    )
    make_assignment(membership, conflicted, no_conflict_declared=True)
    client = app.test_client()
    client.sign_in_as(organiser)
    assert client.get(entry_url(conflicted)).status_code == 404
    assert "Conflicted entry" not in client.get("/judging/").get_data(as_text=True)
    # as an organiser they still see it
    assert client.get(f"/organiser/cycles/{cycle.slug}/nominations/{conflicted.reference}").status_code == 200


def test_a_withdrawn_nomination_is_no_longer_shown(judge_client, nomination, declared):
    from awards.models import NominationStatus

    nomination.status = NominationStatus.WITHDRAWN
    nomination.withdrawn_at = utcnow()
    db.session.commit()
    assert judge_client.get(entry_url(nomination)).status_code == 404
    assert nomination.reference not in judge_client.get("/judging/").get_data(as_text=True)


# ------------------------------------------------------------------ documents


def test_documents_download_under_neutral_names(judge_client, nomination, declared, nominator):
    first = add_attachment(nomination, filename="Riverside chart.png", stream=io.BytesIO(PNG), by=nominator)
    second = add_attachment(nomination, filename="Another.png", stream=io.BytesIO(PNG), by=nominator)
    db.session.commit()
    for number, doc in ((1, first), (2, second)):
        response = judge_client.get(f"{entry_url(nomination)}/documents/{doc.id}")
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == f'attachment; filename="Supporting document {number}.png"'
        assert response.headers["Content-Type"] == "image/png"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.data.startswith(b"\x89PNG")


def test_another_nominations_document_is_not_found(judge_client, cycle, nomination, declared, nominator):
    other = make_nomination(cycle, nominator=nominator)
    doc = add_attachment(other, filename="x.png", stream=io.BytesIO(PNG), by=nominator)
    db.session.commit()
    assert judge_client.get(f"{entry_url(nomination)}/documents/{doc.id}").status_code == 404


def test_with_blind_judging_off_documents_keep_their_names(judge_client, cycle, nomination, declared, nominator):
    cycle.rounds[0].blind = False
    doc = add_attachment(nomination, filename="Results.png", stream=io.BytesIO(PNG), by=nominator)
    db.session.commit()
    page = judge_client.get(entry_url(nomination)).get_data(as_text=True)
    assert "Results.png" in page and "Riverside Borough Council" in page and "Acme Digital Ltd" in page
    assert "Nia Nominator" not in page and "Casey Contact" not in page
    response = judge_client.get(f"{entry_url(nomination)}/documents/{doc.id}")
    assert response.headers["Content-Disposition"] == "attachment; filename=Results.png"


@both_storages
def test_a_document_that_cannot_be_cleaned_is_not_sent(judge_client, nomination, declared, nominator, storage):
    doc = add_attachment(nomination, filename="x.png", stream=io.BytesIO(PNG), by=nominator)
    db.session.commit()
    storage.write(doc.stored_name, b"not a png at all")
    response = judge_client.get(f"{entry_url(nomination)}/documents/{doc.id}")
    assert response.status_code == 422
    assert "could not be prepared for judging" in response.get_data(as_text=True)


# ------------------------------------------------------------------ the organiser: score sheets and reopening


@pytest.fixture
def submitted(judge_client, cycle, nomination, declared):
    post_scores(judge_client, nomination, full_sheet(cycle, 8, overall_comment="Strong entry"), action="submit")
    return review_of(declared)


def test_the_organiser_sees_the_score_sheets(organiser_client, cycle, nomination, submitted, judge):
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}/reviews").get_data(as_text=True)
    assert nomination.reference in page and judge.name in page and "Submitted" in page
    assert "1 submitted, 0 in progress" in page
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}/reviews?status=draft").get_data(as_text=True)
    assert "No score sheets match" in page
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}/reviews/{submitted.id}").get_data(as_text=True)
    assert "Strong entry" in page and "8 out of 10" in page and "Reopen these scores" in page
    assert f'href="/organiser/cycles/{cycle.slug}/nominations/{nomination.reference}">Digital blue badges</a>' in page
    assert "77.8 out of 100" in page


def test_the_score_sheet_list_does_not_query_per_row(organiser_client, cycle, nominator):
    judges = [make_judge(cycle) for _ in range(3)]
    for i in range(6):
        n = make_nomination(cycle, nominator=nominator)
        for j in judges:
            make_review(make_assignment(j, n), status="submitted" if i % 2 else "draft")
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = organiser_client.get(f"/organiser/cycles/{cycle.slug}/reviews")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("/reviews/") >= 18
    assert len(statements) < 15


def test_a_review_of_another_cycle_is_not_found(organiser_client, submitted):
    other = judging_cycle(name="Other awards", year=2027)
    assert organiser_client.get(f"/organiser/cycles/{other.slug}/reviews/{submitted.id}").status_code == 404
    assert organiser_client.get(f"/organiser/cycles/{other.slug}/reviews/{submitted.id}/reopen").status_code == 404


def test_reopening_returns_the_scores_to_the_judge(
    organiser_client, judge_client, cycle, nomination, submitted, judge, organiser, outbox
):
    url = f"/organiser/cycles/{cycle.slug}/reviews/{submitted.id}/reopen"
    page = organiser_client.get(url).get_data(as_text=True)
    assert "Reopen these scores?" in page and judge.name in page
    response = organiser_client.post_form(url, {"reason": "Please look at criterion 2 again"}, token_from=url)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/organiser/cycles/{cycle.slug}/reviews/{submitted.id}"
    review = review_of(submitted.assignment)
    assert review.status is ReviewStatus.DRAFT and review.submitted_at is None
    assert len(review.scores) == len(cycle.rounds[0].criteria)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "review.reopened"))
    assert event.actor_id == organiser.id and event.detail["reason"] == "Please look at criterion 2 again"
    [mail] = outbox("review_reopened")
    assert mail.to_address == judge.email
    assert f"/judging/nominations/{nomination.reference}" in mail.body_text
    assert "Please look at criterion 2 again" in mail.body_text and nomination.reference in mail.subject
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}/reviews/{submitted.id}").get_data(as_text=True)
    assert "are reopened" in page and "Reopened" in page
    # the judge can change and submit them again
    assert "Submit scores" in judge_client.get(entry_url(nomination)).get_data(as_text=True)
    assert post_scores(judge_client, nomination, full_sheet(cycle, 4), action="submit").status_code == 302
    assert {s.value for s in review_of(submitted.assignment).scores} == {4}


def test_only_submitted_scores_can_be_reopened(organiser_client, cycle, declared, outbox):
    draft = make_review(declared, status="draft")
    url = f"/organiser/cycles/{cycle.slug}/reviews/{draft.id}/reopen"
    assert organiser_client.get(url).status_code == 409
    response = organiser_client.post_form(url, {}, token_from="/organiser/")
    assert response.status_code == 409
    assert "have not been submitted" in response.get_data(as_text=True)
    assert outbox("review_reopened") == []


def test_scores_cannot_be_reopened_once_published_or_after_judging_closed(organiser_client, cycle, submitted, outbox):
    url = f"/organiser/cycles/{cycle.slug}/reviews/{submitted.id}/reopen"
    cycle.rounds[0].closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    response = organiser_client.post_form(url, {}, token_from="/organiser/")
    assert response.status_code == 409 and "Move the judging closing time later" in response.get_data(as_text=True)
    cycle.rounds[0].closes_at = None
    cycle.status = CycleStatus.PUBLISHED
    db.session.commit()
    assert organiser_client.post_form(url, {}, token_from="/organiser/").status_code == 409
    assert review_of(submitted.assignment).status is ReviewStatus.SUBMITTED
    assert outbox("review_reopened") == []


# ------------------------------------------------------------------ the organiser: redaction


def redaction_url(cycle, nomination):
    return f"/organiser/cycles/{cycle.slug}/nominations/{nomination.reference}/redaction"


def test_the_organiser_redacts_text_and_judges_read_the_redacted_copy(
    organiser_client, judge_client, cycle, nomination, declared, nominee_client
):
    nomination.answers = {**nomination.answers, "challenge": "Riverside Borough Council had queues at the counter."}
    db.session.commit()
    url = redaction_url(cycle, nomination)
    page = organiser_client.get(url).get_data(as_text=True)
    assert "Redact the entry for judges" in page
    assert "Names Riverside Borough Council" in page
    assert "1 field names" in text_of(page)
    trend = nomination.trend_links[0].trend
    response = organiser_client.post_form(
        url,
        {
            "text-challenge": "[The council] had queues at the counter.",
            f"text-trend-{trend.id}": "It addresses it well.",
            "text-outcome-0-metric": "Phone calls handled",
            "text-summary": nomination.summary,  # unchanged: no redaction
        },
        token_from=url,
    )
    assert response.status_code == 302
    page = organiser_client.get(url).get_data(as_text=True)
    saved = text_of(page).split("Judges will see your redacted copy of: ", 1)[1]
    assert saved.startswith(f"How it addresses {trend.name}, The challenge, Measured outcomes: outcome 1, what was")
    assert "No field names the organisation" in page
    rows = {r.field: r.text for r in db.session.scalars(sa.select(Redaction))}
    assert rows == {
        "challenge": "[The council] had queues at the counter.",
        f"trend:{trend.id}": "It addresses it well.",
        "outcome:0:metric": "Phone calls handled",
    }
    judged = judge_client.get(entry_url(nomination)).get_data(as_text=True)
    assert "[The council] had queues" in judged and "Riverside" not in judged
    assert "It addresses it well." in judged and "Phone calls handled" in judged
    # the nominee's original is kept, and is what the organiser's nomination page shows
    db.session.expire_all()
    assert nomination.answers["challenge"] == "Riverside Borough Council had queues at the counter."
    assert "Riverside Borough Council had queues" in organiser_client.get(
        f"/organiser/cycles/{cycle.slug}/nominations/{nomination.reference}"
    ).get_data(as_text=True)
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "nomination.redacted"))

    # showing judges the original again
    response = organiser_client.post_form(url, {"restore": "challenge"}, token_from=url)
    assert response.status_code == 302
    assert "Riverside Borough Council had queues" in judge_client.get(entry_url(nomination)).get_data(as_text=True)


def test_a_redacted_title_is_what_judges_see_everywhere(organiser_client, judge_client, cycle, nomination, assignment):
    url = redaction_url(cycle, nomination)
    organiser_client.post_form(url, {"text-title": "Digital parking badges"}, token_from=url)
    for page_url_ in ("/judging/", declare_url(nomination)):
        page = judge_client.get(page_url_).get_data(as_text=True)
        assert "Digital parking badges" in page and "Digital blue badges" not in page


def test_redaction_waits_for_submission_and_stops_at_publication(organiser_client, cycle, nominator, nomination):
    draft = make_nomination(cycle, nominator=nominator, status="draft")
    url = redaction_url(cycle, draft)
    assert "once it is submitted" in organiser_client.get(url).get_data(as_text=True)
    assert organiser_client.post_form(url, {"text-challenge": "x"}, token_from=url).status_code == 409
    cycle.status = CycleStatus.PUBLISHED
    db.session.commit()
    url = redaction_url(cycle, nomination)
    page = organiser_client.get(url).get_data(as_text=True)
    assert "results of this cycle are published" in page and "Save the redacted text" not in page
    assert organiser_client.post_form(url, {"text-challenge": "x"}, token_from=url).status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(Redaction.id))) == 0


def test_redaction_of_a_nomination_in_another_cycle_is_not_found(organiser_client, nomination):
    other = judging_cycle(name="Other awards", year=2027)
    assert organiser_client.get(redaction_url(other, nomination)).status_code == 404
