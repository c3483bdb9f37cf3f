"""A cycle's nominations: the list, screening, the export and one nomination in full
(templates/organiser/nominations/)."""

from awards.web.organiser.nominations import routes  # noqa: F401
