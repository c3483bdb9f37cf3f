"""The default content ships in Welsh and Swedish (issue #17): a cycle started with the default categories,
criteria, rubric and entry form, and the default trends, read in the reader's language without an organiser
typing a translation; what an organiser wrote differently is never given the default's words; copying a cycle
keeps its translations; `flask add-default-translations` fills in older deployments. A service whose default
language is Welsh carries the defaults in Welsh on the things themselves, with English as their translation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from awards.domain.core.clock import utcnow
from awards.domain.programme import default_translations, taxonomy
from awards.domain.programme.taxonomy import default_taxonomy
from awards.extensions import db
from awards.i18n import LANGUAGE_COOKIE
from awards.models import AuditEvent, Category, ContentTranslation, Criterion, Cycle, CycleStatus
from tests.factories import make_cycle, make_judge, make_nomination, make_user
from tests.factories.judging import make_assignment
from tests.factories.publishing import make_published_cycle
from tests.support.clients import signed_in_client
from tests.support.nominating import section_url, start_draft
from tests.support.pages import form_values
from tests.support.visible import main_text, page_text

WORDS = default_translations.default_translations()


def read_as(client, language: str):
    client.set_cookie(LANGUAGE_COOKIE, language)
    return client


def stored_texts(cycle_id: int | None = None) -> set[tuple[str, str, str, str]]:
    """(kind, field, language, text) of what is stored for a cycle (None: for the trends)."""
    row = ContentTranslation
    where = row.cycle_id == cycle_id if cycle_id is not None else row.cycle_id.is_(None)
    rows = db.session.execute(sa.select(row.kind, row.field, row.language, row.text).where(where))
    return {(kind, field, language, text) for kind, field, language, text in rows}


# --- The data file ---------------------------------------------------------------------------------------------


def test_the_data_file_has_welsh_and_swedish_for_every_default_text():
    assert default_translations.missing_texts() == []
    defaults = default_translations.default_texts()
    for group in default_translations.GROUPS:
        for key, fields in WORDS[group].items():
            for field, by_language in fields.items():
                assert field in defaults[group].get(key, {}), f"{group}/{key}/{field} is not a default text"
                assert set(by_language) == {"cy", "sv"}, f"{group}/{key}/{field}"
                for language, text in by_language.items():
                    assert text == text.strip() and text, f"{group}/{key}/{field}/{language}"


def test_skrs_trends_keep_skrs_own_swedish_names():
    societal = [trend for trend in default_taxonomy()["trends"] if trend.get("name_sv")]
    assert [trend["code"] for trend in societal] == [f"S{n}" for n in range(1, 11)]
    for trend in societal:
        assert WORDS["trends"][trend["code"]]["name"]["sv"] == trend["name_sv"]


# --- What readers see ------------------------------------------------------------------------------------------


def test_a_welsh_nominee_reads_the_default_categories_and_form_in_welsh(nominee_client):
    cycle = make_cycle()
    read_as(nominee_client, "cy")
    start = page_text(nominee_client.get(f"/nominations/start?cycle={cycle.slug}"))
    assert "Technoleg er lles y cyhoedd" in start and "Arweinydd digidol y flwyddyn" in start
    assert "Technology for Public Good" not in start
    nomination = start_draft(nominee_client, cycle)
    section = page_text(nominee_client.get(section_url(nomination, "organisation")))
    assert "Ynglŷn â’r sefydliad a enwebwyd" in section
    assert "Enw’r sefydliad a enwebwyd" in section
    assert "Name of the nominated organisation" not in section
    read_as(nominee_client, "en")
    assert "Name of the nominated organisation" in page_text(
        nominee_client.get(section_url(nomination, "organisation"))
    )


def test_a_welsh_judge_scores_against_welsh_criteria_and_rubric_bands(app):
    cycle = make_cycle()
    nomination = make_nomination(cycle, status="submitted")
    cycle.status = CycleStatus.JUDGING
    db.session.commit()
    judge = make_judge(cycle)
    make_assignment(judge, nomination, no_conflict_declared=True)
    client = app.test_client()
    client.sign_in_as(judge.user)
    text = page_text(read_as(client, "cy").get(f"/judging/nominations/{nomination.reference}"))
    assert "Canlyniadau ac effaith â thystiolaeth" in text
    assert "Dim tystiolaeth" in text and "Mae’r cais yn gwneud honiadau heb dystiolaeth." in text
    assert "Evidenced outcomes and impact" not in text


def test_a_swedish_reader_sees_skrs_own_name_of_a_societal_trend(client):
    make_cycle()
    text = page_text(read_as(client, "sv").get("/trends"))
    assert "Demokratin utmanas" in text and "Teknik för allmännyttan" in text
    assert "Democracy is challenged" not in text


def test_only_the_languages_the_service_offers_get_the_defaults_words(make_app):
    app = make_app(LANGUAGES=("en", "cy"))
    with app.app_context():
        cycle = make_cycle()
        assert {language for _kind, _field, language, _text in stored_texts(cycle.id)} == {"cy"}
        assert {language for _kind, _field, language, _text in stored_texts()} == {"cy"}


# --- What organisers wrote -------------------------------------------------------------------------------------


def test_an_organisers_own_category_name_is_not_given_the_defaults_welsh(organiser_client, nominee_client, runner):
    cycle = make_cycle()
    category = cycle.categories[0]
    assert category.name == "Technology for Public Good"
    base = f"/organiser/cycles/{cycle.slug}/categories/{category.id}"
    response = organiser_client.post_form(
        f"{base}/edit",
        {"name": "Best bilingual service", "description": "", "shortlist_size": "6"},
        token_from=f"{base}/edit",
    )
    assert response.status_code == 302
    result = runner.invoke(args=["add-default-translations"])  # nor later, by the command
    assert result.exit_code == 0, result.output

    text = page_text(read_as(nominee_client, "cy").get(f"/nominations/start?cycle={cycle.slug}"))
    assert "Best bilingual service" in text and "Technoleg er lles y cyhoedd" not in text
    assert "Arweinydd digidol y flwyddyn" in text  # the categories left as they were keep theirs
    row = ContentTranslation
    assert not db.session.scalars(sa.select(row).where(row.kind == "category", row.object_id == category.id)).all()


def test_a_cycle_copied_for_next_year_keeps_its_translations(organiser_client):
    source = make_cycle(name="Public Sector Digital Awards 2026", year=2026)
    own = source.categories[1]
    organiser_client.post_form(
        f"/organiser/cycles/{source.slug}/translations/category/{own.id}", {"name--cy": "Gwasanaeth newydd y flwyddyn"}
    )
    url = f"/organiser/cycles/{source.slug}/copy"
    response = organiser_client.post_form(
        url,
        {
            "name": "Public Sector Digital Awards 2027",
            "year": "2027",
            "nominations_open_date": ["2", "3", "2027"],
            "nominations_open_time": "9am",
            "nominations_close_date": ["28", "6", "2027"],
            "nominations_close_time": "5pm",
        },
        token_from=url,
    )
    assert response.status_code == 302
    copy = db.session.scalar(sa.select(Category).where(Category.name == own.name, Category.cycle_id != source.id))
    assert stored_texts(copy.cycle_id) == stored_texts(source.id)
    assert ("category", "name", "cy", "Gwasanaeth newydd y flwyddyn") in stored_texts(copy.cycle_id)
    after = page_text(organiser_client.get(response.headers["Location"] + "/translations"))
    before = page_text(organiser_client.get(f"/organiser/cycles/{source.slug}/translations"))
    for language in ("Cymraeg", "Svenska"):
        coverage = re.compile(language + r": (\d+) of (\d+) texts translated")
        assert coverage.search(after).groups() == coverage.search(before).groups()
        assert int(coverage.search(after).group(1)) > 0


# --- The command for deployments made before ------------------------------------------------------------------


def _criterion_rows(criterion, key, condition) -> dict:
    """{key: text} of the criterion's stored translations that meet `condition` (by field, or by language)."""
    row = ContentTranslation
    statement = sa.select(key, row.text).where(row.kind == "criterion", row.object_id == criterion.id, condition)
    return dict(db.session.execute(statement).all())


