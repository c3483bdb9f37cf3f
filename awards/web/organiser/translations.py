"""What organisers typed, in the service's other languages: /organiser/cycles/<slug>/translations lists a cycle's
texts (the cycle, its categories, its entry form, its criteria and rubric, and the trends it offers) with how many
are translated; each thing's page takes its texts in every other language (awards/domain/programme/translations.py)."""

from __future__ import annotations

import functools

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovTextArea, GovTextInput
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from awards.domain.programme import translations
from awards.extensions import db
from awards.i18n import LANGUAGE_NAMES
from awards.models import Category, Criterion, FormQuestion, FormSection, Trend
from awards.web.forms import Form, submit
from awards.web.helpers import cycle_or_404
from awards.web.organiser import bp

# Which texts are a line and which a paragraph (the rest of a rubric band's: its label a line, its words a paragraph).
LONG_FIELDS = {"description", "hint", "intro"}


def _is_long(field: str) -> bool:
    return field in LONG_FIELDS or field.endswith(".text")


def _limit(thing, field: str) -> int:
    """The most the default language's text may hold, so a translation fits wherever the original does."""
    column = getattr(type(thing), field, None) if "." not in field else None
    length = getattr(getattr(column, "type", None), "length", None) if column is not None else None
    return length or translations.MAX_LENGTH


def field_label(thing, field: str) -> str:
    """What a text is called on the page: 'Name', 'Hint', 'Band 2: label'."""
    if field.startswith("rubric."):
        _rubric, index, part = field.split(".")
        band = int(index) + 1
        return _("Band %(number)d: label", number=band) if part == "label" else _("Band %(number)d: words", number=band)
    return {
        "name": _("Name"),
        "description": _("Description"),
        "title": _("Title"),
        "hint": _("Hint"),
        "intro": _("Introduction"),
        "label": _("Question"),
    }[field]


def thing_title(thing) -> str:
    if isinstance(thing, Category):
        return _("Category: %(name)s", name=thing.name)
    if isinstance(thing, FormSection):
        return _("Entry form section: %(title)s", title=thing.title)
    if isinstance(thing, FormQuestion):
        return _("Question: %(label)s", label=thing.label)
    if isinstance(thing, Criterion):
        return _("Criterion: %(name)s", name=thing.name)
    if isinstance(thing, Trend):
        return _("Trend: %(code)s %(name)s", code=thing.code, name=thing.name)
    return _("The cycle: %(name)s", name=thing.name)


def _slot(field: str, language: str) -> str:
    return f"{field.replace('.', '-')}--{language}"


def _form_for(thing, stored: dict[str, dict[str, str]]):
    """A form with one box per text and language, filled with what is stored."""

    class TranslationsForm(Form):
        pass

    for field in translations.fields_of(thing):
        if not translations.original(thing, field).strip():
            continue  # nothing typed in the default language: nothing to translate
        for language in translations.other_languages():
            kind, widget = (TextAreaField, GovTextArea()) if _is_long(field) else (StringField, GovTextInput())
            limit = _limit(thing, field)
            label = _("%(text)s in %(language)s", text=field_label(thing, field), language=LANGUAGE_NAMES[language])
            too_long = _("%(label)s must be %(limit)s characters or fewer", label=label, limit=format_decimal(limit))
            setattr(
                TranslationsForm,
                _slot(field, language),
                kind(
                    label,
                    validators=[Length(max=limit, message=too_long)],
                    default=stored.get(field, {}).get(language, ""),
                    widget=widget,
                ),
            )
    TranslationsForm.submit = submit(_("Save translations"))
    return TranslationsForm()


def _things_of_cycle(cycle) -> list:
    return [*translations.things_of(cycle), *sorted(cycle.trends, key=lambda t: (t.position, t.id))]


def _thing_in_cycle(cycle, kind: str, object_id: int):
    for thing in _things_of_cycle(cycle):
        if translations.kind_of(thing) == kind and thing.id == object_id:
            return thing
    abort(404)


@bp.route("/cycles/<slug>/translations")
def translations_index(slug: str):
    cycle = cycle_or_404(slug)
    languages = translations.other_languages()
    texts = functools.cache(translations.texts_in)  # each language's texts of the cycle and of the trends, read once
    rows = [
        {
            "thing": thing,
            "kind": translations.kind_of(thing),
            "title": thing_title(thing),
            "coverage": translations.coverage([thing], texts),
        }
        for thing in _things_of_cycle(cycle)
    ]
    rows = [row for row in rows if any(total for _done, total in row["coverage"].values())]
    overall = {
        language: (sum(r["coverage"][language][0] for r in rows), sum(r["coverage"][language][1] for r in rows))
        for language in languages
    }
    return render_template(
        "organiser/translations/index.html",
        cycle=cycle,
        rows=rows,
        languages=languages,
        language_names=LANGUAGE_NAMES,
        overall=overall,
        title=_("Texts in other languages"),
    )


@bp.route("/cycles/<slug>/translations/<kind>/<int:object_id>", methods=["GET", "POST"])
def translate(slug: str, kind: str, object_id: int):
    cycle = cycle_or_404(slug)
    if kind not in translations.KINDS:
        abort(404)
    thing = _thing_in_cycle(cycle, kind, object_id)
    languages = translations.other_languages()
    if not languages:
        abort(404)
    form = _form_for(thing, translations.translations_of(thing))
    if form.validate_on_submit():
        texts: dict[str, dict[str, str]] = {}
        for field in translations.fields_of(thing):
            for language in languages:
                box = getattr(form, _slot(field, language), None)
                if box is not None:
                    texts.setdefault(field, {})[language] = box.data or ""
        changed = translations.save_translations(thing, texts, by=current_user)
        db.session.commit()
        if changed:
            flash(_("Translations saved for %(title)s.", title=thing_title(thing)), "success")
        else:
            flash(_("Nothing was changed for %(title)s.", title=thing_title(thing)))
        return redirect(url_for("organiser.translations_index", slug=cycle.slug, _anchor=f"{kind}-{object_id}"))
    fields = [
        {
            "field": field,
            "label": field_label(thing, field),
            "original": translations.original(thing, field),
            "boxes": [(language, getattr(form, _slot(field, language))) for language in languages],
        }
        for field in translations.fields_of(thing)
        if translations.original(thing, field).strip()
    ]
    return render_template(
        "organiser/translations/edit.html",
        cycle=cycle,
        thing=thing,
        heading=thing_title(thing),
        fields=fields,
        form=form,
        default_language=translations.default_language(),
        default_language_name=LANGUAGE_NAMES[translations.default_language()],
        title=thing_title(thing),
    )
