"""The guard against markup shown as text: it finds what a person would read, and templates never
build HTML by joining strings with `~` (Jinja escapes the literal tags once an operand is escaped)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.visible import assert_no_markup_on_screen, markup_on_screen, text_of, visible_texts

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@pytest.mark.parametrize(
    "source, shown",
    [
        ("<p>Your reference number&lt;br&gt;&lt;strong&gt;ABC-2027-0001&lt;/strong&gt;</p>", "'<br>'"),
        ('<dd>&lt;a class="govuk-link" href="/x"&gt;report.pdf&lt;/a&gt;</dd>', '\'<a class="govuk-link" href="/x">\''),
        ("<td>Bath &amp;amp; North East Somerset</td>", "'&amp;'"),
        ('<input type="text" name="n" value="Tom &amp;amp; Jerry">', "'&amp;'"),
        ("<title>A &amp;lt;b&amp;gt; title</title>", "'&lt;'"),
        ("<p>Line one&#60;br&#62;line two</p>", "'<br>'"),
        ("<p>&#x3C;strong&#x3E;Bold&#x3c;/strong&#x3e;</p>", "'<strong>'"),
        ("<p>Bath &#38;amp; Wells</p>", "'&amp;'"),
        ("<p>Bath &#x26;nbsp; Wells</p>", "'&nbsp;'"),
    ],
)
def test_escaped_markup_is_found_where_a_person_reads_it(source, shown):
    hits = markup_on_screen(visible_texts(source))
    assert hits and hits[0].startswith(shown)
    # and the check every test response goes through sees it too (it skips parsing pages that cannot show markup)
    with pytest.raises(AssertionError, match="markup shown as text"):
        assert_no_markup_on_screen(source, "the page")


@pytest.mark.parametrize(
    "source",
    [
        "<p>Your reference number<br><strong>ABC-2027-0001</strong></p>",
        "<td>Bath &amp; North East Somerset 🏴󠁧󠁢󠁷󠁬󠁳󠁿 &lt; Cyngor &quot;Gwynedd&quot;</td>",
        '<input type="hidden" name="t" value="a&amp;amp;b"><script>var x = "<br>";</script>',
        "<p>Use 3 < 5 and a > b in text</p>",
    ],
)
def test_markup_rendered_once_is_not_a_hit(source):
    assert markup_on_screen(visible_texts(source)) == []


def test_strings_a_test_typed_on_purpose_are_let_through():
    page = "<h1>&lt;b&gt;Bold&lt;/b&gt; Council</h1><p>&lt;br&gt;</p>"
    assert markup_on_screen(visible_texts(page), typed=("<b>Bold</b>",)) == ["'<br>' in …<br>…"]
    assert text_of(page) == "<b>Bold</b> Council <br>"


JOINED_MARKUP = re.compile(r"""~\s*(['"])[^'"]*<[a-z/]|<[a-z/][^'"]*(['"])\s*~""", re.IGNORECASE)


def test_no_template_joins_markup_with_tilde():
    """HTML goes through {% set %}…{% endset %} blocks or macros, never `"<br>" ~ value`."""
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if JOINED_MARKUP.search(line):
                offenders.append(f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()[:120]}")
    assert offenders == []
