"""Audit events in words an organiser reads: "Signed in", "Award cycle 3", never `sign_in` or `cycles 3`.

The audit log keeps stable machine names (logs and tests read them); pages show these words instead.
"""

from __future__ import annotations

# Events whose generated words would read badly; every other one is "<what> <what happened>".
ACTION_WORDS = {
    "sign_in": "Signed in",
    "sign_out": "Signed out",
    "sign_in.failed": "Sign-in failed (wrong password)",
    "sign_in.refused_locked": "Sign-in refused: too many failed attempts",
    "sign_in.magic_link_requested": "Sign-in link asked for by email",
    "sign_in.magic_link": "Signed in with a link by email",
    "sign_in.sso": "Signed in with single sign-on",
    "sign_in.sso_refused": "Single sign-on refused",
    "cycle.status_changed": "Cycle moved to another state",
    "cycle.nominations_closed": "Nominations closed",
    "nomination.eligibility": "Eligibility decided",
    "nomination.section_saved": "Nomination section saved",
    "nominations.exported": "Nominations downloaded as CSV",
    "conflict.declared_none": "No conflict of interest declared",
    "draft_reminders.sent": "Reminders sent to nominees with drafts",
    "judging.reminder_sent": "Reminder sent to judges",
    # Judging rounds (issue #15)
    "round.added": "Judging round added",
    "round.changed": "Judging round’s settings changed",
    "round.removed": "Judging round removed",
    "round.panel_chosen": "Judging round’s panel chosen",
    "round.calibration_chosen": "Calibration example chosen",
    "round.calibration_given": "Calibration example given to more judges",
    "round.calibration_removed": "Calibration example removed",
    "round.judge_pack_downloaded": "Judge pack downloaded",
    "round.advancement_suggested": "Entries suggested for the next round",
    "round.advanced": "Entry advanced to the next round",
    "round.advancement_removed": "Entry taken back from the next round",
    "round.not_advanced": "Suggested entry not advanced",
    "round.advancement_reason_changed": "Reason for advancing changed",
    "round.finalists_told": "Finalists emailed",
    "review.reopened": "Review reopened for the judge",
    "feedback.approved": "Feedback for the entrant approved",
    "feedback.withheld": "Feedback for the entrant withheld",
    "feedback.scores_shown": "Entrants’ scores shown with their feedback",
    "feedback.scores_hidden": "Entrants’ scores no longer shown with their feedback",
    "panel_meeting.closed": "Panel meeting closed",
    "panel_meeting.reopened": "Panel meeting reopened",
    "message.sent": "Message sent",
    "message.received": "Message",
    # Team entries
    "nomination.team_invited": "Invitation to edit a nomination sent",
    "nomination.team_invitation_cancelled": "Invitation to edit a nomination cancelled",
    "nomination.team_joined": "Joined a nomination’s team",
    "nomination.team_member_removed": "Removed from a nomination’s team",
    "nomination.team_left": "Left a nomination’s team",
    "nomination.ownership_transferred": "Nomination handed over to a co-editor",
}

# What each kind of object is called (table name → words); an unlisted one is its table name in words.
OBJECT_WORDS = {
    "users": "Person",
    "cycles": "Award cycle",
    "categories": "Category",
    "criteria": "Criterion",
    "nominations": "Nomination",
    "judges": "Judge",
    "assignments": "Assignment",
    "reviews": "Review",
    "conflicts": "Conflict of interest",
    "impact_cases": "Impact case",
    "trends": "Trend",
    "attachments": "Supporting document",
    "shortlist_decisions": "Shortlist decision",
    "judging_rounds": "Judging round",
}


def action_words(action: str) -> str:
    """The event's name as a short sentence: a known wording, else its parts in words."""
    if action in ACTION_WORDS:
        return ACTION_WORDS[action]
    words = " ".join(part.replace("_", " ") for part in action.split("."))
    return words[:1].upper() + words[1:]


def object_words(object_type: str | None, object_id: str | int | None) -> str:
    if not object_type:
        return ""
    name = OBJECT_WORDS.get(object_type) or object_type.replace("_", " ").capitalize()
    return f"{name} {object_id}" if object_id not in (None, "") else name
