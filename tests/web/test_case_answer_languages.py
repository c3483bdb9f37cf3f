"""The labels of an impact case's answers in its reader's language: a case copies each public answer with its
question's short name as it was then (the record), and a Welsh or Swedish reader reads the label of the cycle's
question with that key in their language when an organiser translated it, else the copy marked with its own
language. The public page cache follows a translation edited, and a question removed, at once."""

from __future__ import annotations

import sqlalchemy as sa

from awards.domain.nominations import form_builder
from awards.extensions import db
from awards.i18n import LANGUAGE_COOKIE
from awards.models import ContentTranslation, FormQuestion, FormSection, ImpactCase
from tests.factories import make_published_case, make_published_cycle
from tests.support.queries import counting_queries
from tests.support.visible import main_text, texts_in_language

LABEL = "What residents told us"
WELSH_LABEL = "Beth ddywedodd trigolion wrthym"
ANSWER = "Residents said the bins are emptied when they are full, not on a fixed day."


def _reading_in(client, language: str):
    client.set_cookie(LANGUAGE_COOKIE, language)
    return client


def _cycle_with_public_question(key: str = "residents", label: str = LABEL):
    """A published cycle without the default content's translations, and an optional public question of its own
    (no short name: its label is what a case copies)."""
    cycle = make_published_cycle()
    db.session.execute(sa.delete(ContentTranslation))
    section = db.session.scalars(
        sa.select(FormSection).where(FormSection.cycle_id == cycle.id, FormSection.key == "lessons")
    ).one()
    question = form_builder.add_question(
        section, kind="textarea", key=key, label=label, public=True, required=False, settings={"max_words": 200}
    )
    db.session.commit()
    return cycle, question


def _translate_label(organiser_client, cycle, question, welsh: str):
    response = organiser_client.post_form(
        f"/organiser/cycles/{cycle.slug}/translations/question/{question.id}", {"label--cy": welsh}
    )
    assert response.status_code == 302


def _case_page(client, case, language: str):
    return _reading_in(client, language).get(f"/impact-cases/{case.slug}")


def test_a_welsh_reader_reads_the_welsh_label_and_an_english_reader_the_copied_one(organiser_client, client):
    cycle, question = _cycle_with_public_question()
    case = make_published_case(cycle, residents=ANSWER)
    assert [(e["key"], e["label"]) for e in case.answers if e["key"] == "residents"] == [("residents", LABEL)]
    _translate_label(organiser_client, cycle, question, WELSH_LABEL)

    welsh = _case_page(client, case, "cy")
    assert f"{WELSH_LABEL} {ANSWER}" in main_text(welsh)
    assert LABEL not in main_text(welsh)
    # The heading is Welsh, the page's language; the entrant's English answer beneath it is marked English.
    english_parts = texts_in_language(welsh.get_data(as_text=True), "en")
    assert ANSWER in english_parts and not [t for t in english_parts if WELSH_LABEL in t]

    english = _case_page(client, case, "en")
    assert f"{LABEL} {ANSWER}" in main_text(english)
    assert WELSH_LABEL not in main_text(english)

    # No Swedish: the copied label, marked as English so a screen reader reads it as English.
    swedish = _case_page(client, case, "sv")
    assert f"{LABEL} {ANSWER}" in main_text(swedish)
    assert LABEL in texts_in_language(swedish.get_data(as_text=True), "en")

    # The API gives the record: the copied label and the question's key, whatever the language asked for.
    data = client.get(f"/api/v1/impact-cases/{case.slug}", headers={"Accept-Language": "cy"}).get_json()["data"]
    assert [(a["key"], a["label"]) for a in data["answers"] if a["key"] == "residents"] == [("residents", LABEL)]


def test_a_welsh_label_edited_after_publication_reaches_the_cached_welsh_page(organiser_client, client):
    cycle, question = _cycle_with_public_question()
    case = make_published_case(cycle, residents=ANSWER)
    _translate_label(organiser_client, cycle, question, WELSH_LABEL)
    assert WELSH_LABEL in main_text(_case_page(client, case, "cy"))
    assert _case_page(client, case, "cy").headers["X-Cache"] == "hit"

    _translate_label(organiser_client, cycle, question, "Yr hyn a ddywedodd y trigolion")
    page = _case_page(client, case, "cy")
    assert page.headers["X-Cache"] == "miss"
    assert f"Yr hyn a ddywedodd y trigolion {ANSWER}" in main_text(page)
    assert WELSH_LABEL not in main_text(page)


