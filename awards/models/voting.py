"""People's Choice: a public vote per category on a published shortlist or a round's finalists.

Nobody signs in to vote. A voter picks an entry and gives an e-mail address; the vote counts only once
the link e-mailed to that address is confirmed. Every attempt is kept (refused ones with their reason)
so that the organiser can see patterns of abuse; an address is kept only as a keyed hash of its
canonical form, and a client address only as its network prefix.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from awards.models.base import Model
from awards.models.cycles import Category, Cycle
from awards.models.types import UTCDateTime, enum_column

if TYPE_CHECKING:
    from awards.models.rounds import JudgingRound


class VoteSource(str, enum.Enum):
    """Which entries a category's vote is between."""

    SHORTLIST = "shortlist"  # the category's published shortlist (its public impact cases)
    ROUND = "round"  # the category's entries in a judging round (its finalists)

    @property
    def label(self) -> str:
        return str(_VOTE_SOURCE_LABELS[self.value])


_VOTE_SOURCE_LABELS = {
    "shortlist": _l("The published shortlist"),
    "round": _l("The finalists of a judging round"),
}


class AttemptOutcome(str, enum.Enum):
    """What became of one attempt to vote."""

    REFUSED = "refused"  # broke a rule; never counted (its reason says which)
    AWAITING = "awaiting"  # e-mailed; counts once its link is confirmed
    CONFIRMED = "confirmed"  # its link was used: it is (or was, until replaced) the address's ballot


class PublicVote(Model):
    """One category's People's Choice vote in a cycle, open between two instants."""

    __tablename__ = "public_votes"
    __table_args__ = (UniqueConstraint("cycle_id", "category_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    source: Mapped[VoteSource] = mapped_column(enum_column(VoteSource, 20))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("judging_rounds.id", ondelete="SET NULL"))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Guards the organiser's edits of the instants against a second window (optimistic locking).
    version: Mapped[int] = mapped_column(Integer, default=1)

    cycle: Mapped[Cycle] = relationship()
    category: Mapped[Category] = relationship()
    judging_round: Mapped[JudgingRound | None] = relationship()
    options: Mapped[list[VoteOption]] = relationship(
        back_populates="vote", cascade="all, delete-orphan", order_by="VoteOption.position"
    )

    __mapper_args__ = {"version_id_col": version}


class VoteOption(Model):
    """An entry one can vote for, with the public words shown for it (copied when the vote is opened)."""

    __tablename__ = "vote_options"
    __table_args__ = (UniqueConstraint("vote_id", "nomination_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("public_votes.id", ondelete="CASCADE"), index=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nominations.id", ondelete="CASCADE"), index=True)
    impact_case_id: Mapped[int | None] = mapped_column(ForeignKey("impact_cases.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    # The entry's own organisational e-mail domains (lower case): nobody votes for their own organisation.
    own_domains: Mapped[list[str]] = mapped_column(JSON, default=list)

    vote: Mapped[PublicVote] = relationship(back_populates="options")


class VoteAttempt(Model):
    """Every attempt to vote, refused or not: the record the organiser's abuse view reads."""

    __tablename__ = "vote_attempts"
    __table_args__ = (
        Index("ix_vote_attempts_vote_time", "vote_id", "attempted_at"),
        Index("ix_vote_attempts_vote_domain", "vote_id", "domain"),
        Index("ix_vote_attempts_vote_prefix", "vote_id", "ip_prefix"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("public_votes.id", ondelete="CASCADE"))
    option_id: Mapped[int | None] = mapped_column(ForeignKey("vote_options.id", ondelete="CASCADE"), index=True)
    # A keyed hash of the address's canonical form (never the address itself).
    voter_key: Mapped[str] = mapped_column(String(64), index=True)
    domain: Mapped[str] = mapped_column(String(253))
    ip_prefix: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[AttemptOutcome] = mapped_column(enum_column(AttemptOutcome, 20))
    # Why it was refused: one of the rule names in domain/voting/rules.py.
    refusal: Mapped[str | None] = mapped_column(String(40))
    # A digest of the single-use token e-mailed for this attempt (none for a refused attempt).
    token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    vote: Mapped[PublicVote] = relationship()
    option: Mapped[VoteOption | None] = relationship()


class Ballot(Model):
    """The one counted vote of a confirmed address in a category's vote; a later confirmed vote replaces it."""

    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("vote_id", "voter_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("public_votes.id", ondelete="CASCADE"))
    option_id: Mapped[int] = mapped_column(ForeignKey("vote_options.id", ondelete="CASCADE"), index=True)
    voter_key: Mapped[str] = mapped_column(String(64))
    # The attempt whose confirmed link cast (or last replaced) it.
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("vote_attempts.id", ondelete="SET NULL"))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime())
    replaced_count: Mapped[int] = mapped_column(Integer, default=0)

    vote: Mapped[PublicVote] = relationship()
    option: Mapped[VoteOption] = relationship()
    attempt: Mapped[VoteAttempt | None] = relationship()
