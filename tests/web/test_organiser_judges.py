"""The organiser's judging set-up pages: judges (invite, re-send, settings with expertise, remove),
criteria (add, change, remove, locked once scoring starts) and conflicts of interest (found,
recorded and removed ones; adding and removing by hand)."""

from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.domain.judging import conflicts as conflict_rules
from awards.extensions import db
from awards.models import (
    AuditEvent,
    ConflictOfInterest,
    ConflictSource,
    Criterion,
    Expertise,
    Judge,
    JudgingRound,
    OutboxMessage,
    PanelMember,
    ReviewScore,
)
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_review, make_user
from tests.support.audit import audit_actions
from tests.support.visible import buttons, page_text, text_of

LINK_RE = re.compile(r"http://[^\s\"<]+/judging/invitations/[^\s\"<]+")


@pytest.fixture
def cycle(app):
    return make_cycle()


def judges_url(cycle) -> str:
    return f"/organiser/cycles/{cycle.slug}/judges"


def accepted_judge(cycle, email="ada@judges.example.net", name="Ada Lovelace", organisation="Analytical Engines"):
    user = make_user(email=email, name=name, roles=("judge",), organisation=organisation)
    return make_judge(cycle, user, organisation=organisation)


def judges_of(cycle) -> list[Judge]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Judge).where(Judge.cycle_id == cycle.id).order_by(Judge.id)))


# ------------------------------------------------------------------ the list and invitations


def test_an_empty_list_invites_judges(organiser_client, cycle):
    response = organiser_client.get(judges_url(cycle))
    assert response.status_code == 200
    text = page_text(response)
    assert "No judges have been invited to this cycle yet" in text
    assert "Invite judges" in text and "Email addresses" in text


def test_invite_many_at_once_sends_each_a_link(organiser_client, organiser, cycle, outbox):
    response = organiser_client.post_form(
        judges_url(cycle),
        {"emails": "Grace@Navy.example.org, alan@bletchley.example.org\n\nkaren@cam.example.ac.uk;"},
        token_from=judges_url(cycle),
    )
    assert response.status_code == 302 and response.headers["Location"] == judges_url(cycle)
    judges = judges_of(cycle)
    assert [j.email for j in judges] == [
        "grace@navy.example.org",
        "alan@bletchley.example.org",
        "karen@cam.example.ac.uk",
    ]
    assert all(j.user_id is None and j.accepted_at is None and j.invited_by_id == organiser.id for j in judges)
    messages = outbox("judge_invitation")
    assert sorted(m.to_address for m in messages) == sorted(j.email for j in judges)
    for message in messages:
        assert message.subject == f"Invitation to judge {cycle.name}"
        assert LINK_RE.search(message.body_text) and LINK_RE.search(message.body_html)
        assert "Omar Organiser has invited you" in message.body_text
    assert audit_actions().count("judge.invited") == 3
    page = page_text(organiser_client.get(judges_url(cycle)))
    assert (
        "3 invitations sent to grace@navy.example.org, alan@bletchley.example.org and karen@cam.example.ac.uk" in page
    )
    assert page.count("Invited") >= 3 and "0 accepted, 3 not yet accepted" in page


def test_duplicates_and_already_invited_are_reported_not_invited_again(organiser_client, cycle, outbox):
    make_judge(cycle, accepted=False, email="grace@navy.example.org")
    response = organiser_client.post_form(
        judges_url(cycle),
        {"emails": "grace@navy.example.org\nalan@bletchley.example.org\nALAN@bletchley.example.org"},
        token_from=judges_url(cycle),
    )
    assert response.status_code == 302
    assert [j.email for j in judges_of(cycle)] == ["grace@navy.example.org", "alan@bletchley.example.org"]
    assert [m.to_address for m in outbox("judge_invitation")] == ["alan@bletchley.example.org"]
    page = page_text(organiser_client.get(judges_url(cycle)))
    assert "1 invitation sent to alan@bletchley.example.org" in page
    assert "Not sent again: grace@navy.example.org has already been invited" in page
    assert "alan@bletchley.example.org was in the list more than once, and invited only once" in page


def test_an_invalid_address_invites_nobody_and_keeps_the_list(organiser_client, cycle, outbox):
    typed = "grace@navy.example.org\nnot-an-address\nalan@"
    response = organiser_client.post_form(judges_url(cycle), {"emails": typed}, token_from=judges_url(cycle))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert "Enter email addresses in the correct format, like name@example.com" in html
    assert "‘not-an-address’" in html and "‘alan@’" in html
    assert "grace@navy.example.org\nnot-an-address\nalan@" in html
    assert judges_of(cycle) == [] and outbox("judge_invitation") == []


