"""Results: the ranked board, deciding the shortlist, publishing, impact cases and insight
(templates/organiser/results/)."""

from awards.web.organiser.results import advancing, insight, routes  # noqa: F401