def _typed_name(cycle, category, language: str, text: str) -> None:
    """A translation of the category's name an organiser typed (not one of the defaults' words)."""
    db.session.add(
        ContentTranslation(
            cycle_id=cycle.id,
            kind="category",
            object_id=category.id,
            field="name",
            language=language,
            text=text,
            revision=1,
            updated_at=cycle.created_at,
        )
    )


def test_the_command_adds_the_defaults_words_where_missing_and_keeps_what_is_there(runner):
    cycle = make_cycle()
    everything = stored_texts(cycle.id), stored_texts()
    db.session.execute(sa.delete(ContentTranslation))  # a deployment made before the defaults had their words
    own = cycle.categories[0]
    _typed_name(cycle, own, "cy", "Technoleg er budd pawb")
    db.session.commit()

    dry = runner.invoke(args=["add-default-translations", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Nothing was changed" in dry.output
    assert stored_texts(cycle.id) == {("category", "name", "cy", "Technoleg er budd pawb")}

    result = runner.invoke(args=["add-default-translations"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Added the default translations of ")
    db.session.expire_all()
    assert ("category", "name", "cy", "Technoleg er budd pawb") in stored_texts(cycle.id)
    assert stored_texts(cycle.id) == everything[0] - {("category", "name", "cy", "Technoleg er lles y cyhoedd")} | {
        ("category", "name", "cy", "Technoleg er budd pawb")
    }
    assert stored_texts() == everything[1]
    assert db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "content.default_translations_added")
    )

    again = runner.invoke(args=["add-default-translations"])
    assert "of 0 texts of the trends and 0 texts of 0 cycles" in again.output


def test_the_command_builds_a_published_cycles_cached_pages_again_with_the_words_added(runner, client):
    """The command stores the words in one statement, which the public pages' freshness listener does not see as it
    sees objects: a published cycle's cached pages must still be built again."""
    cycle = make_published_cycle(year=2025)
    db.session.execute(sa.delete(ContentTranslation).where(ContentTranslation.cycle_id == cycle.id))
    db.session.commit()
    welsh = read_as(client, "cy")
    assert [welsh.get("/impact-cases").headers["X-Cache"] for _ in range(2)] == ["miss", "hit"]

    result = runner.invoke(args=["add-default-translations"])
    assert result.exit_code == 0, result.output
    assert " texts of 1 cycles" in result.output and "and 0 texts of" not in result.output
    assert welsh.get("/impact-cases").headers["X-Cache"] == "miss"


def test_a_new_rounds_criteria_read_as_those_they_come_from(organiser_client):
    cycle = make_cycle()
    first = cycle.rounds[0].criteria[0]
    organiser_client.post_form(
        f"/organiser/cycles/{cycle.slug}/translations/criterion/{first.id}", {"name--cy": "Effaith a brofwyd"}
    )
    url = f"/organiser/cycles/{cycle.slug}/rounds/new"
    form = {
        "opens_date": ["2", "9", "2026"],
        "opens_time": "9am",
        "closes_date": ["30", "9", "2026"],
        "closes_time": "17:00",
        "entries": "advanced",
        "mode": "scores",
        "ranking_method": "borda",
        "blind": "no",
        "judges_per_nomination": "4",
        "judge_max_load": "8",
    }
    for choice, name in (("round-1", "Effaith a brofwyd"), ("default", "Canlyniadau ac effaith â thystiolaeth")):
        response = organiser_client.post_form(url, {**form, "name": choice, "criteria": choice}, token_from=url)
        assert response.status_code == 302, page_text(response)
        db.session.expire_all()
        added = db.session.get(type(cycle), cycle.id).rounds[-1]
        row = ContentTranslation
        texts = dict(
            db.session.execute(
                sa.select(row.field, row.text).where(
                    row.kind == "criterion", row.object_id == added.criteria[0].id, row.language == "cy"
                )
            ).all()
        )
        assert texts["name"] == name and texts["rubric.0.label"] == "Dim tystiolaeth"


# --- A service whose default language is Welsh ----------------------------------------------------------------


@pytest.fixture
def welsh_default_app(make_app):
    """A service offering English, Welsh and Swedish whose default language is Welsh (AWARDS_DEFAULT_LANGUAGE=cy)."""
    app = make_app(DEFAULT_LANGUAGE="cy")
    with app.app_context():
        yield app


def new_cycle_with_the_forms_defaults(organiser) -> Cycle:
    """An organiser makes a cycle on the new-cycle form, keeping its defaults (every default category ticked, the
    default form); it is then open."""
    taxonomy.seed_trends()
    db.session.commit()
    data = form_values(organiser.get("/organiser/cycles/new"))
    data.update(
        name="Gwobrau Digidol 2027",
        nominations_open_date=local_day(1),
        nominations_close_date=local_day(40),
    )
    response = organiser.post_form("/organiser/cycles/new", data, token_from="/organiser/cycles/new")
    assert response.status_code == 302, main_text(response)
    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.name == "Gwobrau Digidol 2027"))
    cycle.nominations_open_at = utcnow() - timedelta(days=1)
    cycle.status = CycleStatus.OPEN
    db.session.commit()
    return cycle


