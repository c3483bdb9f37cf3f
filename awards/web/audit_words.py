"""Audit events in words an organiser reads: "Signed in", "Award cycle 3", never `sign_in` or `cycles 3`.

The audit log keeps stable machine names (logs and tests read them); pages show these words instead.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# Events whose generated words would read badly; every other one is "<what> <what happened>".
ACTION_WORDS = {
    "sign_in": _l("Signed in"),
    "sign_out": _l("Signed out"),
    "sign_in.failed": _l("Sign-in failed (wrong password)"),
    "sign_in.refused_locked": _l("Sign-in refused: too many failed attempts"),
    "sign_in.magic_link_requested": _l("Sign-in link asked for by email"),
    "sign_in.magic_link": _l("Signed in with a link by email"),
    "sign_in.sso": _l("Signed in with single sign-on"),
    "sign_in.sso_refused": _l("Single sign-on refused"),
    "cycle.status_changed": _l("Cycle moved to another state"),
    "cycle.nominations_closed": _l("Nominations closed"),
    "nomination.eligibility": _l("Eligibility decided"),
    "nomination.section_saved": _l("Nomination section saved"),
    "nominations.exported": _l("Nominations downloaded as CSV"),
    "conflict.declared_none": _l("No conflict of interest declared"),
    "draft_reminders.sent": _l("Reminders sent to nominees with drafts"),
    "judging.reminder_sent": _l("Reminder sent to judges"),
    # Judging rounds (issue #15)
    "round.added": _l("Judging round added"),
    "round.changed": _l("Judging round’s settings changed"),
    "round.removed": _l("Judging round removed"),
    "round.panel_chosen": _l("Judging round’s panel chosen"),
    "round.calibration_chosen": _l("Calibration example chosen"),
    "round.calibration_given": _l("Calibration example given to more judges"),
    "round.calibration_removed": _l("Calibration example removed"),
    "round.judge_pack_downloaded": _l("Judge pack downloaded"),
    "round.advancement_suggested": _l("Entries suggested for the next round"),
    "round.advanced": _l("Entry advanced to the next round"),
    "round.advancement_removed": _l("Entry taken back from the next round"),
    "round.not_advanced": _l("Suggested entry not advanced"),
    "round.advancement_reason_changed": _l("Reason for advancing changed"),
    "round.finalists_told": _l("Finalists emailed"),
    "review.reopened": _l("Review reopened for the judge"),
    "feedback.approved": _l("Feedback for the entrant approved"),
    "feedback.withheld": _l("Feedback for the entrant withheld"),
    "feedback.scores_shown": _l("Entrants’ scores shown with their feedback"),
    "feedback.scores_hidden": _l("Entrants’ scores no longer shown with their feedback"),
    "panel_meeting.closed": _l("Panel meeting closed"),
    "panel_meeting.reopened": _l("Panel meeting reopened"),
    "message.sent": _l("Message sent"),
    "message.received": _l("Message"),
    # Team entries
    "nomination.team_invited": _l("Invitation to edit a nomination sent"),
    "nomination.team_invitation_cancelled": _l("Invitation to edit a nomination cancelled"),
    "nomination.team_joined": _l("Joined a nomination’s team"),
    "nomination.team_member_removed": _l("Removed from a nomination’s team"),
    "nomination.team_left": _l("Left a nomination’s team"),
    "nomination.ownership_transferred": _l("Nomination handed over to a co-editor"),
}

# What each kind of object is called (table name → words); an unlisted one is its table name in words.
OBJECT_WORDS = {
    "users": _l("Person"),
    "cycles": _l("Award cycle"),
    "categories": _l("Category"),
    "criteria": _l("Criterion"),
    "nominations": _l("Nomination"),
    "judges": _l("Judge"),
    "assignments": _l("Assignment"),
    "reviews": _l("Review"),
    "conflicts": _l("Conflict of interest"),
    "impact_cases": _l("Impact case"),
    "trends": _l("Trend"),
    "attachments": _l("Supporting document"),
    "shortlist_decisions": _l("Shortlist decision"),
    "judging_rounds": _l("Judging round"),
}


def action_words(action: str) -> str:
    """The event's name as a short sentence: a known wording, else its parts in words."""
    if action in ACTION_WORDS:
        return str(ACTION_WORDS[action])
    words = " ".join(part.replace("_", " ") for part in action.split("."))
    return words[:1].upper() + words[1:]


def object_words(object_type: str | None, object_id: str | int | None) -> str:
    if not object_type:
        return ""
    name = str(OBJECT_WORDS.get(object_type) or object_type.replace("_", " ").capitalize())
    return f"{name} {object_id}" if object_id not in (None, "") else name
