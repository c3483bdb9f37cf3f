"""All models, imported here so Alembic and the app see the whole schema."""

from awards.models.audit import AuditEvent
from awards.models.cycles import Category, Criterion, Cycle, CycleStatus, category_trends, cycle_trends
from awards.models.forms import FormQuestion, FormSection, FormTemplate
from awards.models.identities import LinkedIdentity
from awards.models.judging import (
    AFFILIATION_RECENT_YEARS,
    EXPERTISE_LEVELS,
    Affiliation,
    AffiliationKind,
    Assignment,
    AssignmentStatus,
    ConflictOfInterest,
    ConflictSource,
    Expertise,
    Judge,
    Redaction,
    Review,
    ReviewScore,
    ReviewStatus,
    judge_categories,
)
from awards.models.nominations import (
    Attachment,
    Eligibility,
    Nomination,
    NominationPartner,
    NominationStatus,
    NominationTrend,
)
from awards.models.outbox import OutboxMessage
from awards.models.publishing import ImpactCase, ImpactCaseTrend, Result, ShortlistDecision
from awards.models.rounds import (
    RANKING_METHODS,
    Advancement,
    FeedbackStatus,
    JudgingRound,
    PanelMeeting,
    PanelMember,
    RoundEntries,
    RoundMode,
    Verdict,
)
from awards.models.stash import FormStash
from awards.models.taxonomy import Trend, TrendGroup
from awards.models.teams import NominationEditor, NominationInvitation
from awards.models.translations import ContentTranslation
from awards.models.two_factor import TwoFactor
from awards.models.users import Role, SignInFailure, User, UserRole
from awards.models.voting import AttemptOutcome, Ballot, PublicVote, VoteAttempt, VoteOption, VoteSource

__all__ = [
    "ContentTranslation",
    "NominationEditor",
    "NominationInvitation",
    "AttemptOutcome",
    "Ballot",
    "PublicVote",
    "VoteAttempt",
    "VoteOption",
    "VoteSource",
    "RANKING_METHODS",
    "Advancement",
    "FeedbackStatus",
    "JudgingRound",
    "PanelMeeting",
    "PanelMember",
    "RoundEntries",
    "RoundMode",
    "Verdict",
    "ImpactCase",
    "ImpactCaseTrend",
    "Result",
    "ShortlistDecision",
    "AFFILIATION_RECENT_YEARS",
    "Affiliation",
    "AffiliationKind",
    "EXPERTISE_LEVELS",
    "Assignment",
    "AssignmentStatus",
    "ConflictOfInterest",
    "ConflictSource",
    "Expertise",
    "Judge",
    "Redaction",
    "Review",
    "ReviewScore",
    "ReviewStatus",
    "judge_categories",
    "Attachment",
    "AuditEvent",
    "Category",
    "Criterion",
    "Cycle",
    "CycleStatus",
    "Eligibility",
    "FormQuestion",
    "FormSection",
    "FormStash",
    "FormTemplate",
    "LinkedIdentity",
    "Nomination",
    "NominationPartner",
    "NominationStatus",
    "NominationTrend",
    "OutboxMessage",
    "Role",
    "SignInFailure",
    "Trend",
    "TrendGroup",
    "TwoFactor",
    "User",
    "UserRole",
    "category_trends",
    "cycle_trends",
]
