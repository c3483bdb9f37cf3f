"""What a nominee agrees to publish is what the public sees: the consent question in the declarations
lists exactly the parts of a nomination its impact case shows (page and API), and the result e-mails
say the same and link to the published case, or say why there is none."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.domain.nominations.attachments import add_attachment
from awards.domain.programme import entry_forms as forms
from awards.domain.publishing import publication
from awards.extensions import db
from awards.models import ImpactCase, NominationPartner, NominationTrend, Result, ShortlistDecision
from tests.factories import make_cycle, make_nomination
from tests.support.files import PNG
from tests.support.visible import text_of, visible_texts


def list_items(html: str, list_id: str) -> list[str]:
    """The visible text of each item of the list with this id."""
    block = html.split(f'id="{list_id}"', 1)[1].split("</ul>", 1)[0]
    return [text_of(item) for item in re.findall(r"<li[^>]*>(.*?)</li>", block, re.S)]


DECLARATIONS = ("declares_accurate", "consents_to_publish", "declares_authorised")


@pytest.fixture
def everything_filled(app, nominee):
    """A winning nomination of a cycle in judging with every question of the default form answered, each
    with its own marker (names with `&`, quotes and emoji), a partner that is a supplier, two trends, a
    measured outcome and a document; the nominee consented. Returns the nomination and {question key: [markers]}."""
    cycle = make_cycle(status="judging")
    trends = cycle.trends[:2]
    markers = {
        "organisation_name": ["Cyngor Sir Ynys Môn & “Partners” 🏴"],
        "region": ["Wales"],
        "title": ["Bwrdd Iechyd ‘Triage’ & more 🩺"],
        "summary": ["Summary marker: faster answers for 3 < 4 people."],
        "challenge": ["Challenge marker: the queue was long."],
        "approach": ["Approach marker: we built it in the open."],
        "outcomes_narrative": ["Outcomes marker: calls fell by half."],
        "unintended_consequences": ["Consequences marker: more emails at first."],
        "lessons": ["Lessons marker: start with the users."],
        "contact_name": ["Casi Cyswllt-Marker"],
        "contact_email": ["casi.marker@contact.example.gov.uk"],
        "contact_phone": ["01632 960 777"],
        "partners": ["Acme Partner Marker Ltd"],
        "trends": [trends[0].name, "How-marker one.", trends[1].name, "How-marker two."],
        "measured": ["Metric-marker waiting days", "Baseline-marker 12", "Result-marker 3", "Date-marker March 2026"],
        "documents": ["evidence-marker.png"],
    }
    texts = {key: values[0] for key, values in markers.items() if key not in ("partners", "trends", "measured")}
    texts.pop("documents")
    measured = [dict(zip(("metric", "baseline", "result", "measured_on"), markers["measured"], strict=True))]
    nomination = make_nomination(cycle, nominator=nominee, measured=measured, **texts)
    nomination.partners = [NominationPartner(name="Acme Partner Marker Ltd", is_supplier=True, position=0)]
    nomination.trend_links = []
    db.session.flush()
    nomination.trend_links = [
        NominationTrend(trend=trends[0], is_primary=True, how_addressed="How-marker one.", position=0),
        NominationTrend(trend=trends[1], is_primary=False, how_addressed="How-marker two.", position=1),
    ]
    add_attachment(nomination, filename="evidence-marker.png", stream=io.BytesIO(PNG), by=nominee)
    db.session.add(
        ShortlistDecision(
            cycle_id=cycle.id,
            nomination_id=nomination.id,
            result=Result.WINNER,
            suggested=True,
            rationale="",
            decided_at=utcnow(),
        )
    )
    db.session.commit()
    # every question of the form has a marker (the declarations are yes or no)
    assert set(markers) | set(DECLARATIONS) == {q.key for q in forms.questions_of(cycle)}
    return nomination, markers


def publish(organiser_client, cycle) -> None:
    url = f"/organiser/cycles/{cycle.slug}/publish"
    response = organiser_client.post_form(url, token_from=url)
    assert response.status_code == 302, text_of(response.get_data(as_text=True))


def test_the_consent_question_lists_exactly_what_the_published_case_shows(
    app, client, nominee, nominee_client, organiser_client, everything_filled
):
    nomination, markers = everything_filled
    # What the nominee is asked to agree to (on a draft of an open cycle: the question is the same for all)
    draft = make_nomination(
        make_cycle(name="Gwobrau Digidol 2027", year=2027), nominator=nominee, status="draft", complete=False
    )
    page = nominee_client.get(f"/nominations/{draft.reference}/declarations").get_data(as_text=True)
    shown = list_items(page, "published-fields")
    assert shown == publication.published_labels(draft.cycle) == publication.published_labels()
    assert "If the nomination is shortlisted, may we publish it as an impact case?" in text_of(page)
    key_of = {forms.short_name(q): q.key for q in forms.questions_of(nomination.cycle)}
    agreed = {key_of[label] for label in shown}

    publish(organiser_client, nomination.cycle)
    case = db.session.scalar(sa.select(ImpactCase).where(ImpactCase.nomination_id == nomination.id))
    public_page = text_of(client.get(f"/impact-cases/{case.slug}").get_data(as_text=True))
    api = client.get(f"/api/v1/impact-cases/{case.slug}").get_json()
    api_text = " ".join(_strings(api))
    for field, values in markers.items():
        for value in values:
            listed_as = "in the consent list" if field in agreed else "not in the consent list"
            on_page = value in public_page if field != "region" else f"Region {value}" in public_page
            assert on_page == (field in agreed), (
                f"{field} is {listed_as}, but {value!r} is {'' if on_page else 'not '}on the case page"
            )
            in_api = value in api_text
            assert in_api == (field in agreed), (
                f"{field} is {listed_as}, but {value!r} is {'' if in_api else 'not '}in the API"
            )
    # and the privacy notice promises the same list
    assert list_items(client.get("/privacy").get_data(as_text=True), "published-fields") == shown


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def test_the_declarations_answer_must_be_given(nominee, nominee_client):
    draft = make_nomination(make_cycle(), nominator=nominee, status="draft", complete=False)
    url = f"/nominations/{draft.reference}/declarations"
    response = nominee_client.post_form(url, {"declares_accurate": "y", "declares_authorised": "y"}, token_from=url)
    text = text_of(response.get_data(as_text=True))
    assert (
        "There is a problem Select yes if we may publish the nomination as an impact case if it is shortlisted, "
        "or no if we may not" in text
    )


def email_lines(message) -> list[str]:
    return [line.strip() for line in message.body_text.splitlines() if line.strip()]


def test_result_emails_list_what_was_published_and_link_to_the_case(app, organiser_client, outbox):
    cycle = make_cycle(status="judging")
    entries = {
        Result.WINNER: make_nomination(cycle, title="Winner & “friends” 🎉"),
        Result.HIGHLY_COMMENDED: make_nomination(cycle, title="Commended work"),
        Result.SHORTLISTED: make_nomination(cycle, title="Private work", consents_to_publish=False),
        Result.NOT_SHORTLISTED: make_nomination(cycle, title="Not this time"),
    }
    for result, nomination in entries.items():
        db.session.add(
            ShortlistDecision(
                cycle_id=cycle.id,
                nomination_id=nomination.id,
                result=result,
                suggested=result is not Result.NOT_SHORTLISTED,
                rationale="",
                decided_at=utcnow(),
            )
        )
    db.session.commit()
    publish(organiser_client, cycle)
    base = app.config["BASE_URL"].rstrip("/")
    labels = publication.published_labels()
    for result in (Result.WINNER, Result.HIGHLY_COMMENDED):
        nomination = entries[result]
        [message] = outbox(f"result_{result.value}")
        assert message.to_address == nomination.nominator.email
        case = db.session.scalar(sa.select(ImpactCase).where(ImpactCase.nomination_id == nomination.id))
        url = f"{base}/impact-cases/{case.slug}"
        lines = email_lines(message)
        intro = lines.index(
            "As you agreed, we have published your nomination as an impact case, so others can learn from the work:"
        )
        assert lines[intro + 1] == url
        assert lines[intro + 2] == (
            "It shows these parts of your nomination, as you wrote them, with any "
            "corrections the organisers made to the public copy:"
        )
        assert lines[intro + 3 : intro + 3 + len(labels)] == [f"- {label}" for label in labels]
        assert lines[intro + 3 + len(labels)].startswith(
            f"It also shows {publication.PUBLISHED_ALONGSIDE}. It never shows {publication.NEVER_PUBLISHED}."
        )
        # the HTML part: the same list, and the link goes to the case
        html = message.body_html
        assert re.findall(r"<li>\s*(.*?)\s*</li>", html, re.S) == labels
        assert re.findall(r'<a href="([^"]+)">', html) == [url]
        assert f"Project: {nomination.title}" in message.body_text
    [private] = outbox("result_shortlisted")
    private_text = " ".join(email_lines(private))
    assert (
        "We have not published your nomination as an impact case, because you did not agree to publication in "
        "its declarations."
    ) in private_text
    assert "/impact-cases/" not in private_text and "/impact-cases/" not in private.body_html
    assert not any(label in " ".join(visible_texts(private.body_html)) for label in labels)
    [not_listed] = outbox("result_not_shortlisted")
    assert "impact case" not in not_listed.body_text and "impact case" not in not_listed.body_html


def test_the_case_page_of_the_email_link_is_the_published_case(
    app, client, organiser_client, outbox, everything_filled
):
    nomination, _ = everything_filled
    publish(organiser_client, nomination.cycle)
    [message] = outbox("result_winner")
    link = next(line for line in email_lines(message) if line.startswith(app.config["BASE_URL"]))
    page = client.get(link.removeprefix(app.config["BASE_URL"].rstrip("/")))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert text_of(html.split("<h1", 1)[1].split("</h1>", 1)[0].split(">", 1)[1]) == nomination.title
    assert client.get(f"/api/v1/impact-cases/{link.rsplit('/', 1)[1]}").get_json()["data"]["title"] == nomination.title


def test_a_consenting_nominee_whose_case_is_not_public_is_told_so(app, outbox):
    """An organiser may have taken the prepared public copy down before publishing the results: the
    e-mail then neither links to a case nor blames the nominee's answer."""
    from awards.domain.core.mail import queue_email

    cycle = make_cycle(status="judging")
    nomination = make_nomination(cycle, title="Held back", consents_to_publish=True)
    queue_email(
        to_address=nomination.nominator.email,
        to_name=nomination.nominator.name,
        template="result_shortlisted",
        subject="Your nomination is shortlisted",
        nomination=nomination,
        cycle=cycle,
        case_url=None,
    )
    db.session.commit()
    [message] = outbox("result_shortlisted")
    text = " ".join(email_lines(message))
    assert (
        "You agreed to publication, but the organisers have not published your nomination as an impact case "
        "for now. Contact them to find out why."
    ) in text
    assert "did not agree" not in text and "/impact-cases/" not in text
    assert "You agreed to publication" in " ".join(visible_texts(message.body_html))


def test_publishing_with_a_case_the_organisers_took_down_tells_its_nominee(app, organiser, organiser_client, outbox):
    from awards.domain.results import shortlists

    cycle = make_cycle(status="judging")
    nomination = make_nomination(cycle, title="Taken down first")
    db.session.add(
        ShortlistDecision(
            cycle_id=cycle.id,
            nomination_id=nomination.id,
            result=Result.SHORTLISTED,
            suggested=True,
            rationale="",
            decided_at=utcnow(),
        )
    )
    db.session.flush()
    shortlists.unpublish_case(shortlists.prepare_case(cycle, nomination, by=organiser), by=organiser)
    db.session.commit()
    publish(organiser_client, cycle)
    [message] = outbox("result_shortlisted")
    text = " ".join(email_lines(message))
    assert "the organisers have not published your nomination as an impact case for now" in text
    assert "/impact-cases/" not in text and "did not agree" not in text