def judging_in(cycle: Cycle):
    """A judge of the cycle (now judging) with a submitted nomination to score: their client and its page."""
    nomination = make_nomination(cycle, status="submitted")
    cycle.status = CycleStatus.JUDGING
    db.session.commit()
    judge = make_judge(cycle)
    make_assignment(judge, nomination, no_conflict_declared=True)
    return signed_in_client(current_app, judge.user), f"/judging/nominations/{nomination.reference}"


def local_day(days: int) -> list[str]:
    day = (utcnow() + timedelta(days=days)).date()
    return [str(day.day), str(day.month), str(day.year)]


def test_a_welsh_default_service_shows_a_new_cycles_defaults_in_welsh_and_in_english_to_who_chose_it(
    welsh_default_app,
):
    organiser = signed_in_client(welsh_default_app, make_user(email="omar@awards.example.org", roles=("organiser",)))
    cycle = new_cycle_with_the_forms_defaults(organiser)
    # The things themselves say it in Welsh; English is a translation.
    category = cycle.categories[0]
    assert category.name == "Technoleg er lles y cyhoedd"
    assert ("category", "name", "en", "Technology for Public Good") in stored_texts(cycle.id)
    assert not {row for row in stored_texts(cycle.id) if row[2] == "cy"}

    nominee = signed_in_client(welsh_default_app, make_user(email="nia@cyngor.gov.wales"))
    start = page_text(nominee.get(f"/nominations/start?cycle={cycle.slug}"))
    assert "Technoleg er lles y cyhoedd" in start and "Arweinydd digidol y flwyddyn" in start
    assert "Technology for Public Good" not in start
    nomination = start_draft(nominee, cycle)
    tasks = main_text(nominee.get(f"/nominations/{nomination.reference}"))
    assert "Ynglŷn â’r sefydliad a enwebwyd" in tasks and "About the nominated organisation" not in tasks
    section = page_text(nominee.get(section_url(nomination, "organisation")))
    assert "Enw’r sefydliad a enwebwyd" in section and "Name of the nominated organisation" not in section

    nominee.get(f"/language/en?next=/nominations/{nomination.reference}")  # the switcher
    tasks = main_text(nominee.get(f"/nominations/{nomination.reference}"))
    assert "About the nominated organisation" in tasks and "Ynglŷn â’r sefydliad a enwebwyd" not in tasks
    start = page_text(nominee.get(f"/nominations/start?cycle={cycle.slug}"))
    assert "Technology for Public Good" in start and "Digital Leader of the Year" in start
    assert "Technoleg er lles y cyhoedd" not in start

    judge, scoring = judging_in(cycle)
    criteria = page_text(judge.get(scoring))
    assert "Canlyniadau ac effaith â thystiolaeth" in criteria and "Dim tystiolaeth" in criteria
    assert "Evidenced outcomes and impact" not in criteria and "Not evidenced" not in criteria
    judge.get(f"/language/en?next={scoring}")
    criteria = page_text(judge.get(scoring))
    assert "Evidenced outcomes and impact" in criteria and "Not evidenced" in criteria
    assert "Canlyniadau ac effaith â thystiolaeth" not in criteria


