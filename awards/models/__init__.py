"""All models, imported here so Alembic and the app see the whole schema."""

from .audit import AuditEvent
from .cycles import Category, Criterion, Cycle, CycleStatus, category_trends, cycle_trends
from .judging import (AFFILIATION_RECENT_YEARS, EXPERTISE_LEVELS, Affiliation, AffiliationKind, Assignment,
                      AssignmentStatus, ConflictOfInterest, ConflictSource, Expertise, Judge, Redaction, Review,
                      ReviewScore, ReviewStatus, judge_categories)
from .nominations import (Attachment, Eligibility, MeasuredOutcome, Nomination, NominationPartner,
                          NominationStatus, NominationTrend)
from .outbox import OutboxMessage
from .publishing import ImpactCase, ImpactCaseTrend, Result, ShortlistDecision
from .stash import FormStash
from .taxonomy import Trend, TrendGroup
from .two_factor import TwoFactor
from .users import Role, SignInFailure, User, UserRole

__all__ = [
    "ImpactCase", "ImpactCaseTrend", "Result", "ShortlistDecision",
    "AFFILIATION_RECENT_YEARS", "Affiliation", "AffiliationKind",
    "EXPERTISE_LEVELS", "Assignment", "AssignmentStatus", "ConflictOfInterest", "ConflictSource", "Expertise",
    "Judge", "Redaction", "Review", "ReviewScore", "ReviewStatus", "judge_categories",
    "Attachment", "AuditEvent", "Category", "Criterion", "Cycle", "CycleStatus", "Eligibility", "FormStash",
    "MeasuredOutcome", "Nomination", "NominationPartner", "NominationStatus", "NominationTrend",
    "OutboxMessage", "Role", "SignInFailure", "Trend", "TrendGroup", "TwoFactor", "User", "UserRole",
    "category_trends", "cycle_trends",
]
