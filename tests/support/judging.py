"""Judging set-ups for tests: an invitation through the domain, a review scoring every criterion, and the
judging-progress scenario."""

from __future__ import annotations

from dataclasses import dataclass

from awards.domain.core.clock import utcnow
from awards.domain.judging import judges as judge_rules
from awards.extensions import db
from awards.models import Assignment, Judge, Review, ReviewScore, ReviewStatus
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_review, make_user


def invite(cycle, organiser, email) -> tuple[Judge, str]:
    """Invite through the domain, as the organiser's page does; return the judge and the link's path."""
    result = judge_rules.invite_judges(cycle, email, by=organiser)
    db.session.commit()
    [judge] = result.invited
    return judge, "/judging/invitations/" + judge_rules.make_invitation_token(judge)


def score(judge, nomination, value, status=ReviewStatus.SUBMITTED):
    """A review giving `value` on every criterion of the cycle's first round."""
    now = utcnow()
    first = nomination.cycle.rounds[0]
    assignment = Assignment(round_id=first.id, judge_id=judge.id, nomination_id=nomination.id, created_at=now)
    db.session.add(assignment)
    db.session.flush()
    review = Review(
        assignment_id=assignment.id,
        status=status,
        created_at=now,
        updated_at=now,
        submitted_at=now if status is ReviewStatus.SUBMITTED else None,
    )
    review.scores = [ReviewScore(criterion_id=c.id, value=value) for c in first.criteria]
    db.session.add(review)
    db.session.commit()


@dataclass
class Scenario:
    cycle: object
    nominations: dict
    judges: dict
    invited: object


def build_scenario(**cycle_rules) -> Scenario:
    """Two judges per nomination, two categories:

    n1 (A) Alice submitted, Bob submitted               → fully judged
    n2 (A) Alice draft, Bob assigned                     → in progress
    n3 (A) Cara assigned                                 → short of judges (1 of 2)
    n4 (B) Bob submitted, Cara assigned, Dev recused     → in progress
    n5 (B) nobody                                        → short of judges (0 of 2)
    n6 (B) a draft, n7 (A) withdrawn with Alice assigned → not judged, not counted
    Eve was invited and has not accepted.
    """
    cycle = make_cycle(status="judging", judges_per_nomination=2, **cycle_rules)
    a, b = cycle.categories[:2]
    n = {
        1: make_nomination(cycle, category=a, title="Smarter bin collections"),
        2: make_nomination(cycle, category=a, title="Digital front door"),
        3: make_nomination(cycle, category=a, title="Housing repairs online"),
        4: make_nomination(cycle, category=b, title="Open data for buses"),
        5: make_nomination(cycle, category=b, title="Care records shared"),
        6: make_nomination(cycle, category=b, status="draft", complete=False),
        7: make_nomination(cycle, category=a, status="withdrawn", title="Withdrawn idea"),
    }
    judges = {
        name: make_judge(
            cycle,
            make_user(
                name=f"{name} Judge",
                email=f"{name.lower()}@judges.example.org",
                roles=("judge",),
                organisation="Judging Partners Ltd",
            ),
        )
        for name in ("Alice", "Bob", "Cara", "Dev")
    }
    invited = make_judge(cycle, accepted=False, email="eve@judges.example.org", organisation="Eve Analytics")
    make_review(make_assignment(judges["Alice"], n[1]), status="submitted")
    make_review(make_assignment(judges["Bob"], n[1]), status="submitted")
    make_review(make_assignment(judges["Alice"], n[2]), status="draft")
    make_assignment(judges["Bob"], n[2])
    make_assignment(judges["Cara"], n[3])
    make_review(make_assignment(judges["Bob"], n[4]), status="submitted")
    make_assignment(judges["Cara"], n[4])
    make_assignment(judges["Dev"], n[4], status="recused")
    make_assignment(judges["Alice"], n[7])
    return Scenario(cycle, n, judges, invited)
