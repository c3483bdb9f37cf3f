"""The fast path for cached public pages (awards/web/fast_path.py): an anonymous reader's request for a page the
page cache holds is answered before Flask (no request is started: Flask's `request_started` signal is not sent),
with the status, headers and body the normal path sends for the same page in each language, and is never staler
than the normal path: a publication or an edit made through another app instance (as another gunicorn worker,
or another server on the same database, would) shows on the next request."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine
from flask import request, request_started

from awards.domain.results import shortlists
from awards.extensions import db
from awards.models import ImpactCase, User
from awards.web.caching import MAX_AGE, READER_KEY
from tests.factories import make_published_case, make_published_cycle, make_user
from tests.support.pages import page_source

LANGUAGES = ("en", "cy", "sv")


@pytest.fixture
def bins_case(app):
    return make_published_case(
        make_published_cycle(year=2025),
        title="Smarter bin collections",
        summary="Sensors tell crews which bins are full.",
    )


@pytest.fixture
def through_flask(app):
    """The addresses of the requests Flask itself handled (its `request_started` signal), in order."""
    seen: list[str] = []

    def note(_sender, **_extra):
        seen.append(request.full_path.rstrip("?"))

    request_started.connect(note, app)
    yield seen
    request_started.disconnect(note, app)


def headers_but_the_request_id(response) -> list[tuple[str, str]]:
    return [(name, value) for name, value in response.headers.items() if name != "X-Request-ID"]


def three_reads(reader, url: str, through_flask: list[str], *, built: bool = False, **kwargs):
    """Built (a miss, unless `built` says that was done), then from the page cache by Flask, then by the fast
    path: the last two responses."""
    if not built:
        first = reader.get(url, **kwargs)
        assert first.status_code == 200 and first.headers["X-Cache"] == "miss", url
    through_flask.clear()
    by_flask = reader.get(url, **kwargs)
    before_flask = reader.get(url, **kwargs)
    assert through_flask == [url], f"{url}: the second read goes through Flask, the third does not"
    return by_flask, before_flask


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_cached_page_is_answered_before_flask_with_the_bytes_flask_sends(client, bins_case, through_flask, language):
    client.set_cookie("awards_language", language)  # as the language switcher leaves it
    for url in ("/impact-cases", f"/impact-cases/{bins_case.slug}", "/trends", "/api/v1/impact-cases"):
        by_flask, before_flask = three_reads(client, url, through_flask)
        assert before_flask.status_code == by_flask.status_code == 200
        assert before_flask.data == by_flask.data, url
        assert headers_but_the_request_id(before_flask) == headers_but_the_request_id(by_flask), url
        assert before_flask.headers["X-Cache"] == "hit" and "Set-Cookie" not in before_flask.headers
        if url != "/trends":
            assert "Smarter bin collections" in before_flask.get_data(as_text=True), url
        for header in ("Content-Security-Policy", "X-Frame-Options", "ETag", "Vary", "X-Request-ID"):
            assert before_flask.headers.get(header), (url, header)
        if not url.startswith("/api/"):
            assert f'<html lang="{language}"' in page_source(before_flask), url
    # each language is a page of its own: a reader of another language never gets this one
    other = next(code for code in LANGUAGES if code != language)
    client.set_cookie("awards_language", other)
    assert f'<html lang="{other}"' in page_source(client.get("/impact-cases"))


def test_a_head_request_and_a_revalidation_get_what_flask_sends(client, bins_case, through_flask):
    url = f"/impact-cases/{bins_case.slug}"
    by_flask, before_flask = three_reads(client, url, through_flask)
    head = client.head(url)
    assert head.status_code == 200 and head.data == b"" and through_flask == [url]
    assert headers_but_the_request_id(head) == headers_but_the_request_id(by_flask)

    etag = {"If-None-Match": by_flask.headers["ETag"]}
    through_flask.clear()
    flask_304, fast_304 = client.get(url, headers=etag), client.get(url, headers=etag)
    assert through_flask == [url] and flask_304.status_code == fast_304.status_code == 304
    assert headers_but_the_request_id(fast_304) == headers_but_the_request_id(flask_304)
    assert fast_304.data == b"" and "Content-Security-Policy" not in fast_304.headers
    assert fast_304.headers["X-Cache"] == "revalidated" and fast_304.headers["ETag"] == by_flask.headers["ETag"]
    # an ETag of another page (or an old one) gets the page
    other = client.get(url, headers={"If-None-Match": 'W/"not-this-page"'})
    assert other.status_code == 200 and other.data == before_flask.data and through_flask == [url]


def test_revalidations_alone_are_answered_before_flask_until_the_page_changes(client, bins_case, through_flask):
    """A browser that only revalidates (If-None-Match every time) gets the fast path's 304 from its second
    request on, also once the page itself is no longer kept (as Flask would), and the new page at once after an
    edit."""
    url = f"/impact-cases/{bins_case.slug}"
    with time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=UTC), tick=False) as traveller:
        etag = {"If-None-Match": client.get(url).headers["ETag"]}
        through_flask.clear()
        answers = [client.get(url, headers=etag) for _ in range(3)]
        assert [r.status_code for r in answers] == [304, 304, 304] and through_flask == [url]
        traveller.shift(MAX_AGE)  # the kept page is too old to send; its ETag still names this version
        assert client.get(url, headers=etag).status_code == 304 and through_flask == [url]
    shortlists.edit_case(bins_case, by=make_user(roles=("organiser",)), summary="A change the readers must see.")
    db.session.commit()
    changed = client.get(url, headers=etag)
    assert changed.status_code == 200 and "A change the readers must see." in page_source(changed)


def test_the_request_id_is_the_readers_or_a_new_one_as_flask_makes_it(client, bins_case, through_flask):
    url = f"/impact-cases/{bins_case.slug}"
    three_reads(client, url, through_flask)
    assert client.get(url, headers={"X-Request-ID": "trace-42"}).headers["X-Request-ID"] == "trace-42"
    made = {client.get(url, headers={"X-Request-ID": "not one; of ours"}).headers["X-Request-ID"] for _ in range(2)}
    assert len(made) == 2 and all(len(rid) == 36 and "not one" not in rid for rid in made)
    assert through_flask == [url]


def test_signed_in_people_and_readers_with_a_session_go_through_flask(app, client, bins_case, through_flask):
    url = f"/impact-cases/{bins_case.slug}"
    three_reads(client, url, through_flask)
    signed_in = app.test_client()
    signed_in.sign_in_as(make_user(name="Rita Reader", email="rita@riverside.gov.uk"))
    theirs = signed_in.get(url)
    assert "Sign out" in page_source(theirs) and theirs.headers["Cache-Control"] == "no-store"
    someone = app.test_client()
    with someone.session_transaction() as session:
        session["_flashes"] = [("success", "Your password has been changed")]
    assert "Your password has been changed" in page_source(someone.get(url))
    assert through_flask == [url, url, url]
    assert "Sign out" not in page_source(client.get(url)) and through_flask == [url, url, url]


def test_the_api_follows_accept_language_and_the_pages_do_not(client, bins_case, through_flask):
    api = "/api/v1/impact-cases"
    welsh = {"Accept-Language": "cy"}
    by_flask, before_flask = three_reads(client, api, through_flask, headers=welsh)
    assert headers_but_the_request_id(before_flask) == headers_but_the_request_id(by_flask)
    english = client.get(api, headers={"Accept-Language": "en"})
    assert english.headers["X-Cache"] == "miss" and english.headers["ETag"] != before_flask.headers["ETag"]
    # a page does not read Accept-Language: the English page, from the fast path
    three_reads(client, "/trends", through_flask)
    page = client.get("/trends", headers=welsh)
    assert '<html lang="en"' in page_source(page) and through_flask == ["/trends"]


def test_a_publication_through_another_instance_shows_at_once(client, make_app, judged, through_flask):
    cycle, _category, _judges, _top, _second = judged
    organiser = make_user(roles=("organiser",))
    shortlists.suggest_shortlist(cycle, by=organiser)
    db.session.commit()
    _by_flask, before = three_reads(client, "/impact-cases", through_flask)
    assert "HYPERLINK" not in page_source(before)
    other = make_app(SERVICE_NAME="Public Sector Digital Awards")  # its own memory, as another worker has
    publisher = other.test_client()
    publisher.sign_in_as(organiser)
    publish = f"/organiser/cycles/{cycle.slug}/publish"
    assert publisher.post_form(publish, token_from=publish).status_code == 302
    through_flask.clear()
    after = client.get("/impact-cases")
    assert after.headers["X-Cache"] == "miss" and "HYPERLINK" in page_source(after)
    assert through_flask == ["/impact-cases"]
    [slug] = [part.split('"')[0] for part in page_source(after).split('href="/impact-cases/')[1:2]]
    three_reads(client, f"/impact-cases/{slug}", through_flask)
    # taken down through the other instance: gone at once, on the fast path's address too
    case_id = db.session.scalar(sa.select(ImpactCase.id))
    url = f"/organiser/impact-cases/{case_id}"
    publisher.post_form(f"{url}/publication", {"action": "unpublish"}, token_from=url)
    assert client.get(f"/impact-cases/{slug}").status_code == 410
    assert "HYPERLINK" not in page_source(client.get("/impact-cases"))


def test_an_edit_through_another_instance_shows_at_once(client, make_app, bins_case, through_flask):
    url = f"/impact-cases/{bins_case.slug}"
    three_reads(client, url, through_flask)
    organiser = make_user(roles=("organiser",))
    other = make_app(SERVICE_NAME="Public Sector Digital Awards")
    with other.app_context():  # committed through the other instance's own engine and connections
        shortlists.edit_case(
            db.session.get(ImpactCase, bins_case.id),
            by=db.session.get(User, organiser.id),
            summary="Crews empty only the full bins.",
        )
        db.session.commit()
    through_flask.clear()
    edited = client.get(url)
    assert edited.headers["X-Cache"] == "miss" and "Crews empty only the full bins." in page_source(edited)
    assert through_flask == [url]
    _by_flask, again = three_reads(client, url, through_flask, built=True)
    assert "Crews empty only the full bins." in page_source(again)


def test_the_fast_path_serves_no_page_older_than_max_age(client, bins_case, through_flask):
    """A change the fingerprint cannot see (SQL outside the app's ORM) shows within MAX_AGE, as on the normal path."""
    url = f"/impact-cases/{bins_case.slug}"
    with time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=UTC), tick=False) as traveller:
        three_reads(client, url, through_flask)
        db.session.execute(sa.update(ImpactCase).where(ImpactCase.id == bins_case.id).values(title="Retitled by SQL"))
        db.session.commit()
        traveller.shift(MAX_AGE - 1)
        stale = client.get(url)
        assert "Retitled by SQL" not in page_source(stale) and through_flask == [url]
        traveller.shift(1)
        fresh = client.get(url)
        assert fresh.headers["X-Cache"] == "miss" and "Retitled by SQL" in page_source(fresh)
        assert through_flask == [url, url]


def test_a_lost_fingerprint_connection_is_replaced(app, client, bins_case, through_flask):
    url = f"/impact-cases/{bins_case.slug}"
    three_reads(client, url, through_flask)
    reader = app.extensions[READER_KEY]
    lost = list(reader._idle)  # the reader's own connections (white-box: no other way to reach them)
    assert lost
    for reading in lost:
        if reader.kind == "postgresql":  # as a database restart or an idle timeout would end it
            backend = reading.connection.info.backend_pid
            db.session.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
            db.session.commit()
        else:
            reading.connection.close()
    assert client.get(url).status_code == 200
    shortlists.edit_case(bins_case, by=make_user(roles=("organiser",)), summary="Seen after a reconnection.")
    db.session.commit()
    assert "Seen after a reconnection." in page_source(client.get(url))
    assert all(reading not in reader._idle for reading in lost)
