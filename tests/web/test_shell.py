"""The GOV.UK Frontend shell: base layout, our own brand, error pages."""

import logging
import re


def test_home_has_service_name_skip_link_phase_banner_and_footer(client):
    page = client.get("/").get_data(as_text=True)
    assert "Public Sector Digital Awards" in page
    assert 'href="#main-content"' in page and "Skip to main content" in page
    assert "govuk-phase-banner" in page and "Beta" in page
    for link in ("/accessibility", "/privacy", "/cookies"):
        assert f'href="{link}"' in page


def test_not_gov_uk_no_crown_no_logotype_no_gds_transport(client, app):
    page = client.get("/").get_data(as_text=True)
    assert "govuk-header__logotype" not in page
    assert "GOV.UK" not in page.replace("GOV.UK Design System", "")
    assert "govuk-crest" not in page
    css = app.static_folder + "/build/app.css"
    with open(css) as f:
        assert "GDS Transport" not in f.read()


def test_service_name_is_configurable(make_app):
    app = make_app(SERVICE_NAME="Northshire Digital Awards")
    page = app.test_client().get("/").get_data(as_text=True)
    assert "Northshire Digital Awards" in page
    assert "<title>Northshire Digital Awards</title>" in page


def test_information_pages_have_real_text(client):
    assert "WCAG" in client.get("/accessibility").get_data(as_text=True)
    privacy = client.get("/privacy").get_data(as_text=True)
    assert "What we store" in privacy and "hash of your password" in privacy
    cookies = client.get("/cookies").get_data(as_text=True)
    assert "awards_session" in cookies and "awards_remember" in cookies


def test_404_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    assert "Content-Security-Policy" in response.headers


def test_500_page_has_incident_id_in_page_and_log_and_no_traceback(make_app, caplog):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    with caplog.at_level(logging.ERROR, logger="awards"):
        response = app.test_client().get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in page
    assert "secret internals" not in page and "Traceback" not in page
    incident = re.search(r"<strong>([0-9A-F]{12})</strong>", page).group(1)
    assert any(incident in r.getMessage() for r in caplog.records)
    assert "Content-Security-Policy" in response.headers


def test_403_page_for_signed_in_user_without_role(nominee_client):
    response = nominee_client.get("/organiser/")
    assert response.status_code == 403
    assert "You do not have permission" in response.get_data(as_text=True)


def test_error_summary_and_title_prefix_on_invalid_form(client):
    response = client.post_form(
        "/register",
        {
            "name": "",
            "email": "not-an-email",
            "organisation": "Riverside",
            "password": "short",
            "confirm_password": "other",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page and "There is a problem" in page
    assert "<title>Error: Create an account" in page
    assert 'href="#name"' in page
    # what was typed is kept (except passwords, by GOV.UK guidance)
    assert 'value="not-an-email"' in page and 'value="Riverside"' in page


def test_flash_message_shows_as_notification_banner(client, nominee):
    response = client.post_form("/sign-in", {"email": nominee.email, "password": "correct horse battery staple"})
    response = client.post_form("/sign-out", token_from="/", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "govuk-notification-banner--success" in page and "You have signed out" in page
