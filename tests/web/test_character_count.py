"""The character count the service writes itself (templates/macros/character_count.html) is GOV.UK's, markup for
markup: for each kind of call the templates make, it is rendered both ways and compared (whitespace between tags
aside). A release of GOV.UK Frontend that changes the component's markup fails here."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from markupsafe import Markup

from tests.support.visible import text_of

OURS = '{% from "macros/character_count.html" import character_count %}{{ character_count(params) }}'
# GOV.UK's macro as the templates called it before the service wrote the markup itself: the messages translated.
GOVUK = """{% from "govuk_frontend_jinja/components/character-count/macro.html" import govukCharacterCount %}
{%- set count = "%{count}" -%}
{%- set words = {
    "textareaDescriptionText": _("You can enter up to %(count)s words", count=count),
    "wordsUnderLimitText": {
      "one": _("You have %(count)s word remaining", count=count),
      "other": _("You have %(count)s words remaining", count=count)},
    "wordsAtLimitText": _("You have 0 words remaining"),
    "wordsOverLimitText": {
      "one": _("You have %(count)s word too many", count=count),
      "other": _("You have %(count)s words too many", count=count)}} -%}
{%- set characters = {
    "textareaDescriptionText": _("You can enter up to %(count)s characters", count=count),
    "charactersUnderLimitText": {
      "one": _("You have %(count)s character remaining", count=count),
      "other": _("You have %(count)s characters remaining", count=count)},
    "charactersAtLimitText": _("You have 0 characters remaining"),
    "charactersOverLimitText": {
      "one": _("You have %(count)s character too many", count=count),
      "other": _("You have %(count)s characters too many", count=count)}} -%}
{{ govukCharacterCount(dict(params,
  errorMessage=dict(params.errorMessage, visuallyHiddenText=_("Error")) if params.errorMessage else none,
  **(words if params.maxwords else characters)
)) }}"""

BASE = {"name": "comment-7", "id": "comment-7", "maxlength": 2000, "rows": 3}
CALLS = {
    "a criterion's comment": {
        **BASE,
        "label": {
            "text": "Comment on Impact & reach (optional)",
            "classes": "govuk-label--s govuk-!-font-weight-regular",
        },
        "value": "",
        "errorMessage": None,
    },
    "typed text with markup in it": {
        **BASE,
        "label": {"text": "Overall comment (optional)", "classes": "govuk-label--s"},
        "hint": {"text": "The organisers see your comments; nominees do not."},
        "value": 'Strong <b>evidence</b> & "quotes" 🚀',
        "errorMessage": None,
    },
    "an error": {
        **BASE,
        "label": {"text": "Feedback for the entrant"},
        "hint": {"text": "Written for the team <em>who entered</em>."},
        "value": "x" * 2001,
        "errorMessage": {"text": "Feedback must be 2000 characters or fewer", "visuallyHiddenText": "Error"},
    },
    "an error without a hint": {
        **BASE,
        "label": {"text": "Tell the judge why (optional)", "classes": "govuk-label--s"},
        "value": "Because",
        "errorMessage": {"text": "Too long"},
    },
    "a multi-line answer, a label made by a macro and no hint": {
        **BASE,
        "label": {"text": Markup('Lessons <span lang="cy">Gwersi</span>'), "classes": "govuk-label--s"},
        "hint": None,
        "value": "First line\n\n  indented second & third\n",
        "errorMessage": None,
    },
    "an entry's long answer, counted in words": {
        "name": "challenge",
        "id": "challenge",
        "maxwords": 500,
        "rows": 10,
        "label": {"text": "The challenge", "classes": "govuk-label--s"},
        "hint": {"text": "What problem did you set out to solve?"},
        "value": "Residents & staff waited <weeks>.",
        "errorMessage": None,
    },
    "how the work addresses a trend, with an error": {
        "name": "how_3",
        "id": "how_3",
        "maxwords": 100,
        "rows": 3,
        "label": {"text": "How does the work address Data & AI?"},
        "value": "",
        "errorMessage": {"text": "Say how the work addresses Data & AI", "visuallyHiddenText": "Error"},
    },
}


def _squeezed(html: str) -> str:
    """The markup with white space between and around tags dropped (which nobody sees or hears), and a textarea's
    content exactly as it is (which is what the box holds)."""
    boxes = re.findall(r"<textarea[^>]*>(.*?)</textarea>", html, re.S)
    return re.sub(r"\s*([<>])\s*", r"\1", " ".join(html.split())) + repr(boxes)


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("call", sorted(CALLS))
def test_the_character_count_is_govuks_markup_for_every_kind_of_call(app, call, language):
    ours, govuk = app.jinja_env.from_string(OURS), app.jinja_env.from_string(GOVUK)
    with app.test_request_context(), force_locale(language):
        written = ours.render(params=CALLS[call])
        assert _squeezed(written) == _squeezed(govuk.render(params=CALLS[call]))
    if language == "cy":  # the description under the box, in Welsh
        words = CALLS[call].get("maxwords")
        assert (f"Gallwch roi hyd at {words} gair" if words else "Gallwch roi hyd at 2000 nod") in text_of(written)


def test_a_parameter_it_does_not_write_itself_goes_through_govuks_macro(app):
    params = {**CALLS["a criterion's comment"], "spellcheck": False, "formGroup": {"classes": "app-wide"}}
    with app.test_request_context():
        written = app.jinja_env.from_string(OURS).render(params=params)
        assert _squeezed(written) == _squeezed(app.jinja_env.from_string(GOVUK).render(params=params))
    assert 'spellcheck="false"' in written and "app-wide" in written
