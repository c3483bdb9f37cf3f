"""The results settings (how results are calculated): a WTForms form on the results page, saved by a
domain function and audited; a refused try goes back to the page with a GOV.UK error summary and what
was typed."""

import pytest
import sqlalchemy as sa

from awards.domain.core.errors import DomainError
from awards.domain.results.settings import change_results_settings
from awards.extensions import db
from awards.models import AuditEvent
from tests.factories import make_cycle
from tests.support.programme import add_round
from tests.support.visible import error_summary, main_text, visible_texts


def _post(client, cycle, **data):
    url = f"/organiser/cycles/{cycle.slug}/results"
    return client.post_form(f"{url}/settings", data, token_from=url)


def test_saved_settings_are_audited(organiser_client, app):
    cycle = make_cycle(status="judging")
    response = _post(
        organiser_client,
        cycle,
        aggregation_method="median",
        ranking_basis="raw",
        disagreement_range="25",
        disagreement_sd="10",
    )
    assert response.status_code == 302
    page = organiser_client.get(response.headers["Location"])
    assert "The results settings have been saved" in main_text(page)
    db.session.expire_all()
    first = cycle.rounds[0]
    assert (first.aggregation_method, first.ranking_basis, first.disagreement_range, first.disagreement_sd) == (
        "median",
        "raw",
        25,
        10,
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "results.settings_changed"))
    assert event.detail == {"aggregation": "median", "basis": "raw", "range": 25, "sd": 10}


def test_bad_settings_show_an_error_summary_and_keep_what_was_typed(organiser_client, app):
    cycle = make_cycle(status="judging")
    response = _post(
        organiser_client,
        cycle,
        aggregation_method="median",
        ranking_basis="sideways",
        disagreement_range="250",
        disagreement_sd="ten",
    )
    assert response.status_code == 302  # back to the results page, where the form is
    page = organiser_client.get(response.headers["Location"])
    assert error_summary(page) == [
        ("#ranking_basis", "Select normalised score or raw score"),
        ("#disagreement_range", "Range must be 100 or fewer"),
        ("#disagreement_sd", "Standard deviation must be a whole number"),
    ]
    shown = visible_texts(page.get_data(as_text=True))  # with what the boxes show
    assert "250" in shown and "ten" in shown  # as typed
    db.session.expire_all()
    first = cycle.rounds[0]
    assert (first.aggregation_method, first.ranking_basis, first.disagreement_range) == ("mean", "normalised", 30)
    # Shown once: the next visit shows the cycle's settings again, with no errors.
    assert error_summary(organiser_client.get(response.headers["Location"])) == []


def test_an_empty_post_is_refused_with_every_field_named(organiser_client, app):
    cycle = make_cycle(status="judging")
    page = organiser_client.get(_post(organiser_client, cycle).headers["Location"])
    assert [message for _, message in error_summary(page)] == [
        "Select mean or median",
        "Select normalised score or raw score",
        "Enter the range",
        "Enter the standard deviation",
    ]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"aggregation_method": "mode"}, "aggregation_method"),
        ({"ranking_basis": "sideways"}, "ranking_basis"),
        ({"disagreement_range": 0}, "disagreement_range"),
        ({"disagreement_sd": 101}, "disagreement_sd"),
    ],
)
def test_the_domain_refuses_settings_out_of_range(app, change, field):
    cycle = make_cycle(status="judging")
    values = {
        "aggregation_method": "mean",
        "ranking_basis": "raw",
        "disagreement_range": 30,
        "disagreement_sd": 15,
        **change,
    }
    with pytest.raises(DomainError) as refused:
        change_results_settings(cycle.rounds[0], **values, by=None)
    assert refused.value.field == field


def test_the_settings_saved_for_round_2_are_round_2s_only(organiser_client, app):
    cycle = make_cycle(status="judging")
    final = add_round(cycle, is_final=True)
    url = f"/organiser/cycles/{cycle.slug}/results"
    page = organiser_client.get(f"{url}?round=2")
    assert "Round 2: Final panel" in main_text(page) and "Round 1: Judging" in main_text(page)  # the rounds' navigation
    assert f'action="{url}/settings?round=2"' in page.get_data(as_text=True)  # the form posts back to round 2
    response = organiser_client.post_form(
        f"{url}/settings?round=2",
        {"aggregation_method": "median", "ranking_basis": "raw", "disagreement_range": "25", "disagreement_sd": "10"},
        token_from=f"{url}?round=2",
    )
    assert response.headers["Location"] == f"{url}?round=2"
    db.session.expire_all()
    first = cycle.rounds[0]
    assert (final.aggregation_method, final.ranking_basis, final.disagreement_range, final.disagreement_sd) == (
        "median",
        "raw",
        25,
        10,
    )
    assert (first.aggregation_method, first.ranking_basis, first.disagreement_range, first.disagreement_sd) == (
        "mean",
        "normalised",
        30,
        15,
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "results.settings_changed"))
    assert event.detail["round"] == 2
    assert "Ranked by the raw score (median" in main_text(organiser_client.get(f"{url}?round=2"))
    round_1 = main_text(organiser_client.get(f"{url}?round=1"))
    assert "Ranked by the normalised score (mean" in round_1
    assert "The shortlist is decided from the results of the final round, Round 2: Final panel" in round_1
    # A refused try for round 2 is shown on round 2's page, not round 1's.
    response = organiser_client.post_form(
        f"{url}/settings?round=2", {"aggregation_method": "mode"}, token_from=f"{url}?round=2"
    )
    assert response.headers["Location"] == f"{url}?round=2"
    assert error_summary(organiser_client.get(response.headers["Location"]))
    assert organiser_client.get(f"{url}?round=3").status_code == 404
