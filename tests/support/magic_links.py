"""Sign-in links by e-mail, for tests: ask for one, read the newest from the outbox, press its button."""

from __future__ import annotations

import re

LINK_RE = re.compile(r"http://127\.0\.0\.1:5000(/[^\s\"<]+)")
REQUEST = "/sign-in/email-link"


def ask_for_link(client, email):
    return client.post_form(REQUEST, {"email": email}, token_from=REQUEST)


def newest_link(outbox) -> str:
    return LINK_RE.search(outbox("magic_link")[-1].body_text).group(1)


def press_button(client, link):
    return client.post_form(link, {}, token_from=link)