def test_an_empty_invitation_says_what_to_enter(organiser_client, cycle):
    response = organiser_client.post_form(judges_url(cycle), {"emails": "  "}, token_from=judges_url(cycle))
    assert response.status_code == 200
    assert "Enter at least one email address" in response.get_data(as_text=True)


def test_the_list_shows_each_judges_details(organiser_client, cycle):
    ada = accepted_judge(cycle)
    ada.max_load = 7
    ada.all_categories = False
    ada.categories = [cycle.categories[1]]
    db.session.commit()
    make_judge(cycle, accepted=False, email="pending@judges.example.net")
    for _ in range(2):
        make_assignment(ada, make_nomination(cycle))
    response = organiser_client.get(judges_url(cycle))
    html = response.get_data(as_text=True)
    row = text_of(html.split("Ada Lovelace", 1)[1].split("</tr>", 1)[0])
    assert "Analytical Engines" in row and "Accepted" in row and cycle.categories[1].name in row
    assert " 7 " in row and " 2 " in row
    pending = text_of(html.split("pending@judges.example.net", 1)[1].split("</tr>", 1)[0])
    assert "Invited" in pending and "All" in pending and f"{cycle.rounds[0].judge_max_load} cycle’s limit" in pending
    assert "Send again" in pending
    assert "1 accepted, 1 not yet accepted" in text_of(html)


def test_resend_sends_a_fresh_link(organiser_client, cycle, outbox):
    judge = make_judge(cycle, accepted=False, email="pending@judges.example.net")
    response = organiser_client.post_form(f"{judges_url(cycle)}/{judge.id}/resend", token_from=judges_url(cycle))
    assert response.status_code == 302
    [message] = outbox("judge_invitation")
    assert message.to_address == "pending@judges.example.net"
    assert "judge.invitation_resent" in audit_actions()
    assert "A new invitation has been sent to pending@judges.example.net" in page_text(
        organiser_client.get(judges_url(cycle))
    )


def test_resend_to_an_accepted_judge_is_refused(organiser_client, cycle, outbox):
    judge = accepted_judge(cycle)
    organiser_client.post_form(f"{judges_url(cycle)}/{judge.id}/resend", token_from=judges_url(cycle))
    assert outbox("judge_invitation") == []
    assert "Ada Lovelace has already accepted the invitation" in page_text(organiser_client.get(judges_url(cycle)))


def test_a_judge_of_another_cycle_is_not_found_here(organiser_client, cycle):
    other = make_cycle(name="Other awards", year=2027)
    judge = accepted_judge(other)
    assert organiser_client.get(f"{judges_url(cycle)}/{judge.id}").status_code == 404
    assert organiser_client.get(f"{judges_url(cycle)}/{judge.id}/remove").status_code == 404


# ------------------------------------------------------------------ removing a judge


def test_remove_a_judge_with_draft_scores_after_confirming(organiser_client, cycle):
    judge = accepted_judge(cycle)
    assignment = make_assignment(judge, make_nomination(cycle))
    make_review(assignment)
    url = f"{judges_url(cycle)}/{judge.id}/remove"
    page = page_text(organiser_client.get(url))
    assert "Remove Ada Lovelace?" in page and "They are assigned 1 nomination" in page
    response = organiser_client.post_form(url, token_from=url)
    assert response.status_code == 302
    assert judges_of(cycle) == []
    assert "judge.removed" in audit_actions()
    assert "Ada Lovelace has been removed" in page_text(organiser_client.get(judges_url(cycle)))


def test_withdraw_a_pending_invitation(organiser_client, cycle):
    judge = make_judge(cycle, accepted=False, email="pending@judges.example.net")
    url = f"{judges_url(cycle)}/{judge.id}/remove"
    assert "The invitation to pending@judges.example.net will be withdrawn" in page_text(organiser_client.get(url))
    organiser_client.post_form(url, token_from=url)
    assert judges_of(cycle) == []


def test_a_judge_with_submitted_scores_cannot_be_removed(organiser_client, cycle):
    judge = accepted_judge(cycle)
    make_review(make_assignment(judge, make_nomination(cycle)), status="submitted")
    url = f"{judges_url(cycle)}/{judge.id}/remove"
    page = page_text(organiser_client.get(url))
    assert "You cannot remove Ada Lovelace" in page and "submitted scores for 1 nomination" in page
    assert "Remove judge" not in page
    assert organiser_client.post_form(url, token_from=url).status_code == 409
    assert len(judges_of(cycle)) == 1


