"""A forged cross-site post to a nomination section, in a real browser (issue 16, item 5).

Found: another site's form, posted from the browser of a signed-in nominee, arrived without their
cookies (SameSite=Lax), was kept as "what they typed" and answered with a new session cookie that
replaced theirs, signing them out; signing in again showed the planted text as their own. Now it is
refused with a page, keeps nothing and leaves their session as it was."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in

pytestmark = pytest.mark.e2e

ATTACKER = "http://attacker.example"
PLANTED = "Send your bank details to the new supplier"


def _draft_for(user_id: int) -> str:
    from awards.extensions import db
    from awards.models import User
    from tests.factories import make_cycle, make_nomination

    nomination = make_nomination(make_cycle(), nominator=db.session.get(User, user_id), status="draft", complete=False)
    return nomination.reference


def test_a_cross_site_post_keeps_nothing_and_signs_nobody_out(page, live_server, check_page):
    nominee = live_server.make_user(name="Nia Nominee")
    reference = live_server.run(_draft_for, nominee.id)
    sign_in(page, nominee.email, nominee.password)
    target = f"{live_server.url}/nominations/{reference}/challenge"
    forged = (
        f'<!doctype html><title>Win a prize</title><form method="post" action="{target}">'
        f'<input name="challenge" value="{PLANTED}"></form><script>document.forms[0].submit()</script>'
    )
    page.route(f"{ATTACKER}/**", lambda route: route.fulfill(status=200, content_type="text/html", body=forged))

    page.goto(f"{ATTACKER}/prize")
    expect(page.get_by_role("heading", name="Your answers could not be kept")).to_be_visible()
    assert "Nothing was kept" in page.get_by_role("main").inner_text()
    check_page(page, "nominee: a section post without its ticket")

    page.goto(f"/nominations/{reference}/challenge")
    expect(page.get_by_role("heading", name="The challenge")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # still signed in
    assert PLANTED not in page.get_by_role("main").inner_text()
    assert page.get_by_label("Describe the challenge").input_value() == ""
