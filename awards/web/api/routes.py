"""Open data: /api/v1/impact-cases, /api/v1/impact-cases/<slug>, /api/v1/trends, a cycle's People's
Choice votes and the OpenAPI document. Read-only and public; errors are JSON (see awards/errors.py)."""

from __future__ import annotations

from flask import abort, current_app, jsonify, request
from sqlalchemy import select

from awards.domain.core.clock import utcnow
from awards.domain.core.errors import DomainError, NotFound
from awards.domain.publishing import impact_cases as case_library
from awards.domain.voting import tallies, votes
from awards.extensions import db
from awards.models import Cycle, CycleStatus, ImpactCase
from awards.web.api import bp, openapi, serializers
from awards.web.caching import public_cache


def _bad_request(error: DomainError):
    return jsonify(
        {"error": "Bad Request", "status": 400, "detail": error.message, "parameter": error.field or ""}
    ), 400


@bp.route("/impact-cases")
@public_cache(query_args=(*case_library.FILTER_ARGS, *case_library.PAGE_ARGS))
def impact_cases():
    try:
        filters = case_library.parse_filters(request.args, strict=True)
        page, per_page = case_library.parse_page(request.args, strict=True, per_page_arg=True)
    except DomainError as error:
        return _bad_request(error)
    found = case_library.find_cases(filters, page=page, per_page=per_page, with_cycle=True)
    return jsonify(serializers.case_list(found, filters))


@bp.route("/impact-cases/<case_slug>")
@public_cache
def impact_case(case_slug: str):
    try:
        case = case_library.get_public_case(case_slug)
    except case_library.Withdrawn:
        abort(410)
    except NotFound:
        abort(404)
    return jsonify({"data": serializers.impact_case(case)})


@bp.route("/trends")
@public_cache
def trends():
    index = case_library.trend_index()
    return jsonify({"data": [serializers.trend(entry) for entry in index.entries]})


@bp.route("/cycles/<vote_cycle_slug>/peoples-choice")
@public_cache
def peoples_choice(vote_cycle_slug: str):
    cycle = db.session.scalar(select(Cycle).where(Cycle.slug == vote_cycle_slug))
    found = votes.votes_of_cycle(cycle) if cycle is not None and cycle.status is not CycleStatus.DRAFT else []
    if cycle is None or not found:
        abort(404)
    now = utcnow()
    results = {result.vote.id: result for result in tallies.cycle_results(cycle, now)}
    case_ids = [o.impact_case_id for vote in found for o in vote.options if o.impact_case_id is not None]
    case_slugs = {
        case_id: slug
        for case_id, slug in db.session.execute(
            select(ImpactCase.id, ImpactCase.slug).where(ImpactCase.id.in_(case_ids), case_library.is_public())
        )
    }
    states = [(vote, votes.vote_state(vote, now)) for vote in found]
    withdrawn = set(votes.withdrawn_options([vote.id for vote in found]))
    return jsonify(serializers.peoples_choice(cycle, states, results, case_slugs, withdrawn))


@bp.route("/openapi.json")
def openapi_document():
    response = jsonify(openapi.document(current_app.config["BASE_URL"]))
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