# ------------------------------------------------------------------ a judge's settings


def settings_url(judge) -> str:
    return f"/organiser/cycles/{judge.cycle.slug}/judges/{judge.id}"


def test_settings_are_prefilled(organiser_client, cycle):
    judge = accepted_judge(cycle)
    judge.organisation = ""
    db.session.commit()
    db.session.add(Expertise(user_id=judge.user_id, trend_id=cycle.trends[0].id, level=2))
    db.session.commit()
    response = organiser_client.get(settings_url(judge))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Analytical Engines"' in html  # from the account, as the judge's own is blank
    assert f"Leave blank to use the cycle’s limit, which is {cycle.rounds[0].judge_max_load}" in html
    assert re.search(r'name="scope"[^>]*value="all"[^>]*checked', html)
    trend = cycle.trends[0]
    assert re.search(rf'name="expertise_{trend.id}"[^>]*value="2"[^>]*checked', html)
    for label in ("Prefer not", "Limited", "Some knowledge", "Knowledgeable", "Expert"):
        assert label in html
    assert f"{trend.code} {trend.name}" in html


def test_save_settings_and_expertise(organiser_client, organiser, cycle):
    judge = accepted_judge(cycle)
    first, second = cycle.trends[0], cycle.trends[1]
    response = organiser_client.post_form(
        settings_url(judge),
        {
            "organisation": "Difference Engines Ltd",
            "max_load": "12",
            "scope": "some",
            "category_ids": [str(cycle.categories[0].id), str(cycle.categories[2].id)],
            f"expertise_{first.id}": "-2",
            f"expertise_{second.id}": "1",
        },
        token_from=settings_url(judge),
    )
    assert response.status_code == 302
    db.session.expire_all()
    judge = db.session.get(Judge, judge.id)
    assert judge.organisation == "Difference Engines Ltd" and judge.max_load == 12
    assert not judge.all_categories
    assert {c.id for c in judge.categories} == {cycle.categories[0].id, cycle.categories[2].id}
    levels = dict(
        db.session.execute(
            sa.select(Expertise.trend_id, Expertise.level).where(Expertise.user_id == judge.user_id)
        ).all()
    )
    assert levels == {first.id: -2, second.id: 1}
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.in_(["judge.settings_changed", "judge.expertise_changed"]))
    ).all()
    assert {e.action for e in events} == {"judge.settings_changed", "judge.expertise_changed"}
    assert all(e.actor_id == organiser.id for e in events)
    assert "Settings saved for Ada Lovelace" in page_text(organiser_client.get(judges_url(cycle)))


def test_blank_load_limit_means_the_cycles(organiser_client, cycle):
    judge = accepted_judge(cycle)
    judge.max_load = 5
    db.session.commit()
    organiser_client.post_form(
        settings_url(judge), {"organisation": "X", "max_load": "", "scope": "all"}, token_from=settings_url(judge)
    )
    db.session.expire_all()
    assert db.session.get(Judge, judge.id).max_load is None


@pytest.mark.parametrize(
    "data,message",
    [
        ({"max_load": "lots", "scope": "all"}, "Most nominations must be a whole number"),
        ({"max_load": "0", "scope": "all"}, "Most nominations must be between 1 and 1000"),
        ({"max_load": "3"}, "Select which categories this judge scores"),
        ({"scope": "some"}, "Select the categories this judge scores"),
        ({"scope": "some", "category_ids": "999999"}, "Select only categories from the list"),
        ({"scope": "all", "expertise_TREND": "5"}, "from the list"),
    ],
)
def test_settings_errors_keep_what_was_typed(organiser_client, cycle, data, message):
    judge = accepted_judge(cycle)
    data = {k.replace("TREND", str(cycle.trends[0].id)): v for k, v in data.items()}
    data.setdefault("organisation", "Typed Organisation")
    response = organiser_client.post_form(settings_url(judge), data, token_from=settings_url(judge))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    assert 'value="Typed Organisation"' in html
    db.session.expire_all()
    assert db.session.get(Judge, judge.id).organisation == "Analytical Engines"


