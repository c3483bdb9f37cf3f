"""Languages: which one a page and an e-mail are written in, and the catalogues that translate them.

The service speaks English, Welsh (cy) and Swedish (sv); a deployment enables some of them (`LANGUAGES`, by
default all three) and names the one people read until they choose (`DEFAULT_LANGUAGE`, by default English).
A person chooses with the language switcher at the top of every page (GOV.UK's pattern: links, each written in
its own language). The choice is kept in a cookie, and on the account of a signed-in person, so their pages
follow them to another device and their e-mails are written in it too.

The browser's Accept-Language is not read: a public page is the same for every reader who made no choice, so a
shared cache and the in-process page cache need only the cookie to tell the pages apart, and a person on a
borrowed or work computer is not surprised by a language they did not choose (GOV.UK services do the same).

The catalogues (awards/translations/<language>/LC_MESSAGES/messages.po) are the source; the compiled `.mo` files
beside them are made from them when the application starts (or by `make setup`) and are not kept in git.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel, get_locale, get_translations
from markupsafe import Markup

TRANSLATIONS = Path(__file__).resolve().parent / "translations"

# Each language's name in itself: that is how the switcher offers it.
LANGUAGE_NAMES = {"en": "English", "cy": "Cymraeg", "sv": "Svenska"}
# What the switcher's link says to a screen reader, in the language it offers (never translated).
CHANGE_TO = {
    "en": "Change the language to English",
    "cy": "Newid yr iaith i'r Gymraeg",
    "sv": "Byt språk till svenska",
}
LANGUAGE_COOKIE = "awards_language"
COOKIE_SECONDS = 365 * 24 * 3600


class LanguageSettingError(ValueError):
    pass


def parse_languages(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """'en,cy' or ['en', 'cy'] → ('en', 'cy'); an unknown code is refused by name."""
    if value is None:
        return tuple(LANGUAGE_NAMES)
    items = value.split(",") if isinstance(value, str) else list(value)
    codes = tuple(dict.fromkeys(code.strip().lower() for code in items if code.strip()))
    unknown = [code for code in codes if code not in LANGUAGE_NAMES]
    if unknown or not codes:
        raise LanguageSettingError(
            f"AWARDS_LANGUAGES must name some of {', '.join(LANGUAGE_NAMES)} separated by commas, not {value!r}"
        )
    return codes


def settings_problem(config: dict) -> str | None:
    """What is wrong with LANGUAGES and DEFAULT_LANGUAGE, in one line (None: nothing)."""
    try:
        languages = parse_languages(config.get("LANGUAGES"))
    except LanguageSettingError as error:
        return str(error)
    default = config.get("DEFAULT_LANGUAGE") or "en"
    if default not in languages:
        return f"AWARDS_DEFAULT_LANGUAGE must be one of the enabled languages ({', '.join(languages)}), not {default!r}"
    return None


def enabled_languages(app: Flask | None = None) -> tuple[str, ...]:
    return (app or current_app).extensions["awards_languages"]


def default_language(app: Flask | None = None) -> str:
    return (app or current_app).config["DEFAULT_LANGUAGE"]


def usable(code: str | None, app: Flask | None = None) -> str | None:
    """The code if the service offers that language, else None."""
    return code if code and code in enabled_languages(app) else None


def language_of(user) -> str:
    """The language to write to a person in (an e-mail): theirs if they chose one the service offers, else the
    service's default."""
    return usable(getattr(user, "language", None)) or default_language()


def request_language() -> str:
    """The language of this request's pages: a signed-in person's choice, else the cookie's, else the default."""
    if "awards_language" in g:
        return g.awards_language
    from flask_login import current_user

    chosen = None
    if getattr(current_user, "is_authenticated", False):
        chosen = usable(current_user.language)
    if chosen is None:
        chosen = usable(request.cookies.get(LANGUAGE_COOKIE))
    g.awards_language = chosen or default_language()
    return g.awards_language


def service_name(language: str | None = None) -> str:
    """The service's name in `language` (default: the one being written in now): SERVICE_NAME_CY and the like
    (AWARDS_SERVICE_NAME_CY in the environment) where set, else SERVICE_NAME."""
    language = language or current_language()
    config = current_app.config
    return str(config.get(f"SERVICE_NAME_{language.upper()}") or config["SERVICE_NAME"])


