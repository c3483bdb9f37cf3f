"""The organiser's trend taxonomy pages, through the test client."""

import sqlalchemy as sa

from awards.domain.programme import taxonomy
from awards.extensions import db
from awards.models import AuditEvent, NominationTrend, Trend, TrendGroup
from tests.factories import make_cycle, make_nomination
from tests.support.pages import input_value
from tests.support.programme import offered_trend_ids
from tests.support.queries import recorded_queries
from tests.support.visible import error_summary
from tests.support.visible import main_text as text_of


def fresh_trend(code: str) -> Trend:
    db.session.expire_all()
    return db.session.scalar(sa.select(Trend).where(Trend.code == code))


def test_the_list_shows_every_trend_by_group(organiser_client):
    cycle = make_cycle()
    make_cycle(name="Second", year=2027)
    taxonomy.retire_trend(fresh_trend("S2"))
    db.session.commit()
    response = organiser_client.get("/organiser/trends")
    assert response.status_code == 200
    text = text_of(response)
    assert "20 trends, 1 retired." in text
    assert text.index("Digital trends") < text.index("Technology trends") < text.index("Societal trends")
    # code, name, description, source, cycles offering it, status
    assert (
        "D1 Technology for public good Ethical, safe and sustainable use of technology and data for public "
        "value, beyond efficiency. Socitm, Public sector digital trends 2024 collection 2 Current"
    ) in text
    assert "S1 Democracy is challenged SKR" in text and "(2023) None Current" in text
    assert "S2 The social contract is being renegotiated" in text and "None Retired" in text
    html = response.get_data(as_text=True)
    assert 'href="/organiser/trends/technology-for-public-good/edit"' in html
    assert 'href="/organiser/trends/technology-for-public-good/retire"' in html
    assert 'action="/organiser/trends/the-social-contract-is-being-renegotiated/restore"' in html
    assert cycle  # the cycles made the counts


def test_the_list_makes_the_same_queries_however_many_trends(organiser_client):
    taxonomy.seed_trends()
    db.session.commit()
    organiser_client.get("/organiser/trends")
    with recorded_queries() as few:
        organiser_client.get("/organiser/trends")
    for n in range(10):
        taxonomy.add_trend(code=f"X{n}", name=f"Extra trend {n}", group="technology")
    make_cycle()
    with recorded_queries() as many:
        organiser_client.get("/organiser/trends")
    assert len(many) == len(few)


def test_add_a_trend(organiser_client, organiser):
    taxonomy.seed_trends()
    db.session.commit()
    page = organiser_client.get("/organiser/trends/new")
    assert page.status_code == 200 and "You cannot change it later" in text_of(page)
    response = organiser_client.post_form(
        "/organiser/trends/new",
        {
            "code": "t6",
            "name": "Quantum computing",
            "group": "technology",
            "description": "Preparing for quantum-safe services.",
            "source": "Our own horizon scan 2026",
        },
        token_from="/organiser/trends/new",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/organiser/trends#trend-quantum-computing"
    added = fresh_trend("T6")
    assert (added.name, added.group, added.slug, added.source) == (
        "Quantum computing",
        TrendGroup.TECHNOLOGY,
        "quantum-computing",
        "Our own horizon scan 2026",
    )
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "trend.added")).actor_id == organiser.id
    page = organiser_client.get("/organiser/trends")
    assert "T6 Quantum computing has been added" in text_of(page)
    # A new cycle can offer it.
    assert added.id in offered_trend_ids(organiser_client.get("/organiser/cycles/new"))


def test_adding_keeps_what_was_typed_when_there_is_a_problem(organiser_client):
    taxonomy.seed_trends()
    db.session.commit()
    response = organiser_client.post_form(
        "/organiser/trends/new",
        {
            "code": "D1",
            "name": "Another",
            "group": "digital",
            "description": "Kept description",
            "source": "Kept source",
        },
        token_from="/organiser/trends/new",
    )
    assert response.status_code == 200
    assert error_summary(response) == [("#code", "There is already a trend with the code D1")]
    assert input_value(response, "code") == "D1" and input_value(response, "name") == "Another"
    assert input_value(response, "source") == "Kept source"
    assert "Kept description</textarea>" in response.get_data(as_text=True)
    response = organiser_client.post_form(
        "/organiser/trends/new",
        {"code": "bad code!", "name": "", "description": "Still here"},
        token_from="/organiser/trends/new",
    )
    assert dict(error_summary(response)) == {
        "#code": "Code must be 16 letters, numbers or hyphens or fewer",
        "#name": "Enter the trend's name",
        "#group": "Select the trend's group",
    }
    assert "<title>Error: Add a trend" in response.get_data(as_text=True)
    assert "Still here</textarea>" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Trend.id))) == 20


