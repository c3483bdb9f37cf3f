"""Demo data for `make run` and `flask seed-demo`: idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..extensions import db
from ..models import Role, User
from . import accounts


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    email: str
    name: str
    organisation: str
    password: str


DEMO_ACCOUNTS = (
    DemoAccount(Role.ORGANISER, "organiser@demo.example.org", "Olivia Organiser", "Awards Office",
                "organiser-demo-password"),
    DemoAccount(Role.JUDGE, "judge@demo.example.org", "Jamal Judge", "Northshire Digital Partnership",
                "judge-demo-password"),
    DemoAccount(Role.NOMINEE, "nominee@demo.example.org", "Nadia Nominee", "Riverside Borough Council",
                "nominee-demo-password"),
)


def seed_demo() -> bool:
    """Create the demo accounts and the demo cycle where they do not exist yet; True if anything was created."""
    created = False
    users = {}
    for account in DEMO_ACCOUNTS:
        user = accounts.find_user_by_email(account.email)
        if user is None:
            roles = (Role.NOMINEE,) if account.role is Role.NOMINEE else (Role.NOMINEE, account.role)
            user = accounts.create_user(email=account.email, name=account.name, organisation=account.organisation,
                                        password=account.password, roles=roles, verified=True)
            created = True
        users[account.role] = user
    created = seed_demo_cycle(users[Role.ORGANISER], users[Role.NOMINEE]) or created
    return created


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count(User.id)))


def present_accounts() -> list[DemoAccount]:
    """The demo accounts that exist and still have their demo password."""
    from .passwords import verify_password
    present = []
    for account in DEMO_ACCOUNTS:
        user = accounts.find_user_by_email(account.email)
        if user is not None and verify_password(user.password_hash, account.password):
            present.append(account)
    return present


DEMO_CYCLE_SLUG_PREFIX = "public-sector-digital-awards"


def _demo_nominations():
    """(status, category index, organisation, title, summary, trend codes with the primary first, consent)."""
    return [
        ("submitted", 5, "Riverside Borough Council", "Triage assistant for housing repairs",
         "An AI assistant sorts repair requests so urgent ones reach a surveyor the same day.", ["T1", "D2"], True),
        ("submitted", 1, "Northshire County Council", "One front door for adult social care",
         "Residents now apply once for support that used to need four forms.", ["D2", "T2"], True),
        ("submitted", 2, "Eastport City Council", "Shared cyber defence for small councils",
         "Six district councils share a security operations centre and response playbooks.", ["T3", "D3"], False),
        ("draft", 4, "Westvale District Council", "Data skills academy",
         "", ["D5"], True),
        ("withdrawn", 3, "Southbay Unitary Authority", "Place-based data partnership",
         "Health and council data joined up to plan neighbourhood services.", ["D4", "T2"], True),
    ]


def seed_demo_cycle(organiser, nominee) -> bool:
    """The open demo cycle with the default taxonomy and a handful of nominations in several states."""
    from datetime import timedelta

    from ..models import Cycle, CycleStatus, MeasuredOutcome, Nomination, NominationPartner, NominationTrend
    from .clock import utcnow
    from .cycles import create_cycle
    from .nominations import issue_reference
    from .taxonomy import seed_trends, trends_by_code

    seed_trends()
    now = utcnow()
    year = now.year
    slug = f"{DEMO_CYCLE_SLUG_PREFIX}-{year}"
    if db.session.scalar(select(Cycle.id).where(Cycle.slug == slug)):
        return False
    close = now.replace(hour=17, minute=0, second=0, microsecond=0) + timedelta(days=45)
    cycle = create_cycle(name=f"Public Sector Digital Awards {year}", year=year, slug=slug,
                         description="Celebrating digital and technology work that improves public services.",
                         nominations_open_at=now - timedelta(days=14), nominations_close_at=close,
                         judging_close_at=close + timedelta(days=30), by=organiser)
    cycle.status = CycleStatus.OPEN
    codes = trends_by_code()
    for status, category_index, org, title, summary, trend_codes, consent in _demo_nominations():
        nomination = Nomination(reference=issue_reference(cycle), cycle=cycle,
                                category=cycle.categories[category_index], nominator=nominee, status=status,
                                created_at=now, updated_at=now, organisation_name=org, title=title, summary=summary,
                                contact_name="Sam Okafor", contact_email=f"digital@{org.split()[0].lower()}.gov.uk",
                                contact_phone="01632 960 001", region="North West")
        if status != "draft":
            nomination.challenge = "Demand rose while staff numbers fell, and residents waited weeks for answers."
            nomination.approach = "A multidisciplinary team worked with residents in fortnightly research rounds."
            nomination.outcomes_narrative = "Residents get answers faster and staff spend time where it matters."
            nomination.unintended_consequences = "More people came forward than forecast, so we added capacity."
            nomination.lessons = "Start small with real users and publish what you learn."
            nomination.declares_accurate = nomination.declares_authorised = True
            nomination.consents_to_publish = consent
            nomination.touched_sections = ("approach,challenge,declarations,documents,lessons,organisation,"
                                           "outcomes,project,trends")
            nomination.partners = [NominationPartner(name="Civic Code Ltd", is_supplier=True, position=0)]
            nomination.measured_outcomes = [MeasuredOutcome(metric="Average wait for a decision", baseline="21 days",
                                                            result="4 days", measured_on="March 2026", position=0)]
        else:
            nomination.touched_sections = "organisation,project"
        if status in ("submitted", "withdrawn"):
            nomination.submitted_at = now
        if status == "withdrawn":
            nomination.withdrawn_at = now
        nomination.trend_links = [NominationTrend(trend=codes[code], is_primary=i == 0, position=i,
                                                  how_addressed=f"The work addresses {codes[code].name.lower()}.")
                                  for i, code in enumerate(trend_codes) if code in codes]
        db.session.add(nomination)
    db.session.flush()
    return True
