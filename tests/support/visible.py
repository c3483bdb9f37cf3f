"""What a person sees on a page: its visible text, and the guard that no markup ever shows as text.

A template that joins an escaped value to a literal tag with `~` (or Python that concatenates HTML
into a plain string) gets the tag escaped: the person then reads `<br>` or `<a class=…>` on screen.
Every HTML response the test client receives, and every page a browser test checks, goes through
`markup_on_screen`; any hit fails the test. Tests that type markup on purpose (XSS probes, fuzzing)
say which strings they typed with the `typed_markup` fixture, and only those are let through.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

# Tags a template could have meant to emit. Seen as text, they mean HTML was escaped once too often.
_TAG_NAMES = (
    "a|abbr|b|br|button|caption|code|dd|div|dl|dt|em|form|h[1-6]|hr|i|img|input|label|li|ol|p|path|"
    "pre|section|small|span|strong|svg|table|tbody|td|th|thead|time|tr|ul"
)
ESCAPED_TAG = re.compile(rf"</?\s*(?:{_TAG_NAMES})(?:\s[^<>]*)?/?>", re.IGNORECASE)
# An entity a person can read means it was escaped twice (`&amp;amp;` in the source shows as `&amp;`).
DOUBLE_ESCAPED = re.compile(r"&(?:amp|lt|gt|quot|apos|nbsp|#\d{1,6}|#x[0-9a-f]{1,6});", re.IGNORECASE)

# Elements whose content a person never reads as text.
_HIDDEN_CONTENT = {"script", "style", "template"}
# Attributes a person reads or hears (form values shown in fields, alternative text, accessible names).
_READ_ATTRIBUTES = {"value", "alt", "title", "aria-label", "placeholder"}
# Elements that start a new line or cell: their words never run into the next ones. Inline elements
# (strong, a, span …) join their text to its neighbours, as a browser shows it.
_BLOCKS = {
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "button",
    "caption",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "label",
    "legend",
    "li",
    "main",
    "nav",
    "ol",
    "option",
    "p",
    "pre",
    "section",
    "select",
    "summary",
    "table",
    "tbody",
    "td",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "ul",
}


class _TextReader(HTMLParser):
    def __init__(self, attributes: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0
        self._attributes = attributes

    def handle_starttag(self, tag, attrs):
        if tag in _HIDDEN_CONTENT:
            self._hidden += 1
        if tag in _BLOCKS:
            self.parts.append("\n")
        hidden_input = tag == "input" and any(k == "type" and v == "hidden" for k, v in attrs)
        for key, value in attrs if self._attributes else ():
            if value and key in _READ_ATTRIBUTES and not hidden_input:
                self.parts.append(value)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in _HIDDEN_CONTENT:
            self._hidden -= 1

    def handle_endtag(self, tag):
        if tag in _HIDDEN_CONTENT and self._hidden:
            self._hidden -= 1
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_texts(html: str, attributes: bool = True) -> list[str]:
    """The text nodes (and, unless told not to, the read-aloud attribute values) of a page, entities
    decoded, as a person gets them."""
    reader = _TextReader(attributes)
    reader.feed(html)
    reader.close()
    return reader.parts


def text_of(html: str) -> str:
    """The page's visible words (text, not attribute values), white space collapsed."""
    return re.sub(r"\s+", " ", "".join(visible_texts(html, attributes=False))).strip()


# Strings the running test typed on purpose; their markup may show on screen as the person typed it.
# A plain list (not a context variable): the e-mail check runs in the test's teardown, after fixtures.
_typed: list[str] = []


def allow_typed(*strings: str) -> None:
    _typed.extend(s for s in strings if s)


def forget_typed() -> None:
    _typed.clear()


def typed_strings() -> tuple[str, ...]:
    return tuple(_typed)


def markup_on_screen(texts: list[str] | str, typed: tuple[str, ...] | None = None) -> list[str]:
    """Each escaped tag or double-escaped entity a person would read, with a little context.
    Occurrences inside a string the test typed on purpose are not counted."""
    typed = typed_strings() if typed is None else typed
    if isinstance(texts, str):
        texts = [texts]
    hits = []
    for text in texts:
        cleaned = text
        for value in sorted(typed, key=len, reverse=True):
            cleaned = cleaned.replace(value, " ")
        for pattern in (ESCAPED_TAG, DOUBLE_ESCAPED):
            for match in pattern.finditer(cleaned):
                start, end = max(0, match.start() - 40), min(len(cleaned), match.end() + 40)
                hits.append(f"{match.group(0)!r} in …{cleaned[start:end].strip()}…")
    return hits


# What the source must hold for a person to read a tag or an entity: an escaped `<` (`&lt;`, `&#60;`, `&#x3c;`,
# the semicolon optional as browsers read it) or an escaped `&` followed by an entity's name. A page without either
# cannot show markup, and is not parsed (most pages: parsing every response was a good part of the suite's time).
_COULD_SHOW_MARKUP = re.compile(
    r"&(?:lt|#0*60(?!\d)|#x0*3c(?![0-9a-f]))|&(?:amp|#0*38(?!\d)|#x0*26(?![0-9a-f]));?(?:amp|lt|gt|quot|apos|nbsp|#)",
    re.IGNORECASE,
)


