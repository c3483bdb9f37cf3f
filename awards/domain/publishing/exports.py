"""CSV exports that are safe to open in a spreadsheet.

A cell that starts with `=`, `+`, `-` or `@` (or a tab, carriage return or line feed) would
run as a formula when an organiser opens the file: a nominee could type `=HYPERLINK(...)` into
a title. Spreadsheets skip white space before a formula and read the full-width and small forms
(`＝`, `＋`, `－`, `＠`, `﹦`…) and the minus sign `−` as the characters themselves, so a cell
is looked at from its first character that is not white space (spaces of any width, tabs, line
breaks, zero-width spaces, byte order marks), in its compatibility form (NFKC). Such cells get a
leading apostrophe, which spreadsheets show as plain text, and every cell is quoted (OWASP
"CSV injection").
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from awards.domain.core import audit
from awards.extensions import db
from awards.models import Category, Cycle, Eligibility, Nomination, NominationPartner, NominationTrend, Trend, User

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\u2212")
# Characters a spreadsheet may skip before a formula that str.isspace() does not count as space.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"

# Excel reads a UTF-8 file as the local code page unless it starts with a byte order mark,
# and organisers' names and places carry accents.
BYTE_ORDER_MARK = "\ufeff"

NOMINATION_COLUMNS = (
    "Reference",
    "Status",
    "Category",
    "Title",
    "Organisation",
    "Partners",
    "Contact name",
    "Contact email",
    "Region",
    "Trends",
    "Submitted at (UTC)",
    "Eligibility",
    "Eligibility reason",
)


def escape_cell(value: Any) -> str:
    """The cell as text, with a leading apostrophe if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS):  # a tab, CR or LF is a trigger itself, even alone
        return "'" + text
    first = next((c for c in text if not (c.isspace() or c in _INVISIBLE)), "")
    if first and unicodedata.normalize("NFKC", first).startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def csv_line(cells: Sequence[Any]) -> str:
    """One CSV record (every cell quoted, CRLF-terminated) with every cell escaped."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerow([escape_cell(c) for c in cells])
    return buffer.getvalue()


def stream_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The file line by line, so a long export never sits whole in memory."""
    yield BYTE_ORDER_MARK + csv_line(header)
    for row in rows:
        yield csv_line(row)


def iso_utc(value: datetime | None) -> str:
    """ISO 8601 in UTC with a Z, e.g. 2026-03-01T14:05:00Z (empty when there is no time)."""
    if value is None:
        return ""
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


ELIGIBILITY_LABELS = {Eligibility.ELIGIBLE: "Eligible", Eligibility.INELIGIBLE: "Not eligible"}


def eligibility_label(nomination: Nomination) -> str:
    if nomination.eligibility is Eligibility.ELIGIBLE:
        return "Eligible"
    if nomination.eligibility is Eligibility.INELIGIBLE:
        return "Not eligible"
    return "Not decided"


def nomination_row(nomination: Nomination) -> list[str]:
    """A nomination as a row of NOMINATION_COLUMNS (partners and trends load with it)."""
    partners = "; ".join(f"{p.name} (supplier)" if p.is_supplier else p.name for p in nomination.partners)
    # trend_links are ordered primary first
    trends = "; ".join(
        f"{link.trend.name} (primary)" if link.is_primary else link.trend.name for link in nomination.trend_links
    )
    return [
        nomination.reference,
        nomination.status.label,
        nomination.category.name,
        nomination.title,
        nomination.organisation_name,
        partners,
        nomination.contact_name,
        nomination.contact_email,
        nomination.region,
        trends,
        iso_utc(nomination.submitted_at),
        eligibility_label(nomination),
        nomination.eligibility_reason,
    ]


def nomination_rows(ids: Sequence[int]) -> list[list[str]]:
    """The rows of NOMINATION_COLUMNS for these nominations, in the order given, read as plain
    columns in three queries (no ORM objects: a nomination carries every section's text, and
    building 10,000 of them cost more than the rest of the export together). Same cells as
    `nomination_row`."""
    if not ids:
        return []
    partners: dict[int, list[str]] = defaultdict(list)
    for nomination_id, name, is_supplier in db.session.execute(
        select(NominationPartner.nomination_id, NominationPartner.name, NominationPartner.is_supplier)
        .where(NominationPartner.nomination_id.in_(ids))
        .order_by(NominationPartner.nomination_id, NominationPartner.position)
    ):
        partners[nomination_id].append(f"{name} (supplier)" if is_supplier else name)
    trends: dict[int, list[str]] = defaultdict(list)
    for nomination_id, name, is_primary in db.session.execute(
        select(NominationTrend.nomination_id, Trend.name, NominationTrend.is_primary)
        .join(Trend, NominationTrend.trend_id == Trend.id)
        .where(NominationTrend.nomination_id.in_(ids))
        .order_by(NominationTrend.nomination_id, NominationTrend.is_primary.desc(), NominationTrend.position)
    ):
        trends[nomination_id].append(f"{name} (primary)" if is_primary else name)
    rows = {}
    for (
        nomination_id,
        reference,
        status,
        category,
        title,
        organisation,
        contact_name,
        contact_email,
        region,
        submitted_at,
        eligibility,
        reason,
    ) in db.session.execute(
        select(
            Nomination.id,
            Nomination.reference,
            Nomination.status,
            Category.name,
            Nomination.title,
            Nomination.organisation_name,
            Nomination.contact_name,
            Nomination.contact_email,
            Nomination.region,
            Nomination.submitted_at,
            Nomination.eligibility,
            Nomination.eligibility_reason,
        )
        .outerjoin(Category, Nomination.category_id == Category.id)
        .where(Nomination.id.in_(ids))
    ):
        rows[nomination_id] = [
            reference,
            status.label,
            category or "",
            title,
            organisation,
            "; ".join(partners[nomination_id]),
            contact_name,
            contact_email,
            region,
            "; ".join(trends[nomination_id]),
            iso_utc(submitted_at),
            ELIGIBILITY_LABELS.get(eligibility, "Not decided"),
            reason,
        ]
    return [rows[i] for i in ids if i in rows]


def nominations_csv(nominations: Iterable[Nomination]) -> Iterator[str]:
    return stream_csv(NOMINATION_COLUMNS, (nomination_row(n) for n in nominations))


def record_export(cycle: Cycle, *, count: int, filters: dict[str, str], by: User) -> None:
    """Exports carry contact details, so who exported what is kept in the audit log."""
    audit.record("nominations.exported", actor=by, obj=cycle, count=count, filters=filters)
