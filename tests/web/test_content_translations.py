"""What organisers type, in Welsh and Swedish (issue #17 item 5): entering it, the fallback when it is missing,
and the language a nomination and its impact case are written in."""

from __future__ import annotations

import re
from html import unescape

import sqlalchemy as sa

from awards.domain.programme import translations
from awards.extensions import db
from awards.i18n import LANGUAGE_COOKIE
from awards.models import AuditEvent, Category, ContentTranslation, Criterion, CycleStatus, Trend
from tests.factories import make_cycle, make_judge, make_published_case, make_user
from tests.factories.judging import make_assignment
from tests.support.nominating import start_draft
from tests.support.pages import form_values
from tests.support.queries import counting_queries
from tests.support.visible import error_summary, page_text, texts_in_language


def in_language(client, language: str):
    client.set_cookie(LANGUAGE_COOKIE, language)
    return client


def translate_url(cycle, thing) -> str:
    return f"/organiser/cycles/{cycle.slug}/translations/{translations.kind_of(thing)}/{thing.id}"


def untranslated_cycle(**kwargs):
    """A cycle with the defaults but none of their Welsh and Swedish words (tests/web/test_default_translations.py
    has those): what these tests translate starts untranslated."""
    cycle = make_cycle(**kwargs)
    db.session.execute(sa.delete(ContentTranslation))
    db.session.commit()
    return cycle


def test_an_organiser_sees_what_can_be_translated_and_how_much_is(organiser_client):
    cycle = untranslated_cycle(name="Gwobrau & Awards 🏆")
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}/translations")
    text = page_text(page)
    assert page.status_code == 200
    assert "Texts in other languages" in text
    assert re.search(r"Cymraeg: 0 of \d+ texts translated", text)
    assert re.search(r"Svenska: 0 of \d+ texts translated", text)
    assert f"Category: {cycle.categories[0].name}" in text
    assert "The cycle: Gwobrau & Awards 🏆" in text


def test_a_translated_category_and_cycle_reach_a_welsh_nominee_and_english_stays_as_typed(
    organiser_client, nominee_client
):
    cycle = make_cycle()
    category = cycle.categories[0]
    page = organiser_client.get(translate_url(cycle, category))
    assert page.status_code == 200
    assert "Name in Cymraeg" in page_text(page) and "Name in Svenska" in page_text(page)
    response = organiser_client.post_form(
        translate_url(cycle, category), {"name--cy": "Gwasanaethau digidol gorau", "name--sv": ""}
    )
    assert response.status_code == 302
    assert "Translations saved" in page_text(organiser_client.get(response.headers["Location"]))

    welsh = page_text(in_language(nominee_client, "cy").get(f"/nominations/start?cycle={cycle.slug}"))
    assert "Gwasanaethau digidol gorau" in welsh
    english = page_text(in_language(nominee_client, "en").get(f"/nominations/start?cycle={cycle.slug}"))
    assert category.name in english and "Gwasanaethau digidol gorau" not in english


def test_a_missing_translation_shows_the_original_marked_with_its_language(organiser_client, client):
    untranslated_cycle()
    trend = db.session.scalars(sa.select(Trend).order_by(Trend.position)).first()
    in_language(client, "sv")
    html = client.get("/trends").get_data(as_text=True)
    assert f'<span lang="en">{trend.name}</span>' in html.replace("&amp;", "&")


def test_a_translated_trend_is_shown_in_welsh_without_a_language_mark(organiser_client, client):
    cycle = make_cycle()
    trend = cycle.trends[0]
    organiser_client.post_form(translate_url(cycle, trend), {"name--cy": "Technoleg er lles y cyhoedd"})
    in_language(client, "cy")
    page = client.get(f"/trends/{trend.slug}")
    assert page.status_code == 200
    assert "Technoleg er lles y cyhoedd" in page_text(page)
    assert '<span lang="en">' not in page.get_data(as_text=True).split("<h1")[1].split("</h1>")[0]


