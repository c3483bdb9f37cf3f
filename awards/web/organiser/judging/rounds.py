"""A cycle's judging rounds at /organiser/cycles/<slug>/rounds: the rounds in order, adding one after the
last, changing one, removing the last, and choosing a round's panel (templates/organiser/judging/rounds*.html).

The rules are the domain's (domain/judging/rounds.py): these pages show them, and its refusals, on the
fields they are about."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovCheckboxInput, GovRadioInput, GovTextInput
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, StopValidation, ValidationError

from awards.domain.core.errors import DomainError
from awards.domain.judging import rounds
from awards.domain.programme.cycles import local_instant
from awards.domain.results import round_modes
from awards.extensions import db
from awards.models import RANKING_METHODS, Cycle, Judge, JudgingRound, RoundEntries, RoundMode
from awards.templating import shown
from awards.web.actions import attempt
from awards.web.forms import Form, submit
from awards.web.helpers import cycle_breadcrumbs, cycle_or_404, round_args
from awards.web.organiser import bp
from awards.web.organiser.cycles.forms import GovDateField, TimeField, WholeNumberField, local_date, time_value
from awards.web.organiser.judging.forms import OptionalWholeNumberField, too_long

# --- Forms -----------------------------------------------------------------------------------------

YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]

# The round's two instants: (setting, date field, time field, the message for a date without a time, and for a
# time without a date)
INSTANTS = (
    (
        "opens_at",
        "opens_date",
        "opens_time",
        _l("Enter the time the round opens"),
        _l("Enter the date the round opens"),
    ),
    (
        "closes_at",
        "closes_date",
        "closes_time",
        _l("Enter the time the round closes"),
        _l("Enter the date the round closes"),
    ),
)
# Where a domain refusal about a setting is shown on the form
FIELD_FOR = {"opens_at": "opens_date", "closes_at": "closes_date"}


class RoundForm(Form):
    name = StringField(
        _l("Name"),
        widget=GovTextInput(),
        description=_l("Judges and organisers see it, for example Paper shortlist or Final panel"),
        validators=[
            DataRequired(_l("Enter the round’s name")),
            Length(
                max=rounds.NAME_MAX, message=too_long(_l("Name must be %(max)s characters or fewer"), rounds.NAME_MAX)
            ),
        ],
    )
    # `what` names the date or time in the messages of the cycle pages' date and time fields (theirs to word).
    opens_date = GovDateField(
        _l("Opens (optional)"),
        what="date the round opens",
        required=False,
        description=_l(
            "Judges can read their entries before then, but not judge them. Leave the date and time "
            "blank to open the round when judging starts. For example, 2 9 2026"
        ),
    )
    opens_time = TimeField(_l("Time"), what="time the round opens", required=False)
    closes_date = GovDateField(
        _l("Closes (optional)"),
        what="date the round closes",
        required=False,
        description=_l(
            "Judges cannot save or change anything in the round from then. Leave the date and time blank "
            "if you have not decided yet."
        ),
    )
    closes_time = TimeField(_l("Time"), what="time the round closes", required=False)
    entries = RadioField(
        _l("Which entries this round judges"),
        widget=GovRadioInput(),
        choices=[(e.value, LazyString(getattr, e, "label")) for e in RoundEntries],
        validators=[InputRequired(_l("Select which entries the round judges"))],
    )
    mode = RadioField(
        _l("How judges judge each entry"),
        widget=GovRadioInput(),
        choices=[(m.value, LazyString(getattr, m, "label")) for m in RoundMode],
        validators=[InputRequired(_l("Select how judges judge the entries"))],
    )
    ranking_method = RadioField(
        _l("How the judges’ rankings are combined"),
        widget=GovRadioInput(),
        choices=list(RANKING_METHODS.items()),
        default="borda",
    )
    blind = RadioField(
        _l("Blind judging"),
        widget=GovRadioInput(),
        choices=YES_NO,
        validators=[InputRequired(_l("Select whether judging in this round is blind"))],
    )
    judges_per_nomination = WholeNumberField(
        _l("Judges for each entry"),
        what="number of judges for each entry",
        maximum=rounds.MAX_JUDGES_PER_ENTRY,
    )
    judge_max_load = WholeNumberField(
        _l("Most entries one judge scores"),
        what="most entries one judge scores",
        maximum=rounds.MAX_LOAD,
        description=_l("A judge’s own limit, or their limit on the round’s panel, comes first"),
    )
    is_final = BooleanField(_l("This is the final round"), widget=GovCheckboxInput())
    # Only when adding a round
    criteria = RadioField(
        _l("Criteria and rubric"),
        widget=GovRadioInput(),
        choices=[],
        validators=[InputRequired(_l("Select the criteria the round starts with"))],
    )
    submit = submit(_l("Save round"))

    def validate_ranking_method(self, field):
        if self.mode.data == RoundMode.RANKING.value and field.data not in RANKING_METHODS:
            raise ValidationError(_("Select how the judges’ rankings are combined"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for _setting, date_name, time_name, no_time, no_date in INSTANTS:
            day, at = self[date_name], self[time_name]
            has_date = day.data is not None or any(day.parts)
            has_time = bool((at.data or "").strip())
            if has_date and not has_time and not at.errors:
                at.errors = [*at.errors, str(no_time)]
                ok = False
            if has_time and not has_date and not day.errors:
                day.errors = [*day.errors, str(no_date)]
                ok = False
        return ok

    def fill(self, judging_round: JudgingRound, time_zone: str) -> None:
        """Show a round's opening and closing instants in the cycle's time zone (for a GET)."""
        for attribute, date_name, time_name, *_messages in INSTANTS:
            instant = getattr(judging_round, attribute)
            self[date_name].process_data(local_date(instant, time_zone))
            self[time_name].data = time_value(instant, time_zone)

    def instants(self, time_zone: str) -> dict[str, datetime | None]:
        """The instants typed, in UTC (a time the clocks skip is an error on its time box)."""
        result: dict[str, datetime | None] = {}
        for attribute, date_name, time_name, *_messages in INSTANTS:
            day, at = self[date_name].data, self[time_name].time
            if day is None or at is None:
                result[attribute] = None
                continue
            try:
                result[attribute] = local_instant(day, at, time_zone)
            except DomainError as error:
                raise DomainError(error.message, field=time_name) from None
        return result

    def settings(self, time_zone: str) -> dict:
        """Keyword arguments for rounds.add_round / update_round."""
        return {
            "name": self.name.data,
            **self.instants(time_zone),
            "entries": self.entries.data if "entries" in self else RoundEntries.ELIGIBLE.value,
            "mode": self.mode.data,
            "ranking_method": self.ranking_method.data,
            "blind": self.blind.data == "yes",
            "judges_per_nomination": self.judges_per_nomination.data,
            "judge_max_load": self.judge_max_load.data,
            "is_final": bool(self.is_final.data),
        }


class RemoveRoundForm(Form):
    submit = submit(_l("Remove round"))


class _TickedIdsField(SelectMultipleField):
    """Ticked choices, by id: anything that is not one of the choices (or not an id) is an error."""

    unknown_message = _l("Select only items from the list")

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=int, **kwargs)

    def process_formdata(self, valuelist):
        self.data = [int(v) for v in valuelist if str(v).isdigit()]
        self._unknown = len(self.data) != len(valuelist)

    def pre_validate(self, form):
        known = {value for value, _ in self.choices or []}
        if getattr(self, "_unknown", False) or any(v not in known for v in self.data or []):
            raise StopValidation(str(self.unknown_message))


class PanelCategoriesField(_TickedIdsField):
    """The categories a judge judges in the round, by id (none: every category they judge)."""

    widget = GovCheckboxesInput()
    unknown_message = _l("Select only categories from the list")


class PanelJudgesField(_TickedIdsField):
    """The judges ticked as on the panel, by id."""

    unknown_message = _l("Select only judges from the list")


class PanelForm(Form):
    scope = RadioField(
        _l("Who judges in this round"),
        widget=GovRadioInput(),
        choices=[("all", _l("Every judge of the cycle")), ("chosen", _l("Only the judges chosen below"))],
        validators=[InputRequired(_l("Select who judges in this round"))],
    )
    judges = PanelJudgesField(_l("Judges on the panel"))
    submit = submit(_l("Save panel"))

    def validate_judges(self, field):
        if self.scope.data == "chosen" and not field.data:
            raise ValidationError(_("Select the judges on the round’s panel"))


def panel_form_class(judges: list[Judge], categories_of: dict[int, list[tuple[int, str]]]) -> type[PanelForm]:
    """A panel form with, for each judge of the cycle, their categories in the round and their limit."""

    class JudgesPanelForm(PanelForm):
        pass

    for judge in judges:
        setattr(
            JudgesPanelForm,
            f"categories_{judge.id}",
            PanelCategoriesField(
                _("Categories %(name)s judges in this round", name=judge.display_name), choices=categories_of[judge.id]
            ),
        )
        setattr(
            JudgesPanelForm,
            f"max_load_{judge.id}",
            OptionalWholeNumberField(
                _("Most entries for %(name)s (optional)", name=judge.display_name),
                not_whole=_("Most entries for %(name)s must be a whole number", name=judge.display_name),
                # %(min)s and %(max)s are filled in when it is shown
                out_of_range=_(
                    "Most entries for %(name)s must be between %%(min)s and %%(max)s", name=judge.display_name
                ),
                maximum=rounds.MAX_LOAD,
            ),
        )
    return JudgesPanelForm


# --- Loading ---------------------------------------------------------------------------------------


def load_cycle(slug: str) -> Cycle:
    return cycle_or_404(
        slug,
        selectinload(Cycle.rounds).selectinload(JudgingRound.panel),
        selectinload(Cycle.categories),
    )


def load_round(cycle: Cycle, number: int) -> JudgingRound:
    judging_round = rounds.round_numbered(cycle, number)
    if judging_round is None:
        abort(404)
    return judging_round


def rounds_url(cycle: Cycle) -> str:
    return url_for("organiser.rounds", slug=cycle.slug)


def rounds_trail(cycle: Cycle, *trail: dict) -> list[dict]:
    return cycle_breadcrumbs(cycle, {"text": _("Judging rounds"), "href": rounds_url(cycle)}, *trail)


def _show_error(form: Form, error: DomainError) -> None:
    """A domain refusal on the field it is about (the error summary links to it)."""
    name = FIELD_FOR.get(error.field or "", error.field)
    if name not in form:
        name = "name"
    form[name].errors = [*form[name].errors, error.message]


# --- Views -----------------------------------------------------------------------------------------


@bp.route("/cycles/<slug>/rounds", endpoint="rounds")
def rounds_list(slug: str):
    cycle = load_cycle(slug)
    judge_count = len(list(db.session.scalars(select(Judge.id).where(Judge.cycle_id == cycle.id))))
    return render_template(
        "organiser/judging/rounds.html",
        cycle=cycle,
        rounds=list(cycle.rounds),
        counts=rounds.round_counts(cycle),
        judge_count=judge_count,
        ranking_methods=RANKING_METHODS,
        round_args=round_args,
        breadcrumbs=cycle_breadcrumbs(cycle, {"text": _("Judging rounds")}),
        title=_("Judging rounds – %(cycle)s", cycle=shown(cycle)),
    )


def _criteria_choices(cycle: Cycle) -> list[tuple[str, str]]:
    copies = [
        (
            f"round-{r.number}",
            _("Copy the criteria and rubric from round %(number)s (%(name)s)", number=r.number, name=r.display_name),
        )
        for r in reversed(cycle.rounds)
    ]
    return [*copies, ("default", _("Start with the default criteria"))]


def _criteria_source(cycle: Cycle, choice: str) -> JudgingRound | None:
    if choice.startswith("round-") and choice.removeprefix("round-").isdigit():
        return rounds.round_numbered(cycle, int(choice.removeprefix("round-")))
    return None


def _render_form(cycle: Cycle, judging_round: JudgingRound | None, form: RoundForm, locked: dict[str, str]):
    heading = (
        _("Change %(round)s", round=judging_round.label)
        if judging_round
        else _("Add round %(number)s", number=cycle.rounds[-1].number + 1)
    )
    return render_template(
        "organiser/judging/rounds_form.html",
        cycle=cycle,
        judging_round=judging_round,
        form=form,
        locked=locked,
        ranking_rules={method: round_modes.rule_text(method) for method in RANKING_METHODS},
        heading=heading,
        breadcrumbs=rounds_trail(cycle, {"text": judging_round.label if judging_round else _("Add a round")}),
        title=heading,
    )


@bp.route("/cycles/<slug>/rounds/new", methods=["GET", "POST"])
def new_round(slug: str):
    cycle = load_cycle(slug)
    last = cycle.rounds[-1]
    form = RoundForm(
        data={
            "entries": RoundEntries.ADVANCED.value,
            "mode": RoundMode.SCORES.value,
            "ranking_method": "borda",
            "blind": "yes" if last.blind else "no",
            "judges_per_nomination": last.judges_per_nomination,
            "judge_max_load": last.judge_max_load,
            "criteria": f"round-{last.number}",
        }
    )
    form.criteria.choices = _criteria_choices(cycle)
    if form.validate_on_submit():
        source = _criteria_source(cycle, form.criteria.data)

        def add() -> JudgingRound:
            try:
                return rounds.add_round(cycle, by=current_user, criteria_from=source, **form.settings(cycle.time_zone))
            except DomainError as error:
                error.field = FIELD_FOR.get(error.field or "", error.field)
                raise

        done = attempt(add, on_error=lambda error: _show_error(form, error))
        if done and done.value is not None:
            flash(_("%(round)s has been added", round=done.value.label), "success")
            return redirect(rounds_url(cycle))
    return _render_form(cycle, None, form, {})


@bp.route("/cycles/<slug>/rounds/<int:number>/edit", methods=["GET", "POST"])
def edit_round(slug: str, number: int):
    cycle = load_cycle(slug)
    judging_round = load_round(cycle, number)
    locked = rounds.locked_settings(judging_round)
    form = RoundForm(
        data={
            "name": judging_round.name,
            "entries": judging_round.entries.value,
            "mode": judging_round.mode.value,
            "ranking_method": judging_round.ranking_method,
            "blind": "yes" if judging_round.blind else "no",
            "judges_per_nomination": judging_round.judges_per_nomination,
            "judge_max_load": judging_round.judge_max_load,
            "is_final": judging_round.is_final,
        }
    )
    del form.criteria  # the round's criteria have their own page
    if judging_round.number == 1:
        del form.entries  # round 1 judges every eligible entry
    if not form.is_submitted():
        form.fill(judging_round, cycle.time_zone)
    if form.validate_on_submit():

        def save() -> None:
            try:
                rounds.update_round(judging_round, by=current_user, **form.settings(cycle.time_zone))
            except DomainError as error:
                error.field = FIELD_FOR.get(error.field or "", error.field)
                raise

        if attempt(save, on_error=lambda error: _show_error(form, error)):
            flash(_("Your changes to %(round)s have been saved", round=judging_round.label), "success")
            return redirect(rounds_url(cycle))
    return _render_form(cycle, judging_round, form, locked)


@bp.route("/cycles/<slug>/rounds/<int:number>/remove", methods=["GET", "POST"])
def remove_round(slug: str, number: int):
    cycle = load_cycle(slug)
    judging_round = load_round(cycle, number)
    form = RemoveRoundForm()
    if form.validate_on_submit():
        label = judging_round.label
        if attempt(lambda: rounds.remove_round(judging_round, by=current_user), flash_as="info"):
            flash(_("%(round)s has been removed", round=label), "success")
        return redirect(rounds_url(cycle))
    return render_template(
        "organiser/judging/rounds_remove.html",
        cycle=cycle,
        judging_round=judging_round,
        problem=rounds.removal_problem(judging_round),
        form=form,
        breadcrumbs=rounds_trail(cycle, {"text": judging_round.label}),
        title=_("Remove %(round)s?", round=judging_round.label),
    )


@bp.route("/cycles/<slug>/rounds/<int:number>/panel", methods=["GET", "POST"])
def round_panel(slug: str, number: int):
    cycle = load_cycle(slug)
    judging_round = load_round(cycle, number)
    judges = list(
        db.session.scalars(
            select(Judge)
            .where(Judge.cycle_id == cycle.id)
            .options(selectinload(Judge.user), selectinload(Judge.categories))
            .order_by(Judge.id)
        )
    )
    categories_of = {j.id: [(c.id, c.name) for c in cycle.categories if j.judges_category(c.id)] for j in judges}
    members = {m.judge_id: m for m in judging_round.panel}
    data: dict = {
        "scope": "all" if judging_round.whole_panel else "chosen",
        "judges": [] if judging_round.whole_panel else sorted(members),
    }
    for judge in judges:
        member = members.get(judge.id)
        data[f"categories_{judge.id}"] = list(member.category_ids or []) if member else []
        data[f"max_load_{judge.id}"] = member.max_load if member else None
    form = panel_form_class(judges, categories_of)(data=data)
    form.judges.choices = [(j.id, j.display_name) for j in judges]
    if judges and form.validate_on_submit():
        whole = form.scope.data == "all"
        chosen = {
            judge_id: rounds.PanelChoice(
                category_ids=list(form[f"categories_{judge_id}"].data or []) or None,
                max_load=form[f"max_load_{judge_id}"].data,
            )
            for judge_id in form.judges.data or []
        }
        done = attempt(
            lambda: rounds.set_panel(judging_round, by=current_user, whole_panel=whole, members=chosen),
            on_error=lambda error: _show_error_on(form, error, "judges"),
        )
        if done:
            flash(_("The panel of %(round)s has been saved", round=judging_round.label), "success")
            return redirect(rounds_url(cycle))
    return render_template(
        "organiser/judging/rounds_panel.html",
        cycle=cycle,
        judging_round=judging_round,
        judges=judges,
        usual_limits={j.id: rounds.load_limit(judging_round, j, None) for j in judges},
        assigned=rounds.assigned_counts(judging_round),
        form=form,
        breadcrumbs=rounds_trail(cycle, {"text": _("Panel of %(round)s", round=judging_round.label)}),
        title=_("Panel of %(round)s", round=judging_round.label),
    )


def _show_error_on(form: Form, error: DomainError, default: str) -> None:
    name = error.field if error.field in form else default
    form[name].errors = [*form[name].errors, error.message]
