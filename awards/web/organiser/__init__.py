"""Pages for organisers, all at /organiser/..., all behind the organiser role.

Grouped as the templates are (templates/organiser/): cycles, the entry form builder (entry_form, with its
templates in organiser/forms/), nominations, judging, results, trends, voting (People's Choice) and messages, each a
package with its routes and its forms; the overview and the people pages are here at the top."""

from flask import Blueprint

from awards.models import Role
from awards.security import gate_blueprint

bp = Blueprint("organiser", __name__)
gate_blueprint(bp, Role.ORGANISER)


@bp.context_processor
def _wording():
    from awards.web.organiser.words import and_list

    return {"and_list": and_list}


from awards.web.organiser import (  # noqa: E402,F401  (each module adds its views to bp)
    cycles,
    entry_form,
    judging,
    messages,
    nominations,
    results,
    routes,
    translations,
    trends,
    voting,
)
