"""Hostile page numbers never break a page: every GET route of the url map, as every audience that may see it,
with `page` and `per_page` set to numbers too big for the database, negative, zero, fractions, words and digits
from other scripts. The answer is never a 5xx (the pages read `page` through awards/domain/core/paging.py: anything
unreadable is page 1 and a page past the end is the last page; the public library gives a 404 past the end and
the API a 400 for a bad number).
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.support.access_matrix import AUDIENCES, LOGIN, MATRIX, build_url, expected, url_values

HOSTILE = (
    "100000000000000000000",
    "9" * 5000,
    "-1",
    "0",
    "-0",
    "1.5",
    "1e3",
    "abc",
    "",
    " 2 ",
    "١٢",
    "²",
    "１２",
    "0x10",
)

# Routes whose paging only shows with a filter set: the filter their paging needs, from the url values.
PAGING_FILTERS = {
    "/organiser/cycles/<slug>/results": lambda values: {"category": _category_slug(values["category_id"])},
}


def _category_slug(category_id: int) -> str:
    from awards.extensions import db
    from awards.models import Category

    return db.session.get(Category, category_id).slug


GET_ROUTES = sorted(rule for method, rule in MATRIX if method == "GET")


@pytest.mark.parametrize("rule", GET_ROUTES)
def test_hostile_page_numbers_never_give_a_server_error(app, audience_users, rule):
    users = audience_users
    values = url_values(users)
    url = build_url(app, "GET", rule, values)
    extra = PAGING_FILTERS.get(rule, lambda _: {})(values)
    outcomes = expected(MATRIX[("GET", rule)])
    audiences = [a for a in AUDIENCES if outcomes[a] not in (LOGIN, 403, 404)]
    failures = []
    for audience in audiences:
        client = app.test_client()
        if audience in users and audience != "anonymous":
            client.sign_in_as(users[audience])
        for value in HOSTILE:
            for query in ({**extra, "page": value, "per_page": value}, {**extra, "per_page": value}):
                response = client.get(f"{url}?{urlencode(query)}")
                if response.status_code >= 500:
                    failures.append(f"{audience} {query!r:.80}: {response.status_code}")
    assert not failures, f"GET {url}: " + "; ".join(failures)


def test_a_page_past_the_end_shows_the_last_page_and_a_word_the_first(organiser_client):
    """The clamp, as the organiser sees it on the people list (50 a page): page 10^20 is the last page."""
    from awards.extensions import db
    from tests.factories import make_user
    from tests.support.visible import main_text

    for n in range(55):
        make_user(name=f"Person {n:02d}", email=f"person{n:02d}@example.org")
    db.session.commit()

    def shown(query: str) -> str:
        response = organiser_client.get(f"/organiser/users{query}")
        assert response.status_code == 200, query
        return main_text(response)

    last, first = shown("?page=2"), shown("")
    assert "Person 54" in last and "Person 00" not in last
    assert shown("?page=100000000000000000000") == last
    assert shown("?page=" + "9" * 5000) == last
    for word in ("abc", "-3", "0", "1.5", "١٢"):
        assert shown(f"?page={word}") == first, word
