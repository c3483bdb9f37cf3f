"""An award cycle: the list, creating, changing, copying, its status, its categories, reminders to
nominees with unsubmitted drafts and removing personal data (templates/organiser/cycles/)."""

from awards.web.organiser.cycles import draft_reminders, personal_data, routes  # noqa: F401
