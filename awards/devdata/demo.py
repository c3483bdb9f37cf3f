"""The demo for `make run` and `flask seed-demo`: the whole programme, as the app would have made it.

Three award cycles, written through the same domain functions a person's clicks go through, each
on the day it happened (the clock is moved with `clock_at`, so every date, audit event and e-mail
is consistent with the story):

- last year's Public Sector Digital Awards, published: nominations started, saved section by
  section and submitted, screened (one found ineligible), judges invited and accepted, assigned by
  the solver, conflicts declared, every entry scored, the shortlist suggested and decided, the
  results published, so the impact cases, the trend pages and the chart have content;
- this year's Local Public Services Digital Awards, in judging: nominations closed, judging open
  until three weeks from today; the demo judge has entries scored, one in progress, some not
  started and one declared conflict (the gap refilled by running the assignment again); the
  organiser has rankings from several judges to look at. Its organiser designed part of its entry
  form: a "Budget (£)" number question, and a section only the Skills and Capability category is
  asked, with a question shown only after a "yes" (custom_questions);
- this year's Public Sector Digital Awards (copied from last year's), open for nominations: the
  demo nominee has a submitted nomination and a draft; its form asks the budget too.

What is written depends only on today's date (in Europe/London): run on the same day, it gives the
same data. Idempotent: a cycle whose web address exists is left alone, as are existing accounts.
"""

from __future__ import annotations

import heapq
import itertools
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select, update

from awards.devdata.demo_entries import (
    ALL_SECTIONS,
    DATA_AI,
    DECLARED_CONFLICT_REASON,
    EXTRA_SHORTLIST_RATIONALE,
    JUDGES,
    JUDGING,
    LAST_YEAR,
    LAST_YEAR_JUDGES,
    OPEN,
    PENDING_JUDGE_EMAIL,
    PEOPLE,
    REIMAGINED,
    RESILIENCE,
    SKILLS,
    SKILLS_PROGRAMME,
    THIS_YEAR_JUDGES,
    Entry,
    JudgeProfile,
)
from awards.domain.core.clock import clock_at, utcnow
from awards.domain.judging import judges
from awards.domain.judging.assignment import solver
from awards.domain.judging.conflicts import declare
from awards.domain.judging.reviews import ScoreEntry, save_review
from awards.domain.nominations.entries import save_section, sections_for, start_nomination, submit, withdraw
from awards.domain.nominations.screening import decide_eligibility
from awards.domain.people import accounts
from awards.domain.programme import entry_forms as forms
from awards.domain.programme.cycles import (
    close_nominations,
    copy_cycle,
    create_cycle,
    edit_category,
    local_instant,
    transition,
)
from awards.domain.programme.default_translations import key_of_name
from awards.domain.programme.taxonomy import seed_trends, trends_by_code
from awards.domain.results import shortlists
from awards.domain.voting import ballots, votes
from awards.extensions import db
from awards.models import (
    Assignment,
    AssignmentStatus,
    Cycle,
    CycleStatus,
    Judge,
    Nomination,
    OutboxMessage,
    Result,
    Role,
    User,
    VoteSource,
)

TIME_ZONE = "Europe/London"


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    email: str
    name: str
    organisation: str
    password: str


DEMO_ACCOUNTS = (
    DemoAccount(
        Role.ORGANISER, "organiser@demo.example.org", "Olivia Organiser", "Awards Office", "organiser-demo-password"
    ),
    DemoAccount(
        Role.JUDGE, "judge@demo.example.org", "Jamal Judge", "Independent digital adviser", "judge-demo-password"
    ),
    DemoAccount(
        Role.NOMINEE,
        "nominee@demo.example.org",
        "Nadia Nominee",
        "Bath & North East Somerset Council",
        "nominee-demo-password",
    ),
)

DEMO_CYCLE_SLUG_PREFIX = "public-sector-digital-awards"
JUDGING_CYCLE_SLUG_PREFIX = "local-public-services-digital-awards"
DESCRIPTION = "Celebrating digital and technology work that improves public services."
JUDGING_DESCRIPTION = (
    "Celebrating digital work in councils, fire and rescue services and local NHS bodies, "
    "from front doors to back offices."
)

