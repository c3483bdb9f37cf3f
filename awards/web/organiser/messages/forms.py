"""The message form: who to send it to (an audience, with its round or category), the subject and the text.
The preview carries the same fields back hidden, with the one-time id that stops a second send."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovTextArea, GovTextInput
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from awards.domain.judging.rounds import current_round
from awards.domain.messaging import messages as rules
from awards.i18n import LANGUAGE_NAMES
from awards.models import Cycle
from awards.web.forms import Form
from awards.web.organiser.forms import lazy_number

FIELDS_HINT = _l(
    "You can use these fields, which are filled in for each person: ((name)), ((reference)), ((title)), "
    "((deadline)) and ((link)). ((reference)) and ((title)) are the entrant’s own nominations, so messages to "
    "judges cannot use them. ((deadline)) is when nominations close, or for judges when the round closes. "
    "((link)) goes to the person’s nomination or judging page. Write plain text: a blank line starts a paragraph."
)


class MessageForm(Form):
    audience = RadioField(
        _l("Who do you want to send the message to?"),
        widget=GovRadioInput(),
        choices=[],
        validate_choice=False,  # an audience the cycle does not offer is the message's problem (draft_problems)
        validators=[InputRequired(_l("Select who to send the message to"))],
    )
    round = SelectField(
        _l("Judging round"),
        widget=GovSelect(),
        choices=[],
        validate_choice=False,
        description=_l("For messages to judges"),
    )
    category = SelectField(
        _l("Category"),
        widget=GovSelect(),
        choices=[],
        validate_choice=False,
        description=_l("For messages to entrants and finalists"),
    )
    subject = StringField(
        _l("Subject"),
        widget=GovTextInput(),
        validators=[
            DataRequired(_l("Enter a subject")),
            Length(
                max=rules.SUBJECT_MAX_LENGTH,
                message=_l("Subject must be %(num)s characters or fewer", num=rules.SUBJECT_MAX_LENGTH),
            ),
        ],
    )
    body = TextAreaField(
        _l("Message"),
        widget=GovTextArea(),
        description=FIELDS_HINT,
        validators=[
            DataRequired(_l("Enter the message")),
            Length(
                max=rules.BODY_MAX_LENGTH,
                message=_l("Message must be %(num)s characters or fewer", num=lazy_number(rules.BODY_MAX_LENGTH)),
            ),
        ],
    )
    send_id = HiddenField()

    def version_fields(self, code: str) -> tuple:
        """The subject and body boxes for the message in another language."""
        return self[f"subject_{code}"], self[f"body_{code}"]

    def offer(self, cycle: Cycle) -> MessageForm:
        """The cycle's audiences, rounds and categories as the choices."""
        self.audience.choices = [(a.key, a.label) for a in rules.audiences_of(cycle)]
        current = current_round(cycle)
        self.round.choices = [(str(r.number), r.label) for r in cycle.rounds]
        if not self.round.data or self.round.data == "None":
            self.round.data = str(current.number)
        self.category.choices = [("", _("All categories"))] + [(str(c.id), c.name) for c in cycle.categories]
        return self

    def other_languages(self) -> tuple[str, ...]:
        from awards.domain.programme.translations import other_languages

        return other_languages()

    def draft(self) -> rules.Draft:
        """What was typed, as a draft (a round or category that is not a number is one that does not exist)."""
        round_number = int(self.round.data) if (self.round.data or "").isdigit() else -1
        category_id = int(self.category.data) if (self.category.data or "").isdigit() else None
        if self.category.data and category_id is None:
            category_id = -1
        return rules.Draft(
            audience=self.audience.data or "",
            subject=self.subject.data or "",
            body=rules.normalise_body(self.body.data or ""),
            round_number=round_number,
            category_id=category_id,
            versions=tuple(
                (code, subject.data or "", rules.normalise_body(body.data or ""))
                for code in self.other_languages()
                for subject, body in [self.version_fields(code)]
                if (subject.data or "").strip() or (body.data or "").strip()
            ),
        )

    def check(self, cycle: Cycle) -> bool:
        """The form's own checks, then the message's (its fields and audience), as errors on the fields."""
        valid = self.validate()
        for name, message in rules.draft_problems(cycle, self.draft()).items():
            field = self[name]
            if not field.errors:
                field.errors = [*field.errors, message]
                valid = False
        return valid


# The message in each other language the service may offer: optional, shown for the languages it does offer.
for _code, _name in LANGUAGE_NAMES.items():
    setattr(
        MessageForm,
        f"subject_{_code}",
        StringField(
            _l("Subject in %(language)s", language=_name),
            widget=GovTextInput(),
            validators=[
                Length(
                    max=rules.SUBJECT_MAX_LENGTH,
                    message=_l(
                        "The subject in %(language)s must be %(num)s characters or fewer",
                        language=_name,
                        num=rules.SUBJECT_MAX_LENGTH,
                    ),
                )
            ],
        ),
    )
    setattr(
        MessageForm,
        f"body_{_code}",
        TextAreaField(
            _l("Message in %(language)s", language=_name),
            widget=GovTextArea(),
            validators=[
                Length(
                    max=rules.BODY_MAX_LENGTH,
                    message=_l(
                        "The message in %(language)s must be %(num)s characters or fewer",
                        language=_name,
                        num=lazy_number(rules.BODY_MAX_LENGTH),
                    ),
                )
            ],
        ),
    )
