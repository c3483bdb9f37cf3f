"""A page's source and its form as the browser would post it (field values, not what a person reads: see visible.py)."""

from __future__ import annotations

import re
from html import unescape


def page_source(response) -> str:
    """The HTML of the response, as sent."""
    return response.get_data(as_text=True)


def input_value(response, field_id: str) -> str | None:
    html = response.get_data(as_text=True)
    match = re.search(rf'<input[^>]*\bid="{re.escape(field_id)}"[^>]*>', html)
    if not match:
        return None
    value = re.search(r'value="([^"]*)"', match.group(0))
    return unescape(value.group(1)) if value else ""


def form_values(response) -> dict:
    """What the browser would post for the page's form as it stands: text boxes, ticked boxes, text areas."""
    html = response.get_data(as_text=True)
    html = html[html.find("<main") :]  # the page's form, not the sign-out button's
    form = html[html.find('<form method="post"') : html.find("</form>", html.find('<form method="post"'))]
    values: dict = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) == "csrf_token":
            continue
        kind = (re.search(r'type="([^"]+)"', tag) or [None, "text"])[1]
        if kind in ("checkbox", "radio") and not re.search(r"\bchecked\b", tag):
            continue
        value = unescape((re.search(r'value="([^"]*)"', tag) or [None, ""])[1])
        values.setdefault(name.group(1), []).append(value)
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        values.setdefault(name, []).append(unescape(text).strip())
    return {k: v[0] if len(v) == 1 and k not in ("trends", "categories") else v for k, v in values.items()}


def same_page(html: str) -> str:
    """The page with its CSRF tokens blanked, and the address the language switcher's links return to: two loads
    of one page differ only there (a token carries the second it was signed in; the switcher returns to the address
    asked for, so two addresses showing the same page differ there), so a test that a page is the same page compares
    these."""
    html = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*(")', r"\1\2", html)
    return re.sub(r'(href="/language/[a-z]+\?next=)[^"]*(")', r"\1\2", html)