def test_too_long_a_translation_is_refused_with_everything_typed_kept(organiser_client):
    cycle = untranslated_cycle()
    category = cycle.categories[0]
    long_name = "Gwobr " * 60  # over the 200 characters a category's name holds
    response = organiser_client.post_form(
        translate_url(cycle, category),
        {"name--cy": long_name, "name--sv": "Bästa digitala tjänst", "description--sv": "Om tjänsten"},
    )
    assert response.status_code == 200
    assert error_summary(response) == [("#name--cy", "Name in Cymraeg must be 200 characters or fewer")]
    values = form_values(response)
    assert values["name--sv"] == "Bästa digitala tjänst" and values["name--cy"].strip() == long_name.strip()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContentTranslation)) == 0


def test_emptying_a_box_takes_the_translation_away_and_each_change_is_audited(organiser_client, organiser):
    cycle = untranslated_cycle()
    category = cycle.categories[0]
    organiser_client.post_form(translate_url(cycle, category), {"name--cy": "Categori un"})
    organiser_client.post_form(translate_url(cycle, category), {"name--cy": ""})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContentTranslation)) == 0
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "content.translated").order_by(AuditEvent.id)
    ).all()
    assert [(e.actor_id, e.object_type, e.object_id) for e in events] == [
        (organiser.id, "categories", str(category.id)),
        (organiser.id, "categories", str(category.id)),
    ]


def test_a_thing_of_another_cycle_or_an_unknown_kind_is_not_found(organiser_client):
    cycle = make_cycle()
    other = make_cycle(name="Another cycle", year=2027)
    assert organiser_client.get(translate_url(cycle, other.categories[0])).status_code == 404
    assert organiser_client.get(f"/organiser/cycles/{cycle.slug}/translations/user/1").status_code == 404


def test_a_removed_category_takes_its_translations_with_it(organiser_client):
    cycle = untranslated_cycle()
    category = cycle.categories[-1]
    organiser_client.post_form(translate_url(cycle, category), {"name--cy": "I'w dileu"})
    db.session.delete(db.session.get(Category, category.id))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContentTranslation)) == 0


def test_a_judge_reads_the_rubric_in_their_language(organiser_client, app):
    cycle = make_cycle()
    criterion = db.session.scalars(sa.select(Criterion).where(Criterion.cycle_id == cycle.id)).first()
    assert criterion.rubric, "the default criteria have a rubric"
    organiser_client.post_form(
        translate_url(cycle, criterion), {"name--cy": "Effaith", "rubric-0-label--cy": "Dim tystiolaeth"}
    )
    from tests.factories import make_nomination

    nomination = make_nomination(cycle, status="submitted")
    cycle.status = CycleStatus.JUDGING
    db.session.commit()
    judge = make_judge(cycle)
    make_assignment(judge, nomination, no_conflict_declared=True)
    client = app.test_client()
    client.sign_in_as(judge.user)
    in_language(client, "cy")
    text = page_text(client.get(f"/judging/nominations/{nomination.reference}"))
    assert "Effaith" in text and "Dim tystiolaeth" in text


def test_a_page_in_welsh_reads_its_translations_in_one_query_however_many(make_app):
    app = make_app(PUBLIC_CACHE_ENTRIES=0)  # every request builds its page
    with app.app_context():
        cycle = make_cycle()
        client = in_language(app.test_client(), "cy")
        with counting_queries() as few:
            client.get("/trends")
        translator = _someone()
        for trend in cycle.trends:
            translations.save_translations(trend, {"name": {"cy": f"Tuedd {trend.code}"}}, by=translator)
        db.session.commit()
        with counting_queries() as many:
            page = client.get("/trends")
        assert f"Tuedd {cycle.trends[0].code}" in page_text(page)
        assert many["n"] == few["n"] > 0


def _someone():
    from tests.factories import make_user

    return make_user(name="Translator", email="cyfieithydd@example.gov.wales", roles=("organiser",))


def test_a_nomination_started_in_welsh_is_written_in_welsh_and_so_is_its_case(nominee_client):
    cycle = make_cycle()
    in_language(nominee_client, "cy")
    nomination = start_draft(nominee_client, cycle)
    assert nomination.language == "cy"
    in_language(nominee_client, "en")
    assert start_draft(nominee_client, cycle).language == "en"


