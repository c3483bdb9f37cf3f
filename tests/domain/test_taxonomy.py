"""The trend taxonomy's rules: seeding, adding, editing, retiring, and the JSON export and import."""

import copy

import pytest
import sqlalchemy as sa

from awards.domain.core.errors import Conflict, DomainError
from awards.domain.programme import taxonomy
from awards.extensions import db
from awards.models import AuditEvent, Trend, TrendGroup
from tests.factories import make_cycle, make_nomination


def _trends():
    db.session.expire_all()
    return {t.code: t for t in db.session.scalars(sa.select(Trend))}


def test_seed_adds_the_default_taxonomy_once(app):
    assert taxonomy.seed_trends() == 20
    db.session.commit()
    assert taxonomy.seed_trends() == 0
    trends = _trends()
    assert trends["D1"].name == "Technology for public good" and trends["D1"].group is TrendGroup.DIGITAL
    assert trends["T3"].source.startswith("Socitm")
    assert trends["S1"].group is TrendGroup.SOCIETAL and trends["S1"].source.startswith("SKR")
    assert len({t.slug for t in trends.values()}) == 20


def test_add_trend_upper_cases_the_code_and_refuses_a_used_one(app, organiser):
    taxonomy.seed_trends()
    trend = taxonomy.add_trend(
        code=" d6 ",
        name="Sustainable digital",
        group="digital",
        description="Cutting the carbon cost of services.",
        by=organiser,
    )
    db.session.commit()
    assert trend.code == "D6" and trend.slug == "sustainable-digital" and not trend.is_retired
    assert trend.position > max(t.position for t in _trends().values() if t.code != "D6")
    with pytest.raises(Conflict) as error:
        taxonomy.add_trend(code="D6", name="Something else", group="digital")
    assert error.value.field == "code"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "trend.added"))
    assert event.actor_id == organiser.id and event.detail == {"code": "D6"}


@pytest.mark.parametrize(
    "fields,field,message",
    [
        ({"code": ""}, "code", "Enter a code"),
        ({"code": "X" * 17}, "code", "16 characters"),
        ({"name": "  "}, "name", "Enter the trend's name"),
        ({"name": "n" * 121}, "name", "120 characters"),
        ({"group": "economic"}, "group", "Select a group"),
        ({"source": "s" * 301}, "source", "300 characters"),
    ],
)
def test_add_trend_checks_its_fields(app, fields, field, message):
    values = {"code": "D9", "name": "A trend", "group": "digital", **fields}
    with pytest.raises(DomainError) as error:
        taxonomy.add_trend(**values)
    assert error.value.field == field and message in error.value.message


def test_edit_keeps_code_and_slug(app, organiser):
    taxonomy.seed_trends()
    trend = _trends()["T1"]
    taxonomy.edit_trend(
        trend,
        name="AI and automation",
        group="technology",
        description=" New words ",
        source="Socitm 2025",
        by=organiser,
    )
    db.session.commit()
    trend = _trends()["T1"]
    assert (trend.code, trend.slug, trend.name, trend.description, trend.source) == (
        "T1",
        "artificial-intelligence",
        "AI and automation",
        "New words",
        "Socitm 2025",
    )


def test_a_retired_trend_stays_on_the_nominations_that_carry_it(app, organiser):
    cycle = make_cycle()
    nomination = make_nomination(cycle)
    carried = nomination.trend_links[0].trend
    taxonomy.retire_trend(carried, by=organiser)
    db.session.commit()
    db.session.expire_all()
    assert carried.is_retired
    assert carried in [link.trend for link in nomination.trend_links]
    assert carried in cycle.trends  # a cycle that offers it keeps it
    assert taxonomy.nominations_carrying_count(carried) == 1
    taxonomy.restore_trend(carried, by=organiser)
    db.session.commit()
    assert not carried.is_retired
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("trend.%")).order_by(AuditEvent.id)
    ).all()
    assert actions == ["trend.retired", "trend.restored"]


def test_cycles_offering_counts(app):
    make_cycle()
    make_cycle(name="Second cycle", year=2027)
    counts = taxonomy.cycles_offering_counts()
    trends = _trends()
    assert counts[trends["D1"].id] == 2 and trends["S1"].id not in counts


