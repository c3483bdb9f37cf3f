"""A nominee's journey through the form, for tests: start a nomination, save a section (with the page's
`based_on` stamp), fill every section with valid answers, upload a document."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

from awards.extensions import db
from awards.models import Nomination


def words(n: int) -> str:
    return " ".join(["word"] * n)


def section_url(nomination, section):
    return f"/nominations/{nomination.reference}/{section}"


def based_on(client, url) -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="based_on" value="([^"]+)"', page).group(1)


def save(client, nomination, section, data, **kwargs):
    url = section_url(nomination, section)
    data = dict(data)
    data.setdefault("based_on", based_on(client, url))
    return client.post_form(url, data, token_from=url, **kwargs)


def valid_sections(cycle):
    trend_a, trend_b = cycle.trends[0], cycle.trends[5]
    return {
        "organisation": {
            "organisation_name": "Riverside Borough Council",
            "contact_name": "Cara Contact",
            "contact_email": "cara@riverside.gov.uk",
            "contact_phone": "01632 960 001",
            "region": "London",
            "partners-0-name": "Acme Digital Ltd",
            "partners-0-is_supplier": "y",
            "partners-1-name": "",
        },
        "project": {"title": "Digital blue badges", "summary": "We rebuilt the blue badge service."},
        "trends": {
            "trends": [str(trend_a.id), str(trend_b.id)],
            "primary": str(trend_b.id),
            f"how_{trend_a.id}": "Designed with residents.",
            f"how_{trend_b.id}": "Uses AI to triage.",
        },
        "challenge": {"challenge": "Applications took 12 weeks."},
        "approach": {"approach": "We designed with users and automated checks."},
        "outcomes": {
            "outcomes_narrative": "Decisions are now made in days.",
            "measured-0-metric": "Time to decision",
            "measured-0-baseline": "12 weeks",
            "measured-0-result": "4 days",
            "measured-0-measured_on": "March 2026",
            "measured-1-metric": "",
            "measured-1-baseline": "",
            "measured-1-result": "",
            "measured-1-measured_on": "",
        },
        "lessons": {"unintended_consequences": "More applications than expected.", "lessons": "Start with the data."},
        "documents": {},
        "declarations": {"declares_accurate": "y", "consents_to_publish": "yes", "declares_authorised": "y"},
    }


def start_draft(client, cycle, category=None):
    category = category or cycle.categories[0]
    response = client.post_form(
        f"/nominations/start?cycle={cycle.slug}", {"category": category.slug}, token_from="/nominations/start"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    reference = response.headers["Location"].rsplit("/", 1)[-1]
    return db.session.scalar(sa.select(Nomination).where(Nomination.reference == reference))


def fill_everything(client, nomination):
    for section, data in valid_sections(nomination.cycle).items():
        response = save(client, nomination, section, data)
        assert response.status_code == 302, (section, response.get_data(as_text=True)[:3000])


def upload(client, nomination, name, content, *, question=None, section="documents"):
    """Upload a file to a file question (by default the form's documents question), from its section's page."""
    url = f"/nominations/{nomination.reference}/documents/upload"
    data = {"file": (io.BytesIO(content), name)}
    if question:
        data["question"] = question
    return client.post_form(url, data, token_from=section_url(nomination, section), content_type="multipart/form-data")
