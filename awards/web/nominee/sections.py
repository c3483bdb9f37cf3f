"""Turning each section's posted fields into the data the domain takes, and back."""

from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

MAX_MEASURED_OUTCOMES = MAX_PARTNERS = 10  # rewritten for the form as data (helper A)

BLANK_ROWS = 2


def _text(form: MultiDict, name: str) -> str:
    return (form.get(name) or "").replace("\r\n", "\n")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse(section: str, form: MultiDict) -> dict[str, Any]:
    """The section's answers from the posted form (nothing else is read from it)."""
    if section == "organisation":
        partners = []
        for i in range(MAX_PARTNERS):
            name = form.get(f"partners-{i}-name")
            if name is None:
                continue
            partners.append({"name": name.strip(), "is_supplier": form.get(f"partners-{i}-is_supplier") == "y"})
        return {
            "organisation_name": _text(form, "organisation_name"),
            "contact_name": _text(form, "contact_name"),
            "contact_email": _text(form, "contact_email").strip(),
            "contact_phone": _text(form, "contact_phone"),
            "region": form.get("region") or "",
            "partners": partners,
        }
    if section == "project":
        return {"title": _text(form, "title"), "summary": _text(form, "summary")}
    if section == "trends":
        chosen = []
        for value in form.getlist("trends"):
            trend_id = _int(value)
            if trend_id is not None and trend_id not in chosen:
                chosen.append(trend_id)
        primary = _int(form.get("primary"))
        return {
            "links": [
                {"trend_id": t, "is_primary": t == primary, "how_addressed": _text(form, f"how_{t}")} for t in chosen
            ],
            "primary": primary,
            "how": {k[4:]: _text(form, k) for k in form if k.startswith("how_")},
        }
    if section in ("challenge", "approach"):
        return {section: _text(form, section)}
    if section == "outcomes":
        rows = []
        for i in range(MAX_MEASURED_OUTCOMES):
            if f"measured-{i}-metric" not in form:
                continue
            rows.append(
                {
                    key: _text(form, f"measured-{i}-{key}").strip()
                    for key in ("metric", "baseline", "result", "measured_on")
                }
            )
        return {"outcomes_narrative": _text(form, "outcomes_narrative"), "measured": rows}
    if section == "lessons":
        return {"unintended_consequences": _text(form, "unintended_consequences"), "lessons": _text(form, "lessons")}
    if section == "declarations":
        consent = form.get("consents_to_publish")
        return {
            "declares_accurate": form.get("declares_accurate") == "y",
            "consents_to_publish": {"yes": True, "no": False}.get(consent),
            "declares_authorised": form.get("declares_authorised") == "y",
        }
    if section == "documents":
        return {}
    raise KeyError(section)


def with_blank_rows(section: str, data: dict[str, Any]) -> dict[str, Any]:
    """Add empty rows for partners and measured outcomes, so more can be added without JavaScript."""
    data = dict(data)
    if section == "organisation":
        partners = list(data.get("partners") or [])
        partners += [{"name": "", "is_supplier": False}] * min(BLANK_ROWS, MAX_PARTNERS - len(partners))
        data["partners"] = partners
    if section == "outcomes":
        rows = list(data.get("measured") or [])
        blank = {"metric": "", "baseline": "", "result": "", "measured_on": ""}
        rows += [dict(blank)] * min(BLANK_ROWS if rows else 3, MAX_MEASURED_OUTCOMES - len(rows))
        data["measured"] = rows
    if section == "trends":
        links = data.get("links") or []
        data.setdefault("primary", next((link["trend_id"] for link in links if link.get("is_primary")), None))
        how = dict(data.get("how") or {})
        for link in links:
            how.setdefault(str(link["trend_id"]), link.get("how_addressed", ""))
        data["how"] = how
        data["chosen"] = [link["trend_id"] for link in links]
    return data


def from_stash(stash: dict[str, list[str]]) -> MultiDict:
    return MultiDict([(k, v) for k, values in stash.items() for v in values])


# The names each section's form sends (and `parse` reads): a post kept while its author signs in
# again keeps these and nothing else.
_OWN_FIELDS = {
    "organisation": re.compile(
        r"(organisation_name|contact_name|contact_email|contact_phone|region"
        r"|partners-[0-9]{1,2}-(name|is_supplier))"
    ),
    "project": re.compile(r"title|summary"),
    "trends": re.compile(r"trends|primary|how_[0-9]{1,9}"),
    "challenge": re.compile(r"challenge"),
    "approach": re.compile(r"approach"),
    "outcomes": re.compile(
        r"outcomes_narrative"
        r"|measured-[0-9]{1,2}-(metric|baseline|result|measured_on)"
    ),
    "lessons": re.compile(r"unintended_consequences|lessons"),
    "declarations": re.compile(r"declares_accurate|consents_to_publish|declares_authorised"),
    "documents": re.compile(r"(?!)"),
}


def own_fields(section: str, form: MultiDict) -> dict[str, list[str]]:
    """The posted values under the section's own field names (what `from_stash` gives back)."""
    pattern = _OWN_FIELDS[section]
    return {name: form.getlist(name) for name in form if pattern.fullmatch(name)}
