"""The OpenAPI 3.1 document of the open data API, built here in Python so it cannot drift
from the code: the filters come from the same constants the library uses, and every object
schema forbids properties it does not list, so the tests (which validate real responses
against these schemas) fail when a serializer and its schema disagree."""

from __future__ import annotations

from typing import Any

from awards.domain.publishing import impact_cases
from awards.models import TrendGroup

OPENAPI_VERSION = "3.1.0"
API_VERSION = "2.1.0"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], *, description: str = "", required: list[str] | None = None) -> dict:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": required if required is not None else list(properties),
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
URL = {"type": "string", "format": "uri"}
RESULT_CODES = [r.value for r in impact_cases.PUBLIC_RESULTS]

# An answer's `kind` → the JSON type of its `value` (a group's value is a GroupValue).
TEXT_KINDS = ["text", "textarea", "email", "url", "phone", "choice"]
ANSWER_VALUES: dict[str, tuple[list[str], dict[str, Any], str]] = {
    "TextAnswer": (
        TEXT_KINDS,
        STRING,
        "Text: short or long text, an email or web address, a telephone number or one choice.",
    ),
    "NumberAnswer": (["number"], {"type": "number"}, "A number (with its unit, when the question gives one)."),
    "DateAnswer": (["date"], {"type": "string", "format": "date"}, "A date, YYYY-MM-DD."),
    "YesNoAnswer": (["yes_no", "declaration"], {"type": "boolean"}, "Yes or no (a confirmed statement: true)."),
    "ChoicesAnswer": (["choices"], {"type": "array", "items": STRING}, "Several choices from a list."),
    "GroupAnswer": (["group"], _ref("GroupValue"), "A repeating group of questions: its columns and rows."),
}
CELL = {"type": ["string", "number", "boolean", "null"]}


def answer_schemas() -> dict[str, Any]:
    """The schemas of a case's answers: one per type of value, told apart by `kind`."""
    variants = {}
    for name, (kinds, value, description) in ANSWER_VALUES.items():
        properties: dict[str, Any] = {
            "key": {"type": "string", "description": "The question's name in the form, e.g. staff_hours_saved."},
            "label": {
                "type": "string",
                "description": (
                    "The question's short name as it was when the case was published, in the words it was written "
                    "in (the service's default language), whatever the request's language: the record, kept when "
                    "the question is reworded or removed. The case page heads the answer in its reader's language "
                    "where the question's label is translated; `key` tells the same question apart across cases."
                ),
            },
            "kind": {"type": "string", "enum": kinds},
            "value": value,
        }
        required = ["key", "label", "kind", "value"]
        if kinds == ["number"]:
            properties["unit"] = {"type": "string", "description": "The unit, e.g. hours, when the question gives one."}
        variants[name] = _object(properties, description=description, required=required)
    mapping = {kind: f"#/components/schemas/{name}" for name, (kinds, _, _) in ANSWER_VALUES.items() for kind in kinds}
    return {
        **variants,
        "GroupColumn": _object(
            {
                "key": STRING,
                "label": STRING,
                "kind": {
                    "type": "string",
                    "description": "The column's kind: its cells are text, numbers or booleans (yes or no).",
                },
            }
        ),
        "GroupValue": _object(
            {
                "columns": {"type": "array", "items": _ref("GroupColumn")},
                "rows": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": CELL,
                        "description": "A row: the columns' keys to their cells (null: not given).",
                    },
                },
            }
        ),
        "Answer": {
            "oneOf": [_ref(name) for name in ANSWER_VALUES],
            "discriminator": {"propertyName": "kind", "mapping": mapping},
            "description": "An answer to a question the entry form marks public, its value typed by its kind.",
        },
    }


