"""People's Choice: opening a public vote per category, changing or closing it, and the view of
suspicious patterns (templates/organiser/voting/)."""

from awards.web.organiser.voting import routes  # noqa: F401