def test_export_import_round_trip_is_exact(app):
    taxonomy.seed_trends()
    taxonomy.add_trend(code="X1", name="Quantum readiness", group="technology", source="Our own")
    taxonomy.retire_trend(_trends()["D5"])
    db.session.commit()
    exported = taxonomy.export_trends()
    assert exported["format"] == taxonomy.EXPORT_FORMAT and len(exported["trends"]) == 21
    # Change things, then import the export: everything is as it was.
    trends = _trends()
    taxonomy.edit_trend(trends["D1"], name="Changed", group="societal", description="", source="")
    taxonomy.restore_trend(trends["D5"])
    taxonomy.retire_trend(trends["T2"])
    db.session.commit()
    assert taxonomy.import_trends(copy.deepcopy(exported)) == (0, 21)
    db.session.commit()
    assert taxonomy.export_trends() == exported


def test_import_adds_new_trends_and_accepts_swapped_web_addresses(app):
    taxonomy.seed_trends()
    db.session.commit()
    data = taxonomy.export_trends()
    first, second = data["trends"][0], data["trends"][1]
    first["slug"], second["slug"] = second["slug"], first["slug"]
    data["trends"].append({"code": "d9", "group": "digital", "name": "Open standards"})
    assert taxonomy.import_trends(data) == (1, 20)
    db.session.commit()
    trends = _trends()
    assert trends["D1"].slug == "reimagining-services" and trends["D2"].slug == "technology-for-public-good"
    assert trends["D9"].slug == "open-standards" and trends["D9"].position == 20


BAD_FILES = [
    ([], "not a trend export"),
    ({"format": "something-else/1", "trends": []}, "not a trend export"),
    ({"format": "awards-trends/1", "trends": {}}, "not a trend export"),
    ({"format": "awards-trends/1", "trends": ["D1"]}, "trend 1: not an object"),
    ({"format": "awards-trends/1", "trends": [{"code": "D1", "group": "digital"}]}, "name missing"),
    (
        {"format": "awards-trends/1", "trends": [{"code": "D1", "group": "economy", "name": "A"}]},
        "group must be one of",
    ),
    (
        {
            "format": "awards-trends/1",
            "trends": [{"code": "A", "group": "digital", "name": "A"}, {"code": "a", "group": "digital", "name": "B"}],
        },
        "code A appears twice",
    ),
    (
        {
            "format": "awards-trends/1",
            "trends": [
                {"code": "A", "group": "digital", "name": "Same"},
                {"code": "B", "group": "digital", "name": "Same"},
            ],
        },
        "web address same appears twice",
    ),
    ({"format": "awards-trends/1", "trends": [{"code": 7, "group": "digital", "name": "A"}]}, "code must be text"),
    (
        {"format": "awards-trends/1", "trends": [{"code": "A", "group": "digital", "name": "A", "position": "1"}]},
        "position must be a whole number",
    ),
    (
        {"format": "awards-trends/1", "trends": [{"code": "A", "group": "digital", "name": "A", "retired": "no"}]},
        "retired must be true or false",
    ),
    (
        {"format": "awards-trends/1", "trends": [{"code": "A", "group": "digital", "name": "n" * 121}]},
        "name longer than 120",
    ),
]


@pytest.mark.parametrize("data,message", BAD_FILES)
def test_a_bad_import_changes_nothing(app, data, message):
    taxonomy.seed_trends()
    db.session.commit()
    before = taxonomy.export_trends()
    with pytest.raises(DomainError) as error:
        taxonomy.import_trends(data)
    db.session.rollback()
    assert message in error.value.message
    assert taxonomy.export_trends() == before


def test_an_import_that_clashes_with_a_trend_it_leaves_alone_changes_nothing(app):
    taxonomy.seed_trends()
    db.session.commit()
    before = taxonomy.export_trends()
    data = copy.deepcopy(before)
    data["trends"] = [t for t in data["trends"] if t["code"] != "D2"]
    data["trends"][0]["name"] = "Renamed first"
    data["trends"].append({"code": "NEW", "group": "digital", "name": "Reimagining services"})
    with pytest.raises(DomainError) as error:
        taxonomy.import_trends(data)
    db.session.rollback()
    assert "reimagining-services of NEW is already used by D2" in error.value.message
    assert error.value.message.startswith("The file has problems, nothing was imported")
    assert taxonomy.export_trends() == before