def schemas() -> dict[str, Any]:
    return {
        "Result": _object(
            {
                "code": {"type": "string", "enum": RESULT_CODES},
                "label": {"type": "string", "enum": [r.label for r in impact_cases.PUBLIC_RESULTS]},
            },
            description="The result the case won in its category.",
        ),
        "TrendGroup": _object(
            {
                "code": {"type": "string", "enum": [g.value for g in TrendGroup]},
                "label": STRING,
            }
        ),
        "CaseTrend": _object(
            {
                "slug": STRING,
                "name": STRING,
                "group": _ref("TrendGroup"),
                "is_primary": {"type": "boolean", "description": "The trend the work addresses most."},
                "how_addressed": {
                    "type": "string",
                    "description": "How the work addresses the trend, in the entrant's words.",
                },
                "url": {**URL, "description": "The trend's public page."},
            }
        ),
        "Partner": _object({"name": STRING, "is_supplier": {"type": "boolean"}}),
        **answer_schemas(),
        "Licence": _object(
            {
                "name": {"type": "string", "examples": ["CC BY 4.0"]},
                "url": {"type": ["string", "null"], "format": "uri"},
            }
        ),
        "CycleRef": _object(
            {
                "name": STRING,
                "slug": STRING,
                "shortlist_url": {**URL, "description": "The cycle's published shortlist and winners."},
            }
        ),
        "ImpactCase": _object(
            {
                "slug": STRING,
                "title": STRING,
                "language": {
                    "type": "string",
                    "enum": ["en", "cy", "sv"],
                    "description": "The language the case is written in (BCP 47), as its nominee wrote it.",
                },
                "url": {**URL, "description": "The case's public page."},
                "api_url": URL,
                "summary": STRING,
                "organisation": STRING,
                "partners": {"type": "array", "items": _ref("Partner")},
                "region": NULLABLE_STRING,
                "year": {"type": "integer"},
                "cycle": _ref("CycleRef"),
                "category": STRING,
                "result": _ref("Result"),
                "trends": {"type": "array", "items": _ref("CaseTrend"), "description": "Primary trend first."},
                "answers": {
                    "type": "array",
                    "items": _ref("Answer"),
                    "description": (
                        "The entrant's answers to the questions the cycle's entry form marks public (besides "
                        "the title, summary, organisation, partners, region and trends), in the form's order. "
                        "Each form has its own questions: read `label` for the question's name, `kind` for "
                        "the type of `value`. Questions left unanswered are left out."
                    ),
                },
                "citation": {"type": ["string", "null"], "description": "The judges' citation, if any."},
                "licence": _ref("Licence"),
                "published_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
            },
            description="A published impact case: the public copy of a shortlisted nomination.",
        ),
        "ImpactCaseResponse": _object({"data": _ref("ImpactCase")}),
        "PageMeta": _object(
            {
                "total": {"type": "integer", "minimum": 0, "description": "Cases matching the filters."},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": impact_cases.MAX_PER_PAGE},
                "pages": {"type": "integer", "minimum": 1},
            }
        ),
        "PageLinks": _object(
            {
                "self": URL,
                "first": URL,
                "last": URL,
                "next": {"type": ["string", "null"], "format": "uri", "description": "Null on the last page."},
                "prev": {"type": ["string", "null"], "format": "uri", "description": "Null on the first page."},
            }
        ),
        "ImpactCaseList": _object(
            {
                "data": {"type": "array", "items": _ref("ImpactCase")},
                "meta": _ref("PageMeta"),
                "links": _ref("PageLinks"),
            }
        ),
        "Trend": _object(
            {
                "slug": STRING,
                "code": STRING,
                "name": STRING,
                "group": _ref("TrendGroup"),
                "description": STRING,
                "source": {"type": ["string", "null"], "description": "Where the trend comes from."},
                "retired": {
                    "type": "boolean",
                    "description": "No longer offered to new cycles; listed only if published cases address it.",
                },
                "case_count": {"type": "integer", "minimum": 0, "description": "Published impact cases addressing it."},
                "cases_by_year": {
                    "type": "array",
                    "items": _object({"year": {"type": "integer"}, "count": {"type": "integer", "minimum": 1}}),
                },
                "url": URL,
                "cases_url": {**URL, "description": "This API's list of the cases addressing the trend."},
            }
        ),
        "TrendList": _object({"data": {"type": "array", "items": _ref("Trend")}}),
        "VoteEntry": _object(
            {
                "title": STRING,
                "organisation": STRING,
                "impact_case_url": {"type": ["string", "null"], "format": "uri"},
                "votes": {"type": "integer", "minimum": 0, "description": "Only once the vote has closed."},
                "share": {"type": "number", "minimum": 0, "maximum": 1, "description": "Of the counted votes."},
                "rank": {"type": "integer", "minimum": 1, "description": "Entries with as many votes share a rank."},
            },
            required=["title", "organisation", "impact_case_url"],
        ),
        "PeoplesChoiceVote": _object(
            {
                "category": STRING,
                "category_slug": STRING,
                "state": {"type": "string", "enum": ["scheduled", "open", "closed"]},
                "opens_at": {"type": "string", "format": "date-time"},
                "closes_at": {"type": "string", "format": "date-time"},
                "url": {**URL, "description": "The page to vote on (or see the results)."},
                "total_votes": {
                    "type": ["integer", "null"],
                    "minimum": 0,
                    "description": "Counted votes; null until the vote has closed.",
                },
                "entries": {
                    "type": "array",
                    "items": _ref("VoteEntry"),
                    "description": "Most votes first once closed (with `votes`, `share`, `rank`); before, in "
                    "the vote's order and without counts.",
                },
            }
        ),
        "PeoplesChoice": _object(
            {
                "data": _object(
                    {
                        "cycle": _object({"name": STRING, "slug": STRING, "year": {"type": "integer"}}),
                        "url": URL,
                        "votes": {"type": "array", "items": _ref("PeoplesChoiceVote")},
                    }
                )
            }
        ),
        "Error": _object(
            {
                "error": STRING,
                "status": {"type": "integer"},
                "detail": STRING,
                "parameter": STRING,
                "incident": STRING,
            },
            required=["error", "status"],
        ),
    }


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


CACHE_NOTE = (
    "Responses carry an ETag and `Cache-Control: public, max-age=60`; send `If-None-Match` to get "
    "304 Not Modified when nothing has changed."
)


