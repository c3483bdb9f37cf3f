"""The in-process cache of public pages (awards/web/caching.py): built once per change of the
library, dropped at once when anything public changes (also when the change is made by another
app instance, as another gunicorn worker would), and never shared between people."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
import time_machine

from awards.domain import results
from awards.extensions import db
from awards.models import ImpactCase
from awards.web.caching import page_cache

from ..factories import make_user
from ..publishing_factories import make_published_case, make_published_cycle
from .test_organiser_results import judged  # noqa: F401  (a judged cycle ready for its shortlist)


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def case(app):
    return make_published_case(make_published_cycle(year=2025), title="Smarter bin collections",
                               summary="Sensors tell crews which bins are full.")


def test_a_public_page_is_built_once_then_served_from_memory(client, case):
    first = client.get(f"/impact-cases/{case.slug}")
    again = client.get(f"/impact-cases/{case.slug}")
    assert (first.headers["X-Cache"], again.headers["X-Cache"]) == ("miss", "hit")
    assert again.data == first.data and "Smarter bin collections" in text(again)
    for header in ("Content-Type", "ETag", "Cache-Control", "Content-Security-Policy"):
        assert again.headers[header] == first.headers[header]
    assert "Set-Cookie" not in again.headers


def test_an_edit_shows_at_once(client, case):
    client.get(f"/impact-cases/{case.slug}")
    results.edit_case(case, by=make_user(roles=("organiser",)), summary="Crews empty only full bins.")
    response = client.get(f"/impact-cases/{case.slug}")
    assert response.headers["X-Cache"] == "miss" and "Crews empty only full bins." in text(response)


def test_every_change_to_a_case_shows_even_under_a_frozen_clock(client, case):
    url = f"/impact-cases/{case.slug}"
    with time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=timezone.utc), tick=False):
        client.get(url)
        results.edit_case(case, by=make_user(roles=("organiser",)), summary="First change.")
        assert "First change." in text(client.get(url))
        case.summary = "Second change, made directly."  # through the ORM, but not through results.edit_case
        db.session.commit()
        assert "Second change, made directly." in text(client.get(url))
        case.trend_links[0].how_addressed = "Changed how the case addresses its trend."
        db.session.commit()
        assert "Changed how the case addresses its trend." in text(client.get(url))


def test_publication_in_another_app_instance_shows_at_once(client, make_app, judged):  # noqa: F811
    cycle, category, judges, top, second = judged
    organiser = make_user(roles=("organiser",))
    results.suggest_shortlist(cycle, by=organiser)
    db.session.commit()
    before = client.get("/impact-cases")
    assert "HYPERLINK" not in text(before) and client.get("/impact-cases").headers["X-Cache"] == "hit"
    # another app on the same database: its own process memory, as another gunicorn worker has
    other = make_app(SERVICE_NAME="Public Sector Digital Awards")
    assert page_cache(other) is not page_cache(client.application)
    other_client = other.test_client()
    other_client.sign_in_as(organiser)
    publish = f"/organiser/cycles/{cycle.slug}/publish"
    assert other_client.post_form(publish, token_from=publish).status_code == 302
    after = client.get("/impact-cases")
    assert after.headers["X-Cache"] == "miss" and "HYPERLINK" in text(after)
    [case_url] = [part.split('"')[0] for part in text(after).split('href="/impact-cases/')[1:2]]
    assert client.get(f"/impact-cases/{case_url}").status_code == 200
    assert client.get(f"/impact-cases/{case_url}").headers["X-Cache"] == "hit"
    # taken down in the other app: gone here at once, not served from memory
    case_id = db.session.scalar(sa.select(ImpactCase.id))
    url = f"/organiser/impact-cases/{case_id}"
    other_client.post_form(f"{url}/publication", {"action": "unpublish"}, token_from=url)
    assert client.get(f"/impact-cases/{case_url}").status_code == 410
    assert "HYPERLINK" not in text(client.get("/impact-cases"))


def test_signed_in_people_never_get_the_anonymous_page_and_vice_versa(client, make_app, case):
    reader = make_user(name="Rita Reader", email="rita@riverside.gov.uk")
    signed_in = client.application.test_client()
    signed_in.sign_in_as(reader)
    url = f"/impact-cases/{case.slug}"
    anonymous_page = client.get(url)
    assert "Sign in" in text(anonymous_page) and client.get(url).headers["X-Cache"] == "hit"
    theirs = signed_in.get(url)
    assert "Sign out" in text(theirs) and "Create an account" not in text(theirs)
    assert theirs.headers["Cache-Control"] == "no-store" and "X-Cache" not in theirs.headers
    # the other way round: a page built for a signed-in person is never kept for anonymous readers
    page_cache(client.application).clear()
    assert "Sign out" in text(signed_in.get(url))
    fresh = client.get(url)
    assert fresh.headers["X-Cache"] == "miss" and "Sign out" not in text(fresh)


def test_a_personal_message_is_never_served_to_someone_else(client, case):
    someone = client.application.test_client()
    with someone.session_transaction() as session:
        session["_flashes"] = [("success", "Your password has been changed")]
    url = f"/impact-cases/{case.slug}"
    theirs = someone.get(url)
    assert "Your password has been changed" in text(theirs) and theirs.headers["X-Cache"] == "miss"
    for reader in (client, someone):  # another reader, and the same one once the message is shown
        page = reader.get(url)
        assert "Your password has been changed" not in text(page)


def test_the_cache_is_bounded(make_app, case):
    app = make_app(PUBLIC_CACHE_ENTRIES=2)
    reader = app.test_client()
    for url in ("/impact-cases", "/trends", f"/impact-cases/{case.slug}"):
        assert reader.get(url).headers["X-Cache"] == "miss"
    assert len(page_cache(app)) == 2
    assert reader.get(f"/impact-cases/{case.slug}").headers["X-Cache"] == "hit"
    assert reader.get("/impact-cases").headers["X-Cache"] == "miss"  # the least recently used went first
