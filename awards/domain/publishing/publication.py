"""What an impact case publishes of a nomination, in one place.

The consent question in the declarations, the result e-mails, the privacy notice and the tests
all read these lists, so what a nominee agrees to is what the public case page, the API and the
feed show (`results.make_impact_case` copies exactly the PUBLISHED_FIELDS). A field added to a
nomination must be put in one of the two lists: a test fails until it is.
"""

from __future__ import annotations

# (the nomination's attribute, how the nominee reads it), in the order of the nomination's sections
PUBLISHED_FIELDS: tuple[tuple[str, str], ...] = (
    ("organisation_name", "the name of the nominated organisation"),
    ("region", "its region"),
    ("partners", "the partner organisations, and which of them are suppliers"),
    ("title", "the project title"),
    ("summary", "the public summary"),
    ("trend_links", "the trends the work addresses, and how it addresses each of them"),
    ("challenge", "the challenge"),
    ("approach", "the approach"),
    ("outcomes_narrative", "the outcomes and impact"),
    ("measured_outcomes", "the measured outcomes: what was measured, the baseline, the result and when"),
    ("unintended_consequences", "the unintended consequences and risks"),
    ("lessons", "the lessons, and how others could adopt the work"),
)

# The nominee's answers an impact case never shows, and the same in words.
NEVER_PUBLISHED_FIELDS: tuple[str, ...] = (
    "contact_name",
    "contact_email",
    "contact_phone",
    "attachments",
    "declares_accurate",
    "consents_to_publish",
    "declares_authorised",
)
NEVER_PUBLISHED = "the contact’s name, email address or phone number, the supporting documents or the declarations"

# What the case page shows beside the nominee's own words.
PUBLISHED_ALONGSIDE = "the award, the category, the year, the result and any citation the judges write"

LICENCE = "CC BY 4.0"


def published_labels() -> list[str]:
    return [label for _, label in PUBLISHED_FIELDS]
