"""The open data API: every response validated against the OpenAPI 3.1 document the API serves,
filters and pages as on the library page, 404/410 as JSON, and nothing private in the output."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from jsonschema import Draft202012Validator, FormatChecker, ValidationError

from awards.domain.results import shortlists
from awards.extensions import db
from tests.factories import make_published_case, make_published_cycle, make_user
from tests.support.programme import trend
from tests.support.public_form import (
    ANSWERS,
    FORMULA_ANSWER,
    ORGANISER_ONLY_ANSWER,
    PRIVATE_ANSWER,
    install_public_form,
)
from tests.support.publishing import PUBLIC_TITLES, SECRET_ORG, SECRET_TITLE, WITHDRAWN_TITLE

BASE = "https://awards.example.org"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


@pytest.fixture
def api(make_app):
    """A client of an app whose BASE_URL differs from the request host, so links must use it."""
    return make_app(BASE_URL=BASE).test_client()


@pytest.fixture
def spec(api):
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def validate(spec: dict, path: str, status: int, body) -> None:
    """Validate a body against the schema the document gives for that path and status."""
    content = spec["paths"][path]["get"]["responses"][str(status)]["content"]["application/json"]
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **content["schema"],
        "components": spec["components"],
    }
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(body)


def get(api, spec, url: str, path: str, status: int = 200):
    response = api.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    validate(spec, path, status, body)
    return body


def test_the_openapi_document_is_valid_3_1(spec):
    assert spec["openapi"] == "3.1.0"
    assert spec["servers"] == [{"url": f"{BASE}/api/v1"}]
    assert set(spec["paths"]) == {
        "/impact-cases",
        "/impact-cases/{slug}",
        "/trends",
        "/cycles/{slug}/peoples-choice",
        "/openapi.json",
    }
    for schema in spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    # every reference resolves
    text = str(spec)
    for ref in set(re.findall(r"#/components/schemas/(\w+)", text)):
        assert ref in spec["components"]["schemas"], ref
    params = {p["name"] for p in spec["paths"]["/impact-cases"]["get"]["parameters"]}
    assert params == {"q", "trend", "category", "year", "result", "page", "per_page"}


def test_the_schemas_are_strict(spec):
    """A field the serializer adds without documenting it fails validation."""
    with pytest.raises(ValidationError):
        validate(spec, "/trends", 200, {"data": [], "extra": 1})


def test_list_validates_and_is_in_library_order(api, spec, shelf):
    body = get(api, spec, "/api/v1/impact-cases", "/impact-cases")
    assert [c["title"] for c in body["data"]] == PUBLIC_TITLES
    assert body["meta"] == {"total": 4, "page": 1, "per_page": 20, "pages": 1}
    assert body["links"]["next"] is None and body["links"]["prev"] is None
    assert body["links"]["self"] == f"{BASE}/api/v1/impact-cases"
    bins = body["data"][0]
    assert bins["url"] == f"{BASE}/impact-cases/{shelf.bins.slug}"
    assert bins["api_url"] == f"{BASE}/api/v1/impact-cases/{shelf.bins.slug}"
    assert bins["result"] == {"code": "winner", "label": "Winner"}
    assert [t["slug"] for t in bins["trends"]] == [shelf.ai.slug, shelf.data.slug]
    assert bins["trends"][0]["is_primary"] and not bins["trends"][1]["is_primary"]
    assert bins["trends"][0]["how_addressed"] == f"It addresses {shelf.ai.name}."
    assert bins["licence"] == {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}
    # the answers to the default form's public questions, in form order, each typed by its kind
    assert [a["key"] for a in bins["answers"]] == [
        "challenge",
        "approach",
        "outcomes_narrative",
        "measured",
        "unintended_consequences",
        "lessons",
    ]
    by_key = {a["key"]: a for a in bins["answers"]}
    assert by_key["challenge"] == {
        "key": "challenge",
        "label": "The challenge",
        "kind": "textarea",
        "value": "The challenge we faced.",
    }
    assert by_key["measured"]["label"] == "Measured outcomes" and by_key["measured"]["kind"] == "group"
    assert [c["label"] for c in by_key["measured"]["value"]["columns"]] == [
        "What was measured",
        "Baseline",
        "Result",
        "When it was measured",
    ]
    assert by_key["measured"]["value"]["rows"] == [
        {"metric": "Calls handled", "baseline": "100 a day", "result": "40 a day", "measured_on": "March 2026"}
    ]
    assert bins["citation"] == "A model of reuse." and body["data"][1]["citation"] is None
    assert bins["cycle"]["shortlist_url"] == f"{BASE}/cycles/{shelf.c2025.slug}/shortlist"
    datetime.fromisoformat(bins["published_at"].replace("Z", "+00:00"))


@pytest.mark.parametrize(
    "query,expected",
    [
        (lambda s: f"trend={s.ai.slug}", ["Smarter bin collections", "Faster GP triage", "Cyber drills for schools"]),
        (lambda s: f"category={s.cat_b.name}", ["Faster GP triage"]),
        (lambda s: "year=2024", ["Cyber drills for schools"]),
        (lambda s: "result=winner&year=2025", ["Smarter bin collections"]),
        (lambda s: "q=riverside+bins", ["Smarter bin collections"]),
        (lambda s: "q=hushville", []),
    ],
)
def test_list_filters_as_on_the_page(api, spec, shelf, query, expected):
    body = get(api, spec, "/api/v1/impact-cases?" + query(shelf), "/impact-cases")
    assert [c["title"] for c in body["data"]] == expected
    assert body["meta"]["total"] == len(expected)


@pytest.mark.parametrize(
    "query,parameter",
    [
        ("year=twenty", "year"),
        ("year=1999", "year"),
        ("result=best", "result"),
        ("result=not_shortlisted", "result"),
        ("page=0", "page"),
        ("page=x", "page"),
        ("per_page=101", "per_page"),
        ("per_page=0", "per_page"),
    ],
)
def test_invalid_values_are_a_400_naming_the_parameter(api, spec, shelf, query, parameter):
    body = get(api, spec, "/api/v1/impact-cases?" + query, "/impact-cases", 400)
    assert body["status"] == 400 and body["parameter"] == parameter and body["detail"]


def test_pages_link_to_each_other_with_absolute_urls(api, spec, app):
    cycle = make_published_cycle()
    for i in range(7):
        make_published_case(cycle, title=f"Paged case {i}", summary="Paged words.")
    body = get(api, spec, "/api/v1/impact-cases?q=paged&per_page=3", "/impact-cases")
    assert body["meta"] == {"total": 7, "page": 1, "per_page": 3, "pages": 3}
    assert body["links"]["next"] == f"{BASE}/api/v1/impact-cases?q=paged&per_page=3&page=2"
    assert body["links"]["last"] == f"{BASE}/api/v1/impact-cases?q=paged&per_page=3&page=3"
    seen = [c["slug"] for c in body["data"]]
    url = body["links"]["next"]
    while url:
        page = get(api, spec, url.removeprefix(BASE), "/impact-cases")
        seen += [c["slug"] for c in page["data"]]
        assert page["links"]["prev"].startswith(f"{BASE}/api/v1/impact-cases?q=paged&per_page=3")
        url = page["links"]["next"]
    assert len(seen) == len(set(seen)) == 7
    body = get(api, spec, "/api/v1/impact-cases?per_page=100", "/impact-cases")
    assert body["meta"]["per_page"] == 100 and len(body["data"]) == 7
    beyond = get(api, spec, "/api/v1/impact-cases?q=paged&per_page=3&page=9", "/impact-cases")
    assert beyond["data"] == [] and beyond["links"]["prev"].endswith("page=3")


def test_one_case_validates_and_unpublished_is_410(api, spec, shelf):
    body = get(api, spec, f"/api/v1/impact-cases/{shelf.bins.slug}", "/impact-cases/{slug}")
    assert body["data"]["title"] == "Smarter bin collections"
    assert body["data"]["partners"] == [{"name": "Acme Digital Ltd", "is_supplier": True}]
    gone = get(api, spec, f"/api/v1/impact-cases/{shelf.withdrawn.slug}", "/impact-cases/{slug}", 410)
    assert gone["status"] == 410 and WITHDRAWN_TITLE not in str(gone)
    missing = get(api, spec, "/api/v1/impact-cases/no-such-case", "/impact-cases/{slug}", 404)
    assert missing == {"error": "Not Found", "status": 404}
    shortlists.unpublish_case(shelf.bins, by=make_user(roles=("organiser",)))
    db.session.commit()
    get(api, spec, f"/api/v1/impact-cases/{shelf.bins.slug}", "/impact-cases/{slug}", 410)


def test_trends_validate_with_counts(api, spec, shelf):
    from awards.domain.core.clock import utcnow

    shelf.cyber.retired_at = utcnow()
    trend("T4").retired_at = utcnow()
    db.session.commit()
    body = get(api, spec, "/api/v1/trends", "/trends")
    by_slug = {t["slug"]: t for t in body["data"]}
    assert by_slug[shelf.ai.slug]["case_count"] == 3
    assert by_slug[shelf.ai.slug]["cases_by_year"] == [{"year": 2024, "count": 1}, {"year": 2025, "count": 2}]
    assert by_slug[shelf.data.slug]["case_count"] == 2
    assert by_slug[shelf.ai.slug]["group"] == {"code": "technology", "label": "Technology trends"}
    assert by_slug[shelf.ai.slug]["description"] == shelf.ai.description
    assert by_slug[shelf.ai.slug]["cases_url"] == f"{BASE}/api/v1/impact-cases?trend={shelf.ai.slug}"
    assert by_slug[shelf.cyber.slug]["retired"] is True  # retired, but cases address it
    assert trend("T4").slug not in by_slug  # retired, and nothing addresses it
    assert by_slug[trend("D1").slug]["case_count"] == 0


def test_no_private_data_in_any_api_output(api, spec, shelf):
    urls = ["/api/v1/impact-cases?per_page=100", "/api/v1/trends", "/api/v1/openapi.json"]
    urls += [f"/api/v1/impact-cases/{c.slug}" for c in (shelf.bins, shelf.cards, shelf.triage, shelf.older)]
    for url in urls:
        raw = api.get(url).get_data(as_text=True)
        assert not EMAIL.search(raw), (url, EMAIL.search(raw))
        for private in (
            "Casey Contact",
            "01234 567890",
            "contact_",
            "score",
            "judge",
            SECRET_TITLE,
            SECRET_ORG,
            shelf.secret.reference,
            "nomination_id",
            "reference",
        ):
            assert (
                private.lower() not in raw.lower() or url.endswith("openapi.json") and private in ("score", "judge")
            ), (url, private)


def test_the_api_is_open_to_other_sites_and_needs_no_csrf(api, shelf):
    response = api.get("/api/v1/impact-cases")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert api.post("/api/v1/impact-cases").status_code == 405
    assert api.post("/api/v1/impact-cases").get_json() == {"error": "Method Not Allowed", "status": 405}


def test_a_custom_forms_answers_are_typed_by_kind_and_validate(api, spec, app):
    cycle = make_published_cycle(year=2025)
    install_public_form(cycle)
    case = make_published_case(cycle, category=cycle.categories[0], title="Typed answers", **ANSWERS)
    body = get(api, spec, f"/api/v1/impact-cases/{case.slug}", "/impact-cases/{slug}")
    answers = {a["key"]: a for a in body["data"]["answers"]}
    assert list(answers) == [
        "challenge",
        "approach",
        "outcomes_narrative",
        "measured",
        "staff_hours",
        "went_live",
        "open_source",
        "channels",
        "savings",
        "code_url",
        "unintended_consequences",
        "lessons",
    ]
    # a number as a JSON number (with its unit), a date as YYYY-MM-DD, yes or no as a boolean
    assert answers["staff_hours"] == {
        "key": "staff_hours",
        "label": "Staff hours saved",
        "kind": "number",
        "value": 1200,
        "unit": "hours",
    }
    assert answers["went_live"]["value"] == "2025-03-07"
    assert answers["open_source"]["value"] is True
    assert answers["channels"]["value"] == ["Web", "Phone"]
    assert answers["code_url"] == {
        "key": "code_url",
        "label": "Where the code is",
        "kind": "url",
        "value": "https://code.example.gov.uk/bins",
    }
    assert answers["savings"]["value"] == {
        "columns": [
            {"key": "item", "label": "What was saved", "kind": "text"},
            {"key": "amount", "label": "Amount (£)", "kind": "number"},
            {"key": "recurring", "label": "Every year", "kind": "yes_no"},
        ],
        "rows": [
            {"item": "Printing", "amount": 2500.5, "recurring": True},
            {"item": FORMULA_ANSWER, "amount": 300, "recurring": False},
        ],
    }
    raw = api.get(f"/api/v1/impact-cases/{case.slug}").get_data(as_text=True)
    assert '"value":1200' in raw.replace(" ", "") and '"value":true' in raw.replace(" ", "")
    for private in (PRIVATE_ANSWER, ORGANISER_ONLY_ANSWER, "internal_notes", "budget_code", "second_only"):
        assert private not in raw
    # the list gives the same answers, and validates too
    listed = get(api, spec, "/api/v1/impact-cases", "/impact-cases")
    assert listed["data"][0]["answers"] == body["data"]["answers"]


@pytest.mark.parametrize(
    "key,wrong",
    [
        ("staff_hours", "1200"),  # a number as text
        ("went_live", "7 March 2025"),  # a date not YYYY-MM-DD
        ("open_source", "yes"),  # yes as text
        ("channels", "Web"),  # several choices not as a list
        ("savings", [{"item": "Printing"}]),  # a group's rows without its columns
    ],
)
def test_the_schema_types_each_answer_by_its_kind(api, spec, app, key, wrong):
    cycle = make_published_cycle(year=2025)
    install_public_form(cycle)
    case = make_published_case(cycle, category=cycle.categories[0], **ANSWERS)
    body = get(api, spec, f"/api/v1/impact-cases/{case.slug}", "/impact-cases/{slug}")
    [answer] = [a for a in body["data"]["answers"] if a["key"] == key]
    answer["value"] = wrong
    with pytest.raises(ValidationError):
        validate(spec, "/impact-cases/{slug}", 200, body)


def test_the_document_names_its_changes(spec):
    assert spec["info"]["version"] == "2.1.0"
    assert "`answers`" in spec["info"]["description"] and "2.0.0" in spec["info"]["description"]
    answer = spec["components"]["schemas"]["Answer"]
    assert answer["discriminator"]["propertyName"] == "kind"
    assert set(answer["discriminator"]["mapping"]) >= {
        "text",
        "textarea",
        "number",
        "date",
        "yes_no",
        "choices",
        "group",
    }
