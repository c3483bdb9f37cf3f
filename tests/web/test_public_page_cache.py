"""The in-process cache of public pages (awards/web/caching.py): built once per change of the
library, dropped at once when anything public changes (also when the change is made by another
app instance, as another gunicorn worker would), and never shared between people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from awards.domain.core.clock import utcnow
from awards.domain.programme import cycles as cycle_rules
from awards.domain.results import shortlists
from awards.extensions import db
from awards.models import ImpactCase, NominationStatus
from awards.web.caching import MAX_AGE, page_cache
from tests.factories import make_published_case, make_published_cycle, make_shortlisted_nomination, make_user
from tests.support.pages import page_source


@pytest.fixture
def case(app):
    return make_published_case(
        make_published_cycle(year=2025),
        title="Smarter bin collections",
        summary="Sensors tell crews which bins are full.",
    )


def test_a_public_page_is_built_once_then_served_from_memory(client, case):
    first = client.get(f"/impact-cases/{case.slug}")
    again = client.get(f"/impact-cases/{case.slug}")
    assert (first.headers["X-Cache"], again.headers["X-Cache"]) == ("miss", "hit")
    assert again.data == first.data and "Smarter bin collections" in page_source(again)
    for header in ("Content-Type", "ETag", "Cache-Control", "Content-Security-Policy"):
        assert again.headers[header] == first.headers[header]
    assert "Set-Cookie" not in again.headers


def test_an_edit_shows_at_once(client, case):
    client.get(f"/impact-cases/{case.slug}")
    shortlists.edit_case(case, by=make_user(roles=("organiser",)), summary="Crews empty only full bins.")
    response = client.get(f"/impact-cases/{case.slug}")
    assert response.headers["X-Cache"] == "miss" and "Crews empty only full bins." in page_source(response)


def test_every_change_to_a_case_shows_even_under_a_frozen_clock(client, case):
    url = f"/impact-cases/{case.slug}"
    with time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=UTC), tick=False):
        client.get(url)
        shortlists.edit_case(case, by=make_user(roles=("organiser",)), summary="First change.")
        assert "First change." in page_source(client.get(url))
        case.summary = "Second change, made directly."  # through the ORM, but not through shortlists.edit_case
        db.session.commit()
        assert "Second change, made directly." in page_source(client.get(url))
        case.trend_links[0].how_addressed = "Changed how the case addresses its trend."
        db.session.commit()
        assert "Changed how the case addresses its trend." in page_source(client.get(url))


def test_publication_in_another_app_instance_shows_at_once(client, make_app, judged):  # noqa: F811
    cycle, category, judges, top, second = judged
    organiser = make_user(roles=("organiser",))
    shortlists.suggest_shortlist(cycle, by=organiser)
    db.session.commit()
    before = client.get("/impact-cases")
    assert "HYPERLINK" not in page_source(before) and client.get("/impact-cases").headers["X-Cache"] == "hit"
    # another app on the same database: its own process memory, as another gunicorn worker has
    other = make_app(SERVICE_NAME="Public Sector Digital Awards")
    assert page_cache(other) is not page_cache(client.application)
    other_client = other.test_client()
    other_client.sign_in_as(organiser)
    publish = f"/organiser/cycles/{cycle.slug}/publish"
    assert other_client.post_form(publish, token_from=publish).status_code == 302
    after = client.get("/impact-cases")
    assert after.headers["X-Cache"] == "miss" and "HYPERLINK" in page_source(after)
    [case_url] = [part.split('"')[0] for part in page_source(after).split('href="/impact-cases/')[1:2]]
    assert client.get(f"/impact-cases/{case_url}").status_code == 200
    assert client.get(f"/impact-cases/{case_url}").headers["X-Cache"] == "hit"
    # taken down in the other app: gone here at once, not served from memory
    case_id = db.session.scalar(sa.select(ImpactCase.id))
    url = f"/organiser/impact-cases/{case_id}"
    other_client.post_form(f"{url}/publication", {"action": "unpublish"}, token_from=url)
    assert client.get(f"/impact-cases/{case_url}").status_code == 410
    assert "HYPERLINK" not in page_source(client.get("/impact-cases"))


def test_signed_in_people_never_get_the_anonymous_page_and_vice_versa(client, make_app, case):
    reader = make_user(name="Rita Reader", email="rita@riverside.gov.uk")
    signed_in = client.application.test_client()
    signed_in.sign_in_as(reader)
    url = f"/impact-cases/{case.slug}"
    anonymous_page = client.get(url)
    assert "Sign in" in page_source(anonymous_page) and client.get(url).headers["X-Cache"] == "hit"
    theirs = signed_in.get(url)
    assert "Sign out" in page_source(theirs) and "Create an account" not in page_source(theirs)
    assert theirs.headers["Cache-Control"] == "no-store" and "X-Cache" not in theirs.headers
    # the other way round: a page built for a signed-in person is never kept for anonymous readers
    page_cache(client.application).clear()
    assert "Sign out" in page_source(signed_in.get(url))
    fresh = client.get(url)
    assert fresh.headers["X-Cache"] == "miss" and "Sign out" not in page_source(fresh)


def test_a_personal_message_is_never_served_to_someone_else(client, case):
    someone = client.application.test_client()
    with someone.session_transaction() as session:
        session["_flashes"] = [("success", "Your password has been changed")]
    url = f"/impact-cases/{case.slug}"
    theirs = someone.get(url)
    assert "Your password has been changed" in page_source(theirs) and theirs.headers["X-Cache"] == "miss"
    for reader in (client, someone):  # another reader, and the same one once the message is shown
        page = reader.get(url)
        assert "Your password has been changed" not in page_source(page)


def test_the_cache_is_bounded(make_app, case):
    app = make_app(PUBLIC_CACHE_ENTRIES=2)
    reader = app.test_client()
    for url in ("/impact-cases", "/trends", f"/impact-cases/{case.slug}"):
        assert reader.get(url).headers["X-Cache"] == "miss"
    assert len(page_cache(app)) == 2
    assert reader.get(f"/impact-cases/{case.slug}").headers["X-Cache"] == "hit"
    assert reader.get("/impact-cases").headers["X-Cache"] == "miss"  # the least recently used went first


def test_a_take_down_shows_even_when_another_cycle_is_stamped_later(client, case):
    """Another app server whose clock runs 5 minutes ahead edited another cycle: the take-down,
    stamped earlier by this server's clock, still changes what readers get at once."""
    other = make_published_cycle(year=2024, name="Older awards")
    with time_machine.travel(utcnow() + timedelta(minutes=5)):
        cycle_rules.update_cycle(other, description="Edited on a server whose clock is ahead.")
        db.session.commit()
    assert other.updated_at > utcnow()
    url = f"/impact-cases/{case.slug}"
    assert client.get(url).status_code == 200 and client.get(url).headers["X-Cache"] == "hit"
    shortlists.unpublish_case(case, by=make_user(roles=("organiser",)))
    db.session.commit()
    assert client.get(url).status_code == 410
    assert "Smarter bin collections" not in page_source(client.get("/impact-cases"))


