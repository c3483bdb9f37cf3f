"""The forms of the results pages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput
from wtforms import RadioField
from wtforms.validators import AnyOf, InputRequired

from awards.domain.results import settings as settings_rules
from awards.models import JudgingRound
from awards.web.forms import Form, submit
from awards.web.organiser.cycles.forms import WholeNumberField


def _choice(label: Any, choices: list[tuple[str, Any]], message: Any) -> RadioField:
    return RadioField(
        label,
        widget=GovRadioInput(),
        choices=choices,
        validate_choice=False,
        validators=[InputRequired(message), AnyOf([value for value, _ in choices], message=message)],
    )


class ResultsSettingsForm(Form):
    """How a round's results are calculated (on the results page, under "Change how results are calculated")."""

    aggregation_method = _choice(
        _l("Combine judges’ review scores by their"),
        [("mean", _l("Mean")), ("median", _l("Median"))],
        _l("Select mean or median"),
    )
    ranking_basis = _choice(
        _l("Rank by the"),
        [("normalised", _l("Normalised score")), ("raw", _l("Raw score"))],
        _l("Select normalised score or raw score"),
    )
    disagreement_range = WholeNumberField(
        _l("Flag disagreement when the range reaches"),
        what=_l("range"),
        minimum=settings_rules.THRESHOLD_MIN,
        maximum=settings_rules.THRESHOLD_MAX,
    )
    disagreement_sd = WholeNumberField(
        _l("or the standard deviation reaches"),
        what=_l("standard deviation"),
        minimum=settings_rules.THRESHOLD_MIN,
        maximum=settings_rules.THRESHOLD_MAX,
    )
    submit = submit(_l("Save settings"))

    FIELDS = ("aggregation_method", "ranking_basis", "disagreement_range", "disagreement_sd")

    @classmethod
    def of(cls, judging_round: JudgingRound) -> ResultsSettingsForm:
        """The form showing the round's settings as they are."""
        return cls(formdata=None, data={name: getattr(judging_round, name) for name in cls.FIELDS})

    def typed(self) -> dict[str, str]:
        """What was sent, as typed, to show again."""
        return {name: (self[name].raw_data or [""])[0] for name in self.FIELDS}

    def values(self) -> dict:
        return {name: self[name].data for name in self.FIELDS}