def test_a_question_reworded_or_removed_after_publication_leaves_the_copied_label(organiser_client, client):
    cycle, question = _cycle_with_public_question()
    case = make_published_case(cycle, residents=ANSWER)
    _translate_label(organiser_client, cycle, question, WELSH_LABEL)
    question_id = question.id
    question.label = "What people living nearby said"  # reworded in English: the case keeps what it published
    db.session.commit()
    assert f"{LABEL} {ANSWER}" in main_text(_case_page(client, case, "en"))
    assert f"{WELSH_LABEL} {ANSWER}" in main_text(_case_page(client, case, "cy"))  # and is now cached

    # The entrant's answer is no longer held (as after an erasure), so the organiser may remove the question.
    nomination = case.nomination
    nomination.answers = {k: v for k, v in nomination.answers.items() if k != "residents"}
    db.session.commit()
    remove = f"/organiser/cycles/{cycle.slug}/form/questions/residents/remove"
    assert organiser_client.post_form(remove, token_from=remove).status_code == 302
    assert db.session.get(FormQuestion, question_id) is None
    left = sa.select(ContentTranslation).where(ContentTranslation.object_id == question_id)
    assert not db.session.scalars(left).all()

    welsh = _case_page(client, case, "cy")
    assert f"{LABEL} {ANSWER}" in main_text(welsh)
    assert WELSH_LABEL not in main_text(welsh)
    assert LABEL in texts_in_language(welsh.get_data(as_text=True), "en")
    assert f"{LABEL} {ANSWER}" in main_text(_case_page(client, case, "en"))
    assert db.session.get(ImpactCase, case.id).answers == case.answers


def test_a_default_forms_short_name_is_read_in_the_readers_language(client):
    case = make_published_case(make_published_cycle(), challenge="Bins overflowed before collection day.")
    assert "The challenge" in [e["label"] for e in case.answers]
    assert "Yr her Bins overflowed before collection day." in main_text(_case_page(client, case, "cy"))
    assert "Utmaningen Bins overflowed before collection day." in main_text(_case_page(client, case, "sv"))
    assert "The challenge Bins overflowed before collection day." in main_text(_case_page(client, case, "en"))


def test_a_welsh_case_page_reads_the_same_queries_however_many_answers_it_shows(make_app):
    app = make_app(PUBLIC_CACHE_ENTRIES=0)  # every request builds its page
    with app.app_context():
        cycle, first = _cycle_with_public_question()
        section = first.section
        keys = ["residents"]
        for n in range(2, 7):
            form_builder.add_question(
                section, kind="text", key=f"extra_{n}", label=f"Extra {n}", public=True, required=False
            )
            keys.append(f"extra_{n}")
        db.session.commit()
        few = make_published_case(cycle, residents=ANSWER)
        many = make_published_case(cycle, residents=ANSWER, **{k: f"Answer {k}" for k in keys[1:]})
        for key in keys:
            question = next(q for q in section.questions if q.key == key)
            db.session.add(
                ContentTranslation(
                    cycle_id=cycle.id, kind="question", object_id=question.id, field="label", language="cy",
                    text=f"Cwestiwn {key}", revision=1, updated_at=few.published_at,
                )
            )  # fmt: skip
        db.session.commit()
        client = _reading_in(app.test_client(), "cy")
        counts = []
        for case in (few, many):
            client.get(f"/impact-cases/{case.slug}")  # warm-up: one-off work is not counted
            with counting_queries() as counted:
                page = client.get(f"/impact-cases/{case.slug}")
            counts.append(counted["n"])
        assert "Cwestiwn extra_6 Answer extra_6" in main_text(page)
        assert counts[0] == counts[1]


def test_an_organiser_editing_a_case_in_welsh_reads_a_default_forms_short_name_in_welsh(organiser_client):
    """The case copies a default form's short name as stored (English words); the organiser's page for rewording
    the public copy names each answer in the organiser's language, as the public page does."""
    case = make_published_case(make_published_cycle(), challenge="Bins overflowed before collection day.")
    assert "The challenge" in [e["label"] for e in case.answers]

    page = _reading_in(organiser_client, "cy").get(f"/organiser/impact-cases/{case.id}")

    assert page.status_code == 200
    assert "Yr her" in main_text(page)
    assert "The challenge" not in main_text(page)