def assert_no_markup_on_screen(html: str, where: str) -> None:
    if not _COULD_SHOW_MARKUP.search(html):
        return
    hits = markup_on_screen(visible_texts(html))
    if hits:
        raise AssertionError(f"markup shown as text on {where}:\n- " + "\n- ".join(hits[:10]))


def main_text(response) -> str:
    """The visible words of a response's <main>, white space collapsed."""
    html = response.get_data(as_text=True)
    return text_of(html[html.find("<main") : html.find("</main>")])


def error_summary(response) -> list[tuple[str, str]]:
    """(link target, message) of each entry in the page's GOV.UK error summary."""
    html = response.get_data(as_text=True)
    start = html.find('class="govuk-error-summary"')
    if start < 0:
        return []
    block = html[start : html.find("</ul>", start)]
    return [(href, text_of(message)) for href, message in re.findall(r'<a href="([^"]+)">(.*?)</a>', block, re.S)]


def spaced_text(html: str) -> str:
    """The page's words with every tag read as a space, white space collapsed ("<b>a</b>, b" reads "a , b"): the
    cruder reading a few older assertions were written against. New tests use text_of, page_text or main_text."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def page_text(response) -> str:
    """The visible words of a whole page (text, not attribute values), white space collapsed."""
    return text_of(response.get_data(as_text=True))


def error_messages(response) -> list[str]:
    """The messages of the page's GOV.UK error summary, in order (there must be one)."""
    summary = error_summary(response)
    assert summary, "no error summary on the page"
    return [message for _, message in summary]


def buttons(response) -> dict[str, str]:
    """Each GOV.UK button's visible text and its kind: "primary", "secondary" or "warning"."""
    html = response.get_data(as_text=True)
    found = {}
    for classes, label in re.findall(
        r'<(?:a|button)\b[^>]*class="(govuk-button[^"]*)"[^>]*>(.*?)</(?:a|button)>', html, re.S
    ):
        kind = next((k for k in ("secondary", "warning") if f"govuk-button--{k}" in classes), "primary")
        found[re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", label))).strip()] = kind
    return found


def service_navigation(response) -> list[tuple[str, bool]]:
    """The service navigation's links as a reader meets them: their words, and whether each is marked as where they
    are (`aria-current`); the sign-out button last, as ("Sign out", False), when there is one (not the small
    screen's menu button)."""
    html = response.get_data(as_text=True)
    nav = re.search(r'<nav [^>]*class="govuk-service-navigation__wrapper"[^>]*>(.*?)</nav>', html, re.S)
    assert nav, "no service navigation"
    items = [
        (text_of(words), "aria-current=" in attributes)
        for attributes, words in re.findall(r"<a ([^>]*)>(.*?)</a>", nav.group(1), re.S)
    ]
    items += [
        (text_of(words), False)
        for words in re.findall(r'<button type="submit"[^>]*>(.*?)</button>', nav.group(1), re.S)  # not "Menu"
    ]
    return items


def select_choices(response, field_id: str) -> list[str]:
    """The words of each choice a drop-down list (`<select id=field_id>`) offers, in order (an option group's
    label is not a choice)."""
    html = response.get_data(as_text=True)
    found = re.search(rf'<select\b[^>]*\bid="{re.escape(field_id)}"[^>]*>(.*?)</select>', html, re.S)
    assert found, f"no drop-down list {field_id}"
    return [text_of(words) for words in re.findall(r"<option\b[^>]*>(.*?)</option>", found.group(1), re.S)]


def links_in(page: str) -> dict[str, str]:
    """Each link's words (as read aloud, hidden words included) → its address."""
    return {
        text_of(words): href.replace("&amp;", "&")
        for href, words in re.findall(r'<a class="govuk-link" href="([^"]+)">(.*?)</a>', page, re.S)
    }


class _LanguageReader(HTMLParser):
    """The words inside <main> in elements marked with a given `lang`, one string per outermost such element."""

    _VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, language: str):
        super().__init__(convert_charrefs=True)
        self.language = language
        self.depth = 0  # open elements inside the outermost marked one
        self.in_main = False
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self._VOID:
            return
        if tag == "main":
            self.in_main = True
        if self.depth:
            self.depth += 1
        elif self.in_main and dict(attrs).get("lang") == self.language:
            self.depth = 1
            self.found.append("")

    def handle_endtag(self, tag):
        if self.depth and tag not in self._VOID:
            self.depth -= 1
        if tag == "main":
            self.in_main = False

    def handle_data(self, data):
        if self.depth:
            self.found[-1] += data


def texts_in_language(html: str, language: str) -> list[str]:
    """The words of the page's main content a screen reader reads in `language` because they are marked
    `lang="<language>"`, white space collapsed: what the page says is written in another language than its own."""
    reader = _LanguageReader(language)
    reader.feed(html)
    reader.close()
    return [re.sub(r"\s+", " ", text).strip() for text in reader.found]