def test_a_welsh_default_service_shows_the_trends_in_welsh_and_in_english_to_who_chose_it(welsh_default_app):
    taxonomy.seed_trends()
    db.session.commit()
    client = welsh_default_app.test_client()
    text = page_text(client.get("/trends"))
    assert "Ailddychmygu gwasanaethau" in text and "Cydnerthedd cymunedol" in text
    assert "Reimagining services" not in text
    client.get("/language/en?next=/trends")
    text = page_text(client.get("/trends"))
    assert "Reimagining services" in text and "Community resilience" in text
    assert "Ailddychmygu gwasanaethau" not in text
    assert "Demokratin utmanas" in page_text(read_as(client, "sv").get("/trends"))


def test_renaming_a_default_category_in_welsh_drops_the_defaults_english(welsh_default_app):
    organiser = signed_in_client(welsh_default_app, make_user(email="omar@awards.example.org", roles=("organiser",)))
    cycle = new_cycle_with_the_forms_defaults(organiser)
    category = cycle.categories[0]
    typed = cycle.categories[1]  # an organiser's own English, typed before the Welsh is changed
    organiser.post_form(
        f"/organiser/cycles/{cycle.slug}/translations/category/{typed.id}", {"name--en": "Service reborn"}
    )
    for renamed, name in ((category, "Technoleg er budd pawb"), (typed, "Gwasanaeth newydd y flwyddyn")):
        base = f"/organiser/cycles/{cycle.slug}/categories/{renamed.id}"
        response = organiser.post_form(
            f"{base}/edit", {"name": name, "description": "", "shortlist_size": "6"}, token_from=f"{base}/edit"
        )
        assert response.status_code == 302, main_text(response)
    result = welsh_default_app.test_cli_runner().invoke(args=["add-default-translations"])  # nor later
    assert result.exit_code == 0, result.output

    reader = signed_in_client(welsh_default_app, make_user(email="nia@cyngor.gov.wales"))
    reader.get(f"/language/en?next=/nominations/start?cycle={cycle.slug}")
    text = page_text(reader.get(f"/nominations/start?cycle={cycle.slug}"))
    assert "Technoleg er budd pawb" in text and "Technology for Public Good" not in text
    assert "Service reborn" in text  # what someone typed stays
    assert "Digital Leader of the Year" in text  # the categories left as they were keep theirs
    row = ContentTranslation
    fields = {
        (language, text)
        for language, text in db.session.execute(
            sa.select(row.language, row.text).where(
                row.kind == "category", row.object_id == category.id, row.field == "name"
            )
        )
    }
    assert fields == set()