def test_a_pending_invitation_has_no_expertise_yet(organiser_client, cycle):
    judge = make_judge(cycle, accepted=False, email="pending@judges.example.net")
    response = organiser_client.get(settings_url(judge))
    html = response.get_data(as_text=True)
    assert "You can set pending@judges.example.net’s expertise once they have accepted" in html
    assert "expertise_" not in html
    response = organiser_client.post_form(
        settings_url(judge),
        {"organisation": "Somewhere", "scope": "all", "max_load": "4"},
        token_from=settings_url(judge),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Judge, judge.id).max_load == 4


# ------------------------------------------------------------------ criteria


def criteria_url(cycle) -> str:
    return f"/organiser/cycles/{cycle.slug}/criteria"


def criteria_of(cycle) -> list[Criterion]:
    db.session.expire_all()
    return list(
        db.session.scalars(sa.select(Criterion).where(Criterion.cycle_id == cycle.id).order_by(Criterion.position))
    )


def band_data(bands) -> dict:
    data = {}
    for i, (low, high, label, text) in enumerate(bands):
        data.update(
            {
                f"bands-{i}-low": str(low),
                f"bands-{i}-high": str(high),
                f"bands-{i}-label": label,
                f"bands-{i}-text": text,
            }
        )
    return data


def criterion_data(**overrides) -> dict:
    data = {
        "name": "Value for money",
        "description": "Costs against benefits.",
        "weight": "20",
        "scale_min": "1",
        "scale_max": "5",
        "allow_not_applicable": "y",
        **band_data(
            [(1, 2, "Weak", "Costs unclear."), (3, 3, "Fair", "Some evidence."), (4, 5, "Strong", "Clear savings.")]
        ),
    }
    data.update(overrides)
    return data


def test_the_criteria_list_shows_weights_shares_scales_and_bands(organiser_client, cycle):
    response = organiser_client.get(criteria_url(cycle))
    assert response.status_code == 200
    text = page_text(response)
    assert "6 criteria, total weight 100" in text
    assert "Evidenced outcomes and impact" in text and "30 (30% of the total)" in text
    assert "1 to 10" in text and "9 to 10: Exceptional" in text
    assert "Not allowed: judges must score it" in text
    assert "Add a criterion" in text and "The criteria are locked" not in text


def test_add_a_criterion(organiser_client, organiser, cycle):
    url = f"{criteria_url(cycle)}/new"
    form = organiser_client.get(url).get_data(as_text=True)
    assert 'value="Exceptional"' in form  # the default rubric to start from
    response = organiser_client.post_form(url, criterion_data(), token_from=url)
    assert response.status_code == 302 and response.headers["Location"] == criteria_url(cycle)
    added = criteria_of(cycle)[-1]
    assert (added.name, added.weight, added.scale_min, added.scale_max, added.allow_not_applicable) == (
        "Value for money",
        20,
        1,
        5,
        True,
    )
    assert added.rubric == [
        {"from": 1, "to": 2, "label": "Weak", "text": "Costs unclear."},
        {"from": 3, "to": 3, "label": "Fair", "text": "Some evidence."},
        {"from": 4, "to": 5, "label": "Strong", "text": "Clear savings."},
    ]
    text = page_text(organiser_client.get(criteria_url(cycle)))
    assert "Value for money has been added" in text
    assert "20 (16.7% of the total)" in text and "Judges may answer “Not applicable”" in text
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "criterion.added"))
    assert event.actor_id == organiser.id


def test_blank_band_rows_are_ignored(organiser_client, cycle):
    url = f"{criteria_url(cycle)}/new"
    data = criterion_data(**{"bands-3-low": "", "bands-3-high": "", "bands-3-label": "", "bands-3-text": ""})
    assert organiser_client.post_form(url, data, token_from=url).status_code == 302
    assert len(criteria_of(cycle)[-1].rubric) == 3


