"""Judges' rules: parsing a pasted list of addresses, inviting, invitation tokens, accepting (new
person, existing user, wrong account), re-sending, removing, a judge's settings and expertise."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from awards.domain.core.clock import utcnow
from awards.domain.core.errors import Conflict, DomainError, NotAllowed
from awards.domain.judging import calibration, rounds
from awards.domain.judging import judges as judge_rules
from awards.domain.people.accounts import InvalidToken
from awards.extensions import db
from awards.models import Assignment, AuditEvent, Expertise, Judge, Review, Role, User
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_review, make_user


@pytest.fixture
def cycle(app):
    return make_cycle()


def actions() -> list[str]:
    return [e.action for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]


def member(cycle, email="ada@judges.example.net", organisation="Analytical Engines") -> Judge:
    user = make_user(email=email, name="Ada Lovelace", roles=("judge",), organisation=organisation)
    return make_judge(cycle, user, organisation=organisation)


# ------------------------------------------------------------------ the pasted list


@pytest.mark.parametrize(
    "text,expected",
    [
        ("a@x.org", ["a@x.org"]),
        ("a@x.org, b@x.org;c@x.org\n\n d@x.org \t e@x.org", ["a@x.org", "b@x.org", "c@x.org", "d@x.org", "e@x.org"]),
        ('Ada Lovelace <ada@x.org>, "Bob" <bob@x.org>', ["ada@x.org", "bob@x.org"]),
        ("  \n , ; ", []),
    ],
)
def test_split_addresses(text, expected):
    assert judge_rules.split_addresses(text) == expected


def test_parse_addresses_normalises_and_reports_repeats_and_invalid(app):
    valid, repeated, invalid = judge_rules.parse_addresses("A@X.org\nb@x.org\na@x.org\nnope\nc@\nb@X.ORG")
    assert valid == ["a@x.org", "b@x.org"]
    assert repeated == ["a@x.org", "b@x.org"]
    assert invalid == ["nope", "c@"]


# ------------------------------------------------------------------ inviting


def test_invite_creates_pending_judges_and_queues_one_email_each(cycle, organiser, outbox):
    person = make_user(email="ada@judges.example.net", organisation="Analytical Engines")
    result = judge_rules.invite_judges(cycle, "ada@judges.example.net\ngrace@navy.example.org", by=organiser)
    db.session.commit()
    assert [j.email for j in result.invited] == ["ada@judges.example.net", "grace@navy.example.org"]
    ada, grace = result.invited
    assert ada.user_id is None and ada.accepted_at is None and ada.all_categories and ada.max_load is None
    assert ada.organisation == person.organisation  # known from the account
    assert grace.organisation == ""
    assert ada.invited_by_id == organiser.id and ada.invited_at is not None
    messages = outbox("judge_invitation")
    assert [m.to_address for m in messages] == ["ada@judges.example.net", "grace@navy.example.org"]
    assert messages[0].to_name == person.name
    assert actions().count("judge.invited") == 2


def test_invite_reports_already_invited_and_repeated(cycle, organiser, outbox):
    make_judge(cycle, accepted=False, email="ada@judges.example.net")
    result = judge_rules.invite_judges(cycle, "ada@judges.example.net, b@x.org, B@x.org", by=organiser)
    assert [j.email for j in result.invited] == ["b@x.org"]
    assert result.already_invited == ["ada@judges.example.net"]
    assert result.repeated == ["b@x.org"]


def test_the_same_person_may_judge_two_cycles(cycle, organiser):
    make_judge(cycle, accepted=False, email="ada@judges.example.net")
    other = make_cycle(name="Other awards", year=2027)
    result = judge_rules.invite_judges(other, "ada@judges.example.net", by=organiser)
    assert len(result.invited) == 1


@pytest.mark.parametrize(
    "text,message",
    [
        ("ok@x.org\nbroken", "Correct ‘broken’"),
        ("", "Enter at least one email address"),
        (" , ", "Enter at least one email address"),
    ],
)
def test_invite_refuses_a_list_with_a_problem(cycle, organiser, outbox, text, message):
    with pytest.raises(DomainError) as error:
        judge_rules.invite_judges(cycle, text, by=organiser)
    assert message in error.value.message and error.value.field == "emails"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Judge.id))) == 0 and outbox() == []


def test_invite_has_a_limit_per_request(cycle, organiser):
    text = "\n".join(f"p{n}@x.org" for n in range(judge_rules.MAX_INVITATIONS_AT_ONCE + 1))
    with pytest.raises(DomainError, match="200 email addresses or fewer"):
        judge_rules.invite_judges(cycle, text, by=organiser)


# ------------------------------------------------------------------ tokens


def test_a_token_names_the_judge(cycle):
    judge = make_judge(cycle, accepted=False, email="ada@judges.example.net")
    assert judge_rules.invitation_for_token(judge_rules.make_invitation_token(judge)).id == judge.id


def test_a_token_lasts_30_days(cycle):
    judge = make_judge(cycle, accepted=False, email="ada@judges.example.net")
    token = judge_rules.make_invitation_token(judge)
    with time_machine.travel(utcnow() + timedelta(days=29, hours=23)):
        assert judge_rules.invitation_for_token(token).id == judge.id
    with time_machine.travel(utcnow() + timedelta(days=30, minutes=1)):
        with pytest.raises(InvalidToken, match="expired"):
            judge_rules.invitation_for_token(token)


def test_a_tampered_token_is_refused(cycle):
    judge = make_judge(cycle, accepted=False, email="ada@judges.example.net")
    token = judge_rules.make_invitation_token(judge)
    payload, rest = token.split(".", 1)
    for bad in (token + "x", "x" + token, payload[::-1] + "." + rest, "nonsense"):
        with pytest.raises(InvalidToken, match="not valid"):
            judge_rules.invitation_for_token(bad)


def test_a_token_for_a_removed_invitation_is_refused(cycle, organiser):
    judge = make_judge(cycle, accepted=False, email="ada@judges.example.net")
    token = judge_rules.make_invitation_token(judge)
    judge_rules.remove_judge(judge, by=organiser)
    db.session.commit()
    with pytest.raises(InvalidToken, match="withdrawn"):
        judge_rules.invitation_for_token(token)


def test_a_token_signed_with_another_secret_is_refused(cycle, make_app):
    judge = make_judge(cycle, accepted=False, email="ada@judges.example.net")
    other = make_app(SECRET_KEY="another secret")
    with other.app_context():
        token = judge_rules.make_invitation_token(judge)
    with pytest.raises(InvalidToken):
        judge_rules.invitation_for_token(token)


# ------------------------------------------------------------------ accepting


def test_an_existing_user_accepts(cycle):
    judge = make_judge(cycle, accepted=False, email="ada@judges.example.net")
    user = make_user(email="ada@judges.example.net", organisation="Analytical Engines", verified=False)
    judge_rules.accept_invitation(judge, user)
    db.session.commit()
    assert judge.user_id == user.id and judge.accepted_at is not None
    assert judge.organisation == "Analytical Engines"
    assert Role.JUDGE in user.role_set and user.email_verified
    assert {"judge.accepted", "account.role_granted", "account.email_verified"} <= set(actions())


def test_accepting_twice_is_harmless(cycle):
    judge = make_judge(cycle, accepted=False, email="ada@judges.example.net")
    user = make_user(email="ada@judges.example.net")
    judge_rules.accept_invitation(judge, user)
    first = judge.accepted_at
    judge_rules.accept_invitation(judge, user)
    assert judge.accepted_at == first and actions().count("judge.accepted") == 1


def test_another_account_cannot_accept(cycle, nominee):
    judge = make_judge(cycle, accepted=False, email="ada@judges.example.net")
    with pytest.raises(
        NotAllowed, match="sent to ada@judges.example.net, but you are signed in as nina@riverside.gov.uk"
    ):
        judge_rules.accept_invitation(judge, nominee)
    assert judge.user_id is None and Role.JUDGE not in nominee.role_set


def test_a_new_person_gets_a_verified_account(cycle):
    judge = make_judge(cycle, accepted=False, email="grace@navy.example.org")
    user = judge_rules.accept_as_new_person(
        judge, name=" Grace Hopper ", organisation="US Navy", password="a long enough passphrase"
    )
    db.session.commit()
    assert user.email == "grace@navy.example.org" and user.name == "Grace Hopper" and user.email_verified
    assert user.role_set == {Role.NOMINEE, Role.JUDGE}
    assert judge.user_id == user.id and judge.organisation == "US Navy"


def test_a_new_person_must_choose_an_acceptable_password(cycle):
    judge = make_judge(cycle, accepted=False, email="grace@navy.example.org")
    with pytest.raises(DomainError, match="12 characters or more") as error:
        judge_rules.accept_as_new_person(judge, name="Grace", organisation="US Navy", password="short")
    assert error.value.field == "password"


def test_a_new_account_is_refused_when_one_exists(cycle):
    judge = make_judge(cycle, accepted=False, email="grace@navy.example.org")
    make_user(email="grace@navy.example.org")
    with pytest.raises(Conflict, match="sign in to accept"):
        judge_rules.accept_as_new_person(
            judge, name="Grace", organisation="US Navy", password="a long enough passphrase"
        )


# ------------------------------------------------------------------ re-sending and removing


def test_resend_gives_a_fresh_link(cycle, organiser, outbox):
    judge = make_judge(cycle, accepted=False, email="ada@judges.example.net", invited_at=utcnow() - timedelta(days=20))
    judge_rules.resend_invitation(judge, by=organiser)
    db.session.commit()
    assert utcnow() - judge.invited_at < timedelta(minutes=1)
    assert len(outbox("judge_invitation")) == 1 and "judge.invitation_resent" in actions()


def test_resend_is_refused_once_accepted(cycle, organiser):
    judge = member(cycle)
    with pytest.raises(Conflict, match="already accepted"):
        judge_rules.resend_invitation(judge, by=organiser)


def test_remove_takes_assignments_and_draft_reviews(cycle, organiser):
    judge = member(cycle)
    assignment = make_assignment(judge, make_nomination(cycle))
    make_review(assignment)
    judge_rules.remove_judge(judge, by=organiser)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Judge.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 0
    assert db.session.get(User, judge.user_id) is not None  # the account stays
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "judge.removed"))
    assert event.actor_id == organiser.id and event.detail["email"] == "ada@judges.example.net"


def test_a_judge_with_submitted_reviews_stays(cycle, organiser):
    judge = member(cycle)
    make_review(make_assignment(judge, make_nomination(cycle)), status="submitted")
    with pytest.raises(Conflict, match="submitted scores for 1 nomination"):
        judge_rules.remove_judge(judge, by=organiser)


def test_submitted_calibration_scores_do_not_keep_a_judge(cycle, organiser):
    judge = member(cycle)
    first = cycle.rounds[0]
    calibration.choose_example(first, make_nomination(cycle, status="ineligible").reference, by=organiser)
    db.session.commit()
    [given] = db.session.scalars(sa.select(Assignment).where(Assignment.calibration.is_(True))).all()
    make_review(given, status="submitted")
    given_id = given.id
    # Another judge's scores of an entry do not count as this judge's either
    make_review(make_assignment(make_judge(cycle), make_nomination(cycle)), status="submitted")
    assert judge_rules.submitted_review_count(judge) == 0
    judge_rules.remove_judge(judge, by=organiser)
    db.session.commit()
    assert db.session.get(Judge, judge.id) is None
    assert db.session.get(Assignment, given_id) is None


# ------------------------------------------------------------------ settings


def test_settings_change_and_are_audited(cycle, organiser):
    judge = member(cycle)
    chosen = cycle.categories[:2]
    changed = judge_rules.update_judge_settings(
        judge,
        organisation=" Difference Engines ",
        max_load=5,
        all_categories=False,
        category_ids=[c.id for c in chosen],
        by=organiser,
    )
    assert changed == ["organisation", "max_load", "categories"]
    first = cycle.rounds[0]
    assert judge.organisation == "Difference Engines" and rounds.load_limit(first, judge) == 5
    assert judge.judges_category(chosen[0].id) and not judge.judges_category(cycle.categories[2].id)
    assert (
        judge_rules.update_judge_settings(
            judge,
            organisation="Difference Engines",
            max_load=5,
            all_categories=False,
            category_ids=[c.id for c in chosen],
            by=organiser,
        )
        == []
    )
    judge_rules.update_judge_settings(
        judge, organisation="Difference Engines", max_load=None, all_categories=True, by=organiser
    )
    assert rounds.load_limit(first, judge) == first.judge_max_load and judge.judges_category(cycle.categories[2].id)
    assert actions().count("judge.settings_changed") == 2


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"max_load": 0}, "max_load"),
        ({"max_load": 1001}, "max_load"),
        ({"all_categories": False, "category_ids": []}, "category_ids"),
        ({"all_categories": False, "category_ids": [987654]}, "category_ids"),
        ({"organisation": "x" * 201}, "organisation"),
    ],
)
def test_settings_are_checked(cycle, organiser, kwargs, field):
    judge = member(cycle)
    values = {"organisation": "A", "max_load": None, "all_categories": True, "category_ids": None}
    values.update(kwargs)
    with pytest.raises(DomainError) as error:
        judge_rules.update_judge_settings(judge, by=organiser, **values)
    assert error.value.field == field


def test_a_category_of_another_cycle_is_refused(cycle, organiser):
    judge = member(cycle)
    other = make_cycle(name="Other awards", year=2027)
    with pytest.raises(DomainError, match="categories of this cycle"):
        judge_rules.update_judge_settings(
            judge,
            organisation="A",
            max_load=None,
            all_categories=False,
            category_ids=[other.categories[0].id],
            by=organiser,
        )


# ------------------------------------------------------------------ expertise


def test_expertise_is_recorded_changed_and_kept(cycle, organiser):
    judge = member(cycle)
    t1, t2, t3 = cycle.trends[:3]
    allowed = {t.id for t in cycle.trends}
    assert judge_rules.set_expertise(
        judge.user, {t1.id: 2, t2.id: -2, t3.id: None}, allowed_trend_ids=allowed, by=organiser
    ) == sorted([t1.id, t2.id])
    assert judge_rules.expertise_levels(judge.user) == {t1.id: 2, t2.id: -2}
    changed = judge_rules.set_expertise(judge.user, {t1.id: 2, t2.id: 1}, allowed_trend_ids=allowed, by=judge.user)
    assert changed == [t2.id]
    assert judge_rules.expertise_levels(judge.user) == {t1.id: 2, t2.id: 1}
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "judge.expertise_changed").order_by(AuditEvent.id)
    ).all()
    assert [e.actor_id for e in events] == [organiser.id, judge.user_id]
    assert events[-1].detail == {"levels": {str(t2.id): 1}}


@pytest.mark.parametrize("level", [3, -3, 10])
def test_expertise_outside_the_scale_is_refused(cycle, level):
    judge = member(cycle)
    trend = cycle.trends[0]
    with pytest.raises(DomainError, match="from the list"):
        judge_rules.set_expertise(judge.user, {trend.id: level}, allowed_trend_ids={trend.id}, by=judge.user)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Expertise.id))) == 0


def test_expertise_for_a_trend_not_offered_is_refused(cycle):
    judge = member(cycle)
    with pytest.raises(DomainError, match="only for the trends listed"):
        judge_rules.set_expertise(judge.user, {cycle.trends[0].id: 1}, allowed_trend_ids=set(), by=judge.user)


def test_profile_trends_come_from_accepted_memberships_only(cycle):
    from awards.models import Trend

    judge = member(cycle)
    every = list(db.session.scalars(sa.select(Trend.id)))
    bigger = make_cycle(name="Bigger awards", year=2027, trend_ids=every)
    make_judge(bigger, accepted=False, email=judge.email)
    assert {t.id for t in judge_rules.profile_trends(judge.user)} == {t.id for t in cycle.trends}
    invitation = db.session.scalar(sa.select(Judge).where(Judge.cycle_id == bigger.id))
    judge_rules.accept_invitation(invitation, judge.user)
    assert {t.id for t in judge_rules.profile_trends(judge.user)} == set(every)


def test_the_profile_moves_the_organisation_everywhere(cycle):
    judge = member(cycle)
    other = make_judge(make_cycle(name="Other awards", year=2027), judge.user, organisation="Old place")
    judge_rules.update_judge_profile(judge.user, organisation="New place", levels={cycle.trends[0].id: -1})
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, judge.user_id).organisation == "New place"
    assert db.session.get(Judge, judge.id).organisation == "New place"
    assert db.session.get(Judge, other.id).organisation == "New place"
    assert judge_rules.expertise_levels(db.session.get(User, judge.user_id)) == {cycle.trends[0].id: -1}
    with pytest.raises(DomainError, match="Enter your organisation"):
        judge_rules.update_judge_profile(judge.user, organisation="  ", levels={})
