"""No unique constraint reaches a person as a 500 (issue 12, item 2).

Every unique constraint and unique index of the models is listed in docs/architecture.md ("Unique
constraints") with the check that says the problem in words first; a new one without a row there fails
here. Below, the paths found in that audit that could hit a constraint, each shown to give a clear error
or to do the right thing instead; and the net under all of them: a write that loses a race to another
request is a 409 page ("Nothing of yours was saved"), never "Sorry, there is a problem with the service".
(Cycle reference prefixes and nomination references: test_cycle_references.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa

from awards.domain.core.errors import Conflict
from awards.domain.judging import judges
from awards.domain.nominations import entries
from awards.domain.people import accounts
from awards.domain.results import shortlists
from awards.extensions import db
from awards.models import (
    Assignment,
    Category,
    Expertise,
    ImpactCase,
    NominationTrend,
    Result,
    ShortlistDecision,
    User,
    cycle_trends,
)
from tests.factories import make_cycle, make_judge, make_nomination
from tests.support.visible import error_summary, main_text

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def unique_rules() -> set[str]:
    """The name of every unique constraint, unique index and composite primary key in the models."""
    names = set()
    for table in db.metadata.sorted_tables:
        for constraint in table.constraints:
            if isinstance(constraint, sa.UniqueConstraint) or (
                isinstance(constraint, sa.PrimaryKeyConstraint) and len(constraint.columns) > 1
            ):
                names.add(constraint.name)
        names.update(index.name for index in table.indexes if index.unique)
    return names


def documented_rules() -> set[str]:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text[text.index("## Unique constraints") :]
    section = section[: section.find("\n## ", 1) if "\n## " in section[1:] else len(section)]
    first_cells = re.findall(r"^\| (`[^|]+`) \|", section, re.M)
    return {name for cell in first_cells for name in re.findall(r"`([a-z_]+)`", cell)}


def test_every_unique_constraint_is_in_the_table_of_guards(app):
    assert unique_rules(), "no unique constraints found: the metadata was not loaded"
    missing = sorted(unique_rules() - documented_rules())
    stale = sorted(documented_rules() - unique_rules())
    assert not missing, f"add a row to docs/architecture.md, Unique constraints, saying what guards: {missing}"
    assert not stale, f"rows in docs/architecture.md, Unique constraints, for constraints that are gone: {stale}"


# --- categories (uq_categories_cycle_id_slug) ---------------------------------------------------


def test_category_names_that_make_the_same_web_address_are_both_kept(organiser_client):
    """Names of emoji alone, or with only punctuation between them, all made the address "item" or
    "data-ai": the second one was refused as "already has a category with that name", which it had not."""
    cycle = make_cycle(status="draft")
    url = f"/organiser/cycles/{cycle.slug}/categories/new"
    for name in ("✨", "🎉", "Data & AI", "Data AI"):
        response = organiser_client.post_form(url, {"name": name, "shortlist_size": "4"}, token_from=url)
        assert response.status_code == 302, error_summary(response)
    db.session.expire_all()
    added = db.session.scalars(
        sa.select(Category).where(Category.cycle_id == cycle.id).order_by(Category.position)
    ).all()[-4:]
    assert [(c.name, c.slug) for c in added] == [
        ("✨", "item"),
        ("🎉", "item-2"),
        ("Data & AI", "data-ai"),
        ("Data AI", "data-ai-2"),
    ]
    # The same name again (whatever its case and spaces) is still an error on the name.
    response = organiser_client.post_form(url, {"name": "  data  &  ai ", "shortlist_size": "4"}, token_from=url)
    assert error_summary(response) == [("#name", "This cycle already has a category with that name")]
    # Renaming one to a name whose address is taken gives it its own address, and keeps it while it fits.
    edit = f"/organiser/cycles/{cycle.slug}/categories/{added[3].id}/edit"
    response = organiser_client.post_form(edit, {"name": "Data: AI!", "shortlist_size": "5"}, token_from=edit)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Category, added[3].id).slug == "data-ai-2"


# --- links to trends (pk_cycle_trends, pk_category_trends, uq_nomination_trends_…) -------------------


def test_a_trend_posted_twice_is_linked_once(organiser_client):
    cycle = make_cycle(status="draft")
    chosen = str(cycle.trends[0].id)
    url = f"/organiser/cycles/{cycle.slug}/categories/new"
    response = organiser_client.post_form(
        url, {"name": "Twice", "shortlist_size": "3", "trends": [chosen, chosen]}, token_from=url
    )
    assert response.status_code == 302
    category = db.session.scalar(sa.select(Category).where(Category.name == "Twice"))
    assert [t.id for t in category.trends] == [int(chosen)]
    from tests.support.pages import form_values

    edit = f"/organiser/cycles/{cycle.slug}/edit"
    data = form_values(organiser_client.get(edit))
    response = organiser_client.post_form(
        edit, {**data, "trends": [chosen, chosen, str(cycle.trends[1].id)]}, token_from=edit
    )
    assert response.status_code == 302
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(cycle_trends).where(cycle_trends.c.cycle_id == cycle.id)
        )
        == 2
    )


def test_a_nominations_trend_given_twice_is_linked_once(app):
    """The web form drops a repeated trend; the domain does too, whoever calls it (a kept draft, a script)."""
    cycle = make_cycle()
    nomination = make_nomination(cycle, status="draft")
    trend = cycle.trends[0]
    link = {"trend_id": trend.id, "is_primary": True, "how_addressed": "Twice over."}
    entries.save_section(
        nomination, "trends", {"trends": [link, dict(link, is_primary=False)]}, by=nomination.nominator, based_on=None
    )
    db.session.commit()
    assert [
        (link.trend_id, link.is_primary)
        for link in db.session.scalars(sa.select(NominationTrend).where(NominationTrend.nomination_id == nomination.id))
    ] == [(trend.id, True)]


# --- accounts (uq_users_email, uq_user_roles_user_id_role) ------------------------------------------


def test_an_address_registered_at_the_same_moment_is_a_409_not_a_500(client, nominee, monkeypatch):
    """Two sign-ups for one address at once both pass the check; the second is refused by the database."""
    monkeypatch.setattr(accounts, "find_user_by_email", lambda email: None)
    response = client.post_form(
        "/register",
        {
            "name": "Second Person",
            "email": nominee.email,
            "organisation": "Riverside Council",
            "password": "a long enough passphrase",
            "confirm_password": "a long enough passphrase",
        },
    )
    assert response.status_code == 409
    assert main_text(response).startswith("This was changed by someone else")
    assert "Nothing of yours was saved" in main_text(response)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_create_user_for_an_address_in_use_says_so_in_one_line(runner, nominee):
    result = runner.invoke(
        args=["create-user", nominee.email.upper(), "--name", "Twin"],
        input="a strong judging passphrase\na strong judging passphrase\n",
    )
    assert result.exit_code == 1
    assert result.output.strip() == "Error: An account with this email address already exists"
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_a_role_granted_twice_is_granted_once(runner, nominee):
    assert runner.invoke(args=["grant-role", nominee.email, "judge"]).exit_code == 0
    again = runner.invoke(args=["grant-role", nominee.email, "judge"])
    assert again.exit_code == 0 and again.output.strip() == f"{nominee.email} already has the judge role"
    db.session.expire_all()
    assert [r.role.value for r in db.session.get(User, nominee.id).roles].count("judge") == 1


# --- judging (uq_expertise_…, uq_assignments_…) ----------------------------------------------------


def test_expertise_saved_again_changes_the_one_row(app, judge):
    cycle = make_cycle()
    trend = cycle.trends[0]
    for level in (1, 2):
        judges.set_expertise(judge, {trend.id: level}, allowed_trend_ids={trend.id}, by=judge)
        db.session.commit()
    rows = db.session.scalars(sa.select(Expertise).where(Expertise.user_id == judge.id)).all()
    assert [(row.trend_id, row.level) for row in rows] == [(trend.id, 2)]


def test_a_judge_added_twice_by_hand_is_an_error_on_the_judge(app, organiser):
    from awards.domain.judging.assignment import manual

    cycle = make_cycle(status="judging")
    nomination = make_nomination(cycle)
    member = make_judge(cycle)
    manual.add_judge(nomination, member, by=organiser)
    db.session.commit()
    try:
        manual.add_judge(nomination, member, by=organiser)
    except Conflict as error:
        assert (error.field, error.message) == ("judge", f"{member.display_name} already judges this nomination")
    else:
        raise AssertionError("the second assignment was not refused")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Assignment.id))) == 1


# --- results (uq_shortlist_decisions_…, uq_impact_cases_slug, uq_impact_cases_nomination_id) --------


def test_decisions_and_public_copies_are_one_per_nomination_and_addresses_stay_unique(app, organiser):
    cycle = make_cycle(status="judging")
    twins = [make_nomination(cycle, title="Joined-up housing repairs") for _ in range(2)]
    for nomination in twins:
        shortlists.decide(cycle, nomination, Result.SHORTLISTED, rationale="Strong evidence", by=organiser)
        shortlists.decide(cycle, nomination, Result.SHORTLISTED, rationale="Strong evidence, again", by=organiser)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(ShortlistDecision.id))) == 2
    cases = [shortlists.prepare_case(cycle, nomination, by=organiser) for nomination in twins]
    again = shortlists.prepare_case(cycle, twins[0], by=organiser)
    db.session.commit()
    assert again.id == cases[0].id
    assert [c.slug for c in cases] == [
        f"joined-up-housing-repairs-{cycle.year}",
        f"joined-up-housing-repairs-{cycle.year}-2",
    ]
    assert db.session.scalar(sa.select(sa.func.count(ImpactCase.id))) == 2
