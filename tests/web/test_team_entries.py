"""Team entries, through the app: the owner invites co-editors by e-mail, they accept from the link, edit sections and
files, see the status and history; only the owner submits, withdraws, invites, removes and hands the nomination over;
two people saving one section see who saved the other version; co-editors count for conflicts of interest."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from awards.domain.core.clock import utcnow
from awards.domain.judging import conflicts
from awards.domain.nominations import teams
from awards.extensions import db
from awards.models import AuditEvent, Nomination, NominationEditor, NominationInvitation, NominationStatus, User
from tests.factories import make_cycle, make_judge, make_nomination, make_user
from tests.support.files import PNG
from tests.support.nominating import based_on, save, section_url, upload
from tests.support.pages import input_value
from tests.support.teams import add_co_editor, invitation_path, invite_to_team
from tests.support.visible import error_summary, main_text


@pytest.fixture
def team_world(app, nominee):
    """An open cycle with the nominee's draft, and a colleague with an account of their own."""
    cycle = make_cycle(name="Team Awards 2026", year=2026)
    nomination = make_nomination(cycle, nominator=nominee, status="draft", title="Shared bins")
    colleague = make_user(name="Cora Colleague", email="cora@northshire.gov.uk", organisation="Northshire Council")
    return cycle, nomination, colleague


def team_member_client(app, user):
    client = app.test_client()
    client.sign_in_as(user)
    return client


def team_url(nomination) -> str:
    return f"/nominations/{nomination.reference}/team"


def team_actions(nomination) -> list[tuple[str, dict]]:
    db.session.expire_all()
    return [
        (e.action, e.detail)
        for e in db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.object_id == str(nomination.id), AuditEvent.action.in_(teams.TEAM_ACTIONS))
            .order_by(AuditEvent.id)
        )
    ]


def test_the_owner_invites_by_email_and_the_colleague_joins_from_the_link(app, nominee_client, team_world, outbox):
    _, nomination, colleague = team_world
    page = main_text(nominee_client.get(team_url(nomination)))
    assert "People writing this nomination" in page and "Nobody else is editing this nomination yet." in page

    response = nominee_client.post_form(
        team_url(nomination), {"email": " Cora@Northshire.gov.uk "}, token_from=team_url(nomination)
    )
    assert response.status_code == 302
    page = main_text(nominee_client.get(team_url(nomination)))
    assert "We have sent an invitation to cora@northshire.gov.uk" in page
    assert "Invitations waiting to be accepted" in page and "cora@northshire.gov.uk" in page
    [mail] = outbox("team_invitation")
    assert mail.to_address == "cora@northshire.gov.uk" and mail.to_name == "Cora Colleague"
    assert "Nina Nominee invited you to help write a nomination for Team Awards 2026" == mail.subject
    assert nomination.reference in mail.body_text and "Only Nina Nominee, the nomination’s owner" in mail.body_text
    [invitation] = db.session.scalars(sa.select(NominationInvitation)).all()
    assert invitation.email == "cora@northshire.gov.uk" and len(invitation.token_digest) == 64

    link = invitation_path(colleague.email)
    anonymous = app.test_client()
    page = main_text(anonymous.get(link))
    assert "Nina Nominee has invited you to help write nomination" in page and "Sign in to join" in page

    client = team_member_client(app, colleague)
    page = main_text(client.get(link))
    assert "You are signed in as cora@northshire.gov.uk." in page
    response = client.post_form(link, {}, token_from=link)
    assert response.headers["Location"].endswith(f"/nominations/{nomination.reference}")
    task_list = main_text(client.get(response.headers["Location"]))
    assert f"You have joined the team writing {nomination.reference}" in task_list
    assert "Nina Nominee is its owner: only they can submit or withdraw it." in task_list
    assert "Delete this draft" not in task_list

    db.session.expire_all()
    assert [(e.user_id, e.added_by_id) for e in db.session.scalars(sa.select(NominationEditor))] == [
        (colleague.id, nomination.nominator_id)
    ]
    assert db.session.scalars(sa.select(NominationInvitation)).all() == []
    assert [a for a, _ in team_actions(nomination)] == ["nomination.team_invited", "nomination.team_joined"]
    # The link worked once
    again = client.get(link)
    assert again.status_code == 400 and "already been used or has been cancelled" in main_text(again)
    listing = main_text(client.get("/nominations"))
    assert nomination.reference in listing and "Shared bins Co-editor" in listing
    owner_listing = main_text(nominee_client.get("/nominations"))
    assert "Co-editor" not in owner_listing