def test_add_another_band_and_remove_one_without_saving(organiser_client, cycle):
    url = f"{criteria_url(cycle)}/new"
    response = organiser_client.post_form(url, criterion_data(action="add-band"), token_from=url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" not in html
    assert 'name="bands-3-label"' in html and 'value="Value for money"' in html
    assert len(criteria_of(cycle)) == 6
    response = organiser_client.post_form(url, criterion_data(action="remove-band-1"), token_from=url)
    html = response.get_data(as_text=True)
    assert 'value="Fair"' not in html and 'value="Strong"' in html and 'name="bands-2-label"' not in html
    assert len(criteria_of(cycle)) == 6


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"name": ""}, "Enter the criterion’s name"),
        ({"weight": "0"}, "Weight must be between 1 and 1000"),
        ({"weight": "ten"}, "Weight must be a whole number"),
        ({"scale_max": "1"}, "The highest score must be more than the lowest score"),
        ({"scale_min": "0", "scale_max": "50"}, "The scale can have at most 21 scores"),
        ({"bands-1-low": "4", "bands-1-high": "4"}, "no band covers 3"),
        ({"bands-1-low": "2", "bands-1-high": "3"}, "The bands must not overlap"),
        ({"bands-2-high": "7"}, "Band 3 must be within the scale, 1 to 5"),
        ({"bands-1-label": ""}, "Enter a label for the band"),
        ({"bands-1-low": "three"}, "Enter the lowest score of the band as a whole number"),
        ({"name": "transferability"}, "This cycle already has a criterion with that name"),
    ],
)
def test_criterion_errors_keep_what_was_typed(organiser_client, cycle, overrides, message):
    url = f"{criteria_url(cycle)}/new"
    response = organiser_client.post_form(url, criterion_data(**overrides), token_from=url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    assert 'value="Costs unclear."' in html or "Costs unclear." in html
    assert len(criteria_of(cycle)) == 6


def test_edit_a_criterion(organiser_client, cycle):
    criterion = criteria_of(cycle)[0]
    url = f"{criteria_url(cycle)}/{criterion.id}/edit"
    html = organiser_client.get(url).get_data(as_text=True)
    assert 'value="Evidenced outcomes and impact"' in html and 'value="Not evidenced"' in html
    response = organiser_client.post_form(url, criterion_data(name="Evidenced impact", weight="40"), token_from=url)
    assert response.status_code == 302
    criterion = criteria_of(cycle)[0]
    assert criterion.name == "Evidenced impact" and criterion.weight == 40 and criterion.scale_max == 5
    assert "criterion.edited" in audit_actions()


def test_remove_a_criterion_after_confirming(organiser_client, cycle):
    criterion = criteria_of(cycle)[-1]
    url, name = f"{criteria_url(cycle)}/{criterion.id}/remove", criterion.name
    assert f"Remove {name}?" in page_text(organiser_client.get(url))
    assert organiser_client.post_form(url, token_from=url).status_code == 302
    assert name not in [c.name for c in criteria_of(cycle)] and len(criteria_of(cycle)) == 5
    assert f"{name} has been removed" in page_text(organiser_client.get(criteria_url(cycle)))
    assert "criterion.removed" in audit_actions()


def test_the_last_criterion_cannot_be_removed(organiser_client, cycle):
    for criterion in criteria_of(cycle)[1:]:
        db.session.delete(criterion)
    db.session.commit()
    only = criteria_of(cycle)[0]
    url = f"{criteria_url(cycle)}/{only.id}/remove"
    assert "You cannot remove" in page_text(organiser_client.get(url))
    organiser_client.post_form(url, token_from=url)
    assert len(criteria_of(cycle)) == 1


def start_scoring(cycle):
    judge = accepted_judge(cycle)
    review = make_review(make_assignment(judge, make_nomination(cycle)))
    db.session.add(ReviewScore(review_id=review.id, criterion_id=cycle.rounds[0].criteria[0].id, value=7))
    db.session.commit()


def test_criteria_lock_once_the_first_score_is_saved(organiser_client, cycle):
    start_scoring(cycle)
    criterion = criteria_of(cycle)[1]
    text = page_text(organiser_client.get(criteria_url(cycle)))
    assert "The criteria are locked because judges have started scoring" in text
    assert "impossible to compare" in text
    assert "Add a criterion" not in text and "Change" not in text.split("Judging criteria", 2)[-1]
    for path in ("new", f"{criterion.id}/edit", f"{criterion.id}/remove"):
        url = f"{criteria_url(cycle)}/{path}"
        response = organiser_client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == criteria_url(cycle)
        response = organiser_client.post_form(url, criterion_data(), token_from=criteria_url(cycle))
        assert response.status_code == 409
        assert "Judges have started scoring" in response.get_data(as_text=True)
    assert len(criteria_of(cycle)) == 6 and criteria_of(cycle)[1].name == criterion.name


def test_scores_in_another_cycle_do_not_lock_this_one(organiser_client, cycle):
    start_scoring(make_cycle(name="Other awards", year=2027))
    text = page_text(organiser_client.get(criteria_url(cycle)))
    assert "The criteria are locked" not in text and "Add a criterion" in text


# ------------------------------------------------------------------ conflicts


def conflicts_url(cycle) -> str:
    return f"/organiser/cycles/{cycle.slug}/conflicts"


def test_conflicts_lists_found_recorded_and_removed_ones(organiser_client, organiser, cycle):
    ada = accepted_judge(cycle)
    bob = accepted_judge(cycle, email="bob@judges.example.net", name="Bob Builder", organisation="Builders")
    own = make_nomination(cycle, organisation_name="The Analytical Engines Council")
    declared = make_nomination(cycle)
    entered = make_nomination(cycle)
    withdrawn_one = make_nomination(cycle)
    make_nomination(cycle, status="draft", organisation_name="Analytical Engines")  # drafts are not judged
    conflict_rules.declare(ada, declared, has_conflict=True, reason="I mentored the team", by=ada.user)
    conflict_rules.add_organiser_conflict(bob, entered, reason="Bob is on their board", by=organiser)
    removed = conflict_rules.add_organiser_conflict(bob, withdrawn_one, reason="Wrong person", by=organiser)
    conflict_rules.remove_conflict(removed, reason="Entered by mistake", by=organiser)
    db.session.commit()

    response = organiser_client.get(conflicts_url(cycle))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    detected = text_of(html.split('id="detected-conflicts"')[1].split("</table>")[0])
    assert own.reference in detected and "Same organisation as the nominated organisation or a partner" in detected
    assert detected.count("PSDA-") == 1
    recorded = text_of(html.split('id="recorded-conflicts"')[1].split("</table>")[0])
    assert declared.reference in recorded and "Declared by the judge" in recorded and "I mentored the team" in recorded
    assert entered.reference in recorded and "Entered by an organiser" in recorded and "Omar Organiser" in recorded
    assert withdrawn_one.reference not in recorded
    gone = text_of(html.split('id="removed-conflicts"')[1].split("</table>")[0])
    assert withdrawn_one.reference in gone and "Entered by mistake" in gone
    assert "cannot be removed here" in text_of(html)

    only_bob = page_text(organiser_client.get(f"{conflicts_url(cycle)}?judge={bob.id}"))
    assert entered.reference in only_bob and declared.reference not in only_bob and own.reference not in only_bob


def test_add_a_conflict_by_hand(organiser_client, organiser, cycle):
    ada = accepted_judge(cycle)
    nomination = make_nomination(cycle)
    assignment = make_assignment(ada, nomination)
    url = f"{conflicts_url(cycle)}/new"
    assert "Ada Lovelace (ada@judges.example.net)" in organiser_client.get(url).get_data(as_text=True)
    response = organiser_client.post_form(
        url,
        {"judge": str(ada.id), "reference": nomination.reference.lower(), "reason": "Ada's sister leads the project"},
        token_from=url,
    )
    assert response.status_code == 302
    db.session.expire_all()
    conflict = db.session.scalar(sa.select(ConflictOfInterest))
    assert (conflict.judge_id, conflict.nomination_id, conflict.source, conflict.created_by_id) == (
        ada.id,
        nomination.id,
        ConflictSource.ORGANISER,
        organiser.id,
    )
    assert db.session.get(type(assignment), assignment.id).status.value == "recused"
    assert f"Ada Lovelace will not be given {nomination.reference}" in page_text(
        organiser_client.get(conflicts_url(cycle))
    )


@pytest.mark.parametrize(
    "data,message",
    [
        ({"reference": "PSDA-2026-9999", "reason": "x"}, "There is no nomination PSDA-2026-9999"),
        ({"reference": "", "reason": "x"}, "Enter the nomination’s reference"),
        ({"reason": ""}, "Enter the reason for the conflict"),
        ({"judge": ""}, "Select the judge"),
    ],
)
def test_add_conflict_errors(organiser_client, cycle, data, message):
    ada = accepted_judge(cycle)
    nomination = make_nomination(cycle)
    url = f"{conflicts_url(cycle)}/new"
    values = {"judge": str(ada.id), "reference": nomination.reference, "reason": "A reason"}
    values.update(data)
    response = organiser_client.post_form(url, values, token_from=url)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ConflictOfInterest.id))) == 0