def test_edit_a_trend_keeps_its_code_and_web_address(organiser_client):
    taxonomy.seed_trends()
    db.session.commit()
    url = "/organiser/trends/harnessing-data/edit"
    page = organiser_client.get(url)
    assert input_value(page, "name") == "Harnessing data"
    assert 'value="technology" checked' in page.get_data(as_text=True)
    assert input_value(page, "code") is None and "Code T2" in text_of(page)
    response = organiser_client.post_form(
        url, {"name": "", "group": "digital", "description": "New words", "source": "Socitm 2025"}, token_from=url
    )
    assert error_summary(response) == [("#name", "Enter the trend's name")]
    assert 'value="digital" checked' in response.get_data(as_text=True)
    response = organiser_client.post_form(
        url,
        {"name": "Data and insight", "group": "digital", "description": "New words", "source": "Socitm 2025"},
        token_from=url,
    )
    assert response.status_code == 302
    edited = fresh_trend("T2")
    assert (edited.code, edited.slug, edited.name, edited.group, edited.description, edited.source) == (
        "T2",
        "harnessing-data",
        "Data and insight",
        TrendGroup.DIGITAL,
        "New words",
        "Socitm 2025",
    )
    assert organiser_client.get("/organiser/trends/no-such-trend/edit").status_code == 404


def test_retire_asks_first_and_the_nominations_keep_the_trend(organiser_client, organiser):
    cycle = make_cycle()
    nomination = make_nomination(cycle)
    carried = nomination.trend_links[0].trend
    url = f"/organiser/trends/{carried.slug}/retire"
    page = organiser_client.get(url)
    text = text_of(page)
    assert f"Retire {carried.name}?" in text
    assert "new award cycles cannot offer it" in text
    assert "the 1 nomination that addresses it keeps it, and impact cases published with it keep it too" in text
    assert "the 1 cycle that offers it now keeps offering it until you change that cycle" in text
    assert fresh_trend(carried.code).retired_at is None  # nothing happens until confirmed

    response = organiser_client.post_form(url, token_from=url)
    assert response.status_code == 302
    assert fresh_trend(carried.code).is_retired
    assert "has been retired. Nominations that address it keep it." in text_of(
        organiser_client.get(response.headers["Location"])
    )
    # The nomination still carries it, and so does the cycle that offered it...
    links = db.session.scalars(sa.select(NominationTrend).where(NominationTrend.nomination_id == nomination.id)).all()
    assert carried.id in {link.trend_id for link in links}
    assert carried.code in text_of(organiser_client.get(f"/organiser/cycles/{cycle.slug}"))
    # ...but a new cycle is not offered it.
    assert carried.id not in offered_trend_ids(organiser_client.get("/organiser/cycles/new"))
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "trend.retired"))
    assert event.actor_id == organiser.id
    # Retiring again just says so.
    response = organiser_client.get(url)
    assert response.status_code == 302
    assert "is already retired" in text_of(organiser_client.get(response.headers["Location"]))


def test_restore_a_trend(organiser_client):
    taxonomy.seed_trends()
    taxonomy.retire_trend(fresh_trend("S4"))
    db.session.commit()
    response = organiser_client.post_form(
        "/organiser/trends/more-paths-to-knowledge/restore", token_from="/organiser/trends"
    )
    assert response.status_code == 302
    assert not fresh_trend("S4").is_retired
    page = organiser_client.get("/organiser/trends")
    assert "S4 More paths to knowledge has been restored. New cycles can offer it again." in text_of(page)
    assert fresh_trend("S4").id in offered_trend_ids(organiser_client.get("/organiser/cycles/new"))


def test_retire_and_restore_need_a_csrf_token(organiser_client):
    taxonomy.seed_trends()
    db.session.commit()
    response = organiser_client.post("/organiser/trends/harnessing-data/retire")
    assert response.status_code == 400
    assert not fresh_trend("T2").is_retired


def test_other_roles_cannot_change_trends(nominee_client, judge_client, client):
    taxonomy.seed_trends()
    db.session.commit()
    for signed_in in (nominee_client, judge_client):
        assert signed_in.get("/organiser/trends").status_code == 403
        response = signed_in.post_form("/organiser/trends/harnessing-data/retire", token_from="/account")
        assert response.status_code == 403
    assert client.get("/organiser/trends").headers["Location"].startswith("/sign-in")
    assert not fresh_trend("T2").is_retired
