"""Forms for a category's People's Choice vote: where its entries come from, and when it opens and
closes (GOV.UK date boxes with a time, in the cycle's time zone, as on the cycle's form)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput
from wtforms import HiddenField, RadioField
from wtforms.validators import InputRequired

from awards.domain.core.errors import DomainError
from awards.domain.programme.cycles import local_instant
from awards.web.forms import Form, submit
from awards.web.organiser.cycles.forms import GovDateField, TimeField, local_date, time_value

# The two instants of a vote: (attribute, date field, time field).
VOTE_INSTANTS = (("opens_at", "opens_date", "opens_time"), ("closes_at", "closes_date", "closes_time"))
# Where a domain error about an instant is shown.
FIELD_FOR = {"opens_at": "opens_date", "closes_at": "closes_date", "source": "source"}


# Made before the instants' fields, so that the form (and its error summary) lists it first.
_SOURCE = RadioField(
    _l("Which entries can people vote for?"),
    widget=GovRadioInput(),
    validators=[InputRequired(_l("Select which entries people can vote for"))],
)


class VoteTimesMixin:
    """When the vote opens and closes, typed in the cycle's time zone."""

    opens_date = GovDateField(_l("Voting opens"), what=_l("date voting opens"), description=_l("For example, 2 3 2026"))
    opens_time = TimeField(_l("Time"), what=_l("time voting opens"))
    closes_date = GovDateField(
        _l("Voting closes"),
        what=_l("date voting closes"),
        description=_l("Votes count until this moment, not after it. For example, 16 3 2026"),
    )
    closes_time = TimeField(_l("Time"), what=_l("time voting closes"))

    def fill_times(self, opens_at: datetime, closes_at: datetime, time_zone: str) -> None:
        """Show a vote's stored instants back in the cycle's time zone (for a GET)."""
        for instant, (_attribute, date_name, time_name) in zip((opens_at, closes_at), VOTE_INSTANTS, strict=True):
            self[date_name].process_data(local_date(instant, time_zone))  # type: ignore[index]
            self[time_name].data = time_value(instant, time_zone)  # type: ignore[index]

    def instants(self, time_zone: str) -> dict[str, datetime]:
        """The two instants typed, in UTC; a time that does not exist there (clocks going forward) is
        a DomainError on its time field."""
        result = {}
        for attribute, date_name, time_name in VOTE_INSTANTS:
            day, at = self[date_name].data, self[time_name].time  # type: ignore[index]
            try:
                result[attribute] = local_instant(day, at, time_zone)
            except DomainError as error:
                raise DomainError(error.message, field=time_name) from None
        return result


class OpenVoteForm(VoteTimesMixin, Form):
    """Open a category's vote: between which entries, from when until when."""

    source = _SOURCE
    submit = submit(_l("Open the vote"))

    def offer(self, choices: list[tuple[str, str]]) -> None:
        self.source.choices = choices


class VoteTimesForm(VoteTimesMixin, Form):
    """Change when an existing vote opens or closes. `version` is the vote's version the organiser
    looked at: a change made meanwhile in another window is not overwritten."""

    version = HiddenField()
    submit = submit(_l("Save the times"))

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class ConfirmForm(Form):
    """A confirmation step: the button only (closing a vote now, withdrawing it)."""

    version = HiddenField()

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None
