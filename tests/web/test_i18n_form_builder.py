"""The entry form builder's refusals in Welsh and Swedish (issue #17, items 3–4): a limit's whole sentence, a
refusal naming the core questions a section has, and one counting the submitted nominations a change would
break, each in the error summary in the language the organiser chose (the cookie the language switcher sets);
English unchanged. Nothing is changed by a refusal in any language."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from awards.domain.nominations import form_builder as builder
from awards.domain.programme import entry_forms as forms
from awards.extensions import db
from awards.i18n import LANGUAGE_COOKIE
from awards.models import Cycle
from tests.factories import make_cycle, make_nomination
from tests.support.visible import error_summary, main_text

LANGUAGES = ["en", "cy", "sv"]


def builder_reader(client, language: str):
    """The organiser's client reading in `language` (English: no cookie, as before languages)."""
    if language != "en":
        client.set_cookie(LANGUAGE_COOKIE, language)
    return client


def stored_form(cycle_id):
    db.session.expire_all()
    cycle = db.session.get(Cycle, cycle_id)
    assert cycle is not None
    return forms.definition_of(cycle, with_categories=True)


def lessons_fields(cycle, **changes):
    """The lessons question's edit page's fields as the browser posts them, with changes."""
    question = forms.question_by_key(cycle, "lessons")
    assert question is not None
    fields = {
        "label": question.label,
        "hint": question.hint,
        "required": "yes" if question.required else "no",
        "judges_see": question.judges_see,
        "section": question.section.key,
        "max_words": "500",
        "max_chars": "",
    }
    return {**fields, **changes}


def words_of(text: str) -> str:
    """Text with its white space (a Swedish number's no-break space included) as single spaces."""
    return " ".join(text.split())


WORD_LIMIT_TOO_HIGH = {
    "en": "The word limit must be 10,000 or fewer",
    "cy": "Rhaid i’r terfyn geiriau fod yn 10,000 neu lai",
    "sv": "Ordgränsen får vara högst 10 000",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_limit_refused_is_one_sentence_in_the_readers_language(organiser_client, language):
    cycle = make_cycle()
    before = stored_form(cycle.id)
    edit = f"/organiser/cycles/{cycle.slug}/form/questions/lessons/edit"
    client = builder_reader(organiser_client, language)
    response = client.post_form(edit, lessons_fields(cycle, max_words="20000"), token_from=edit)
    assert response.status_code == 200
    [(field, message)] = error_summary(response)
    assert (field, words_of(message)) == ("#max_words", WORD_LIMIT_TOO_HIGH[language])
    assert stored_form(cycle.id) == before


THERE_IS_A_PROBLEM = {"en": "There is a problem", "cy": "Mae problem wedi codi", "sv": "Det finns ett problem"}
CORE_QUESTIONS = {
    "en": "It has core questions (‘{0}’, ‘{1}’) the platform needs: move them to another section first.",
    "cy": "Mae ganddi gwestiynau craidd (‘{0}’, ‘{1}’) sydd eu hangen ar y platfform: symudwch nhw i adran arall yn "
    "gyntaf.",
    "sv": "Det har grundfrågor (”{0}”, ”{1}”) som plattformen behöver: flytta dem till ett annat avsnitt först.",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_section_with_core_questions_is_refused_naming_them_in_the_readers_language(organiser_client, language):
    cycle = make_cycle()
    before = stored_form(cycle.id)
    with force_locale(language):  # the default form's short names, in the reader's words
        names = [forms.short_name(q) for q in builder.get_section(cycle, "project").questions if q.core][:2]
    assert names == {"en": ["Project title", "Public summary"], "cy": ["Teitl y prosiect", "Crynodeb cyhoeddus"]}.get(
        language, names
    )
    remove = f"/organiser/cycles/{cycle.slug}/form/sections/project/remove"
    client = builder_reader(organiser_client, language)
    client.get(remove)
    response = client.post_form(remove, token_from=remove)
    assert f"{THERE_IS_A_PROBLEM[language]} {CORE_QUESTIONS[language].format(*names)}" in main_text(response)
    assert stored_form(cycle.id) == before


WORD_LIMIT = {
    "en": "1 submitted nomination has a longer answer (up to 42 words): the word limit must be at least 42",
    "cy": "Mae gan 1 enwebiad a gyflwynwyd ateb hirach (hyd at 42 gair): rhaid i’r terfyn geiriau fod yn 42 o leiaf",
    "sv": "1 inskickad nominering har ett längre svar (upp till 42 ord): ordgränsen måste vara minst 42",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_limit_a_submitted_answer_breaks_is_refused_counting_in_the_readers_language(organiser_client, language):
    cycle = make_cycle()
    make_nomination(cycle, category=cycle.categories[0], lessons="word " * 42)
    before = stored_form(cycle.id)
    edit = f"/organiser/cycles/{cycle.slug}/form/questions/lessons/edit"
    client = builder_reader(organiser_client, language)
    response = client.post_form(edit, lessons_fields(cycle, max_words="40"), token_from=edit)
    assert response.status_code == 200
    assert error_summary(response) == [("#max_words", WORD_LIMIT[language])]
    assert stored_form(cycle.id) == before
