"""The judge's side of judging set-up: accepting an invitation (as a new person, as an existing
user, refused for another account, expired, tampered with or withdrawn links) and the judge's
profile with their organisation and expertise per trend."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from awards.domain.core.clock import utcnow
from awards.domain.judging import judges as judge_rules
from awards.extensions import db
from awards.models import AuditEvent, Expertise, Judge, Role, Trend, User
from tests.factories import DEFAULT_PASSWORD, make_cycle, make_judge, make_user
from tests.support.clients import signed_in_client
from tests.support.judging import invite
from tests.support.visible import page_text, spaced_text, text_of

LINK_RE = re.compile(r"http://[^\s\"<]+(/judging/invitations/[^\s\"<]+)")
NEW_PASSWORD = "a long enough passphrase"


@pytest.fixture
def cycle(app):
    return make_cycle()


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def is_signed_in_as(client, user) -> bool:
    page = client.get("/account")
    return page.status_code == 200 and user.email in page.get_data(as_text=True)


# ------------------------------------------------------------------ a new person


def test_the_emailed_link_opens_the_invitation(client, organiser, cycle, outbox):
    judge, _ = invite(cycle, organiser, "grace@navy.example.org")
    [message] = outbox("judge_invitation")
    path = LINK_RE.search(message.body_text).group(1)
    response = client.get(path)
    assert response.status_code == 200
    text = page_text(response)
    assert f"Judge {cycle.name}" in text and "Set up your account" in text and "grace@navy.example.org" in text
    assert "You will choose a password" in message.body_text and "30 days" in message.body_text


def test_a_new_person_sets_up_an_account_and_is_signed_in(client, organiser, cycle):
    judge, path = invite(cycle, organiser, "grace@navy.example.org")
    response = client.post_form(
        path,
        {"name": "Grace Hopper", "organisation": "US Navy", "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
        token_from=path,
    )
    assert response.status_code == 302 and response.headers["Location"] == "/judging/profile"
    user = db.session.scalar(sa.select(User).where(User.email == "grace@navy.example.org"))
    assert user.name == "Grace Hopper" and user.organisation == "US Navy"
    assert user.email_verified  # the link reached their mailbox
    assert user.role_set == {Role.NOMINEE, Role.JUDGE}
    judge = fresh(Judge, judge.id)
    assert judge.user_id == user.id and judge.accepted_at is not None and judge.organisation == "US Navy"
    actions = [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
    assert {"account.created", "account.role_granted", "judge.accepted"} <= set(actions)
    page = client.get("/judging/profile")
    assert page.status_code == 200
    assert f"You are now a judge for {cycle.name}" in page_text(page)
    assert is_signed_in_as(client, user)


@pytest.mark.parametrize(
    "data,message",
    [
        ({"password": "short"}, "Password must be 12 characters or more"),
        ({"password": "1qaz2wsx3edc", "confirm_password": "1qaz2wsx3edc"}, "Password is one of the most common"),
        ({"confirm_password": "something else entirely"}, "Passwords do not match"),
        ({"name": ""}, "Enter your full name"),
        ({"organisation": ""}, "Enter your organisation"),
    ],
)
def test_account_set_up_errors_keep_input_and_change_nothing(client, organiser, cycle, data, message):
    judge, path = invite(cycle, organiser, "grace@navy.example.org")
    values = {
        "name": "Grace Hopper",
        "organisation": "US Navy",
        "password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
    }
    values.update(data)
    response = client.post_form(path, values, token_from=path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html and message in html
    if values["name"]:
        assert 'value="Grace Hopper"' in html
    assert db.session.scalar(sa.select(User).where(User.email == "grace@navy.example.org")) is None
    assert fresh(Judge, judge.id).accepted_at is None


# ------------------------------------------------------------------ an existing user


def test_an_existing_user_signs_in_then_accepts(client, organiser, cycle, outbox):
    person = make_user(email="ada@judges.example.net", name="Ada Lovelace", organisation="Analytical Engines")
    judge, path = invite(cycle, organiser, "ADA@judges.example.net")
    assert "sign in with it to accept" in outbox("judge_invitation")[0].body_text
    page = client.get(path)
    text = page_text(page)
    assert "You already have an account with ada@judges.example.net" in text and "Sign in to accept" in text
    assert "Set up your account" not in text
    response = client.post_form(f"/sign-in?next={path}", {"email": person.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == path
    page = client.get(path)
    assert "You are signed in as ada@judges.example.net" in page_text(page)
    response = client.post_form(path, token_from=path)
    assert response.status_code == 302 and response.headers["Location"] == "/judging/profile"
    judge = fresh(Judge, judge.id)
    assert judge.user_id == person.id and judge.has_accepted
    assert judge.organisation == "Analytical Engines"  # from the account
    assert Role.JUDGE in fresh(User, person.id).role_set


def test_a_signed_in_user_with_another_email_cannot_accept(client, organiser, nominee, cycle):
    judge, path = invite(cycle, organiser, "grace@navy.example.org")
    client.sign_in_as(nominee)
    response = client.get(path)
    assert response.status_code == 403
    text = spaced_text(response.get_data(as_text=True))  # as written: tags read as spaces
    assert "This invitation is for a different email address" in text
    assert "sent to grace@navy.example.org , but you are signed in as nina@riverside.gov.uk" in text
    assert "Sign out" in text
    response = client.post_form(path, token_from="/account")
    assert response.status_code == 403
    judge = fresh(Judge, judge.id)
    assert judge.user_id is None and judge.accepted_at is None
    assert Role.JUDGE not in fresh(User, nominee.id).role_set


def test_an_accepted_invitation_is_not_accepted_again(client, organiser, cycle):
    judge, path = invite(cycle, organiser, "grace@navy.example.org")
    client.post_form(
        path,
        {"name": "Grace Hopper", "organisation": "US Navy", "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
        token_from=path,
    )
    response = client.get(path)
    assert response.status_code == 302
    assert "You have already accepted the invitation" in page_text(client.get(response.headers["Location"]))
    stranger = client.application.test_client()
    text = page_text(stranger.get(path))
    assert "This invitation has already been accepted" in text and "Sign in" in text


# ------------------------------------------------------------------ broken links


def test_an_expired_link_is_refused(client, organiser, cycle):
    judge, path = invite(cycle, organiser, "grace@navy.example.org")
    with time_machine.travel(utcnow() + timedelta(days=31)):
        response = client.get(path)
        assert response.status_code == 400
        assert "This invitation link has expired" in page_text(response)
        response = client.post_form(
            path, {"name": "Grace", "organisation": "Navy", "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
        )
        assert response.status_code == 400
    assert fresh(Judge, judge.id).accepted_at is None


def test_a_link_still_works_on_day_29(client, organiser, cycle):
    _, path = invite(cycle, organiser, "grace@navy.example.org")
    with time_machine.travel(utcnow() + timedelta(days=29)):
        assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "x" + token,
        lambda token: "not-a-token",
    ],
)
def test_a_tampered_link_is_refused(client, organiser, cycle, tamper):
    _, path = invite(cycle, organiser, "grace@navy.example.org")
    token = path.rsplit("/", 1)[1]
    response = client.get("/judging/invitations/" + tamper(token))
    assert response.status_code == 400
    assert "This invitation link is not valid" in page_text(response)


def test_a_token_signed_for_something_else_is_refused(client, app, organiser, cycle):
    from itsdangerous import URLSafeTimedSerializer

    judge, _ = invite(cycle, organiser, "grace@navy.example.org")
    forged = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="verify-email").dumps(
        {"j": judge.id, "e": judge.email}
    )
    assert client.get(f"/judging/invitations/{forged}").status_code == 400


def test_a_withdrawn_invitation_no_longer_works(client, organiser, cycle):
    judge, path = invite(cycle, organiser, "grace@navy.example.org")
    judge_rules.remove_judge(judge, by=organiser)
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 400 and "This invitation has been withdrawn" in page_text(response)


# ------------------------------------------------------------------ the profile


def accepted(cycle, email="ada@judges.example.net", organisation="Analytical Engines"):
    user = make_user(email=email, name="Ada Lovelace", roles=("judge",), organisation=organisation)
    return make_judge(cycle, user, organisation=organisation)


def test_profile_is_for_judges_only(app, nominee_client, judge_client, organiser_client, cycle, judge):
    assert nominee_client.get("/judging/profile").status_code == 403
    assert judge_client.get("/judging/profile").status_code == 403  # the role alone is not a membership
    assert organiser_client.get("/judging/profile").status_code == 403
    make_judge(cycle, judge, accepted=False)
    assert judge_client.get("/judging/profile").status_code == 403  # invited, not yet accepted
    anonymous = app.test_client().get("/judging/profile")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/sign-in")


def test_profile_lists_the_trends_of_every_cycle_judged_with_the_hint(app, cycle):
    member = accepted(cycle)
    other = make_cycle(name="Other awards 2027", year=2027)
    extra = [t for t in other.trends if t not in cycle.trends]
    make_judge(other, member.user)
    response = signed_in_client(app, member.user).get("/judging/profile")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    text = text_of(html)
    assert f"You judge {cycle.name}" in text or f"{cycle.name}" in text
    assert "Other awards 2027" in text
    assert "We use your expertise to match you with nominations" in text
    assert (
        "“Prefer not” for a trend you would rather not judge: we avoid giving you nominations that are "
        "mainly about it" in text
    )
    for trend in list(cycle.trends) + extra:
        assert f'name="expertise_{trend.id}"' in html
    assert 'value="Analytical Engines"' in html
    assert "A trend you leave unanswered counts as “Some knowledge”" in text


def test_profile_saves_organisation_and_expertise(app, cycle):
    member = accepted(cycle)
    first, second = cycle.trends[0], cycle.trends[1]
    db.session.add(Expertise(user_id=member.user_id, trend_id=second.id, level=0))
    db.session.commit()
    client = signed_in_client(app, member.user)
    response = client.post_form(
        "/judging/profile",
        {"organisation": "Difference Engines", f"expertise_{first.id}": "2", f"expertise_{second.id}": "-2"},
        token_from="/judging/profile",
    )
    assert response.status_code == 302 and response.headers["Location"] == "/judging/profile"
    levels = {
        t: lvl
        for t, lvl in db.session.execute(
            sa.select(Expertise.trend_id, Expertise.level).where(Expertise.user_id == member.user_id)
        )
    }
    assert levels == {first.id: 2, second.id: -2}
    assert fresh(User, member.user_id).organisation == "Difference Engines"
    assert fresh(Judge, member.id).organisation == "Difference Engines"
    page = client.get("/judging/profile")
    html = page.get_data(as_text=True)
    assert "Your profile has been saved" in text_of(html)
    assert re.search(rf'name="expertise_{first.id}"[^>]*value="2"[^>]*checked', html)
    assert re.search(rf'name="expertise_{second.id}"[^>]*value="-2"[^>]*checked', html)
    actions = {e.action for e in db.session.scalars(sa.select(AuditEvent))}
    assert {"judge.expertise_changed", "account.profile_updated"} <= actions


@pytest.mark.parametrize(
    "data,message",
    [
        ({"organisation": ""}, "Enter your organisation"),
        ({"expertise_TREND": "3"}, "from the list"),
        ({"expertise_TREND": "expert"}, "from the list"),
    ],
)
def test_profile_errors(app, cycle, data, message):
    member = accepted(cycle)
    trend = cycle.trends[0]
    values = {"organisation": "Analytical Engines"}
    values.update({k.replace("TREND", str(trend.id)): v for k, v in data.items()})
    client = signed_in_client(app, member.user)
    response = client.post_form("/judging/profile", values, token_from="/judging/profile")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in html
    assert db.session.scalar(sa.select(sa.func.count(Expertise.id))) == 0


def test_a_trend_the_judge_does_not_judge_is_ignored(app, cycle):
    member = accepted(cycle)
    other = make_cycle(name="Not judged 2027", year=2027, trend_ids=list(db.session.scalars(sa.select(Trend.id))))
    outside = [t for t in other.trends if t not in cycle.trends]
    assert outside
    client = signed_in_client(app, member.user)
    assert f'name="expertise_{outside[0].id}"' not in client.get("/judging/profile").get_data(as_text=True)
    client.post_form(
        "/judging/profile",
        {"organisation": "Analytical Engines", f"expertise_{outside[0].id}": "2"},
        token_from="/judging/profile",
    )
    assert db.session.scalar(sa.select(sa.func.count(Expertise.id))) == 0