def test_a_conflict_already_recorded_is_not_added_twice(organiser_client, organiser, cycle):
    ada = accepted_judge(cycle)
    nomination = make_nomination(cycle)
    conflict_rules.add_organiser_conflict(ada, nomination, reason="First", by=organiser)
    db.session.commit()
    url = f"{conflicts_url(cycle)}/new"
    response = organiser_client.post_form(
        url, {"judge": str(ada.id), "reference": nomination.reference, "reason": "Again"}, token_from=url
    )
    assert "is already recorded" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ConflictOfInterest.id))) == 1


def test_a_nomination_of_another_cycle_cannot_be_named(organiser_client, cycle):
    ada = accepted_judge(cycle)
    elsewhere = make_nomination(make_cycle(name="Other awards", year=2027))
    url = f"{conflicts_url(cycle)}/new"
    response = organiser_client.post_form(
        url, {"judge": str(ada.id), "reference": elsewhere.reference, "reason": "x"}, token_from=url
    )
    assert f"There is no nomination {elsewhere.reference}" in response.get_data(as_text=True)


def test_remove_a_recorded_conflict_with_a_reason(organiser_client, organiser, cycle):
    ada = accepted_judge(cycle)
    nomination = make_nomination(cycle)
    conflict = conflict_rules.declare(ada, nomination, has_conflict=True, reason="Maybe", by=ada.user)
    db.session.commit()
    url = f"{conflicts_url(cycle)}/{conflict.id}/remove"
    assert "Remove this conflict?" in page_text(organiser_client.get(url))
    response = organiser_client.post_form(url, {"reason": ""}, token_from=url)
    assert response.status_code == 200 and "Enter the reason for removing the conflict" in response.get_data(
        as_text=True
    )
    response = organiser_client.post_form(url, {"reason": "Checked: no link"}, token_from=url)
    assert response.status_code == 302
    db.session.expire_all()
    conflict = db.session.get(ConflictOfInterest, conflict.id)
    assert conflict.removed_at is not None and conflict.removed_by_id == organiser.id
    assert conflict.removal_reason == "Checked: no link"
    assert not conflict_rules.is_conflicted(conflict.judge, nomination)
    assert organiser_client.get(url).status_code == 302  # already removed: back to the list


