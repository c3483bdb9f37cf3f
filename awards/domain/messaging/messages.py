"""An organiser's message to an audience of a cycle: plain text with merge fields, e-mailed through the outbox.

The audience is one of a fixed set (AUDIENCES): the judges of a round (all, those who have not started, those
who have not finished), the entrants of the cycle (drafts, submitted, shortlisted), or the finalists (entries
advanced into the cycle's final round), the entrants' audiences optionally in one category. It resolves to
recipients, one per person (an entrant with several entries gets one message about all of them), in a few
queries whatever its size.

Merge fields are written as GOV.UK Notify writes them, `((name))`, from a fixed list (FIELDS). A field not in
the list is refused, naming it, and so is a field that means nothing for the audience: a message to judges
can never carry ((reference)) or ((title)), so a judge conflicted with an entry never learns its name from a
message (checking each judge's conflicts instead would still let the organiser's own text name an entry).

What the organiser types is text: the e-mail's text part is it, filled in; its HTML part escapes it, so typed
markup arrives as the characters typed. Sending records one `message.sent` event on the cycle, naming the
preview's one-time `send_id`: a second post of the same preview finds it and sends nothing. The messages are
queued in the same transaction (flushed BATCH_SIZE at a time), with a `message.received` event on each
recipient and on each entry the message was about: a send is whole or not at all.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, load_only

from awards.domain.core import audit
from awards.domain.core.dates import govuk_datetime
from awards.domain.core.errors import Conflict, DomainError
from awards.domain.core.mail import SUBJECT_LIMIT, queue_email, single_line, writing_in
from awards.domain.judging import progress, rounds
from awards.extensions import db
from awards.i18n import LANGUAGE_NAMES, current_language, language_of
from awards.models import (
    Advancement,
    AuditEvent,
    Category,
    Cycle,
    JudgingRound,
    Nomination,
    NominationStatus,
    RoundEntries,
    User,
)
from awards.urls import external_url

BATCH_SIZE = 200
SUBJECT_MAX_LENGTH = 150
BODY_MAX_LENGTH = 10_000

FIELDS = ("name", "reference", "title", "deadline", "link")
ENTRY_FIELDS = ("reference", "title")
_FIELD = re.compile(r"\(\(([^()]*)\)\)")

SENT = "message.sent"
RECEIVED = "message.received"
ALREADY_SENT = _l("This message has already been sent")


@dataclass(frozen=True)
class Audience:
    key: str
    label: str  # as a radio's label, and in the list of messages sent
    judges: bool  # judges of a round; otherwise entrants, by their nominations
    fields: tuple[str, ...]  # the merge fields that mean something for it
    statuses: tuple[NominationStatus, ...] = ()
    hint: str = ""


_SHORTLISTED = (NominationStatus.SHORTLISTED, NominationStatus.HIGHLY_COMMENDED, NominationStatus.WINNER)
_JUDGE_FIELDS = ("name", "deadline", "link")

AUDIENCES: dict[str, Audience] = {
    a.key: a
    for a in (
        Audience("judges", "All judges", True, _JUDGE_FIELDS, hint="Every judge of the round who has accepted"),
        Audience("judges-not-started", "Judges who have not started", True, _JUDGE_FIELDS),
        Audience(
            "judges-unfinished",
            "Judges who have not finished",
            True,
            _JUDGE_FIELDS,
            hint="Judges with entries still to score, including those who have not started",
        ),
        Audience("drafts", "Entrants with a draft", False, FIELDS, (NominationStatus.DRAFT,)),
        Audience(
            "submitted",
            "Entrants who have submitted",
            False,
            FIELDS,
            progress.JUDGED_STATUSES,  # submitted, and not withdrawn or found ineligible
            hint="Not those withdrawn or found not eligible",
        ),
        Audience(
            "shortlisted",
            "Shortlisted entrants",
            False,
            ("name", "reference", "title", "link"),
            _SHORTLISTED,
            hint="Once the results are published",
        ),
        Audience(
            "finalists",
            "Finalists",
            False,
            ("name", "reference", "title", "link"),
            progress.JUDGED_STATUSES,
            hint="Entrants whose entries were advanced to the final round",
        ),
    )
}


@dataclass(frozen=True)
class Draft:
    """A message as the organiser wrote it (not stored: the preview carries it back)."""

    audience: str
    subject: str
    body: str
    round_number: int | None = None  # judges' audiences: None is the cycle's current round
    category_id: int | None = None  # entrants' audiences: None is every category
    # The same message in the service's other languages, as typed: ((language, subject, body), …); a recipient who
    # reads one of them gets it, everyone else the subject and body above.
    versions: tuple[tuple[str, str, str], ...] = ()

    def version_for(self, language: str | None) -> tuple[str, str]:
        """The subject and body a reader of `language` gets."""
        for code, subject, body in self.versions:
            if code == language:
                return subject, body
        return self.subject, self.body


@dataclass(frozen=True)
class Entry:
    """An entry a message is about, as plain values (read once, with only the columns a message uses)."""

    id: int
    reference: str
    title: str


@dataclass(frozen=True)
class Recipient:
    """A person the message goes to, as plain values, with the entries it is about (entrants' audiences)."""

    user_id: int
    name: str
    email: str
    entries: tuple[Entry, ...] = ()
    language: str | None = None  # the language their e-mails are written in (None: the service's default)

    @classmethod
    def of(cls, user: User, nominations: list[Nomination] | None = None) -> Recipient:
        entries = tuple(Entry(n.id, n.reference, n.display_title) for n in nominations or ())
        return cls(user.id, user.name, user.email, entries, language_of(user))


@dataclass
class Resolved:
    """A draft's audience with what fills its fields: who gets it, the round or category it names."""

    cycle: Cycle
    draft: Draft
    audience: Audience
    recipients: list[Recipient]
    judging_round: JudgingRound | None
    category: Category | None
    deadline: datetime | None
    judges_link: str = field(init=False)
    # The deadline in words per language, put into words once per language, not once per recipient.
    _deadline_words: dict[str, str] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        # Read once here, not once per recipient.
        self.judges_link = progress.judging_home_url() if self.audience.judges else ""

    @property
    def deadline_words(self) -> str:
        """The deadline in words in the language being written in (a recipient's, inside `writing_in`)."""
        if self.deadline is None:
            return ""
        language = current_language()
        if language not in self._deadline_words:
            tz = self.cycle.time_zone
            self._deadline_words[language] = _(
                "%(when)s (%(zone)s time)", when=govuk_datetime(self.deadline, tz), zone=tz
            )
        return self._deadline_words[language]

    @property
    def words(self) -> str:
        """The audience in words: "Judges who have not started (Round 2: Final)", "Finalists in Data"."""
        words = self.audience.label
        if self.judging_round is not None and len(self.cycle.rounds) > 1:
            words += f" ({self.judging_round.label})"
        if self.category is not None:
            words += f" in {self.category.name}"
        return words


@dataclass(frozen=True)
class Written:
    subject: str
    body: str


def new_send_id() -> str:
    """The one-time id a preview carries, so that posting it twice sends once."""
    return secrets.token_urlsafe(16)


def fields_in(text: str) -> list[str]:
    """The merge fields a text uses, in order, each once, as typed but trimmed and in lower case."""
    found: list[str] = []
    for match in _FIELD.finditer(text or ""):
        name = match.group(1).strip().lower()
        if name not in found:
            found.append(name)
    return found


def _fields(names: list[str] | tuple[str, ...]) -> str:
    shown = [f"(({name}))" for name in names]
    return shown[0] if len(shown) == 1 else _("%(some)s and %(last)s", some=", ".join(shown[:-1]), last=shown[-1])


def final_round(cycle: Cycle) -> JudgingRound | None:
    """The round whose entries are the finalists: the final round if it judges advanced entries, else the
    last round that does; None when no round judges advanced entries."""
    advanced = [r for r in cycle.rounds if r.entries is RoundEntries.ADVANCED]
    final = [r for r in advanced if r.is_final]
    chosen = final or advanced
    return chosen[-1] if chosen else None


def audiences_of(cycle: Cycle) -> list[Audience]:
    """The audiences a message of the cycle may go to (finalists only when a round judges advanced entries)."""
    return [a for a in AUDIENCES.values() if a.key != "finalists" or final_round(cycle) is not None]


def _round(cycle: Cycle, number: int | None) -> JudgingRound | None:
    if number is None:
        return rounds.current_round(cycle)
    return next((r for r in cycle.rounds if r.number == number), None)


def draft_problems(cycle: Cycle, draft: Draft) -> dict[str, str]:
    """What is wrong with the draft, by form field (audience, round, category, subject, body); empty when it
    can be sent."""
    problems: dict[str, str] = {}
    audience = AUDIENCES.get(draft.audience)
    if audience is None or audience not in audiences_of(cycle):
        problems["audience"] = _("Select who to send the message to")
    elif audience.judges and _round(cycle, draft.round_number) is None:
        problems["round"] = _("Select a judging round of this cycle")
    elif (
        not audience.judges
        and draft.category_id is not None
        and not any(c.id == draft.category_id for c in cycle.categories)
    ):
        problems["category"] = _("Select a category of this cycle")
    texts = [("subject", _("The subject"), draft.subject), ("body", _("The message"), draft.body)]
    for code, subject, body in draft.versions:
        language = LANGUAGE_NAMES.get(code, code)
        texts += [
            (f"subject_{code}", _("The subject in %(language)s", language=language), subject),
            (f"body_{code}", _("The message in %(language)s", language=language), body),
        ]
        if subject.strip() and not body.strip():
            problems[f"body_{code}"] = _(
                "Enter the message in %(language)s as well, or leave its subject empty", language=language
            )
        elif body.strip() and not subject.strip():
            problems[f"subject_{code}"] = _(
                "Enter a subject in %(language)s as well, or leave its message empty", language=language
            )
    for name, words, text in texts:
        if name in problems:
            continue
        used = fields_in(text)
        unknown = [f for f in used if f not in FIELDS]
        left = _FIELD.sub("", text or "")
        if "((" in left or "))" in left:
            problems[name] = _(
                "%(part)s has double brackets that are not a field. Write a field as ((name)), with nothing but its"
                " name between the brackets, and use only %(fields)s",
                part=words,
                fields=_fields(FIELDS),
            )
        elif unknown:
            problems[name] = ngettext(
                "%(part)s has %(unknown)s, which is not a field you can use. Use only %(fields)s",
                "%(part)s has %(unknown)s, which are not fields you can use. Use only %(fields)s",
                len(unknown),
                part=words,
                unknown=_fields(unknown),
                fields=_fields(FIELDS),
            )
        elif audience is not None:
            problem = _field_problem(cycle, draft, audience, words, used)
            if problem:
                problems[name] = problem
    return problems


def _field_problem(cycle: Cycle, draft: Draft, audience: Audience, words: str, used: list[str]) -> str | None:
    entry_fields = [f for f in used if f in ENTRY_FIELDS]
    if audience.judges and entry_fields:
        return _(
            "%(part)s has %(used)s: a message to judges cannot name an entry, so %(fields)s cannot be used",
            part=words,
            used=_fields(entry_fields),
            fields=_fields(ENTRY_FIELDS),
        )
    others = [f for f in used if f not in audience.fields]
    if others:
        return _(
            "%(part)s has %(used)s, which %(audience)s have no value for",
            part=words,
            used=_fields(others),
            audience=audience.label.lower(),
        )
    if "deadline" in used and audience.judges:
        judging_round = _round(cycle, draft.round_number)
        if judging_round is not None and judging_round.closes_at is None:
            return _(
                "%(part)s has ((deadline)), but %(round)s has no closing date yet",
                part=words,
                round=judging_round.label,
            )
    return None


def resolve(cycle: Cycle, draft: Draft) -> Resolved:
    """Who the draft goes to, by name (an entrant once, with every entry of theirs in the audience), and what
    fills its fields. The draft must have no problems (draft_problems)."""
    audience = AUDIENCES[draft.audience]
    category = None if audience.judges else next((c for c in cycle.categories if c.id == draft.category_id), None)
    if audience.judges:
        judging_round = _round(cycle, draft.round_number)
        if judging_round is None:
            raise DomainError(_("Select a judging round of this cycle"), field="round")
        figures = progress.cycle_progress(cycle, judging_round)
        chosen = [
            p
            for p in figures.judges
            if audience.key == "judges"
            or (audience.key == "judges-not-started" and p.has_not_started)
            or (audience.key == "judges-unfinished" and p.remaining > 0)
        ]
        people = [Recipient.of(p.judge.user) for p in chosen if p.judge.user is not None and p.judge.user.active]
        return Resolved(cycle, draft, audience, _in_order(people), judging_round, None, judging_round.closes_at)
    query = (
        select(Nomination)
        .join(User, User.id == Nomination.nominator_id)
        .where(
            Nomination.cycle_id == cycle.id,
            Nomination.status.in_(audience.statuses),
            User.active.is_(True),
        )
        # Only what a message reads: a nomination's row is wide (its answers), and an audience may be thousands.
        .options(
            load_only(Nomination.id, Nomination.reference, Nomination.title, Nomination.nominator_id),
            joinedload(Nomination.nominator),
        )
        .order_by(Nomination.reference)
    )
    if category is not None:
        query = query.where(Nomination.category_id == category.id)
    target = None
    if audience.key == "finalists":
        target = final_round(cycle)
        round_id = target.id if target is not None else -1
        query = query.where(
            Nomination.id.in_(select(Advancement.nomination_id).where(Advancement.round_id == round_id))
        )
    owned: dict[int, list[Nomination]] = {}
    for nomination in db.session.scalars(query):
        owned.setdefault(nomination.nominator_id or 0, []).append(nomination)
    people = [Recipient.of(entries[0].nominator, entries) for entries in owned.values() if entries[0].nominator]
    deadline = cycle.nominations_close_at if "deadline" in audience.fields else None
    return Resolved(cycle, draft, audience, _in_order(people), target, category, deadline)


def _in_order(people: list[Recipient]) -> list[Recipient]:
    return sorted(people, key=lambda r: (r.name.lower(), r.email.lower(), r.user_id))


def values_for(resolved: Resolved, recipient: Recipient) -> dict[str, str]:
    """What each merge field says in this recipient's message."""
    entries = recipient.entries
    if resolved.audience.judges:
        link = resolved.judges_link
    elif len(entries) == 1:
        link = external_url("nominee.task_list", reference=entries[0].reference)
    else:
        link = external_url("nominee.my_nominations")
    return {
        "name": recipient.name,
        # Never for judges: their audiences refuse these fields, and their recipients carry no entries.
        "reference": ", ".join(e.reference for e in entries),
        "title": "; ".join(e.title for e in entries),
        "deadline": resolved.deadline_words,
        "link": link,
    }


def fill(text: str, values: dict[str, str]) -> str:
    """The text with each merge field replaced by its value (a field without one is left as typed)."""
    return _FIELD.sub(lambda m: values.get(m.group(1).strip().lower(), m.group(0)), text)


def write(resolved: Resolved, recipient: Recipient) -> Written:
    """The message as this recipient gets it."""
    values = values_for(resolved, recipient)
    subject, body = resolved.draft.version_for(recipient.language)
    return Written(subject=fill(subject, values), body=fill(body, values))


def subject_problem(resolved: Resolved) -> str | None:
    """What is wrong with the subject once each recipient's fields are filled in: longer than an e-mail's subject
    can be (the outbox would cut it mid-word) for some of them, when ((title)) or ((reference)) name several
    entries, or a long name or title. None when every subject fits."""
    lengths = [len(single_line(write(resolved, recipient).subject)) for recipient in resolved.recipients]
    too_long = [n for n in lengths if n > SUBJECT_LIMIT]
    if not too_long:
        return None
    return ngettext(
        "The subject is too long for %(num)d person once their fields are filled in (up to %(longest)s characters; "
        "an email subject can have %(limit)s). Shorten it, or leave ((title)) out of the subject",
        "The subject is too long for %(num)d people once their fields are filled in (up to %(longest)s characters; "
        "an email subject can have %(limit)s). Shorten it, or leave ((title)) out of the subject",
        len(too_long),
        longest=format_decimal(max(too_long)),
        limit=format_decimal(SUBJECT_LIMIT),
    )


def normalise_body(text: str) -> str:
    """Line breaks as \\n, and no white space at the ends."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def sent_messages(cycle: Cycle) -> list[AuditEvent]:
    """The messages sent for the cycle, newest first (their `message.sent` events)."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.action == SENT,
                AuditEvent.object_type == Cycle.__tablename__,
                AuditEvent.object_id == str(cycle.id),
            )
            .options(joinedload(AuditEvent.actor))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
    )


