"""Two cycles never hand out the same nomination reference (issue 12, item 2).

References are PREFIX-YEAR-0001, counted per cycle. A second cycle with the demo cycle's prefix and
year (the new-cycle form's own defaults) used to answer every nominee who started a nomination with
"Sorry, there is a problem with the service" (UNIQUE constraint failed: nominations.reference). Now the
form's defaults are free, a clashing prefix is a GOV.UK error on the prefix field (create, edit, copy),
the database refuses the pair twice (uq_cycles_reference_prefix_year), and neither changes once a
cycle has handed out references."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from awards.domain.core.errors import Conflict
from awards.domain.programme import cycles, taxonomy
from awards.extensions import db
from awards.models import Cycle, CycleStatus, Nomination
from tests.factories import make_cycle, make_nomination
from tests.support.pages import form_values, input_value
from tests.support.visible import error_summary, main_text

UTC = UTC
THIS_YEAR = datetime.now(UTC).year


def field_error(response, field_id: str) -> str | None:
    match = re.search(
        rf'<p id="{re.escape(field_id)}-error" class="govuk-error-message">(.*?)</p>',
        response.get_data(as_text=True),
        re.S,
    )
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", match.group(1)))).strip() if match else None


def local_date(days: int) -> list[str]:
    day = (datetime.now(UTC) + timedelta(days=days)).date()
    return [str(day.day), str(day.month), str(day.year)]


def start_reference(client, cycle) -> str:
    """A nominee starts a nomination in the cycle, as on the start page; returns its reference."""
    response = client.post_form(
        f"/nominations/start?cycle={cycle.slug}",
        {"category": cycle.categories[0].slug},
        token_from="/nominations/start",
    )
    assert response.status_code == 302, main_text(response)[:500]
    return response.headers["Location"].rsplit("/", 1)[-1]


@pytest.fixture
def demo_like_cycle(app):
    """An open cycle of this year with the default prefix, as `make run` has."""
    cycle = make_cycle(name=f"Public Sector Digital Awards {THIS_YEAR}", year=THIS_YEAR)
    assert cycle.reference_prefix == "PSDA"
    return cycle


def test_a_second_cycle_made_with_the_forms_defaults_takes_nominations(
    organiser_client, nominee_client, demo_like_cycle
):
    """The journey of the issue: the defaults next to the demo cycle, then a nominee in each cycle."""
    page = organiser_client.get("/organiser/cycles/new")
    assert input_value(page, "year") == str(THIS_YEAR)
    assert input_value(page, "reference_prefix") == "PSDA2"  # PSDA is the demo cycle's for this year
    data = form_values(page)
    data.update(
        name="Regional Digital Awards 🏴󠁧󠁢󠁷󠁬󠁳󠁿 & Gwobrau",
        nominations_open_date=local_date(-1),
        nominations_close_date=local_date(30),
    )
    response = organiser_client.post_form("/organiser/cycles/new", data, token_from="/organiser/cycles/new")
    assert response.status_code == 302, error_summary(response)
    second = db.session.scalar(sa.select(Cycle).where(Cycle.id != demo_like_cycle.id))
    assert (second.reference_prefix, second.year) == ("PSDA2", THIS_YEAR)
    second.status = CycleStatus.OPEN
    db.session.commit()

    references = [
        start_reference(nominee_client, demo_like_cycle),
        start_reference(nominee_client, second),
        start_reference(nominee_client, second),
        start_reference(nominee_client, demo_like_cycle),
    ]
    assert references == [
        f"PSDA-{THIS_YEAR}-0001",
        f"PSDA2-{THIS_YEAR}-0001",
        f"PSDA2-{THIS_YEAR}-0002",
        f"PSDA-{THIS_YEAR}-0002",
    ]
    assert db.session.scalar(sa.select(sa.func.count(Nomination.id))) == 4


def test_a_clashing_prefix_is_an_error_on_the_prefix_and_nothing_typed_is_lost(organiser_client, demo_like_cycle):
    taxonomy.seed_trends()
    db.session.commit()
    data = form_values(organiser_client.get("/organiser/cycles/new"))
    data.update(
        name="Awards & “friends”",
        year=str(THIS_YEAR),
        reference_prefix="psda",
        nominations_open_date=local_date(1),
        nominations_close_date=local_date(30),
        nominations_close_time="25:00",
        description="Kept <words> & more",
    )
    response = organiser_client.post_form("/organiser/cycles/new", data, token_from="/organiser/cycles/new")
    assert response.status_code == 200
    message = (
        f"Public Sector Digital Awards {THIS_YEAR} already uses the reference prefix PSDA for {THIS_YEAR}: "
        "enter a different prefix, like PSDA2"
    )
    # Shown with every other error at once, linked to the prefix box and beside it.
    assert error_summary(response) == [
        ("#nominations_close_time", "Enter the time nominations close like 5pm or 17:00"),
        ("#reference_prefix", message),
    ]
    assert field_error(response, "reference_prefix") == f"Error: {message}"
    assert input_value(response, "reference_prefix") == "psda"
    assert input_value(response, "name") == "Awards & “friends”"
    assert "Kept <words> & more</textarea>" in unescape(response.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count(Cycle.id))) == 1

    data.update(nominations_close_time="5pm")
    response = organiser_client.post_form("/organiser/cycles/new", data, token_from="/organiser/cycles/new")
    assert error_summary(response) == [("#reference_prefix", message)]
    data.update(reference_prefix="RDA")
    response = organiser_client.post_form("/organiser/cycles/new", data, token_from="/organiser/cycles/new")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Cycle.reference_prefix).where(Cycle.name == "Awards & “friends”")) == "RDA"


def test_editing_into_another_cycles_prefix_and_year_is_refused(organiser_client, demo_like_cycle):
    other = make_cycle(name="Next year's awards", year=THIS_YEAR + 1, status="draft")
    assert other.reference_prefix == "PSDA"
    page = organiser_client.get(f"/organiser/cycles/{other.slug}/edit")
    data = form_values(page)
    data.update(year=str(THIS_YEAR))
    response = organiser_client.post_form(
        f"/organiser/cycles/{other.slug}/edit", data, token_from=f"/organiser/cycles/{other.slug}/edit"
    )
    assert response.status_code == 200
    assert error_summary(response) == [
        (
            "#reference_prefix",
            f"Public Sector Digital Awards {THIS_YEAR} already uses the reference prefix PSDA for "
            f"{THIS_YEAR}: enter a different prefix, like PSDA2",
        )
    ]
    assert input_value(response, "year") == str(THIS_YEAR)
    # Its own prefix and year are no clash with itself.
    data.update(year=str(THIS_YEAR + 1), name="Renamed")
    response = organiser_client.post_form(
        f"/organiser/cycles/{other.slug}/edit", data, token_from=f"/organiser/cycles/{other.slug}/edit"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (db.session.get(Cycle, other.id).name, db.session.get(Cycle, other.id).year) == ("Renamed", THIS_YEAR + 1)


def test_prefix_and_year_are_fixed_once_references_are_issued(organiser_client, demo_like_cycle):
    make_nomination(demo_like_cycle)
    url = f"/organiser/cycles/{demo_like_cycle.slug}/edit"
    data = form_values(organiser_client.get(url))
    response = organiser_client.post_form(url, {**data, "reference_prefix": "NEW"}, token_from=url)
    assert error_summary(response) == [
        (
            "#reference_prefix",
            f"The reference prefix cannot change: nominations already have references like PSDA-{THIS_YEAR}-0001",
        )
    ]
    response = organiser_client.post_form(url, {**data, "year": str(THIS_YEAR + 1)}, token_from=url)
    assert error_summary(response) == [
        ("#year", f"The year cannot change: nominations already have references like PSDA-{THIS_YEAR}-0001")
    ]
    assert input_value(response, "year") == str(THIS_YEAR + 1)
    db.session.expire_all()
    assert (
        db.session.get(Cycle, demo_like_cycle.id).reference_prefix,
        db.session.get(Cycle, demo_like_cycle.id).year,
    ) == ("PSDA", THIS_YEAR)


def test_copying_to_next_year_offers_a_free_prefix_and_refuses_a_taken_one(organiser_client, demo_like_cycle):
    make_cycle(name="Already next year", year=THIS_YEAR + 1)  # PSDA for next year is taken
    url = f"/organiser/cycles/{demo_like_cycle.slug}/copy"
    page = organiser_client.get(url)
    assert input_value(page, "year") == str(THIS_YEAR + 1)
    assert input_value(page, "reference_prefix") == "PSDA2"
    data = form_values(page)
    response = organiser_client.post_form(url, {**data, "reference_prefix": "PSDA"}, token_from=url)
    assert response.status_code == 200
    assert error_summary(response) == [
        (
            "#reference_prefix",
            f"Already next year already uses the reference prefix PSDA for {THIS_YEAR + 1}: "
            "enter a different prefix, like PSDA2",
        )
    ]
    assert input_value(response, "reference_prefix") == "PSDA"
    response = organiser_client.post_form(url, data, token_from=url)
    assert response.status_code == 302
    copy = db.session.scalar(sa.select(Cycle).order_by(Cycle.id.desc()))
    assert (copy.reference_prefix, copy.year, len(copy.categories)) == (
        "PSDA2",
        THIS_YEAR + 1,
        len(demo_like_cycle.categories),
    )


def test_the_domain_and_the_database_refuse_a_shared_prefix_and_year(app, demo_like_cycle):
    now = datetime.now(UTC)
    with pytest.raises(Conflict) as refused:
        cycles.create_cycle(
            name="Clash",
            year=THIS_YEAR,
            reference_prefix="psda",
            nominations_open_at=now,
            nominations_close_at=now + timedelta(days=9),
        )
    assert refused.value.field == "reference_prefix"
    db.session.rollback()
    # Without a prefix the domain picks a free one, as the form's defaults do.
    free = cycles.create_cycle(
        name="No prefix given", year=THIS_YEAR, nominations_open_at=now, nominations_close_at=now + timedelta(days=9)
    )
    assert free.reference_prefix == "PSDA2"
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(sa.update(Cycle).where(Cycle.id == free.id).values(reference_prefix="PSDA"))
        db.session.flush()
    db.session.rollback()


def test_a_reference_some_nomination_already_has_is_passed_over(nominee_client, app):
    """Data from before these rules: a cycle whose year was changed after it issued references. The
    cycle now given its old prefix and year numbers on past the reference that is taken."""
    old = make_cycle(name="Changed its year", year=2025)
    make_nomination(old)  # PSDA-2025-0001
    db.session.execute(sa.update(Cycle).where(Cycle.id == old.id).values(year=2026))
    db.session.commit()
    again = make_cycle(name="Awards 2025", year=2025)
    assert again.reference_prefix == "PSDA"
    assert start_reference(nominee_client, again) == "PSDA-2025-0002"


def test_a_race_past_the_checks_is_a_409_not_a_500(organiser_client, demo_like_cycle, monkeypatch):
    """Two organisers saving at the same moment both pass the check; the database refuses the second,
    and the person is told to try again, with nothing half-saved."""
    from awards.web.organiser.cycles import forms as cycle_forms

    taxonomy.seed_trends()
    db.session.commit()
    data = form_values(organiser_client.get("/organiser/cycles/new"))
    data.update(
        name="Raced",
        reference_prefix="PSDA",
        nominations_open_date=local_date(1),
        nominations_close_date=local_date(30),
    )
    monkeypatch.setattr(cycle_forms, "cycle_using_prefix", lambda *args, **kwargs: None)
    monkeypatch.setattr(cycles, "cycle_using_prefix", lambda *args, **kwargs: None)
    response = organiser_client.post_form("/organiser/cycles/new", data, token_from="/organiser/cycles/new")
    assert response.status_code == 409
    assert "Someone changed this while you were working on it. Nothing of yours was saved." in main_text(response)
    assert db.session.scalar(sa.select(sa.func.count(Cycle.id))) == 1