def test_a_detected_conflict_cannot_be_removed(organiser_client, cycle):
    ada = accepted_judge(cycle)
    nomination = make_nomination(cycle)
    conflict = ConflictOfInterest(
        judge_id=ada.id,
        nomination_id=nomination.id,
        source=ConflictSource.DETECTED,
        reason="Same organisation",
        created_at=utcnow(),
    )
    db.session.add(conflict)
    db.session.commit()
    url = f"{conflicts_url(cycle)}/{conflict.id}/remove"
    text = page_text(organiser_client.get(url))
    assert "This conflict cannot be removed" in text and "follows from" in text
    response = organiser_client.post_form(url, {"reason": "Please"}, token_from=url)
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(ConflictOfInterest, conflict.id).removed_at is None


def test_a_conflict_of_another_cycle_is_not_found_here(organiser_client, organiser, cycle):
    other = make_cycle(name="Other awards", year=2027)
    ada = accepted_judge(other)
    conflict = conflict_rules.add_organiser_conflict(ada, make_nomination(other), reason="x", by=organiser)
    db.session.commit()
    assert organiser_client.get(f"{conflicts_url(cycle)}/{conflict.id}/remove").status_code == 404


def test_outbox_is_untouched_by_conflict_pages(organiser_client, cycle):
    organiser_client.get(conflicts_url(cycle))
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


# ------------------------------------------------------------------ no N+1 on the list pages


def count_queries(client, url) -> int:
    statements = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    return len(statements)


def add_judges_with_conflicts(cycle, organiser, start, count):
    for n in range(start, start + count):
        judge = accepted_judge(
            cycle, email=f"judge{n}@place{n}.example.net", name=f"Judge {n}", organisation=f"Place {n}"
        )
        judge.all_categories = False
        judge.categories = [cycle.categories[n % len(cycle.categories)]]
        make_judge(cycle, accepted=False, email=f"pending{n}@judges.example.net")
        own = make_nomination(cycle, organisation_name=f"Place {n} Council")
        other = make_nomination(cycle)
        make_assignment(judge, other)
        conflict_rules.add_organiser_conflict(judge, make_nomination(cycle), reason="Board", by=organiser)
        removed = conflict_rules.add_organiser_conflict(judge, own, reason="Also", by=organiser)
        conflict_rules.remove_conflict(removed, reason="Found anyway", by=organiser)
    db.session.commit()


@pytest.mark.parametrize("page", ["judges", "conflicts", "criteria"])
def test_list_pages_make_the_same_number_of_queries_however_many_judges(organiser_client, organiser, cycle, page):
    url = f"/organiser/cycles/{cycle.slug}/{page}"
    add_judges_with_conflicts(cycle, organiser, 1, 2)
    few = count_queries(organiser_client, url)
    add_judges_with_conflicts(cycle, organiser, 3, 5)
    assert count_queries(organiser_client, url) == few