def test_a_new_rounds_default_criteria_are_welsh_with_english_translations(welsh_default_app):
    organiser = signed_in_client(welsh_default_app, make_user(email="omar@awards.example.org", roles=("organiser",)))
    cycle = new_cycle_with_the_forms_defaults(organiser)
    url = f"/organiser/cycles/{cycle.slug}/rounds/new"
    day = local_day(60)
    form = {
        "name": "Rownd derfynol", "opens_date": local_day(50), "opens_time": "9am", "closes_date": day,
        "closes_time": "17:00", "entries": "advanced", "mode": "scores", "ranking_method": "borda", "blind": "no",
        "judges_per_nomination": "4", "judge_max_load": "8", "criteria": "default",
    }  # fmt: skip
    response = organiser.post_form(url, form, token_from=url)
    assert response.status_code == 302, main_text(response)
    db.session.expire_all()
    added = db.session.get(Cycle, cycle.id).rounds[-1]
    criterion = added.criteria[0]
    assert criterion.name == "Canlyniadau ac effaith â thystiolaeth"
    assert criterion.rubric[0]["label"] == "Dim tystiolaeth"
    english = _criterion_rows(criterion, ContentTranslation.field, ContentTranslation.language == "en")
    assert english["name"] == "Evidenced outcomes and impact" and english["rubric.0.label"] == "Not evidenced"


def made_before_the_defaults_were_welsh(app) -> None:
    """A cycle and the trends as this service stored them before its defaults were stored in Welsh: the things
    in the defaults' English, with the Swedish rows (no Welsh ones: Welsh was the default language)."""
    app.config["DEFAULT_LANGUAGE"] = "en"
    try:
        make_cycle()
    finally:
        app.config["DEFAULT_LANGUAGE"] = "cy"
    db.session.execute(sa.delete(ContentTranslation).where(ContentTranslation.language == "cy"))
    db.session.commit()


def test_the_command_puts_an_older_welsh_default_services_english_defaults_into_welsh(welsh_default_app):
    made_before_the_defaults_were_welsh(welsh_default_app)
    cycle = db.session.scalar(sa.select(Cycle))
    category = cycle.categories[0]
    assert category.name == "Technology for Public Good"
    _typed_name(cycle, category, "en", "Tech for good")
    db.session.commit()

    result = welsh_default_app.test_cli_runner().invoke(args=["add-default-translations"])
    assert result.exit_code == 0, result.output
    assert "texts still in the defaults' English into cy" in result.output
    db.session.expire_all()
    assert category.name == "Technoleg er lles y cyhoedd"
    assert ("category", "name", "en", "Tech for good") in stored_texts(cycle.id)  # typed by someone: kept
    assert ("category", "name", "en", "Technology for Public Good") not in stored_texts(cycle.id)
    assert cycle.categories[1].name == "Gwasanaeth y flwyddyn wedi’i ailddychmygu"
    reader = welsh_default_app.test_client()
    assert "Ailddychmygu gwasanaethau" in page_text(reader.get("/trends"))
    reader.get("/language/en?next=/trends")
    assert "Reimagining services" in page_text(reader.get("/trends"))
    again = welsh_default_app.test_cli_runner().invoke(args=["add-default-translations"])
    assert "of 0 texts of the trends and 0 texts of 0 cycles." in again.output