OVERALL_COMMENTS = {
    "high": (
        "A strong entry: a clear baseline, measured results and real evidence that users shaped the work.",
        "Impressive and well evidenced. Other organisations could adopt this with little change.",
    ),
    "middle": (
        "Good work with some measured outcomes, though the evidence of impact is still early.",
        "A solid entry. I would have liked more on how residents were involved and who might be left out.",
    ),
    "low": (
        "The ambition is clear, but the entry describes what was built rather than what changed.",
        "Promising, but the evidence is thin so far: I would encourage them to enter again next year.",
    ),
}


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count(User.id)))


def present_accounts() -> list[DemoAccount]:
    """The demo accounts that exist and still have their demo password."""
    from awards.domain.people.passwords import verify_password

    present = []
    for account in DEMO_ACCOUNTS:
        user = accounts.find_user_by_email(account.email)
        if user is not None and verify_password(user.password_hash, account.password):
            present.append(account)
    return present


def seed_demo() -> bool:
    """Create the demo accounts and the demo cycles that do not exist yet; True if anything was created.
    Flushes; the caller commits."""
    story = _Story(utcnow())
    created = story.accounts()
    slugs = {
        "last_year": f"{DEMO_CYCLE_SLUG_PREFIX}-{story.year - 1}",
        "judging": f"{JUDGING_CYCLE_SLUG_PREFIX}-{story.year}",
        "open": f"{DEMO_CYCLE_SLUG_PREFIX}-{story.year}",
    }
    existing = set(db.session.scalars(select(Cycle.slug).where(Cycle.slug.in_(slugs.values()))))
    if slugs["last_year"] not in existing:
        story.last_year(slugs["last_year"])
    if slugs["judging"] not in existing:
        story.judging(slugs["judging"])
    if slugs["open"] not in existing:
        story.open(slugs["open"], copy_from=slugs["last_year"])
    if story.steps:
        story.run()
        created = True
    return created


# --- The story -------------------------------------------------------------------------------------


@dataclass(order=True)
class _Step:
    at: datetime
    order: int
    action: Callable[[], None] = field(compare=False)


