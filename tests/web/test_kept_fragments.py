"""The parts of every page each process keeps (awards/templating.py, `kept_fragment`): the service navigation, the
phase banner and the footer are rendered once per language, kind of reader and part of the service, and each
reader still sees their own: their links, where they are marked, their language, and a sign-out button whose
CSRF token is their own response's."""

from __future__ import annotations

import re

from awards.i18n import LANGUAGE_COOKIE
from tests.factories import make_cycle, make_judge, make_user
from tests.support.visible import page_text, service_navigation

ANONYMOUS = [("Impact cases", False), ("Trends", False), ("Sign in", True), ("Create an account", False)]
NOMINEE = [
    ("Impact cases", False),
    ("Trends", False),
    ("Your nominations", True),
    ("Your account", False),
    ("Sign out", False),
]


def _token(response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_each_reader_sees_their_own_navigation_from_the_kept_parts(app, client, nominee):
    organiser = make_user(name="Omar & Co 🎉", email="omar@awards.example.org", roles=("organiser",))
    judge = make_user(name="Jo", email="jo@judging.example.org", roles=("judge",))
    make_judge(make_cycle(), judge)
    for _ in range(2):  # the second time from what the first kept
        assert service_navigation(client.get("/sign-in")) == ANONYMOUS
        assert ("Trends", True) in service_navigation(client.get("/trends"))
    people = app.test_client(), app.test_client(), app.test_client()
    for person, user in zip(people, (nominee, organiser, judge), strict=True):
        person.sign_in_as(user)
    for _ in range(2):
        assert service_navigation(people[0].get("/nominations")) == NOMINEE
        organisers = service_navigation(people[1].get("/organiser/"))
        assert organisers[:3] == [("Impact cases", False), ("Trends", False), ("Organise", True)]
        assert ("Judging", False) not in organisers
        judges = service_navigation(people[2].get("/nominations"))
        assert ("Judging", False) in judges and ("Your nominations", True) in judges
        assert ("Organise", False) not in judges
        # the anonymous reader after the signed-in ones: never their links
        assert service_navigation(client.get("/sign-in")) == ANONYMOUS


def test_the_sign_out_button_of_a_kept_navigation_carries_this_responses_token(app, nominee):
    first, second = app.test_client(), app.test_client()
    first.sign_in_as(nominee)
    second.sign_in_as(make_user(name="Sam", email="sam@riverside.gov.uk"))
    first.get("/nominations")  # kept here
    page = second.get("/nominations")  # given again, with this session's token
    response = second.post("/sign-out", data={"csrf_token": _token(page)})
    assert response.status_code == 302
    assert service_navigation(second.get("/sign-in")) == ANONYMOUS
    # the other person is still signed in
    assert service_navigation(first.get("/nominations")) == NOMINEE


def test_a_reader_in_welsh_gets_the_welsh_parts_after_an_english_one(app, client):
    client.get("/sign-in")
    welsh = app.test_client()
    welsh.set_cookie(LANGUAGE_COOKIE, "cy")
    page = welsh.get("/sign-in")
    assert [words for words, _ in service_navigation(page)] == [
        "Astudiaethau achos effaith",
        "Tueddiadau",
        "Mewngofnodi",
        "Creu cyfrif",
    ]
    assert "Datganiad hygyrchedd" in page_text(page) and "Accessibility statement" not in page_text(page)
    english = page_text(client.get("/sign-in"))
    assert "Accessibility statement" in english and "Datganiad hygyrchedd" not in english


def test_the_navigation_follows_a_change_made_between_the_guard_and_the_kept_pages_version(app, monkeypatch):
    """The judging pages' guard asks whether the person judges any cycle before the kept pages' data version is
    read; a membership ended in between must not put "Judging" on a page kept under the newer version."""
    from awards.extensions import db
    from awards.models import Judge
    from awards.web import personal_cache

    user = make_user(name="Jo", email="jo@judging.example.org", roles=("judge",))
    judge_id = make_judge(make_cycle(), user).id
    client = app.test_client()
    client.sign_in_as(user)
    reading = personal_cache._version

    def after_an_organiser_ends_the_membership(cache):
        with db.session.session_factory() as other:  # another worker, between the guard and the version
            other.get(Judge, judge_id).accepted_at = None
            other.commit()
        return reading(cache)

    monkeypatch.setattr(personal_cache, "_version", after_an_organiser_ends_the_membership)
    page = client.get("/judging/")
    assert ("Judging", True) not in service_navigation(page)