def test_an_invitation_refused_says_why_and_keeps_what_was_typed(app, nominee_client, team_world):
    _, nomination, colleague = team_world
    add_co_editor(nomination, colleague)
    invite_to_team(nomination, "pat@northshire.gov.uk")
    url = team_url(nomination)
    for typed, message in (
        ("", "Enter the email address of the person you want to invite"),
        ("not an address", "Enter an email address in the correct format, like name@example.com"),
        ("NINA@riverside.gov.uk", "Enter someone else’s email address: you are already the owner of this nomination"),
        ("cora@northshire.gov.uk", "cora@northshire.gov.uk is already editing this nomination"),
        (
            "pat@northshire.gov.uk",
            "You have already invited pat@northshire.gov.uk. The invitation is waiting for them to accept it",
        ),
    ):
        response = nominee_client.post_form(url, {"email": typed}, token_from=url)
        assert response.status_code == 200
        assert error_summary(response) == [("#email", message)], typed
        assert input_value(response, "email") == typed.strip()
    assert len(db.session.scalars(sa.select(NominationInvitation)).all()) == 1


def test_a_co_editor_edits_sections_and_files_but_cannot_submit_withdraw_or_change_the_team(app, team_world):
    cycle, nomination, colleague = team_world
    editor = add_co_editor(nomination, colleague)
    client = team_member_client(app, colleague)
    response = save(client, nomination, "project", {"title": "Shared bins, shared trucks", "summary": "Together."})
    assert response.status_code == 302
    assert upload(client, nomination, "chart.png", PNG).status_code == 302
    db.session.expire_all()
    stored = db.session.get(Nomination, nomination.id)
    assert stored.title == "Shared bins, shared trucks" and [a.original_name for a in stored.attachments] == [
        "chart.png"
    ]
    assert stored.attachments[0].uploaded_by_id == colleague.id

    removal = f"/nominations/{nomination.reference}/documents/{stored.attachments[0].id}/remove"
    assert client.post_form(removal, {}, token_from=removal).status_code == 302
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).attachments == []
    assert upload(client, nomination, "chart.png", PNG).status_code == 302

    token = client.csrf_token(f"/nominations/{nomination.reference}")
    reference = nomination.reference
    for url, data in (
        (f"/nominations/{reference}/submit", {}),
        (f"/nominations/{reference}/withdraw", {"confirm": "yes"}),
        (f"/nominations/{reference}/team", {"email": "someone@northshire.gov.uk"}),
        (f"/nominations/{reference}/team/members/{editor.id}/remove", {"confirm": "yes"}),
        (f"/nominations/{reference}/team/members/{editor.id}/make-owner", {"confirm": "yes"}),
    ):
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 403, url
    assert client.get(f"/nominations/{reference}/withdraw").status_code == 403
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).status is NominationStatus.DRAFT
    assert db.session.get(Nomination, nomination.id).nominator_id != colleague.id
    assert db.session.scalars(sa.select(NominationInvitation)).all() == []
    team_page = main_text(client.get(team_url(nomination)))
    assert "Invite someone to edit" not in team_page and "Make owner" not in team_page
    assert "Leave the team" in team_page

    history = main_text(client.get(f"/nominations/{reference}/history"))
    for line in (
        "Saved ‘Project’ By you at",
        "Removed a file By you at",
        "Added a file By you at",
        "Joined the team By you at",
        "Invited cora@northshire.gov.uk to edit By Nina Nominee at",
    ):
        assert line in history, line