class _Story:
    """The demo's events, each at its own instant; `run` plays them in time order with the clock
    set to each event's instant, so cycles that overlap in time interleave as they would have. An
    event may add later events (a judge's reviews, once the assignment says which entries they have)."""

    def __init__(self, now: datetime):
        self.today = now.astimezone(ZoneInfo(TIME_ZONE)).date()
        self.year = self.today.year
        self.steps: list[_Step] = []
        self.running_at: datetime | None = None
        self.users: dict[str, User] = {}
        self.cycles: dict[str, Cycle] = {}
        self.nominations: dict[str, Nomination] = {}
        self.entries: dict[int, Entry] = {}  # nomination id → what its nominator wrote

    # Time: a day relative to today, at a wall-clock time in London.
    def day(self, offset: int, hour: int = 10, minute: int = 0) -> datetime:
        return local_instant(self.today + timedelta(days=offset), time(hour, minute), TIME_ZONE)

    def at(self, offset: int, hour: int = 10, minute: int = 0) -> Callable[[Callable[[], None]], None]:
        """Decorator: the function is an event on that day, at that time."""

        def add(action: Callable[[], None]) -> None:
            self.add(self.day(offset, hour, minute), action)

        return add

    def add(self, instant: datetime, action: Callable[[], None]) -> None:
        if self.running_at is not None and instant < self.running_at:
            raise RuntimeError(f"a demo event at {instant} was added after {self.running_at}")
        heapq.heappush(self.steps, _Step(instant, next(_order), action))

    def run(self) -> None:
        outbox_before = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
        while self.steps:
            step = heapq.heappop(self.steps)
            self.running_at = step.at
            with clock_at(step.at):
                step.action()
                db.session.flush()
        self.running_at = None
        self._emails_were_sent(outbox_before)
        # The audit table keeps every event; the log is for decisions as they are taken, not for a
        # history written in one go (it would print hundreds of lines on `make run`).
        db.session.info.pop("audit_log_lines", None)

    @staticmethod
    def _emails_were_sent(outbox_before: int) -> None:
        """The story's e-mails went out when they were written: mark them sent (at that time) rather
        than send them today to addresses at example.org."""
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id > outbox_before, OutboxMessage.sent_at.is_(None))
            .values(sent_at=OutboxMessage.created_at, last_attempt_at=OutboxMessage.created_at, attempts=1)
            .execution_options(synchronize_session=False)
        )

    # People -------------------------------------------------------------------------------------

    def accounts(self) -> bool:
        """The three demo sign-ins (with their known passwords), made before anything else happened."""
        created = False
        with clock_at(self.day(-450, 9)):
            seed_trends()
            for account in DEMO_ACCOUNTS:
                user = accounts.find_user_by_email(account.email)
                if user is None:
                    roles = (Role.NOMINEE,) if account.role is Role.NOMINEE else (Role.NOMINEE, account.role)
                    user = accounts.create_user(
                        email=account.email,
                        name=account.name,
                        organisation=account.organisation,
                        password=account.password,
                        roles=roles,
                        verified=True,
                    )
                    created = True
                self.users[account.role.value] = user
        self.users["nominee"] = self.users[Role.NOMINEE.value]
        self.users["judge"] = self.users[Role.JUDGE.value]
        self.users["organiser"] = self.users[Role.ORGANISER.value]
        return created

    def person(self, key: str) -> User:
        """A person of the story, registering (verified) when they first act. Nobody signs in as them,
        so their password is random and hashed at the lowest cost: it cannot be guessed either way."""
        if key not in self.users:
            profile = _PEOPLE[key]
            user = accounts.find_user_by_email(profile.email)
            if user is None:
                with _quick_hashing():
                    user = accounts.create_user(
                        email=profile.email,
                        name=profile.name,
                        organisation=profile.organisation,
                        password=secrets.token_urlsafe(24),
                        verified=True,
                    )
            self.users[key] = user
        return self.users[key]

    @property
    def organiser(self) -> User:
        return self.users["organiser"]

    # Nominations --------------------------------------------------------------------------------

    def nominate(
        self,
        cycle_key: str,
        entry: Entry,
        index: int,
        start: int,
        submit_on: int | None = None,
        withdraw_on: int | None = None,
    ) -> None:
        """The entry's nominator starts it on day `start`, saves its sections, and submits it on
        `submit_on` (and withdraws it on `withdraw_on`), as they would through the pages."""

        @self.at(start, 10 + index % 6, (7 * index) % 60)
        def started():
            user = self.person(entry.nominator)
            cycle = self.cycles[cycle_key]
            category = _category(cycle, entry.category)
            nomination = start_nomination(cycle, category, by=user)
            self.nominations[entry.key] = nomination
            self.entries[nomination.id] = entry
            # A finished entry answers every section its form asks it (the organiser's own too).
            asked = [s.key for s in sections_for(nomination)]
            sections = asked if entry.sections == ALL_SECTIONS else entry.sections
            for section in sections:
                problems = save_section(
                    nomination, section, _section_data(entry, user, cycle, section), by=user, based_on=None
                )
                if problems and entry.fate != "draft":
                    raise RuntimeError(f"demo entry {entry.key}, {section}: {problems}")

        if submit_on is not None:

            @self.at(submit_on, 15, (11 * index) % 60)
            def submitted():
                submit(self.nominations[entry.key], by=self.person(entry.nominator))

        if withdraw_on is not None:

            @self.at(withdraw_on, 11)
            def withdrawn():
                withdraw(self.nominations[entry.key], by=self.person(entry.nominator))

    def screen(self, entries: tuple[Entry, ...], offset: int) -> None:
        @self.at(offset, 10)
        def screened():
            for entry in entries:
                if entry.fate in ("submitted", "ineligible"):
                    decide_eligibility(
                        self.nominations[entry.key],
                        entry.fate == "submitted",
                        entry.ineligible_reason,
                        by=self.organiser,
                    )

    # Judging ------------------------------------------------------------------------------------

    def recruit_judges(
        self, cycle_key: str, keys: tuple[str, ...], invite_on: int, also_invite: tuple[str, ...] = ()
    ) -> None:
        @self.at(invite_on, 11)
        def invited():
            emails = [self.users[key].email if key in self.users else _PEOPLE[key].email for key in keys]
            emails += list(also_invite)
            judges.invite_judges(self.cycles[cycle_key], "\n".join(emails), by=self.organiser)

        for index, key in enumerate(keys):

            @self.at(invite_on + 1, 9 + index)
            def accepted(key=key):
                cycle = self.cycles[cycle_key]
                user = self.person(key)
                judge = db.session.scalar(select(Judge).where(Judge.cycle_id == cycle.id, Judge.email == user.email))
                judges.accept_invitation(judge, user)
                codes = trends_by_code()
                levels = {codes[code].id: level for code, level in _PROFILES[key].expertise.items()}
                judges.set_expertise(user, levels, allowed_trend_ids={t.id for t in cycle.trends}, by=user)

    def assign(self, cycle_key: str, offset: int, hour: int = 9) -> None:
        @self.at(offset, hour, 30)
        def assigned():
            result = solver.propose(self.cycles[cycle_key])
            solver.apply(result, by=self.organiser)

    def assignments(self, cycle_key: str, key: str) -> list[Assignment]:
        cycle, user = self.cycles[cycle_key], self.person(key)
        return list(
            db.session.scalars(
                select(Assignment)
                .join(Judge, Judge.id == Assignment.judge_id)
                .join(Nomination)
                .where(
                    Judge.cycle_id == cycle.id, Judge.user_id == user.id, Assignment.status == AssignmentStatus.ASSIGNED
                )
                .order_by(Nomination.reference)
            )
        )

    def score(self, cycle_key: str, first_day: int, last_day: int, plan: Callable[[str, int, int], str]) -> None:
        """From `first_day`, each judge works through their assignments (in reference order) until
        `last_day`; `plan(judge key, position, count)` says how far they got with each by today:
        "submitted", "draft" (some scores saved) or "none" (not started)."""
        keys = LAST_YEAR_JUDGES if cycle_key == "last_year" else THIS_YEAR_JUDGES
        for judge_index, key in enumerate(keys):

            @self.at(first_day, 8, judge_index)
            def planned(key=key, judge_index=judge_index):
                mine = self.assignments(cycle_key, key)
                for position, assignment in enumerate(mine):
                    what = plan(key, position, len(mine))
                    if what == "none":
                        continue
                    offset = first_day + 1 + position * (last_day - first_day - 2) // len(mine) + judge_index % 2
                    self.add(
                        self.day(offset, 9 + judge_index, (7 * position) % 60),
                        partial(self.review, assignment.id, key, submit_it=what == "submitted"),
                    )

    def review(self, assignment_id: int, key: str, *, submit_it: bool) -> None:
        """The judge says they have no conflict, reads the entry and scores it (or saves half of it)."""
        assignment = db.session.get(Assignment, assignment_id)
        nomination, user = assignment.nomination, self.person(key)
        declare(assignment.judge, nomination, has_conflict=False, by=user)
        entry = self.entries[nomination.id]
        # A disputed entry: its first judge (by id) sees it very differently from the others.
        harsh = entry.disputed and assignment.judge_id == db.session.scalar(
            select(func.min(Assignment.judge_id)).where(
                Assignment.round_id == assignment.round_id,
                Assignment.nomination_id == nomination.id,
                Assignment.status == AssignmentStatus.ASSIGNED,
            )
        )
        criteria = sorted(assignment.round.criteria, key=lambda c: c.position)
        scores = _scores(entry, _PROFILES[key], criteria, harsh=harsh)
        if not submit_it:
            scores = dict(list(scores.items())[: len(scores) // 2])
        comment = _overall_comment(entry, _PROFILES[key], scores) if submit_it else ""
        save_review(assignment, scores, overall_comment=comment, submit=submit_it, version=0, by=user)

    # The three cycles ---------------------------------------------------------------------------

    def last_year(self, slug: str) -> None:
        """Opened 420 days ago, closed 360 days ago, judged, published 315 days ago."""
        year = self.year - 1

        @self.at(-430, 9)
        def created():
            cycle = create_cycle(
                name=f"Public Sector Digital Awards {year}",
                year=year,
                slug=slug,
                description=DESCRIPTION,
                nominations_open_at=self.day(-420, 9),
                nominations_close_at=self.day(-360, 17),
                judging_close_at=self.day(-320, 17),
                by=self.organiser,
            )
            for category in cycle.categories:  # a shortlist of two in each category
                edit_category(
                    category, name=category.name, description=category.description, shortlist_size=2, by=self.organiser
                )
            self.cycles["last_year"] = cycle

        @self.at(-420, 9)
        def opened():
            transition(self.cycles["last_year"], CycleStatus.OPEN, by=self.organiser)

        for index, entry in enumerate(LAST_YEAR):
            self.nominate("last_year", entry, index, start=-418 + 2 * index, submit_on=-410 + 2 * index)
        self.recruit_judges("last_year", LAST_YEAR_JUDGES, invite_on=-366)

        @self.at(-359, 9)
        def closed():
            close_nominations(self.cycles["last_year"], by=self.organiser)

        self.screen(LAST_YEAR, -358)

        @self.at(-356, 9)
        def judging_began():
            transition(self.cycles["last_year"], CycleStatus.JUDGING, by=self.organiser)

        self.assign("last_year", -356)
        self.score("last_year", -355, -322, lambda key, position, count: "submitted")

        @self.at(-318, 10)
        def shortlisted():
            cycle = self.cycles["last_year"]
            shortlists.suggest_shortlist(cycle, by=self.organiser)
            commended = {REIMAGINED, RESILIENCE, DATA_AI}
            for board in shortlists.cycle_results(cycle).boards:
                rows = [row for row in board.rows if row.suggested]
                if rows:
                    shortlists.decide(cycle, rows[0].nomination, Result.WINNER, rationale="", by=self.organiser)
                if len(rows) > 1 and _english_name(board.category) in commended:
                    shortlists.decide(
                        cycle, rows[1].nomination, Result.HIGHLY_COMMENDED, rationale="", by=self.organiser
                    )
            # The panel adds one entry the scores left just outside the shortlist.
            extra = self.nominations["sheffield-hubs"]
            shortlists.decide(
                cycle, extra, Result.HIGHLY_COMMENDED, rationale=EXTRA_SHORTLIST_RATIONALE, by=self.organiser
            )

        @self.at(-315, 10)
        def published():
            shortlists.publish(self.cycles["last_year"], by=self.organiser)

        self.peoples_choice("last_year", opens=-314, closes=-301, voters=48)

    def judging(self, slug: str) -> None:
        """Opened 100 days ago, closed 30 days ago; judging until three weeks from today."""
        year = self.year

        @self.at(-120, 9)
        def created():
            self.cycles["judging"] = create_cycle(
                name=f"Local Public Services Digital Awards {year}",
                year=year,
                slug=slug,
                description=JUDGING_DESCRIPTION,
                reference_prefix="LPSDA",
                nominations_open_at=self.day(-100, 9),
                nominations_close_at=self.day(-30, 17),
                judging_close_at=self.day(21, 17),
                by=self.organiser,
            )
            add_custom_questions(self.cycles["judging"], skills_section=True)

        @self.at(-100, 9)
        def opened():
            transition(self.cycles["judging"], CycleStatus.OPEN, by=self.organiser)

        for index, entry in enumerate(JUDGING):
            start = -95 + 4 * index
            self.nominate("judging", entry, index, start=start, submit_on=start + 3 if entry.fate != "draft" else None)
        self.recruit_judges("judging", THIS_YEAR_JUDGES, invite_on=-45, also_invite=(PENDING_JUDGE_EMAIL,))

        @self.at(-29, 9)
        def closed():
            close_nominations(self.cycles["judging"], by=self.organiser)

        self.screen(JUDGING, -28)

        @self.at(-26, 9)
        def judging_began():
            transition(self.cycles["judging"], CycleStatus.JUDGING, by=self.organiser)

        self.assign("judging", -26)

        @self.at(-25, 10)
        def conflict_declared():
            first = self.assignments("judging", "judge")[0]
            declare(
                first.judge,
                first.nomination,
                has_conflict=True,
                reason=DECLARED_CONFLICT_REASON,
                by=self.users["judge"],
            )

        self.assign("judging", -24)  # the organiser fills the place the conflict left

        def plan(key: str, position: int, count: int) -> str:
            if key == "judge":  # the demo judge: three scored, one in progress, the rest to do
                return ("submitted", "submitted", "submitted", "draft")[position] if position < 4 else "none"
            if key == "priya" and position == count - 1:
                return "none"
            if key == "tomasz" and position == count - 1:
                return "draft"
            return "submitted"

        self.score("judging", -22, -2, plan)
        # The finalists of one category are put to a public vote while the judges finish (counts hidden until it
        # closes, the day before judging closes).
        self.peoples_choice("judging", opens=-2, closes=20, voters=9, categories=1)

    def open(self, slug: str, copy_from: str) -> None:
        """Copied from last year's 35 days ago, open since 21 days ago, closing in 40 days."""
        year = self.year

        @self.at(-35, 10)
        def created():
            source = self.cycles.get("last_year") or db.session.scalar(select(Cycle).where(Cycle.slug == copy_from))
            dates = {
                "nominations_open_at": self.day(-21, 9),
                "nominations_close_at": self.day(40, 17),
                "judging_close_at": self.day(75, 17),
            }
            if source is not None:
                cycle = copy_cycle(
                    source, name=f"Public Sector Digital Awards {year}", year=year, by=self.organiser, **dates
                )
            else:
                cycle = create_cycle(
                    name=f"Public Sector Digital Awards {year}",
                    year=year,
                    slug=slug,
                    description=DESCRIPTION,
                    by=self.organiser,
                    **dates,
                )
            add_custom_questions(cycle, skills_section=False)
            self.cycles["open"] = cycle

        @self.at(-21, 9)
        def opened():
            transition(self.cycles["open"], CycleStatus.OPEN, by=self.organiser)

        schedule = {  # entry key: (started, submitted, withdrawn)
            "banes-care-finance": (-18, -6, None),
            "banes-avon-twin": (-3, None, None),
            "conwy-recycling-assistant": (-17, -12, None),
            "ceredigion-school-transport": (-15, None, None),
            "nottingham-repairs": (-14, -9, None),
            "mawwfrs-safety-checks": (-12, -4, None),
            "ouh-remote-monitoring": (-11, -8, -2),
            "dumgal-bus-data": (-7, None, None),
        }
        for index, entry in enumerate(OPEN):
            started, submitted, withdrawn = schedule[entry.key]
            self.nominate("open", entry, index, start=started, submit_on=submitted, withdraw_on=withdrawn)

    # People's Choice ------------------------------------------------------------------------------

    def peoples_choice(self, key: str, *, opens: int, closes: int, voters: int, categories: int | None = None) -> None:
        """The organiser opens a public vote in each category with two entries or more (the published
        shortlist once there is one, else the round's finalists that agreed to publication), the day
        before it opens; then residents vote through the e-mailed link, a few a day, and a few
        attempts are refused (a disposable address, a second link for one address in an hour)."""
        opened: list = []

        @self.at(opens - 1, 15)
        def set_up():
            cycle = self.cycles[key]
            published = cycle.status is CycleStatus.PUBLISHED
            judging_round = None if published else cycle.rounds[0]
            source = VoteSource.SHORTLIST if published else VoteSource.ROUND
            for category in sorted(cycle.categories, key=lambda c: c.position):
                if categories is not None and len(opened) >= categories:
                    break
                if len(votes.candidates(cycle, category, source, judging_round)) < 2:
                    continue
                opened.append(
                    votes.open_vote(
                        cycle,
                        category,
                        source=source,
                        judging_round=judging_round,
                        opens_at=self.day(opens, 12),
                        closes_at=self.day(closes, 17),
                        by=self.organiser,
                    )
                )

        last_day = min(closes, 0) - 1  # votes already cast by today
        days = max(last_day - opens + 1, 1)
        for n in range(voters):
            self.add(self.day(opens + n % days, 12 + (n * 7) % 10, (n * 13) % 60), partial(self._vote, opened, n))

    def _vote(self, opened: list, n: int) -> None:
        """Voter n votes in some of the categories (with a leaning, so that each result has a winner), and
        confirms the link the e-mail carried."""
        address = f"resident{n:03d}@example.{('com', 'net')[n % 2]}"
        client = f"198.51.{100 + n % 3}.{n % 250 + 1}"
        for index, vote in enumerate(opened):
            if (n + index) % 3 == 2:
                continue  # not everyone votes in every category
            # The public's favourite is not always the judges' winner: a different entry leads in every other vote.
            favourite = index % 2 % len(vote.options)
            weights = [
                len(vote.options) * 3 - ((p - favourite) % len(vote.options)) * 2 for p in range(len(vote.options))
            ]
            choice = (n * 31 + index * 7) % sum(weights)
            option = next(
                o for o, upto in zip(vote.options, itertools.accumulate(weights), strict=True) if choice < upto
            )
            asked = ballots.ask_to_vote(vote, option.id, address, client_ip=client)
            if not asked.accepted:
                continue
            message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1)).one()
            ballots.confirm_vote(ballots.link_token(message.body_text) or "", client_ip=client)
            if n % 11 == 0:  # a second link in the same hour for the same address is refused
                for _ in range(3):
                    ballots.ask_to_vote(vote, option.id, address, client_ip=client)
        if n % 16 == 5 and opened:
            ballots.ask_to_vote(opened[0], opened[0].options[0].id, f"voter{n}@mailinator.com", client_ip=client)