LANGUAGE_NOTE = (
    "Languages: English (`en`), Welsh (`cy`) and Swedish (`sv`). The words meant for people (an error's "
    "`detail`, a `label`) are written in the language of the request: the `awards_language` cookie (the "
    "service's language switcher sets it) or the signed-in account's choice, else the best of `Accept-Language`, "
    "else the service's default. Codes, keys, `error` and `parameter` stay English; text typed by entrants and "
    "organisers (titles, summaries, answers) is as they wrote it. Responses carry `Vary: Accept-Language`."
)


CHANGES = (
    "Changes. 2.1.0: `/cycles/{slug}/peoples-choice` gives a cycle's People's Choice votes (counts only "
    "once a vote has closed). 2.0.0: each cycle has its own entry form, so an impact case's `challenge`, `approach`, "
    "`outcomes` (narrative and measured), `unintended_consequences` and `lessons` are gone; `answers` "
    "gives the answers to the questions the cycle's form marks public, in form order, each with its "
    "`key`, `label`, `kind` and a `value` typed by the kind (the default form's questions keep those "
    "names as keys: `challenge`, `approach`, `outcomes_narrative`, `measured` (a group), "
    "`unintended_consequences`, `lessons`). 1.0.0: the first version."
)


def document(base_url: str) -> dict[str, Any]:
    """The whole OpenAPI document, with the server at `base_url` (the configured BASE_URL)."""
    filters = [
        _query(
            "q",
            "Words that must all appear, in any form (`councils` finds `council`), in the title, summary, "
            "organisation or a partner's name; with `q`, the best matches come first (title, then summary).",
            {"type": "string", "maxLength": impact_cases.MAX_QUERY_LENGTH},
        ),
        _query("trend", "A trend's slug, as in /api/v1/trends.", STRING),
        _query("category", "A category name (any case), e.g. Data and AI Innovation.", STRING),
        _query(
            "year",
            "The award year.",
            {"type": "integer", "minimum": impact_cases.MIN_YEAR, "maximum": impact_cases.MAX_YEAR},
        ),
        _query("result", "The result.", {"type": "string", "enum": RESULT_CODES}),
        _query("page", "The page, from 1.", {"type": "integer", "minimum": 1, "default": 1}),
        _query(
            "per_page",
            "Cases per page.",
            {"type": "integer", "minimum": 1, "maximum": impact_cases.MAX_PER_PAGE, "default": impact_cases.PER_PAGE},
        ),
    ]
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Impact cases open data",
            "version": API_VERSION,
            "summary": "Published, trend-linked impact cases from the awards, and the trends they address.",
            "description": (
                "Only published data: impact cases of shortlisted entries whose entrants agreed to "
                "publication. No contact details, scores or judges' names. Read-only; no "
                "authentication. " + CACHE_NOTE + "\n\n" + LANGUAGE_NOTE + "\n\n" + CHANGES
            ),
            "license": {
                "name": "CC BY 4.0 unless a case states otherwise",
                "url": "https://creativecommons.org/licenses/by/4.0/",
            },
        },
        "servers": [{"url": base_url.rstrip("/") + "/api/v1"}],
        "paths": {
            "/impact-cases": {
                "get": {
                    "operationId": "listImpactCases",
                    "summary": "Published impact cases",
                    "description": (
                        "Newest cycle first, then winners, highly commended and shortlisted, then by "
                        "title. Filters combine. Follow `links.next` for the next page."
                    ),
                    "parameters": filters,
                    "responses": {
                        "200": _json("ImpactCaseList", "A page of impact cases."),
                        "304": {"description": "Not modified."},
                        "400": _json("Error", "A filter or page value is not valid (see `parameter`)."),
                    },
                }
            },
            "/impact-cases/{slug}": {
                "get": {
                    "operationId": "getImpactCase",
                    "summary": "One published impact case",
                    "parameters": [{"name": "slug", "in": "path", "required": True, "schema": STRING}],
                    "responses": {
                        "200": _json("ImpactCaseResponse", "The impact case."),
                        "304": {"description": "Not modified."},
                        "404": _json("Error", "There is no such impact case."),
                        "410": _json("Error", "The impact case was published and has been removed."),
                    },
                }
            },
            "/trends": {
                "get": {
                    "operationId": "listTrends",
                    "summary": "Trends and their number of published impact cases",
                    "description": "Every current trend, and retired ones that published cases address, by group.",
                    "responses": {"200": _json("TrendList", "The trends."), "304": {"description": "Not modified."}},
                }
            },
            "/cycles/{slug}/peoples-choice": {
                "get": {
                    "operationId": "getPeoplesChoice",
                    "summary": "A cycle's People's Choice votes",
                    "description": (
                        "Each category's public vote with its opening and closing instants. Counts are "
                        "hidden from everyone until a vote closes: then each entry has its votes, share and rank."
                    ),
                    "parameters": [{"name": "slug", "in": "path", "required": True, "schema": STRING}],
                    "responses": {
                        "200": _json("PeoplesChoice", "The cycle's votes."),
                        "304": {"description": "Not modified."},
                        "404": _json("Error", "There is no such cycle, or it has no vote."),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "The OpenAPI 3.1 document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {"schemas": schemas()},
    }
