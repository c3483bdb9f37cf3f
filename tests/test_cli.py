"""The flask commands."""

import sqlalchemy as sa

from awards.devdata.demo import DEMO_ACCOUNTS
from awards.domain.people import accounts
from awards.extensions import db
from awards.models import AuditEvent, Role, User


def test_create_user_reads_password_from_stdin(runner):
    result = runner.invoke(
        args=["create-user", "Judge@Example.org", "--name", "Judy Dench", "--role", "judge"],
        input="a strong judging passphrase\na strong judging passphrase\n",
    )
    assert result.exit_code == 0, result.output
    user = accounts.find_user_by_email("judge@example.org")
    assert user.role_set == {Role.NOMINEE, Role.JUDGE} and user.email_verified
    assert accounts.authenticate("judge@example.org", "a strong judging passphrase")


def test_create_user_refuses_weak_or_mismatched_password(runner):
    result = runner.invoke(args=["create-user", "a@example.org", "--name", "A"], input="short\n")
    assert result.exit_code != 0 and "12 characters" in result.output
    result = runner.invoke(
        args=["create-user", "a@example.org", "--name", "A"], input="first passphrase ok\nsecond passphrase\n"
    )
    assert result.exit_code != 0 and "do not match" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_grant_role(runner, nominee):
    result = runner.invoke(args=["grant-role", nominee.email, "organiser"])
    assert result.exit_code == 0 and "is now a organiser" in result.output
    db.session.expire_all()
    assert Role.ORGANISER in db.session.get(User, nominee.id).role_set
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.role_granted"))
    result = runner.invoke(args=["grant-role", "nobody@example.org", "judge"])
    assert result.exit_code != 0 and "No account" in result.output


def test_seed_demo_is_idempotent_and_prints_sign_ins(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0
    for account in DEMO_ACCOUNTS:
        assert account.email in first.output and account.password in first.output
    people = db.session.scalar(sa.select(sa.func.count(User.id)))
    second = runner.invoke(args=["seed-demo"])
    assert "already present" in second.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == people
    roles = {u.email: u.role_set for u in db.session.scalars(sa.select(User))}
    assert Role.ORGANISER in roles["organiser@demo.example.org"]
    assert Role.JUDGE in roles["judge@demo.example.org"]


def test_seed_demo_if_empty_leaves_a_used_database_alone(runner, nominee):
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "not loaded" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_seed_demo_creates_an_open_cycle_with_nominations_in_several_states(runner, client):
    from awards.models import Cycle, CycleStatus, Nomination, Trend

    runner.invoke(args=["seed-demo"])
    runner.invoke(args=["seed-demo"])
    [cycle] = db.session.scalars(sa.select(Cycle).where(Cycle.status == CycleStatus.OPEN)).all()
    assert cycle.name.startswith("Public Sector Digital Awards ")
    assert len(cycle.trends) == 10 and len(cycle.categories) == 8 and len(cycle.rounds[0].criteria) == 6
    assert db.session.scalar(sa.select(sa.func.count(Trend.id))) == 20
    statuses = {n.status.value for n in db.session.scalars(sa.select(Nomination).where(Nomination.cycle == cycle))}
    assert statuses == {"draft", "submitted", "withdrawn"}
    assert cycle.name in client.get("/").get_data(as_text=True)