def test_a_swedish_default_service_carries_the_defaults_in_swedish_and_skrs_names(make_app):
    app = make_app(LANGUAGES=("sv", "en"), DEFAULT_LANGUAGE="sv")
    with app.app_context():
        cycle = make_cycle()
        assert cycle.categories[0].name == "Teknik för allmännyttan"
        assert {language for _kind, _field, language, _text in stored_texts(cycle.id)} == {"en"}
        reader = app.test_client()
        text = page_text(reader.get("/trends"))
        assert "Demokratin utmanas" in text and "Democracy is challenged" not in text
        reader.get("/language/en?next=/trends")
        text = page_text(reader.get("/trends"))
        assert "Democracy is challenged" in text and "Demokratin utmanas" not in text


def test_the_new_cycle_form_offers_the_default_categories_and_trends_in_the_readers_language(welsh_default_app):
    """The categories a new cycle will start with and the trends it offers are ticked by name: on a Welsh-default
    service they are stored in Welsh, and the form names them so; an organiser reading English reads their English
    (the trend D1 and the category shaped after it share the name "Technology for Public Good")."""
    organiser = signed_in_client(welsh_default_app, make_user(email="omar@awards.example.org", roles=("organiser",)))
    taxonomy.seed_trends()
    db.session.commit()

    welsh = main_text(organiser.get("/organiser/cycles/new"))
    assert "Technoleg er lles y cyhoedd" in welsh and "Technology for Public Good" not in welsh

    organiser.get("/language/en?next=/organiser/cycles/new")  # the switcher
    english = main_text(organiser.get("/organiser/cycles/new"))
    assert "Technology for Public Good" in english and "Technoleg er lles y cyhoedd" not in english


def test_the_command_gives_an_organisers_own_criterion_the_default_bands_words(runner):
    """The criterion form starts a new criterion with the default bands: the organiser names it and keeps them.
    Its name is theirs (no default's words), its bands are the defaults' and read in Welsh and Swedish."""
    cycle = make_cycle()
    first_round = cycle.rounds[0]
    criterion = Criterion(
        cycle=cycle, name="Value for money", description="", weight=10, scale_min=0, scale_max=10,
        rubric=default_translations.default_rubric(), allow_not_applicable=False, position=len(first_round.criteria),
    )  # fmt: skip
    first_round.criteria.append(criterion)
    db.session.commit()
    band = default_taxonomy()["rubric"][0]["label"]

    result = runner.invoke(args=["add-default-translations"])
    assert result.exit_code == 0, result.output

    row = ContentTranslation
    words = _criterion_rows(criterion, row.language, row.field == "rubric.0.label")
    assert words == {language: WORDS["rubric"][band]["label"][language] for language in ("cy", "sv")}
    name_rows = sa.select(row).where(row.kind == "criterion", row.object_id == criterion.id, row.field == "name")
    assert not db.session.scalars(name_rows).all()


def test_the_command_puts_an_organisers_own_criterions_default_bands_into_welsh(welsh_default_app):
    made_before_the_defaults_were_welsh(welsh_default_app)
    cycle = db.session.scalar(sa.select(Cycle))
    english_bands = [dict(band) for band in default_taxonomy()["rubric"]]
    criterion = Criterion(
        cycle=cycle, name="Gwerth am arian", description="", weight=10, scale_min=0, scale_max=10,
        rubric=english_bands, allow_not_applicable=False, position=len(cycle.rounds[0].criteria),
    )  # fmt: skip
    cycle.rounds[0].criteria.append(criterion)
    db.session.commit()

    result = welsh_default_app.test_cli_runner().invoke(args=["add-default-translations"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    band = english_bands[0]["label"]
    assert criterion.name == "Gwerth am arian"
    assert criterion.rubric[0]["label"] == WORDS["rubric"][band]["label"]["cy"]
    row = ContentTranslation
    english = db.session.scalar(
        sa.select(row.text).where(
            row.kind == "criterion", row.object_id == criterion.id, row.field == "rubric.0.label", row.language == "en"
        )
    )
    assert english == band