# ------------------------------------------------------------------ judging rounds


def page_links(html: str) -> list[tuple[str, str]]:
    """Each link of the page: (its visible text, where it goes)."""
    return [
        (text_of(inner), unescape(href))
        for href, inner in re.findall(r'<a\b[^>]*\bhref="([^"]*)"[^>]*>(.*?)</a>', html, re.S)
    ]


CHANGE_ROUND = "Change how many judges each entry gets and each judge’s limit"


def test_the_judges_page_says_how_much_each_judge_does_and_links_to_the_round_to_change_it(organiser_client, cycle):
    first = cycle.rounds[0]
    first.judges_per_nomination, first.judge_max_load = 4, 12
    db.session.commit()
    response = organiser_client.get(judges_url(cycle))
    text = page_text(response)
    assert "Judging rounds" not in text  # one round: no round navigation
    assert (
        "Each judge scores up to 12 nominations unless you set a different limit for them, "
        "and 4 judges score each nomination." in text
    )
    html = response.get_data(as_text=True)
    assert (CHANGE_ROUND, f"/organiser/cycles/{cycle.slug}/rounds/1/edit") in page_links(html)
    assert "round-settings" not in html and "Save" not in buttons(response)
    gone = organiser_client.post_form(
        f"{judges_url(cycle)}/round-settings",
        {"round-judges_per_nomination": "1", "round-judge_max_load": "1"},
        token_from=judges_url(cycle),
    )
    assert gone.status_code in (404, 405)
    db.session.expire_all()
    assert (first.judges_per_nomination, first.judge_max_load) == (4, 12)


def test_the_judges_page_shows_each_judges_limit_in_the_chosen_round(organiser_client, cycle):
    ada = accepted_judge(cycle)
    bob = accepted_judge(cycle, email="bob@judges.example.net", name="Bob Babbage")
    cy = accepted_judge(cycle, email="cy@judges.example.net", name="Cy Cipher")
    bob.max_load = 9
    now = utcnow()
    second = JudgingRound(
        number=2, name="Final panel", whole_panel=False, judge_max_load=4, created_at=now, updated_at=now
    )
    cycle.rounds.append(second)
    db.session.flush()
    db.session.add(PanelMember(round_id=second.id, judge_id=ada.id, max_load=2))
    db.session.add(PanelMember(round_id=second.id, judge_id=bob.id))
    make_assignment(ada, make_nomination(cycle))  # in round 1
    db.session.commit()

    def row(html, name):
        return text_of(html.split(name, 1)[1].split("</tr>", 1)[0])

    page = organiser_client.get(f"{judges_url(cycle)}?round=2").get_data(as_text=True)
    assert 'aria-current="page">Round 2: Final panel' in page
    assert (
        "In Round 2: Final panel, each judge scores up to 4 nominations unless you set a different limit for them, "
        "and 3 judges score each nomination." in text_of(page)
    )
    assert " 2 on this round’s panel " in row(page, "Ada Lovelace") and row(page, "Ada Lovelace").endswith(
        "0 Change settings for Ada Lovelace Remove Ada Lovelace"
    )
    assert " 9 " in row(page, "Bob Babbage")
    assert "Not on this round’s panel" in row(page, "Cy Cipher")
    assert f"/judges/{ada.id}?round=2" in page
    assert (CHANGE_ROUND, f"/organiser/cycles/{cycle.slug}/rounds/2/edit") in page_links(page)
    first = organiser_client.get(f"{judges_url(cycle)}?round=1").get_data(as_text=True)
    assert " 1 " in row(first, "Ada Lovelace") and "round’s limit" in row(first, "Cy Cipher")
    assert (CHANGE_ROUND, f"/organiser/cycles/{cycle.slug}/rounds/1/edit") in page_links(first)
    assignment = organiser_client.get(f"/organiser/cycles/{cycle.slug}/assignment?round=2").get_data(as_text=True)
    assert (
        "Change the number of judges for each nomination or the usual load limit",
        f"/organiser/cycles/{cycle.slug}/rounds/2/edit",
    ) in page_links(assignment)
    settings = page_text(organiser_client.get(f"{judges_url(cycle)}/{cy.id}?round=2"))
    assert "Leave blank to use the limit of Round 2: Final panel, which is 4" in settings
