"""A judge's pack: what one judge may read of one judging round, to print or read away from the site.

The pack holds the entries of the round the judge's pages would show them, through the same rules: the
round's list (`reviews.round_work`: a round that has begun, entries assigned and not recused), each entry's
own lock (`reviews.judging_assignment`, or `calibration.calibration_assignment` for the round's calibration
example: never an entry the judge is conflicted with, however the conflict arose), and the content the
entry page shows (`blind_copies.judge_entry`: the blind copy when the round is blind). Two gates of the
entry page hold here too: an entry whose conflict question the judge has not answered yet is only listed
(the entry page asks that question before it shows anything), and while the round's calibration example
waits to be submitted, the round's other entries are only listed (the entry page sends the judge to the
example first).

The web layer renders the pack to PDF (awards/web/judge/pack.py); `record_download` puts the download in
the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.judging import blind_copies, calibration
from awards.domain.judging import reviews as review_rules
from awards.domain.judging.blind_copies import JudgeEntry
from awards.extensions import db
from awards.models import Assignment, Criterion, Cycle, JudgingRound, Nomination, RoundMode, User

# Why an entry is only listed, as the pack says it beside the entry's reference.
DECLARE_FIRST = _l("Declare whether you have a conflict of interest before this entry is included.")
CALIBRATE_FIRST = _l("Submit your judgement of the calibration example before this entry is included.")


@dataclass(frozen=True)
class PackEntry:
    """One entry of the pack: its content when the judge may read it, else only its line and why."""

    reference: str
    title: str
    category: str
    calibration: bool = False
    content: JudgeEntry | None = None
    waiting: str = ""  # why the entry is only listed (DECLARE_FIRST, CALIBRATE_FIRST, in the reader's language)


@dataclass(frozen=True)
class Pack:
    cycle: Cycle
    judging_round: JudgingRound
    judge_name: str
    generated_at: datetime
    criteria: list[Criterion]
    entries: list[PackEntry] = field(default_factory=list)
    scoring_problem: str | None = None  # why nothing can be saved now (the round closed, …), as the pages say it

    @property
    def included(self) -> list[PackEntry]:
        return [e for e in self.entries if e.content is not None]

    @property
    def listed(self) -> list[PackEntry]:
        return [e for e in self.entries if e.content is None]

    @property
    def mode(self) -> RoundMode:
        return self.judging_round.mode


def _nominations(references: list[str]) -> dict[str, Nomination]:
    if not references:
        return {}
    found = db.session.scalars(
        select(Nomination)
        .where(Nomination.reference.in_(references))
        .options(
            selectinload(Nomination.partners),
            selectinload(Nomination.trend_links),
            selectinload(Nomination.attachments),
            selectinload(Nomination.category),
        )
    )
    return {n.reference: n for n in found}


def _live_assignment(
    user: User, nomination: Nomination, judging_round: JudgingRound, is_calibration: bool, now: datetime
) -> Assignment | None:
    """The judge's assignment to the entry in the round as the entry's page finds it (None: the page is a 404)."""
    if is_calibration:
        found = calibration.calibration_assignment(user, nomination, str(judging_round.number), now)
        return found if found is not None and found.round_id == judging_round.id else None
    found = review_rules.judging_assignment(user, nomination, judging_round, now)
    if found is None or found.calibration:
        return None
    return found


def judge_pack(user: User, cycle: Cycle, number: int, now: datetime | None = None) -> Pack | None:
    """The user's pack for the cycle's round `number`, or None where the round's own page does not exist
    for them (they do not judge the cycle, or the round has not begun)."""
    now = now or utcnow()
    work = review_rules.round_work(user, cycle, number, now)
    if work is None:
        return None
    judging_round = work.judging_round
    rows = [row for row in work.rows if row.openable]  # a declared conflict is left out altogether
    nominations = _nominations([row.reference for row in rows])
    entries = []
    waiting_for_example: bool | None = None
    for row in rows:
        nomination = nominations.get(row.reference)
        if nomination is None:
            continue
        assignment = _live_assignment(user, nomination, judging_round, row.calibration, now)
        if assignment is None:
            continue
        listed = PackEntry(row.reference, row.title, row.category, calibration=row.calibration)
        if assignment.no_conflict_declared_at is None:
            entries.append(replace(listed, waiting=str(DECLARE_FIRST)))
            continue
        if not row.calibration:
            if waiting_for_example is None:  # the same answer for every entry of the round
                waiting_for_example = calibration.waiting_for(assignment) is not None
            if waiting_for_example:
                entries.append(replace(listed, waiting=str(CALIBRATE_FIRST)))
                continue
        entries.append(replace(listed, content=blind_copies.judge_entry(nomination, judging_round)))
    return Pack(
        cycle=cycle,
        judging_round=judging_round,
        judge_name=user.name,
        generated_at=now,
        criteria=list(judging_round.criteria),
        entries=entries,
        scoring_problem=work.scoring_problem,
    )


def record_download(pack: Pack, *, by: User) -> None:
    """The download in the audit log: who took which round's pack, with how many entries in it."""
    audit.record(
        "round.judge_pack_downloaded",
        actor=by,
        obj=pack.judging_round,
        cycle_id=pack.cycle.id,
        round=pack.judging_round.number,
        entries=len(pack.included),
        listed=len(pack.listed),
    )


def pack_filename(pack: Pack) -> str:
    """A safe ASCII file name naming the cycle and round: 'judge-pack-awards-2026-round-1.pdf'."""
    slug = "".join(ch if ch.isascii() and (ch.isalnum() or ch == "-") else "-" for ch in pack.cycle.slug.lower())
    slug = "-".join(part for part in slug.split("-") if part)[:60] or "cycle"
    return f"judge-pack-{slug}-round-{pack.judging_round.number}.pdf"