@dataclass
class Sending:
    resolved: Resolved
    send_id: str
    cycle_slug: str
    subject: str  # as typed, merge fields and all

    def batches(self, size: int | None = None) -> Iterator[list[Recipient]]:
        """The recipients, BATCH_SIZE at a time."""
        size = size or BATCH_SIZE
        people = self.resolved.recipients
        for start in range(0, len(people), size):
            yield people[start : start + size]


def start_sending(cycle: Cycle, draft: Draft, *, send_id: str, by: User) -> Sending:
    """Record that the draft is sent to its audience, once per `send_id`: the cycle's row is locked (written)
    while its messages are read, so a second post of the same preview finds the first and is refused (Conflict).
    Refused too when the draft has a problem or its audience is empty. `send` then queues each batch of
    `Sending.batches` with `queue_batch`, in the same transaction."""
    # The cycle's row locked by a write that changes nothing: PostgreSQL holds the row and SQLite the database
    # until the commit, so a second send waits and then reads the first's event (SQLite ignores FOR UPDATE).
    db.session.execute(
        update(Cycle).where(Cycle.id == cycle.id).values(id=Cycle.id).execution_options(synchronize_session=False)
    )
    details = db.session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.action == SENT,
            AuditEvent.object_type == Cycle.__tablename__,
            AuditEvent.object_id == str(cycle.id),
        )
    )
    if not send_id or any((detail or {}).get("send_id") == send_id for detail in details):
        raise Conflict(str(ALREADY_SENT))
    problems = draft_problems(cycle, draft)
    if problems:
        name, message = next(iter(problems.items()))
        raise DomainError(message, field=name)
    resolved = resolve(cycle, draft)
    if not resolved.recipients:
        raise Conflict(
            _("Nobody is in the audience “%(audience)s”, so the message cannot be sent", audience=resolved.words)
        )
    too_long = subject_problem(resolved)
    if too_long:
        raise DomainError(too_long, field="subject")
    audit.record(
        SENT,
        actor=by,
        obj=cycle,
        send_id=send_id,
        audience=draft.audience,
        audience_words=resolved.words,
        round=resolved.judging_round.number if resolved.judging_round is not None else None,
        category=resolved.category.id if resolved.category is not None else None,
        subject=draft.subject,
        languages=[code for code, _subject, _body in draft.versions],
        recipients=len(resolved.recipients),
    )
    db.session.flush()
    return Sending(resolved, send_id, cycle.slug, draft.subject)


