"""Test clients: one signed in as a person, whether a client is signed in, and registering through the form."""

from __future__ import annotations


def signed_in_client(app, user):
    """A new test client of the app, signed in as the user (without the form)."""
    client = app.test_client()
    client.sign_in_as(user)
    return client


def is_signed_in(client) -> bool:
    """Whether the client's session is signed in (its account page opens)."""
    return client.get("/account").status_code == 200


def register_as_sian(client, email: str):
    """Siân registers through the form (a Welsh name and organisation, a passphrase of Welsh words)."""
    return client.post_form(
        "/register",
        {
            "name": "Siân Jones",
            "email": email,
            "organisation": "Cyngor Sir Ceredigion",
            "password": "llwybr hir ar hyd yr afon",
            "confirm_password": "llwybr hir ar hyd yr afon",
        },
    )