# --- Helpers ---------------------------------------------------------------------------------------

_order = itertools.count()
_PEOPLE = {person.key: person for person in PEOPLE}
_PROFILES = {profile.key: profile for profile in JUDGES}


@contextmanager
def _quick_hashing() -> Iterator[None]:
    """Argon2 at its lowest cost, for the random passwords of accounts nobody signs in to: forty of
    them at the configured cost would take seconds and protect nothing more."""
    config = current_app.config
    keys = ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST", "ARGON2_PARALLELISM")
    saved = {key: config[key] for key in keys}
    config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_COST=1024, ARGON2_PARALLELISM=1)
    try:
        yield
    finally:
        config.update(saved)


BUDGET = {
    "key": "budget",
    "kind": "number",
    "label": "Budget (£)",
    "hint": "What the work cost to deliver, in pounds, to the nearest thousand. For example, 250000",
    "required": False,
    "settings": {"unit": "£", "whole": True, "min": 0, "max": 100_000_000, "short": "Budget"},
    "judges_see": "all",
    "public": True,
    "condition": None,
}
SKILLS_SECTION = {
    "key": "programme",
    "title": "About the programme",
    "hint": "Who it trained, and for how long",
    "intro": "Skills and Capability nominations only: tell us about the learning programme.",
    "condition": None,
    "questions": [
        {
            "key": "people_trained",
            "kind": "number",
            "label": "How many people has the programme trained?",
            "settings": {"whole": True, "min": 1, "unit": "people", "short": "People trained"},
            "public": True,
        },
        {
            "key": "programme_length",
            "kind": "choice",
            "label": "How long does the programme last?",
            "settings": {
                "options": ["Less than 3 months", "3 to 12 months", "More than a year"],
                "short": "Length of the programme",
            },
            "public": True,
        },
        {
            "key": "accredited",
            "kind": "yes_no",
            "label": "Does the programme lead to a recognised qualification?",
            "settings": {"short": "Leads to a qualification"},
        },
        {
            "key": "qualification",
            "kind": "text",
            "label": "Which qualification?",
            "hint": "For example, Level 4 Data Analyst apprenticeship",
            "settings": {"max_chars": 200, "short": "Qualification"},
            "condition": {"question": "accredited", "values": ["yes"]},
            "public": True,
        },
    ],
}


