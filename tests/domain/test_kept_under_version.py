"""Values read from the whole of a big table, kept per process under the data version (domain/core/kept.py): the
organiser's counts by status, the library's filter choices. Kept while nothing is committed anywhere; read afresh
by a transaction with changes of its own; read again once KEPT_SECONDS old, so a change made around the version
(SQL typed by hand) shows within a minute."""

import sqlalchemy as sa

from awards.domain.core import kept
from awards.domain.core.kept import KeptWhileUnchanged
from awards.extensions import db
from awards.models import User
from tests.factories import make_user


def _reads():
    """A value that is the number of times it was read."""
    count = []

    def read() -> int:
        count.append(1)
        return len(count)

    return read


def test_a_value_is_kept_until_something_is_committed(app):
    store, read = KeptWhileUnchanged(), _reads()
    make_user()  # committed: the data version has a row
    assert store.get("key", read) == 1
    assert store.get("key", read) == 1
    assert store.get("other key", read) == 2
    db.session.commit()  # nothing written: the version stays
    assert store.get("key", read) == 1
    make_user()  # committed
    assert store.get("key", read) == 3


def test_a_transaction_with_changes_of_its_own_reads_afresh(app):
    store, read = KeptWhileUnchanged(), _reads()
    person = make_user()  # committed
    assert store.get("key", read) == 1
    person.name = "A new name"  # pending
    assert store.get("key", read) == 2
    db.session.flush()  # written, not committed
    assert store.get("key", read) == 3
    db.session.rollback()
    assert store.get("key", read) == 1  # what was kept under the unchanged version


def test_a_change_made_around_the_version_shows_once_the_value_is_old(app, monkeypatch):
    store = KeptWhileUnchanged()
    make_user(name="Before")

    def names() -> list[str]:
        return list(db.session.scalars(sa.select(User.name)))

    assert store.get("names", names) == ["Before"]
    db.session.commit()
    by_hand = db.engine.raw_connection()  # the driver's own connection: no SQLAlchemy event sees this write
    try:
        cursor = by_hand.cursor()
        cursor.execute("UPDATE users SET name = 'Typed by hand'")
        cursor.close()
        by_hand.commit()
    finally:
        by_hand.close()
    assert names() == ["Typed by hand"]
    db.session.commit()
    assert store.get("names", names) == ["Before"]  # within the minute: the version did not move
    monkeypatch.setattr(kept, "KEPT_SECONDS", 0.0)
    assert store.get("names", names) == ["Typed by hand"]
