"""The entry form builder: a cycle's sections and questions, the preview and the form templates
(templates/organiser/forms/). Named entry_form, not forms: awards/web/organiser/forms.py is the people
pages' forms."""

from awards.web.organiser.entry_form import routes  # noqa: F401
