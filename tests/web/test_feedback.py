"""Feedback for entrants through the app: the organisers' list (filters, rounds, the check's warning, a
constant number of queries, conflicted organisers), one review's page (approve as written, changed or ticked
as checked; withhold; errors that keep what was typed), and what the entrant receives once the results are
published: their nomination page and the result e-mail, with approved wording only and never a judge's name."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.extensions import db
from awards.models import (
    AuditEvent,
    Cycle,
    CycleStatus,
    FeedbackStatus,
    Judge,
    Review,
    RoundEntries,
    RoundMode,
    Verdict,
)
from tests.factories import add_conflict, make_cycle, make_judge, make_nomination, make_user
from tests.support.feedback import feedback_url, review_with_feedback
from tests.support.pages import page_source
from tests.support.programme import add_round
from tests.support.queries import counting_queries
from tests.support.visible import error_messages, main_text, page_text, text_of

JUDGE_NAME = "Zebedee Quill"


@pytest.fixture
def cycle(app):
    now = utcnow()
    cycle = make_cycle(status="judging", open_at=now - timedelta(days=60), close_at=now - timedelta(days=1))
    cycle.categories[0].shortlist_size = 1
    db.session.commit()
    return cycle


@pytest.fixture
def zebedee(cycle):
    user = make_user(
        name=JUDGE_NAME, email="zebedee@quill.example.org", roles=("judge",), organisation="Riverside Council"
    )
    return make_judge(cycle, user)


@pytest.fixture
def entry(cycle, nominee):
    return make_nomination(cycle, category=cycle.categories[0], nominator=nominee, title="Digital blue badges")


def other_judge(cycle, name):
    return make_judge(cycle, make_user(name=name, roles=("judge",)))


# ---------------------------------------------------------------- the list


def test_the_list_shows_feedback_to_review_with_the_checks_warning(organiser_client, cycle, zebedee, entry):
    review_with_feedback(zebedee, entry, "Strong outcomes. At Riverside Council we saw the same.")
    approved = review_with_feedback(
        other_judge(cycle, "Ada Approved"), entry, "Approved words", feedback_status=FeedbackStatus.APPROVED
    )
    review_with_feedback(
        other_judge(cycle, "Wes Withheld"), entry, "Withheld words", feedback_status=FeedbackStatus.WITHHELD
    )
    page = organiser_client.get(feedback_url(cycle))
    assert page.status_code == 200
    text = main_text(page)
    assert "Feedback for entrants" in text
    assert "To review (1)" in text and "Approved (1)" in text and "Withheld (1)" in text
    assert entry.reference in text and "Digital blue badges" in text and JUDGE_NAME in text
    assert "Strong outcomes. At Riverside Council we saw the same." in text
    assert "Check: may identify the judge" in text
    assert "It names the judge’s organisation (Riverside Council)" in text
    assert "Approved words" not in text and "Round 1" not in text  # one round: no round headings
    text = main_text(organiser_client.get(feedback_url(cycle, status="approved")))
    assert "Approved words" in text and "Ada Approved" in text and "Strong outcomes" not in text
    assert f'href="{feedback_url(cycle, approved)}"' in page_source(
        organiser_client.get(feedback_url(cycle, status="approved"))
    )
    text = main_text(organiser_client.get(feedback_url(cycle, status="withheld")))
    assert "Withheld words" in text and "Approved words" not in text


def test_an_empty_list_says_so(organiser_client, cycle):
    assert "No feedback to review yet." in main_text(organiser_client.get(feedback_url(cycle)))
    assert "No feedback approved yet." in main_text(organiser_client.get(feedback_url(cycle, status="approved")))
    assert "No feedback to review yet." in main_text(organiser_client.get(feedback_url(cycle, status="nonsense")))


def test_the_list_groups_feedback_by_round_when_there_are_several(organiser_client, cycle, zebedee, entry):
    final = add_round(cycle, "Final panel", entries=RoundEntries.ELIGIBLE)
    review_with_feedback(zebedee, entry, "Words from the final", judging_round=final)
    review_with_feedback(zebedee, entry, "Words from the first round")
    text = main_text(organiser_client.get(feedback_url(cycle)))
    assert text.index("Round 1: Judging") < text.index("Words from the first round")
    assert text.index("Words from the first round") < text.index("Round 2: Final panel")
    assert text.index("Round 2: Final panel") < text.index("Words from the final")


def test_a_verdict_or_a_place_is_named_as_such(organiser_client, cycle, zebedee, entry):
    first = cycle.rounds[0]
    first.mode = RoundMode.PASS_FAIL
    final = add_round(cycle, "Final panel", entries=RoundEntries.ELIGIBLE, mode=RoundMode.RANKING)
    verdict = review_with_feedback(zebedee, entry, "Words with a pass", verdict=Verdict.PASS)
    others = [make_nomination(cycle, category=cycle.categories[0]) for _ in range(2)]
    placed = review_with_feedback(zebedee, entry, "Words with a place", judging_round=final, rank=2)
    for rank, other in zip((1, 3), others, strict=True):
        review_with_feedback(zebedee, other, judging_round=final, rank=rank)
    draft = review_with_feedback(other_judge(cycle, "Dee Draft"), entry, "Draft words", status="draft")

    text = main_text(organiser_client.get(feedback_url(cycle, verdict)))
    assert "Verdict Pass" in text and "Scores" not in text
    text = main_text(organiser_client.get(feedback_url(cycle, placed)))
    assert "Place 2 of 3" in text and "Scores" not in text
    text = main_text(organiser_client.get(feedback_url(cycle, draft)))
    assert "Verdict Not submitted yet" in text
    assert "The judge has not submitted this verdict yet, so their feedback may still change" in text
    listed = main_text(organiser_client.get(feedback_url(cycle)))
    assert "Verdict not submitted" in listed and "Scores not submitted" not in listed


def test_the_list_runs_the_same_number_of_queries_however_much_feedback(organiser_client, cycle, zebedee, entry):
    review_with_feedback(zebedee, entry, "One")

    def count():
        with counting_queries() as counted:
            assert organiser_client.get(feedback_url(cycle)).status_code == 200
        return counted["n"]

    few = count()
    for n in range(6):
        nomination = make_nomination(cycle, title=f"Entry {n}")
        review_with_feedback(other_judge(cycle, f"Judge Number{n}"), nomination, f"Words {n}")
    assert "Words 5" in main_text(organiser_client.get(feedback_url(cycle)))
    assert count() == few


def test_an_organiser_conflicted_with_an_entry_sees_nothing_of_its_feedback(app, cycle, zebedee, entry):
    from tests.conftest import _client_for

    organiser = make_user(name="Jude Both", email="jude@both.example.org", roles=("organiser", "judge"))
    add_conflict(make_judge(cycle, organiser), entry)
    review = review_with_feedback(zebedee, entry, "Private to other organisers")
    client = _client_for(app, organiser)
    text = main_text(client.get(feedback_url(cycle)))
    assert "Private to other organisers" not in text and entry.reference not in text and "To review (0)" in text
    assert client.get(feedback_url(cycle, review)).status_code == 403


# ---------------------------------------------------------------- one review's feedback


def test_approving_as_written(organiser_client, organiser, cycle, zebedee, entry):
    review = review_with_feedback(zebedee, entry, "Clear evidence of impact.\n\nMore on costs would help.")
    page = organiser_client.get(feedback_url(cycle, review))
    text = main_text(page)
    assert "Feedback for the entrant" in text and JUDGE_NAME in text and "What the judge wrote" in text
    assert "To review" in text
    assert "Clear evidence of impact.\n\nMore on costs would help." in page_source(page)  # the wording, prefilled
    assert "may identify the judge" not in text
    response = organiser_client.post_form(
        feedback_url(cycle, review),
        {"wording": "Clear evidence of impact.\r\n\r\nMore on costs would help.", "action": "approve"},
        token_from=feedback_url(cycle, review),
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(
        feedback_url(cycle, status="to-review")
    )
    assert "Feedback on " + entry.reference + " approved. The entrant will see it with the results." in page_text(
        organiser_client.get(response.headers["Location"])
    )
    review = db.session.get(Review, review.id)
    assert review.feedback_status is FeedbackStatus.APPROVED and review.feedback_reviewed_by_id == organiser.id
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "feedback.approved"))
    assert event.detail["edited"] is False and event.object_id == str(review.id)
    text = main_text(organiser_client.get(feedback_url(cycle, review)))
    assert "Approved" in text and "Approved by Omar Organiser" in text


def test_flagged_wording_is_refused_until_changed_or_ticked_keeping_what_was_typed(
    organiser_client, cycle, zebedee, entry
):
    review = review_with_feedback(zebedee, entry, "As Zebedee Quill of Riverside Council, I liked it.")
    page = organiser_client.get(feedback_url(cycle, review))
    assert "The wording below may identify the judge." in main_text(page)
    assert "It names the judge (Zebedee Quill)" in main_text(page)
    assert "It names the judge’s organisation (Riverside Council)" in main_text(page)
    typed = "Quill here: I liked it, truly."
    response = organiser_client.post_form(
        feedback_url(cycle, review), {"wording": typed, "action": "approve"}, token_from=feedback_url(cycle, review)
    )
    assert response.status_code == 200
    [message] = error_messages(response)
    assert message.startswith("It names the judge (Quill).") and "I have checked" in message
    assert typed in page_source(response)  # kept
    assert 'name="checked"' in page_source(response)
    assert db.session.get(Review, review.id).feedback_status is FeedbackStatus.PENDING
    response = organiser_client.post_form(
        feedback_url(cycle, review),
        {"wording": typed, "checked": "y", "action": "approve"},
        token_from=feedback_url(cycle, review),
    )
    assert response.status_code == 302
    review = db.session.get(Review, review.id)
    assert review.feedback_status is FeedbackStatus.APPROVED and review.feedback_released == typed
    # changed again, to wording that names no one: approved without the tick, and the page shows the new wording
    response = organiser_client.post_form(
        feedback_url(cycle, review),
        {"wording": "I liked it.", "action": "approve"},
        token_from=feedback_url(cycle, review),
    )
    assert response.status_code == 302
    assert db.session.get(Review, review.id).feedback_released == "I liked it."
    page = organiser_client.get(feedback_url(cycle, review))
    assert ">I liked it.</textarea>" in page_source(page)
    assert "Approved with changed wording" in main_text(page)


def test_withholding_and_the_forms_errors(organiser_client, cycle, zebedee, entry):
    review = review_with_feedback(zebedee, entry, "Weak.")
    response = organiser_client.post_form(
        feedback_url(cycle, review), {"wording": "Weak."}, token_from=feedback_url(cycle, review)
    )
    assert response.status_code == 200
    assert error_messages(response) == ["Choose whether to approve the feedback or withhold it"]
    response = organiser_client.post_form(
        feedback_url(cycle, review), {"wording": "  ", "action": "approve"}, token_from=feedback_url(cycle, review)
    )
    assert error_messages(response) == ["Enter the wording the entrant will see, or withhold the feedback"]
    response = organiser_client.post_form(
        feedback_url(cycle, review), {"wording": "Weak.", "action": "withhold"}, token_from=feedback_url(cycle, review)
    )
    assert response.status_code == 302
    assert db.session.get(Review, review.id).feedback_status is FeedbackStatus.WITHHELD
    assert "Withheld words" not in main_text(organiser_client.get(feedback_url(cycle, status="withheld")))
    assert "Weak." in main_text(organiser_client.get(feedback_url(cycle, status="withheld")))
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.action == "feedback.withheld"))


def test_a_review_without_feedback_or_of_another_cycle(organiser_client, cycle, zebedee, entry):
    silent = review_with_feedback(zebedee, entry, "")
    page = organiser_client.get(feedback_url(cycle, silent))
    assert page.status_code == 200 and "The judge has not written any feedback" in main_text(page)
    response = organiser_client.post_form(
        feedback_url(cycle, silent), {"wording": "Words", "action": "approve"}, token_from=feedback_url(cycle, silent)
    )
    assert response.status_code == 409
    assert db.session.get(Review, silent.id).feedback_status is FeedbackStatus.NONE
    draft = review_with_feedback(other_judge(cycle, "Dee Draft"), entry, "Draft words", status="draft")
    page = organiser_client.get(feedback_url(cycle, draft))
    assert "has not submitted these scores yet" in main_text(page) and "Draft words" in main_text(page)
    assert 'name="wording"' not in page_source(page)
    assert "Scores not submitted" in main_text(organiser_client.get(feedback_url(cycle)))
    response = organiser_client.post_form(
        feedback_url(cycle, draft), {"wording": "Words", "action": "withhold"}, token_from=feedback_url(cycle, draft)
    )
    assert response.status_code == 409
    assert db.session.get(Review, draft.id).feedback_status is FeedbackStatus.PENDING
    other = make_cycle(name="Another cycle", year=2031, status="judging")
    assert organiser_client.get(feedback_url(other, silent)).status_code == 404


# ---------------------------------------------------------------- what the entrant receives


def publish_the_results(organiser_client, cycle):
    results = f"/organiser/cycles/{cycle.slug}/results"
    organiser_client.post_form(f"/organiser/cycles/{cycle.slug}/shortlist/suggest", token_from=results)
    publish = f"/organiser/cycles/{cycle.slug}/publish"
    response = organiser_client.post_form(publish, token_from=publish)
    assert response.status_code == 302, main_text(response)


def test_released_with_the_results_never_with_a_judges_name(
    organiser_client, nominee_client, outbox, cycle, zebedee, entry
):
    final = cycle.rounds[0]
    final.feedback_with_scores = True
    db.session.commit()
    rival = make_nomination(cycle, category=cycle.categories[0], title="Rival entry")
    rival.nominator.language = "cy"  # the rival's nominator reads Welsh: their e-mail's score line is in Welsh
    others = [other_judge(cycle, name) for name in ("Penny Pending", "Walt Withheld")]
    # Scale 1 to 10: 10 → 100, 7 → 66.7 (entry: 83.3); 4 → 33.3, 1 → 0 (rival: 16.7); the category's mean 50
    approved = review_with_feedback(zebedee, entry, f"{JUDGE_NAME} says: good work at Riverside Council.", value=10)
    review_with_feedback(others[0], entry, "Pending: not for the entrant", value=7)
    review_with_feedback(zebedee, rival, "", value=4)
    review_with_feedback(
        others[1], rival, "Withheld: not for the entrant", value=1, feedback_status=FeedbackStatus.WITHHELD
    )
    response = organiser_client.post_form(
        feedback_url(cycle, approved),
        {"wording": "Good work: the outcomes are clear.\n\nShow the costs next time.", "action": "approve"},
        token_from=feedback_url(cycle, approved),
    )
    assert response.status_code == 302
    mine = f"/nominations/{entry.reference}"
    assert "Feedback from the judges" not in main_text(nominee_client.get(mine))  # not before publication

    publish_the_results(organiser_client, cycle)
    text = main_text(nominee_client.get(mine))
    assert "Feedback from the judges" in text
    assert "Good work: the outcomes are clear." in text and "Show the costs next time." in text
    assert "Your entry scored 83 out of 100; the average in your category was 50." in text
    assert "Pending: not for the entrant" not in text and "Withheld" not in text
    html = page_source(nominee_client.get(mine))
    for name in (JUDGE_NAME, "Quill", "Zebedee", "Penny", "Walt", "Riverside Council", "quill.example.org"):
        assert name not in html

    [email] = [m for m in outbox() if m.kind.startswith("result_") and m.to_address == entry.nominator.email]
    for body in (email.body_text, email.body_html):
        assert "Feedback from the judges" in body
        assert "Good work: the outcomes are clear." in body and "Show the costs next time." in body
        assert "Your entry scored 83 out of 100; the average in your category was 50." in body
        for name in (JUDGE_NAME, "Quill", "Zebedee", "Penny", "Walt", "Riverside Council", "Pending:"):
            assert name not in body
    assert "Good work: the outcomes are clear.\n\nShow the costs next time." in email.body_text
    assert "\n\n\n" not in email.body_text
    [rival_email] = [m for m in outbox() if m.kind.startswith("result_") and m.to_address == rival.nominator.email]
    assert "Withheld" not in rival_email.body_text and "Withheld" not in text_of(rival_email.body_html)
    assert "Sgoriodd eich cais 17 allan o 100; y cyfartaledd yn eich categori oedd 50." in rival_email.body_text
    assert "Your entry scored" not in rival_email.body_text


def test_a_result_email_without_feedback_has_no_feedback_block(organiser_client, outbox, cycle, zebedee, entry):
    review_with_feedback(zebedee, entry, "Pending words", value=8)
    publish_the_results(organiser_client, cycle)
    [email] = [m for m in outbox() if m.kind.startswith("result_")]
    assert "Feedback from the judges" not in email.body_text and "Feedback from the judges" not in email.body_html
    assert "Pending words" not in email.body_text
    assert "\n\n\n" not in email.body_text


def test_a_cycle_is_released_round_by_round(nominee_client, cycle, zebedee, entry, organiser):
    from awards.domain.judging import feedback

    final = add_round(cycle, "Final panel", entries=RoundEntries.ELIGIBLE, is_final=True)
    for review in (
        review_with_feedback(zebedee, entry, "Final words", judging_round=final),
        review_with_feedback(other_judge(cycle, "Fay Early"), entry, "First-round words"),
    ):
        feedback.approve(review, review.feedback, by=organiser)
    cycle = db.session.get(Cycle, cycle.id)
    cycle.status = CycleStatus.PUBLISHED
    cycle.results_published_at = utcnow()
    db.session.commit()
    text = main_text(nominee_client.get(f"/nominations/{entry.reference}"))
    assert text.index("Round 1: Judging") < text.index("First-round words") < text.index("Round 2: Final panel")
    assert text.index("Round 2: Final panel") < text.index("Final words")
    assert "Fay" not in text and JUDGE_NAME not in text
    assert db.session.scalar(sa.select(sa.func.count(Judge.id))) == 2


# ---------------------------------------------------------------- showing scores


def test_the_organiser_chooses_which_scored_rounds_show_entrants_their_score(organiser_client, cycle):
    from awards.models import JudgingRound, RoundMode

    qualifying = cycle.rounds[0]
    qualifying.mode = RoundMode.PASS_FAIL
    db.session.commit()
    final = add_round(cycle, "Final panel", entries=RoundEntries.ELIGIBLE, is_final=True)
    page = organiser_client.get(feedback_url(cycle))
    text = main_text(page)
    assert "Scores with the feedback" in text and "Show entrants their score with the feedback of these rounds" in text
    assert 'name="rounds" type="checkbox" value="2"' in page_source(page)
    assert 'value="1"' not in page_source(page).split('id="scores"')[1]  # a pass/fail round has no score to show
    response = organiser_client.post_form(
        feedback_url(cycle) + "/scores", {"rounds": ["2", "1", "²", "99999"]}, token_from=feedback_url(cycle)
    )
    assert response.status_code == 302
    assert "Saved. Round 2: Final panel: entrants will see their score" in page_text(
        organiser_client.get(response.headers["Location"])
    )
    assert db.session.get(JudgingRound, final.id).feedback_with_scores is True
    assert db.session.get(JudgingRound, qualifying.id).feedback_with_scores is False
    assert "checked" in page_source(organiser_client.get(feedback_url(cycle))).split('value="2"')[1].split(">")[0]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "feedback.scores_shown"))
    assert event.detail == {"round": 2} and event.object_type == "cycles"
    response = organiser_client.post_form(feedback_url(cycle) + "/scores", {}, token_from=feedback_url(cycle))
    assert db.session.get(JudgingRound, final.id).feedback_with_scores is False
    assert db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "feedback.scores_hidden"))
    response = organiser_client.post_form(feedback_url(cycle) + "/scores", {}, token_from=feedback_url(cycle))
    assert "Nothing changed." in page_text(organiser_client.get(response.headers["Location"]))


def test_one_scored_round_has_one_box(organiser_client, cycle):
    from awards.models import JudgingRound

    response = organiser_client.post_form(
        feedback_url(cycle) + "/scores", {"rounds": "1"}, token_from=feedback_url(cycle)
    )
    assert "Saved. Entrants will see their score and their category’s average with the feedback." in page_text(
        organiser_client.get(response.headers["Location"])
    )
    assert db.session.get(JudgingRound, cycle.rounds[0].id).feedback_with_scores is True
    assert "Show each entrant their score and their category’s average" in main_text(
        organiser_client.get(feedback_url(cycle))
    )