def test_an_impact_case_says_its_language_on_its_page_and_in_the_api(client):
    case = make_published_case(title="Gwasanaeth digidol newydd")
    case.language = "cy"
    db.session.commit()
    html = client.get(f"/impact-cases/{case.slug}").get_data(as_text=True)
    assert '<h1 class="govuk-heading-xl govuk-!-margin-bottom-4" lang="cy">Gwasanaeth digidol newydd</h1>' in html
    assert client.get(f"/api/v1/impact-cases/{case.slug}").get_json()["data"]["language"] == "cy"
    in_language(client, "cy")
    html = client.get(f"/impact-cases/{case.slug}").get_data(as_text=True)
    assert '<h1 class="govuk-heading-xl govuk-!-margin-bottom-4">Gwasanaeth digidol newydd</h1>' in html


def test_a_case_written_before_languages_were_recorded_is_in_the_default_language(client):
    case = make_published_case()
    assert case.language is None
    assert client.get(f"/api/v1/impact-cases/{case.slug}").get_json()["data"]["language"] == "en"


def test_a_cached_public_page_follows_a_translation_of_its_cycle(organiser_client, client):
    cycle = make_cycle(status="open")
    in_language(client, "cy")
    before = page_text(client.get("/"))
    assert cycle.name in before
    organiser_client.post_form(translate_url(cycle, cycle), {"name--cy": "Gwobrau Digidol y Sector Cyhoeddus 2026"})
    assert "Gwobrau Digidol y Sector Cyhoeddus 2026" in page_text(client.get("/"))


def test_an_organiser_reading_in_english_hears_a_welsh_nominations_answers_in_welsh(organiser_client):
    from tests.factories import make_nomination

    cycle = make_cycle()
    nomination = make_nomination(cycle, status="submitted", title="Gwasanaeth newydd")
    nomination.language = "cy"
    db.session.commit()
    html = organiser_client.get(f"/organiser/cycles/{cycle.slug}/nominations/{nomination.reference}").get_data(
        as_text=True
    )
    assert f'<span lang="cy">{nomination.organisation_name}</span>' in html
    assert '<div lang="cy"><p class="govuk-body">' in html
    in_language(organiser_client, "cy")
    html = organiser_client.get(f"/organiser/cycles/{cycle.slug}/nominations/{nomination.reference}").get_data(
        as_text=True
    )
    assert '<span lang="cy">' not in html and '<div lang="cy">' not in html


def test_a_judge_reading_in_english_hears_a_welsh_entrys_words_in_welsh(judge, judge_client):
    from tests.factories import make_nomination

    cycle = make_cycle()
    cycle.rounds[0].blind = False
    nomination = make_nomination(cycle, status="submitted", title="Gwasanaeth newydd")
    nomination.language = "cy"
    make_assignment(make_judge(cycle, judge), nomination, no_conflict_declared=True)
    db.session.commit()
    url = f"/judging/nominations/{nomination.reference}"
    welsh = texts_in_language(judge_client.get(url).get_data(as_text=True), "cy")
    assert "Gwasanaeth newydd" in welsh  # the title
    assert nomination.organisation_name in welsh  # a short answer, beside its English label
    assert any(nomination.answers["challenge"].split("\n")[0].strip() in text for text in welsh)  # a long answer
    assert not [text for text in welsh if "Not answered" in text or text.startswith("Nominated organisation")]
    in_language(judge_client, "cy")
    assert texts_in_language(judge_client.get(url).get_data(as_text=True), "cy") == []  # the page is Welsh itself


def test_an_impact_cases_region_is_named_in_the_readers_language(client):
    case = make_published_case(region="Wales")
    db.session.commit()
    assert "Region Wales" in page_text(client.get(f"/impact-cases/{case.slug}"))
    in_language(client, "cy")
    assert "Rhanbarth Cymru" in page_text(client.get(f"/impact-cases/{case.slug}"))
    in_language(client, "sv")
    assert "Region Wales" in page_text(client.get(f"/impact-cases/{case.slug}"))  # Wales is Wales in Swedish


