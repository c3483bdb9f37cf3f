"""Template globals and filters: the service name, dates in GOV.UK style."""

from __future__ import annotations

from flask import Flask, g, has_request_context, request
from flask_babel import format_decimal

from awards.domain.core.dates import DEFAULT_TIME_ZONE, govuk_date, govuk_datetime, govuk_time
from awards.i18n import service_name

__all__ = ["DEFAULT_TIME_ZONE", "govuk_date", "govuk_datetime", "govuk_time", "init_templating"]


def number(value, places: int | None = None) -> str:
    """A number as the reader's language writes it: '1,234.5' in English and Welsh, '1 234,5' in Swedish;
    `places` fixes the decimals shown ('3.50' with 2)."""
    if value is None:
        return ""
    if places is not None:
        return format_decimal(value, format="#,##0." + "0" * places if places else "#,##0")
    return format_decimal(value)


def _texts_this_request(language: str, cycle_id: int | None):
    """The translations into `language` of a cycle's things (None: the trends'), read once per request."""
    from awards.domain.programme.translations import texts_in

    if not has_request_context():
        return texts_in(language, cycle_id)
    kept = g.setdefault("content_translations", {})
    if (language, cycle_id) not in kept:
        kept[language, cycle_id] = texts_in(language, cycle_id)
    return kept[language, cycle_id]


def localised(thing, field: str):
    """`thing`'s `field` (what organisers typed) in the page's language, else the default's with its `lang`."""
    from awards.domain.programme import translations
    from awards.i18n import current_language

    return translations.localised(thing, field, current_language(), _texts_this_request)


def shown(thing, field: str = "name"):
    """`thing`'s `field` for a sentence made in Python (a page's title, a flashed message), in the page's language
    when the sentence is formatted: `_("Judges – %(cycle)s", cycle=shown(cycle))`."""
    from awards.domain.programme.translations import NameShown

    return NameShown(thing, field, _texts_this_request)


def localised_text(kind: str, object_id, cycle_id, field: str, original: str):
    """A text read as plain columns (a list's category name, say) in the page's language, as `localised`."""
    from awards.domain.programme import translations
    from awards.i18n import current_language

    return translations.localised_text(
        kind, object_id, cycle_id, field, original, current_language(), _texts_this_request
    )


def localised_rubric(criterion):
    from awards.domain.programme import translations
    from awards.i18n import current_language

    return translations.localised_rubric(criterion, current_language(), _texts_this_request)


def localised_case_answers(case):
    """An impact case's answers to show, each label in the page's language when its question's is translated."""
    from awards.domain.publishing import publication
    from awards.i18n import current_language

    return publication.localised_answers(case, current_language(), _texts_this_request)


def init_templating(app: Flask) -> None:
    app.jinja_env.filters["number"] = number
    # What organisers typed, in the page's language when they translated it (else marked with its own `lang`).
    app.jinja_env.globals["localised"] = localised
    app.jinja_env.globals["localised_rubric"] = localised_rubric
    app.jinja_env.globals["localised_text"] = localised_text
    app.jinja_env.filters["localised"] = localised
    app.jinja_env.filters["govuk_date"] = govuk_date
    app.jinja_env.filters["govuk_time"] = govuk_time
    app.jinja_env.filters["govuk_datetime"] = govuk_datetime
    from awards.web.audit_words import action_words, object_words

    app.jinja_env.filters["audit_action"] = action_words
    app.jinja_env.filters["audit_object"] = object_words

    app.jinja_env.globals["has_endpoint"] = lambda name: name in app.view_functions
    # What an impact case publishes: the consent question, the result e-mails and the privacy notice read it
    from awards.domain.publishing import publication

    app.jinja_env.globals["publication"] = publication
    # A nomination's answers by the cycle's form (macros/nomination.html, answers.html, questions.html), for
    # nominees' and organisers' pages and the e-mails alike.
    from awards.domain.nominations.answers import answer_text, asked_answers
    from awards.domain.nominations.attachments import types_sentence

    app.jinja_env.globals["asked_answers"] = asked_answers
    from awards.domain.programme.entry_forms import default_word, row_name

    app.jinja_env.globals["row_name_of"] = row_name
    app.jinja_env.globals["default_word"] = default_word
    app.jinja_env.globals["answer_text"] = answer_text
    app.jinja_env.globals["file_types_sentence"] = types_sentence
    # The header's "Judging" link: only for people who judge some cycle (the role alone opens no page).
    from awards.permissions import judges_any_cycle

    app.jinja_env.globals["judges_any_cycle"] = judges_any_cycle

    @app.context_processor
    def _globals():
        return {
            "service_name": service_name(),
            "current_path": request.path if request else "/",
        }