def _english_name(category) -> str:
    """A default category's English name (the demo's name for it), whatever the service's default language stores
    it in (a Welsh service's "Sgiliau a gallu" is "Skills and Capability"); another category's own name."""
    return key_of_name("categories", category.name) or category.name


def _category(cycle: Cycle, english_name: str):
    """The cycle's category the demo names `english_name`."""
    return next(c for c in cycle.categories if _english_name(c) == english_name)


def add_custom_questions(cycle: Cycle, *, skills_section: bool) -> None:
    """The organiser's own questions, added before nominations open: "Budget (£)" after the public
    summary and, with `skills_section`, a section only the Skills and Capability category is asked
    (with a question asked only after a "yes")."""
    definition = forms.definition_of(cycle, with_categories=True)
    project = next(s for s in definition["sections"] if s["key"] == "project")
    project["questions"].append(dict(BUDGET))
    if skills_section:
        skills = _category(cycle, SKILLS).id
        section = {**SKILLS_SECTION, "category_ids": [skills]}
        position = next(i for i, s in enumerate(definition["sections"]) if s["key"] == "documents")
        definition["sections"].insert(position, section)
    forms.install(cycle, definition, category_ids={c.id: c.id for c in cycle.categories})


def _budget(entry: Entry) -> str:
    """A made-up budget, the same every run: £200,000 to £495,000."""
    return str((40 + sum(map(ord, entry.key)) % 60) * 5000)