def test_the_owner_can_submit_what_the_co_editor_completed(app, nominee_client, team_world):
    _, nomination, colleague = team_world
    nomination.status = NominationStatus.DRAFT
    add_co_editor(nomination, colleague)
    client = team_member_client(app, colleague)
    check = main_text(client.get(f"/nominations/{nomination.reference}/check"))
    assert "Submit nomination" not in check
    response = nominee_client.post_form(
        f"/nominations/{nomination.reference}/submit", token_from=f"/nominations/{nomination.reference}/check"
    )
    assert response.headers["Location"].endswith("/confirmation")
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).status is NominationStatus.SUBMITTED
    status_page = main_text(client.get(f"/nominations/{nomination.reference}"))
    assert "Status: Submitted" in status_page and "Withdraw this nomination" not in status_page


def test_two_people_saving_one_section_see_who_saved_the_other_version(app, nominee_client, team_world):
    _, nomination, colleague = team_world
    add_co_editor(nomination, colleague)
    url = section_url(nomination, "project")
    owners_copy = based_on(nominee_client, url)
    # The colleague signs in and saves at 10:42 today (before or after the time the test runs: a session begun
    # earlier in the day would have been idle for too long at a later 10:42, and one begun now would not yet exist).
    with time_machine.travel(utcnow().replace(hour=10, minute=42, second=0, microsecond=0), tick=False):
        client = team_member_client(app, colleague)
        assert save(client, nomination, "project", {"title": "Cora's title", "summary": "Cora's words."}).status_code
    response = save(
        nominee_client,
        nomination,
        "project",
        {"title": "Nina's title", "summary": "Nina's words.", "based_on": owners_copy},
    )
    assert response.status_code == 409
    page = main_text(response)
    assert "Cora Colleague changed this section at 10:42am on" in page and "10:42am" in page
    assert "This is the version Cora Colleague saved:" in page and "Cora's title" in page
    assert input_value(response, "title") == "Nina's title"
    db.session.expire_all()
    assert db.session.get(Nomination, nomination.id).title == "Cora's title"


def test_the_owner_cancels_removes_and_hands_over_and_a_co_editor_leaves(
    app, nominee, nominee_client, team_world, outbox
):
    _, nomination, colleague = team_world
    third = make_user(name="Theo Third", email="theo@northshire.gov.uk")
    editor = add_co_editor(nomination, colleague)
    theos = add_co_editor(nomination, third)
    pending = invite_to_team(nomination, "pat@northshire.gov.uk")
    link = invitation_path("pat@northshire.gov.uk")
    reference = nomination.reference

    url = f"/nominations/{reference}/team/invitations/{pending.id}/cancel"
    nominee_client.post_form(url, {}, token_from=team_url(nomination))
    assert db.session.scalars(sa.select(NominationInvitation)).all() == []
    assert app.test_client().get(link).status_code == 400

    url = f"/nominations/{reference}/team/members/{theos.id}/remove"
    assert "Remove Theo Third from the team?" in main_text(nominee_client.get(url))
    response = nominee_client.post_form(url, {}, token_from=url)
    assert error_summary(response) == [("#confirm", "Select yes if you want to remove Theo Third")]
    nominee_client.post_form(url, {"confirm": "yes"}, token_from=url)
    assert team_member_client(app, third).get(f"/nominations/{reference}").status_code == 404

    url = f"/nominations/{reference}/team/members/{editor.id}/make-owner"
    assert "Make Cora Colleague the owner of this nomination?" in main_text(nominee_client.get(url))
    response = nominee_client.post_form(url, {"confirm": "yes"}, token_from=url)
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Nomination, nomination.id)
    assert stored.nominator_id == colleague.id
    assert [e.user_id for e in db.session.scalars(sa.select(NominationEditor))] == [nominee.id]
    assert "Cora Colleague is now the owner" in main_text(nominee_client.get(team_url(nomination)))
    [mail] = outbox("team_ownership")
    assert mail.to_address == colleague.email and mail.subject == f"You are now the owner of nomination {reference}"
    assert "Nina Nominee has made you the owner of nomination" in mail.body_text
    submit_url = f"/nominations/{reference}/submit"
    assert nominee_client.post_form(submit_url, token_from=f"/nominations/{reference}").status_code == 403

    url = f"/nominations/{reference}/team/leave"
    assert team_member_client(app, colleague).get(url).status_code == 403  # the owner hands it over first
    response = nominee_client.post_form(url, {"confirm": "yes"}, token_from=url)
    assert response.headers["Location"].endswith("/nominations")
    assert nominee_client.get(f"/nominations/{reference}").status_code == 404
    assert [a for a, _ in team_actions(nomination)] == [
        "nomination.team_invited",
        "nomination.team_joined",
        "nomination.team_invited",
        "nomination.team_joined",
        "nomination.team_invited",
        "nomination.team_invitation_cancelled",
        "nomination.team_member_removed",
        "nomination.ownership_transferred",
        "nomination.team_left",
    ]
    history = main_text(team_member_client(app, colleague).get(f"/nominations/{reference}/history"))
    for line in (
        "Left the team By Nina Nominee at",
        "Made Cora Colleague the owner By Nina Nominee at",
        "Removed Theo Third from the team By Nina Nominee at",
        "Cancelled the invitation to pat@northshire.gov.uk By Nina Nominee at",
    ):
        assert line in history, line
    organiser_history_actions = {a for a, _ in team_actions(nomination)}
    assert "nomination.ownership_transferred" in organiser_history_actions