def current_language() -> str:
    """The language being written in now (a page, or an e-mail inside `force_locale`). Asked a hundred times by a
    judge's page (each thing an organiser may have translated): the locale Flask-Babel keeps for the request is
    read straight from its context once chosen (as `get_locale` does, without its three context lookups)."""
    state = _babel_state()
    locale = state.get("babel_locale") if state is not None else None
    if locale is None:
        locale = get_locale()
    return str(locale.language) if locale is not None else default_language()


def _babel_state() -> dict | None:
    """What Flask-Babel keeps for this request (its chosen locale and domain), or None outside one."""
    try:
        babel_context = g.__dict__.get("_flask_babel")
    except RuntimeError:  # no application context
        return None
    return getattr(babel_context, "__dict__", None)


def _page_translations():
    """The catalogue templates translate with: Flask-Babel's `get_translations()`, kept on the request's Babel
    context beside the locale and domain it was found for.

    Flask-Babel looks the catalogue up afresh for each `_()` in a template (three context lookups and the locale's
    name each time: about 10 µs, some 90 times a page); a page's locale changes only inside `force_locale` (an
    e-mail written while a page is served), which sets a new locale object and puts the old one back after, so
    the kept catalogue is used only while the locale and domain are the very objects it was found for. Where the
    context does not look as expected (outside a request, or before Babel chose a locale), the lookup is
    Flask-Babel's own."""
    state = _babel_state()
    if state is None:
        return get_translations()
    locale, domain = state.get("babel_locale"), state.get("babel_domain")
    kept = state.get("awards_translations")
    if kept is not None and kept[0] is locale and kept[1] is domain:
        return kept[2]
    translations = get_translations()
    if locale is None or domain is None:  # chosen by this first lookup: kept from the next one
        return translations
    state["awards_translations"] = (locale, domain, translations)
    return translations


def _select_locale() -> str:
    return request_language() if has_request_context() else default_language()


def compile_catalogues(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile each catalogue whose `.mo` is missing or older than its `.po`; returns what was compiled.

    Written to a temporary file and renamed, so a process starting beside another never reads half a file."""
    compiled = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file, locale=po_path.parent.parent.name)
        handle, temporary = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
        try:
            with os.fdopen(handle, "wb") as mo_file:
                write_mo(mo_file, catalogue)
            os.replace(temporary, mo_path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        compiled.append(mo_path)
    return compiled


def language_choices() -> list[dict]:
    """The switcher's entries: each enabled language in its own name, the current one marked."""
    now = current_language()
    return [
        {"code": code, "name": LANGUAGE_NAMES[code], "change": CHANGE_TO[code], "current": code == now}
        for code in enabled_languages()
        if len(enabled_languages()) > 1
    ]


def language_return_path() -> str:
    """Where the switcher takes a reader back to: this page's address (a form's page after a POST: its GET)."""
    return request.full_path.rstrip("?") if request.query_string else request.path


def content_language(thing) -> str:
    """The language a nomination or impact case is written in (None on it: the service's default)."""
    return getattr(thing, "language", None) or default_language()


def lang_attribute(thing) -> Markup:
    """` lang="cy"` for an element holding a nomination's or a case's words when they are not in the page's
    language (nothing when they are): a screen reader then reads them in their own language."""
    language = content_language(thing)
    if language == current_language():
        return Markup("")
    return Markup(' lang="{}"').format(language)


def init_i18n(app: Flask) -> None:
    app.extensions["awards_languages"] = parse_languages(app.config.get("LANGUAGES"))
    app.config.setdefault("DEFAULT_LANGUAGE", "en")
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LANGUAGE"]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    try:
        compile_catalogues()
    except OSError as error:  # a read-only installation: the build step (`make setup`) compiled them
        app.logger.warning("The translation catalogues could not be compiled here (%s)", error)
    Babel(app, locale_selector=_select_locale)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        gettext=lambda s: _page_translations().ugettext(s),
        ngettext=lambda s, p, n: _page_translations().ungettext(s, p, n),
        pgettext=lambda c, s: _page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _page_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["language_choices"] = language_choices
    app.jinja_env.globals["language_return_path"] = language_return_path
    app.jinja_env.globals["content_language"] = content_language
    app.jinja_env.globals["language_cookie"] = LANGUAGE_COOKIE
    app.jinja_env.globals["lang_attribute"] = lang_attribute
