"""Template globals and filters: the service name, dates in GOV.UK style."""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import format_decimal
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from awards.domain.core.dates import DEFAULT_TIME_ZONE, govuk_date, govuk_datetime, govuk_time
from awards.domain.core.kept import MISSING, KeptPerProcess
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


# Parts of every page kept by each process ---------------------------------------------------------------------
#
# The page's shell (the service navigation, the phase banner, the footer) was a sixth of a signed-in page's time on
# deadline night, rendered anew for every response although it differs only by the reader's language, whether and
# as whom they are signed in, and which part of the service they are in. `{% call kept_fragment(name, *key) %}`
# renders its body once per key (with the page's language, the service's name and where the app is mounted added)
# and gives the markup again after. A body must depend on nothing but its key; where it needs this response's
# CSRF token it writes `csrf_hole`, which each response's own token replaces. The public impact-case cards are kept
# the same way, keyed by everything they show (awards/web/public/cases.py, `case_card_key`).

CSRF_HOLE = "app-kept-fragment-csrf-token"
KEPT_FRAGMENTS = 2048  # the shell's few variants and the impact-case cards (about 1.5 kB each): about 3 MB
_FRAGMENTS_KEY = "awards.kept_fragments"


def kept_fragment(name: str, *key, caller) -> Markup:
    from awards.i18n import current_language

    full = (name, current_language(), service_name(), request.script_root if has_request_context() else "", *key)
    kept = current_app.extensions.get(_FRAGMENTS_KEY)
    if kept is None:
        kept = current_app.extensions.setdefault(_FRAGMENTS_KEY, KeptPerProcess(KEPT_FRAGMENTS))
    text = kept.get(full)
    if text is MISSING:
        text = str(caller())
        kept.put(full, text)
    if CSRF_HOLE in text:
        text = text.replace(CSRF_HOLE, str(escape(generate_csrf())))
    return Markup(text)  # noqa: S704 (rendered by the template engine, with its escaping)


# The parameters templates/macros/character_count.html writes GOV.UK's character count for itself (any other goes
# through GOV.UK's macro): by parameter, the keys of its value (None: a plain value).
_PLAIN_CHARACTER_COUNT = {
    "name": None,
    "id": None,
    "maxlength": None,
    "maxwords": None,
    "rows": None,
    "value": None,
    "label": {"text", "classes"},
    "hint": {"text"},
    "errorMessage": {"text", "visuallyHiddenText"},
}


def character_count_is_plain(params: dict) -> bool:
    """Whether a character count's parameters are only those the template writes itself (see above)."""
    for name, value in params.items():
        if name not in _PLAIN_CHARACTER_COUNT:
            return False
        keys = _PLAIN_CHARACTER_COUNT[name]
        if keys is not None and value is not None and not (isinstance(value, dict) and value.keys() <= keys):
            return False
    label = params.get("label")
    one_limit = bool(params.get("maxlength")) != bool(params.get("maxwords"))
    return bool(params.get("name") and one_limit and params.get("rows") and label and label.get("text"))


NAVIGATION_AREAS = ("impact-cases", "trends", "organiser", "judging", "nominations", "account")


def navigation_area(path: str) -> str:
    """Which item of the service navigation `path` is under ("" for none): an address beginning with one of the
    areas, or exactly the sign-in or registration page."""
    if path in ("/sign-in", "/register"):
        return path[1:]
    return next((area for area in NAVIGATION_AREAS if path.startswith("/" + area)), "")


def init_templating(app: Flask) -> None:
    app.jinja_env.filters["number"] = number
    # What organisers typed, in the page's language when they translated it (else marked with its own `lang`).
    app.jinja_env.globals["localised"] = localised
    app.jinja_env.globals["localised_rubric"] = localised_rubric
    app.jinja_env.globals["localised_text"] = localised_text
    app.jinja_env.globals["character_count_is_plain"] = character_count_is_plain
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
    app.jinja_env.globals["kept_fragment"] = kept_fragment
    app.jinja_env.globals["csrf_hole"] = CSRF_HOLE
    app.jinja_env.globals["navigation_area"] = navigation_area

    @app.context_processor
    def _globals():
        return {
            "service_name": service_name(),
            "current_path": request.path if request else "/",
        }