def test_accepting_signed_in_with_another_address_is_refused_clearly(app, team_world):
    _, nomination, colleague = team_world
    invite_to_team(nomination, "pat@northshire.gov.uk")
    link = invitation_path("pat@northshire.gov.uk")
    client = team_member_client(app, colleague)
    response = client.get(link)
    assert response.status_code == 403
    page = main_text(response)
    assert "This invitation is for a different email address" in page
    assert "was sent to pat@northshire.gov.uk, but you are signed in as cora@northshire.gov.uk" in page
    assert client.post_form(link, {}, token_from="/nominations").status_code == 403
    assert db.session.scalars(sa.select(NominationEditor)).all() == []


def test_someone_without_an_account_creates_one_and_joins(app, team_world):
    _, nomination, _ = team_world
    invite_to_team(nomination, "pat@northshire.gov.uk")
    link = invitation_path("pat@northshire.gov.uk")
    client = app.test_client()
    page = main_text(client.get(link))
    assert "Create your account" in page and "pat@northshire.gov.uk" in page
    response = client.post_form(link, {"name": "Pat Partner", "organisation": "Northshire"}, token_from=link)
    assert response.status_code == 200 and [href for href, _ in error_summary(response)] == [
        "#password",
        "#confirm_password",
    ]
    assert input_value(response, "name") == "Pat Partner" and input_value(response, "organisation") == "Northshire"
    password = "correct horse battery staple northshire"
    response = client.post_form(
        link,
        {"name": "Pat Partner", "organisation": "Northshire", "password": password, "confirm_password": password},
        token_from=link,
    )
    assert response.headers["Location"].endswith(f"/nominations/{nomination.reference}")
    assert "You have joined the team" in main_text(client.get(response.headers["Location"]))
    pat = db.session.scalar(sa.select(User).where(User.email == "pat@northshire.gov.uk"))
    assert pat.email_verified and pat.name == "Pat Partner"
    assert [e.user_id for e in db.session.scalars(sa.select(NominationEditor))] == [pat.id]


def test_an_expired_invitation_can_be_sent_again_with_a_new_link(app, nominee, nominee_client, team_world):
    _, nomination, colleague = team_world
    invite_to_team(nomination, colleague.email)
    old = invitation_path(colleague.email)
    with time_machine.travel(utcnow() + timedelta(days=15)):
        client = team_member_client(app, colleague)
        nominee_client.sign_in_as(nominee)
        assert "This invitation link has expired" in main_text(client.get(old))
        assert "Expired" in main_text(nominee_client.get(team_url(nomination)))
        url = team_url(nomination)
        assert nominee_client.post_form(url, {"email": colleague.email}, token_from=url).status_code == 302
        new = invitation_path(colleague.email)
        assert new != old and client.get(old).status_code == 400
        assert client.post_form(new, {}, token_from=new).status_code == 302
    assert [e.user_id for e in db.session.scalars(sa.select(NominationEditor))] == [colleague.id]


