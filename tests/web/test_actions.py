"""The one commit path (awards/web/actions.py): a domain action run from a view commits once when it
works; a DomainError rolls it back and its message goes on the form, into a flash, or to a status."""

import pytest
import sqlalchemy as sa
from flask import get_flashed_messages
from wtforms import StringField

from awards.domain.core.errors import Conflict, DomainError, NotAllowed, NotFound
from awards.extensions import db
from awards.models import User
from awards.web.actions import attempt, status_for
from awards.web.forms import Form
from tests.factories import make_user


class NameForm(Form):
    name = StringField("Name")
    organisation = StringField("Organisation")


def _rename(user: User, name: str, error: DomainError | None = None) -> str:
    user.name = name
    db.session.flush()
    if error is not None:
        raise error
    return name


def _name_in_database(user_id: int) -> str:
    db.session.expire_all()
    return db.session.scalar(sa.select(User.name).where(User.id == user_id))


def test_a_working_action_is_committed_and_gives_its_value(app):
    user = make_user(name="Before")
    with app.test_request_context(method="POST"):
        done = attempt(lambda: _rename(user, "After"))
        assert done and done.value == "After" and done.error is None and done.status == 200
    db.session.rollback()  # nothing left to undo: it was committed
    assert _name_in_database(user.id) == "After"


def test_a_refused_action_is_rolled_back_and_its_message_goes_on_the_field_it_names(app):
    user = make_user(name="Before")
    with app.test_request_context(method="POST"):
        form = NameForm(formdata=None)
        done = attempt(
            lambda: _rename(user, "After", DomainError("Enter a shorter name", field="organisation")),
            form=form,
            field="name",
        )
        assert not done and done.message == "Enter a shorter name"
        assert list(form.organisation.errors) == ["Enter a shorter name"] and not form.name.errors
    assert _name_in_database(user.id) == "Before"


def test_a_message_that_names_no_field_goes_on_the_one_asked_for_or_into_a_flash(app):
    user = make_user(name="Before")
    with app.test_request_context(method="POST"):
        form = NameForm(formdata=None)
        attempt(lambda: _rename(user, "After", DomainError("Not now")), form=form, field="name")
        assert list(form.name.errors) == ["Not now"]
        attempt(lambda: _rename(user, "After", DomainError("Not today")), flash_as="info")
        assert get_flashed_messages(with_categories=True) == [("info", "Not today")]


def test_errors_of_other_kinds_pass_through(app):
    user = make_user(name="Before")
    with app.test_request_context(method="POST"), pytest.raises(Conflict):
        attempt(lambda: _rename(user, "After", Conflict("Changed meanwhile")), catch=NotAllowed)
    db.session.rollback()


def test_a_refusal_can_be_kept_when_it_records_the_failure(app):
    user = make_user(name="Before")
    with app.test_request_context(method="POST"):
        seen = []
        done = attempt(
            lambda: _rename(user, "Counted", DomainError("Wrong password")), commit_on_error=True, on_error=seen.append
        )
        assert not done and [e.message for e in seen] == ["Wrong password"]
    assert _name_in_database(user.id) == "Counted"


@pytest.mark.parametrize(
    "error, status",
    [(NotFound("gone"), 404), (NotAllowed("no"), 403), (Conflict("changed"), 409), (DomainError("bad"), 400)],
)
def test_each_kind_of_error_stands_for_its_status(error, status):
    assert status_for(error) == status