def _section_data(entry: Entry, user: User, cycle: Cycle, section: str) -> dict:
    """The section's answers as the nominee's form would post them: {question key: value}."""
    if section == "organisation":
        return {
            "organisation_name": entry.organisation,
            "contact_name": user.name,
            "contact_email": user.email,
            "contact_phone": entry.phone,
            "region": entry.region,
            "partners": [{"name": name, "is_supplier": supplier} for name, supplier in entry.partners],
        }
    if section == "project":
        data = {"title": entry.title, "summary": entry.summary}
        if forms.question_by_key(cycle, "budget") is not None:
            data["budget"] = _budget(entry)
        return data
    if section == "trends":
        codes = trends_by_code()
        return {
            "trends": [
                {"trend_id": codes[code].id, "is_primary": i == 0, "how_addressed": how}
                for i, (code, how) in enumerate(entry.trends)
            ]
        }
    if section == "challenge":
        return {"challenge": entry.challenge}
    if section == "approach":
        return {"approach": entry.approach}
    if section == "outcomes":
        return {
            "outcomes_narrative": entry.outcomes,
            "measured": [
                {"metric": metric, "baseline": baseline, "result": result, "measured_on": when}
                for metric, baseline, result, when in entry.measured
            ],
        }
    if section == "lessons":
        return {"unintended_consequences": entry.unintended, "lessons": entry.lessons}
    if section == "programme":
        return dict(SKILLS_PROGRAMME[entry.key])
    if section == "documents":
        return {}
    if section == "declarations":
        return {"declares_accurate": True, "consents_to_publish": entry.consent, "declares_authorised": True}
    raise KeyError(section)


_JITTER = (-1.0, -0.5, 0.0, 0.5, 1.0)


def _scores(entry: Entry, judge: JudgeProfile, criteria: list, *, harsh: bool = False) -> dict[int, ScoreEntry]:
    """A judge's scores: the entry's strength, the judge's leniency, and a fixed spread across the
    criteria (the same every run); a harsh reading takes three points off."""
    seed = sum(map(ord, entry.key)) + 7 * sum(map(ord, judge.key))
    scores = {}
    for position, criterion in enumerate(criteria):
        value = entry.quality + judge.leniency + _JITTER[(seed + 3 * position) % len(_JITTER)] - (3 if harsh else 0)
        scores[criterion.id] = ScoreEntry(value=max(criterion.scale_min, min(criterion.scale_max, round(value))))
    return scores


def _overall_comment(entry: Entry, judge: JudgeProfile, scores: dict[int, ScoreEntry]) -> str:
    mean = sum(s.value for s in scores.values()) / len(scores)
    band = "high" if mean >= 8 else "middle" if mean >= 6 else "low"
    choices = OVERALL_COMMENTS[band]
    return choices[(sum(map(ord, entry.key)) + sum(map(ord, judge.key))) % len(choices)]