def test_co_editors_count_for_conflicts_of_interest(app, team_world):
    cycle, nomination, colleague = team_world
    nomination.status = NominationStatus.SUBMITTED
    nomination.submitted_at = utcnow()
    db.session.commit()
    same_domain = make_judge(cycle, make_user(name="Dee Domain", email="dee@northshire.gov.uk", roles=("judge",)))
    same_org = make_judge(
        cycle, make_user(name="Olly Org", email="olly@judges.example.org", organisation="Northshire", roles=("judge",))
    )
    unrelated = make_judge(cycle, make_user(name="Una Related", email="una@judges.example.net", roles=("judge",)))
    judges = [same_domain, same_org, unrelated]
    assert conflicts.conflict_pairs(judges, [nomination]) == set()
    add_co_editor(nomination, colleague)
    db.session.expire_all()
    nomination = db.session.get(Nomination, nomination.id)
    assert conflicts.conflict_pairs(judges, [nomination]) == {
        (same_domain.id, nomination.id),
        (same_org.id, nomination.id),
    }
    assert conflicts.detect(same_domain, nomination) == [
        "Same organisational email domain as a co-editor (northshire.gov.uk)"
    ]
    assert conflicts.detect(same_org, nomination) == ["Same organisation as a co-editor of this nomination"]
    assert conflicts.is_conflicted(same_org, nomination) and not conflicts.is_conflicted(unrelated, nomination)
    # A judge who is in the team is conflicted however their address reads
    writer = make_user(name="Wren Writer", email="wren@gmail.com", roles=("judge",), organisation="")
    add_co_editor(nomination, writer)
    writing_judge = make_judge(cycle, writer)
    assert conflicts.detect(writing_judge, nomination) == ["The judge is one of the people writing this nomination"]
    assert (writing_judge.id, nomination.id) in conflicts.conflict_pairs([writing_judge], [nomination])


def test_removing_a_cycles_personal_data_forgets_the_invitations_never_accepted(app, nominee):
    from awards.domain.records.data_protection import purge_cycle
    from tests.factories import make_published_cycle

    cycle = make_published_cycle(year=2025)
    nomination = make_nomination(cycle, nominator=nominee, title="Published bins")
    colleague = make_user(name="Cora Colleague", email="cora@northshire.gov.uk")
    db.session.add(NominationEditor(nomination_id=nomination.id, user_id=colleague.id, added_at=utcnow()))
    db.session.add(
        NominationInvitation(
            nomination_id=nomination.id, email="pat@northshire.gov.uk", token_digest="0" * 64, invited_at=utcnow()
        )
    )
    db.session.commit()
    with time_machine.travel(utcnow() + timedelta(days=4000), tick=False):
        purge_cycle(cycle, by=make_user(roles=("organiser",)))
        db.session.commit()
    assert db.session.scalars(sa.select(NominationInvitation)).all() == []
    assert [e.user_id for e in db.session.scalars(sa.select(NominationEditor))] == [colleague.id]


def test_someone_with_an_account_signs_in_from_the_invitation_and_comes_back_to_it(app, team_world):
    from urllib.parse import quote

    from tests.factories import DEFAULT_PASSWORD
    from tests.support.visible import buttons

    _, nomination, colleague = team_world
    invite_to_team(nomination, colleague.email)
    link = invitation_path(colleague.email)
    client = app.test_client()
    page = client.get(link)
    assert "You already have an account with cora@northshire.gov.uk. Sign in to join the team." in main_text(page)
    assert buttons(page) == {"Sign in to join": "primary"}
    sign_in = f"/sign-in?next={quote(link, safe='')}"
    response = client.post_form(sign_in, {"email": colleague.email, "password": DEFAULT_PASSWORD}, token_from=sign_in)
    assert response.headers["Location"] == link
    assert client.post_form(link, {}, token_from=link).status_code == 302
    assert [e.user_id for e in db.session.scalars(sa.select(NominationEditor))] == [colleague.id]
