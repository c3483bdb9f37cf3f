"""How a state looks on a page: the GOV.UK tag colour of each status the pages show.

The domain says what state something is in (a nomination's status, a result, a judge's or a nomination's judging
progress, a review's state); only this module decides its colour. The templates read it through the filters that
`init_presentation` registers."""

from __future__ import annotations

from flask import Flask

from awards.domain.judging.reviews import CONFLICT_DECLARED, IN_PROGRESS, NOT_STARTED, SUBMITTED
from awards.models import NominationStatus, Result

NOMINATION_STATUS = {
    NominationStatus.DRAFT: "govuk-tag--grey",
    NominationStatus.SUBMITTED: "govuk-tag--blue",
    NominationStatus.WITHDRAWN: "govuk-tag--orange",
    NominationStatus.INELIGIBLE: "govuk-tag--red",
    NominationStatus.SHORTLISTED: "govuk-tag--purple",
    NominationStatus.HIGHLY_COMMENDED: "govuk-tag--teal",
    NominationStatus.WINNER: "govuk-tag--green",
}
RESULT = {
    Result.WINNER: "govuk-tag--green",
    Result.HIGHLY_COMMENDED: "govuk-tag--teal",
    Result.SHORTLISTED: "govuk-tag--purple",
    Result.NOT_SHORTLISTED: "govuk-tag--grey",
}
# awards/domain/judging/progress.py: JudgeProgress.status and NominationProgress.status
JUDGE_PROGRESS = {
    "Nothing assigned": "govuk-tag--grey",
    "Finished": "govuk-tag--green",
    "Not started": "govuk-tag--red",
    "In progress": "govuk-tag--blue",
}
NOMINATION_PROGRESS = {
    "Fully judged": "govuk-tag--green",
    "Short of judges": "govuk-tag--red",
    "In progress": "govuk-tag--blue",
    "Not started": "govuk-tag--grey",
}
REVIEW_STATUS = {
    NOT_STARTED: "govuk-tag--grey",
    CONFLICT_DECLARED: "govuk-tag--orange",
    IN_PROGRESS: "govuk-tag--teal",
    SUBMITTED: "govuk-tag--green",
}

FILTERS = {
    "nomination_tag_class": NOMINATION_STATUS,
    "result_tag_class": RESULT,
    "judge_progress_tag_class": JUDGE_PROGRESS,
    "nomination_progress_tag_class": NOMINATION_PROGRESS,
    "review_tag_class": REVIEW_STATUS,
}


def init_presentation(app: Flask) -> None:
    for name, classes in FILTERS.items():
        app.jinja_env.filters[name] = classes.__getitem__
