"""A public page served from the page cache works in a real browser as when it was built: the
CSP allows GOV.UK's inline script by its hash (no per-request nonce), and the JSON-LD data block
of a case page raises no CSP violation."""

import pytest

pytestmark = pytest.mark.e2e


def published_case() -> str:
    from tests.factories import make_published_case

    return make_published_case(title="Flood warnings by text message").slug


def test_a_cached_case_page_runs_its_script_without_csp_violations(journey, live_server, check_page):
    slug = live_server.run(published_case)
    violations = []
    # Two readers, each in a browser context of their own (so the second is not answered by the
    # first one's HTTP cache): the first gets the page as built, the second from the page cache.
    for visit in ("miss", "hit"):
        page = journey.new_page()
        page.on(
            "console",
            lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
        )
        response = page.goto(f"/impact-cases/{slug}")
        assert response.status == 200 and response.headers["x-cache"] == visit
        assert page.evaluate("document.body.classList.contains('js-enabled')"), visit
        assert page.locator('script[type="application/ld+json"]').count() == 1
        check_page(page, f"case page ({visit})")
    assert violations == []
