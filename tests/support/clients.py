"""Test clients: one signed in as a person, and whether a client is signed in."""

from __future__ import annotations


def signed_in_client(app, user):
    """A new test client of the app, signed in as the user (without the form)."""
    client = app.test_client()
    client.sign_in_as(user)
    return client


def is_signed_in(client) -> bool:
    """Whether the client's session is signed in (its account page opens)."""
    return client.get("/account").status_code == 200
