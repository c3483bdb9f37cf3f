"""Hostile page numbers never break a page: every GET route of the url map, as every audience that may see it,
with `page` and `per_page` set to numbers too big for the database, negative, zero, fractions, words and digits
from other scripts. The answer is never a 5xx (the pages read `page` through awards/domain/core/paging.py: anything
unreadable is page 1 and a page past the end is the last page; the public library gives a 404 past the end and
the API a 400 for a bad number).

Each audience's first request carries the longest hostile number; the rest of the list is sent only when that
request looked at `page` or `per_page` (or walked the query arguments as a whole): a page that never reads them
cannot answer differently for another value, and sending it 27 more was most of the suite's time here. The first
audience that reads them gets the whole list; the other audiences one value of each kind.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from werkzeug.datastructures import ImmutableMultiDict

from tests.support.access_matrix import AUDIENCES, LOGIN, MATRIX, build_url, expected

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

# The longest first: the request that shows whether the page reads `page` at all.
HOSTILE_FIRST = sorted(HOSTILE, key=len, reverse=True)
# After one audience has had every value, the others (who see other rows of the same page, read by the same
# paging code) have one of each kind: too big, negative, a fraction, digits from another script.
HOSTILE_AGAIN = ("9" * 5000, "-1", "1.5", "١٢")

# Routes whose paging only shows with a filter set: the filter their paging needs, from the url values.
PAGING_FILTERS = {
    "/organiser/cycles/<slug>/results": lambda values: {"category": _category_slug(values["category_id"])},
}


def _category_slug(category_id: int) -> str:
    from awards.extensions import db
    from awards.models import Category

    return db.session.get(Category, category_id).slug


PAGING_ARGS = frozenset({"page", "per_page"})


class WatchedArguments(ImmutableMultiDict):
    """Query (and form) arguments that note in `read` whether `page` or `per_page` was looked at: by name, or
    by any walk over every argument (a page copying its arguments into links reads them too)."""

    read: set[str] = set()

    def _note(self, key) -> None:
        if key in PAGING_ARGS:
            WatchedArguments.read.add(key)

    def _note_all(self) -> None:
        WatchedArguments.read.update(PAGING_ARGS & set(dict.keys(self)))

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's own name)
        self._note(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        self._note(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)

    def items(self, multi=False):
        self._note_all()
        return super().items(multi)

    def lists(self):
        self._note_all()
        return super().lists()

    def values(self):
        self._note_all()
        return super().values()

    def listvalues(self):
        self._note_all()
        return super().listvalues()

    def keys(self):
        self._note_all()
        return super().keys()

    def __iter__(self):
        self._note_all()
        return super().__iter__()

    def to_dict(self, flat=True):
        self._note_all()
        return super().to_dict(flat)

    def copy(self):
        self._note_all()
        return super().copy()


def test_the_watch_sees_a_read_by_name_and_by_a_walk():
    """The watch itself: reading `page` or walking the arguments is seen; reading another argument is not."""
    args = WatchedArguments([("page", "2"), ("show", "all")])
    WatchedArguments.read.clear()
    args.get("show")
    assert "show" in args and args["show"] == "all"
    assert not WatchedArguments.read
    assert args.get("page") == "2"
    assert WatchedArguments.read == {"page"}
    WatchedArguments.read.clear()
    dict(args.items())
    assert WatchedArguments.read == {"page"}


# Pages known to read `page`: for these the first request must have been seen reading it, so a watch that
# stopped seeing (a change in how werkzeug builds `request.args`) fails here instead of skipping every page.
KNOWN_PAGED = {"/impact-cases", "/api/v1/impact-cases", "/organiser/users", "/organiser/cycles/<slug>/results"}

GET_ROUTES = sorted(rule for method, rule in MATRIX if method == "GET")


# The routes in groups that share one set of data (the access matrix's world, restored for each group: see
# tests/support/kept_worlds.py). GET requests change nothing a later route's answer depends on; each failure still
# names its route.
GROUP_SIZE = 10
GROUPS_OF_ROUTES = [GET_ROUTES[i : i + GROUP_SIZE] for i in range(0, len(GET_ROUTES), GROUP_SIZE)]


@pytest.mark.parametrize("rules", GROUPS_OF_ROUTES, ids=lambda rules: f"{rules[0]}..{rules[-1]}")
def test_hostile_page_numbers_never_give_a_server_error(app, matrix_world, rules, monkeypatch):
    class WatchedRequest(app.request_class):
        parameter_storage_class = WatchedArguments

    monkeypatch.setattr(app, "request_class", WatchedRequest)
    users, values = matrix_world
    failures = []
    for rule in rules:
        failures += _hostile_page_failures(app, users, values, rule)
    assert not failures, "\n".join(failures)


def _hostile_page_failures(app, users, values, rule) -> list[str]:
    url = build_url(app, "GET", rule, values)
    extra = PAGING_FILTERS.get(rule, lambda _: {})(values)
    outcomes = expected(MATRIX[("GET", rule)])
    audiences = [a for a in AUDIENCES if outcomes[a] not in (LOGIN, 403, 404)]
    failures = []
    seen_reading = False
    for audience in audiences:
        client = app.test_client()
        if audience in users and audience != "anonymous":
            client.sign_in_as(users[audience])
        WatchedArguments.read.clear()
        for n, value in enumerate(HOSTILE_FIRST if not seen_reading else HOSTILE_AGAIN):
            if n and not WatchedArguments.read:
                break  # the first request never looked at page or per_page
            seen_reading = seen_reading or n == 1
            for query in ({**extra, "page": value, "per_page": value}, {**extra, "per_page": value}):
                response = client.get(f"{url}?{urlencode(query)}")
                if response.status_code >= 500:
                    failures.append(f"GET {url} as {audience} {query!r:.80}: {response.status_code}")
    if not seen_reading and rule in KNOWN_PAGED:
        failures.append(f"GET {url} reads page, but the watch did not see it")
    return failures


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