def test_a_replaced_form_leaves_no_translation_behind_for_the_sections_made_after_it(app):
    from awards.domain.programme import entry_forms
    from awards.models import FormQuestion, FormSection

    cycle = make_cycle()  # the default form, with its Welsh and Swedish words
    definition = entry_forms.default_definition()
    definition["sections"][-1:-1] = [
        {"key": "team", "title": "About the team", "hint": "", "intro": "", "condition": None, "questions": []}
    ]
    entry_forms.install(cycle, definition)  # as applying a saved form does: every section and question made anew
    db.session.commit()
    team = next(section for section in cycle.form_sections if section.key == "team")
    assert translations.translations_of(team) == {}  # on SQLite it has the id the old declarations section had
    assert translations.localised(team, "title", "sv").text == "About the team"
    kept = db.session.execute(sa.select(ContentTranslation.kind, ContentTranslation.object_id)).all()
    sections = set(db.session.scalars(sa.select(FormSection.id)))
    questions = set(db.session.scalars(sa.select(FormQuestion.id)))
    assert not [row for row in kept if row.kind == "section" and row.object_id not in sections]
    assert not [row for row in kept if row.kind == "question" and row.object_id not in questions]


def test_a_cycles_translated_name_follows_the_nominee_to_their_task_list(organiser_client, nominee_client):
    cycle = make_cycle(status="open")
    organiser_client.post_form(translate_url(cycle, cycle), {"name--cy": "Gwobrau Digidol y Sector Cyhoeddus 2026"})
    in_language(nominee_client, "cy")
    nomination = start_draft(nominee_client, cycle)
    task_list = page_text(nominee_client.get(f"/nominations/{nomination.reference}"))
    assert "Gwobrau Digidol y Sector Cyhoeddus 2026" in task_list and cycle.name not in task_list
    in_language(nominee_client, "en")
    assert cycle.name in page_text(nominee_client.get(f"/nominations/{nomination.reference}"))


def test_titles_and_messages_made_in_python_name_the_cycle_and_category_in_the_readers_language(
    organiser_client, client
):
    cycle = untranslated_cycle(name="Digital Awards & Co 🏆", status="published")
    category = cycle.categories[0]
    organiser_client.post_form(translate_url(cycle, cycle), {"name--cy": "Gwobrau Digidol & Co 🏆"})
    organiser_client.post_form(translate_url(cycle, category), {"name--cy": "Categori yn Gymraeg"})

    def title(c, path):
        response = c.get(path)
        assert response.status_code == 200, path
        return unescape(re.search(r"<title>(.*?)</title>", response.get_data(as_text=True), re.S).group(1)).strip()

    base = f"/organiser/cycles/{cycle.slug}"
    pages = (f"{base}/nominations", f"{base}/judges", f"{base}/categories/{category.id}/edit")
    in_language(organiser_client, "cy")
    welsh = [title(organiser_client, path) for path in pages]
    assert all("Gwobrau Digidol & Co 🏆" in t and cycle.name not in t for t in welsh), welsh
    assert "Categori yn Gymraeg" in welsh[2] and category.name not in welsh[2]
    public = title(in_language(client, "cy"), f"/cycles/{cycle.slug}/shortlist")
    assert public.startswith("Gwobrau Digidol & Co 🏆"), public

    in_language(organiser_client, "en")
    english = [title(organiser_client, path) for path in pages]
    assert all(cycle.name in t and "Gwobrau" not in t for t in english), english


def test_an_email_names_the_cycle_in_its_recipients_language_whoever_sent_it(organiser_client, outbox):
    cycle = untranslated_cycle(name="Digital Awards & Co 🏆")
    organiser_client.post_form(translate_url(cycle, cycle), {"name--cy": "Gwobrau Digidol & Co 🏆"})
    welsh_reader = make_user(email="gwen@cyngor.example.gov.uk", name="Gwen")
    welsh_reader.language = "cy"
    db.session.commit()
    judges = f"/organiser/cycles/{cycle.slug}/judges"
    response = organiser_client.post_form(
        judges, {"emails": "gwen@cyngor.example.gov.uk\nalan@bletchley.example.org"}, token_from=judges
    )  # the organiser reads in English
    assert response.status_code == 302
    subjects = {m.to_address: m.subject for m in outbox("judge_invitation")}
    assert subjects == {
        "gwen@cyngor.example.gov.uk": "Gwahoddiad i feirniadu Gwobrau Digidol & Co 🏆",
        "alan@bletchley.example.org": "Invitation to judge Digital Awards & Co 🏆",
    }