def send(cycle: Cycle, draft: Draft, *, send_id: str, by: User) -> Sending:
    """Record the send and queue the message for every recipient, in the caller's one transaction: either the
    whole audience is queued with the record of the send, or nothing is (a failure part way leaves no message
    recorded as sent to people who never got it). The outbox delivers them, 500 at a time (the e-mails of a big
    audience wait for `flask outbox send` after the first 500). Flushed a batch at a time, so the session never
    holds more than BATCH_SIZE pending messages."""
    sending = start_sending(cycle, draft, send_id=send_id, by=by)
    for batch in sending.batches():
        queue_batch(sending, batch, by=by)
    return sending


def queue_batch(sending: Sending, batch: list[Recipient], *, by: User) -> int:
    """Queue the message for each recipient of the batch and record it on their history (and on each entry's
    it is about); the caller commits. Returns how many were queued."""
    resolved = sending.resolved
    cycle = resolved.cycle
    for recipient in batch:
        with writing_in(recipient.language):  # a ((deadline)) in their language; the organiser's words as typed
            written = write(resolved, recipient)
        queue_email(
            to_address=recipient.email,
            to_name=recipient.name,
            language=recipient.language,
            template="organiser_message",
            subject=written.subject,
            body=written.body,
            cycle=cycle,
        )
        # The subject as the organiser typed it, not as filled in for this person: a history that outlives the
        # recipient's account (deleted, the outbox's copy goes with it) keeps no name or title of theirs.
        detail = {"cycle": sending.cycle_slug, "send_id": sending.send_id, "subject": sending.subject}
        audit.record(RECEIVED, actor=by, object_type=User.__tablename__, object_id=recipient.user_id, **detail)
        for entry in recipient.entries:
            audit.record(
                RECEIVED,
                actor=by,
                object_type=Nomination.__tablename__,
                object_id=entry.id,
                to=recipient.user_id,
                **detail,
            )
    db.session.flush()
    return len(batch)
