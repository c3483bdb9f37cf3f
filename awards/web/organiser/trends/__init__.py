"""The trends nominations are tagged with: the list, adding, renaming, retiring and restoring
(templates/organiser/trends/)."""

from awards.web.organiser.trends import routes  # noqa: F401