def test_category_and_cycle_changes_show_on_the_shortlist_even_under_a_frozen_clock(client, case):
    cycle = case.cycle
    url = f"/cycles/{cycle.slug}/shortlist"
    first_name = cycle.categories[0].name
    organiser = make_user(roles=("organiser",))
    # Frozen, and months before the cycle was stamped: every change must still move the stamp on.
    with time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=UTC), tick=False):
        assert first_name in page_source(client.get(url)) and client.get(url).headers["X-Cache"] == "hit"
        cycle_rules.edit_category(
            cycle.categories[0], name="Renamed Category Zed", description="", shortlist_size=6, by=organiser
        )
        db.session.commit()
        renamed = client.get(url)
        assert renamed.headers["X-Cache"] == "miss"
        assert "Renamed Category Zed" in page_source(renamed) and first_name not in page_source(renamed)
        added = cycle_rules.add_category(cycle, name="Brand New Category", by=organiser)
        db.session.commit()
        assert "Brand New Category" in page_source(client.get(url))
        cycle_rules.remove_category(added, by=organiser)
        db.session.commit()
        assert "Brand New Category" not in page_source(client.get(url))
        cycle_rules.update_cycle(cycle, description="Our thanks to every entrant.", by=organiser)
        db.session.commit()
        assert "Our thanks to every entrant." in page_source(client.get(url))


def test_a_shortlisted_entry_without_a_case_is_counted_and_uncounted_at_once(client, case):
    url = f"/cycles/{case.cycle.slug}/shortlist"
    assert "other shortlisted entr" not in page_source(client.get(url)) and client.get(url).headers["X-Cache"] == "hit"
    nomination = make_shortlisted_nomination(case.cycle, consents_to_publish=False, title="Quiet entry")
    assert "1 other shortlisted entry (not published" in page_source(client.get(url))
    nomination.status = NominationStatus.SUBMITTED  # as withdrawing the results does
    db.session.commit()
    assert "other shortlisted entr" not in page_source(client.get(url))


def test_a_page_is_served_from_memory_for_at_most_max_age(client, case):
    """A change the fingerprint cannot see (SQL outside the app's ORM) shows within MAX_AGE."""
    url = f"/impact-cases/{case.slug}"
    with time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=UTC), tick=False) as traveller:
        assert client.get(url).headers["X-Cache"] == "miss"
        db.session.execute(sa.update(ImpactCase).where(ImpactCase.id == case.id).values(title="Retitled by SQL"))
        db.session.commit()
        traveller.shift(MAX_AGE - 1)
        assert client.get(url).headers["X-Cache"] == "hit"  # the stale page: what the backstop bounds
        traveller.shift(1)
        fresh = client.get(url)
        assert fresh.headers["X-Cache"] == "miss" and "Retitled by SQL" in page_source(fresh)
        assert client.get(url).headers["X-Cache"] == "hit"


def test_only_addresses_with_arguments_the_page_reads_are_kept(client, case):
    cache = page_cache(client.application)
    junk = [
        "/impact-cases?x=1",
        "/impact-cases?x=2",
        "/impact-cases?year=2025&utm_source=mail",
        "/impact-cases?q=bins&q=crews",
        "/impact-cases?per_page=5",
        f"/impact-cases/{case.slug}?page=2",
        "/trends?year=2025",
        "/api/v1/trends?x=1",
    ]
    for url in junk:
        for _ in range(2):
            response = client.get(url)
            assert response.status_code == 200 and response.headers["X-Cache"] == "bypass", url
    assert "Smarter bin collections" in page_source(client.get("/impact-cases?x=1"))
    assert len(cache) == 0
    # the arguments a page reads, in any order: one entry
    assert client.get("/impact-cases?year=2025&q=bins").headers["X-Cache"] == "miss"
    same = client.get("/impact-cases?q=bins&year=2025")
    assert same.headers["X-Cache"] == "hit" and "Smarter bin collections" in page_source(same)
    assert client.get("/api/v1/impact-cases?per_page=5&page=1").headers["X-Cache"] == "miss"
    assert client.get("/api/v1/impact-cases?page=1&per_page=5").headers["X-Cache"] == "hit"
    assert len(cache) == 2
