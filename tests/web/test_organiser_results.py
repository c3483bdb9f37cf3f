"""The organiser's results pages: leaderboard, drill-down, exports, shortlist, publication, insight."""

import csv
import io

import sqlalchemy as sa

from awards.domain.results.shortlists import EDITABLE_CASE_FIELDS
from awards.extensions import db
from awards.models import (
    Assignment,
    AuditEvent,
    Cycle,
    CycleStatus,
    ImpactCase,
    Nomination,
    NominationStatus,
    Result,
    RoundEntries,
    RoundMode,
    ShortlistDecision,
)
from tests.factories import make_published_case, make_published_cycle
from tests.support.programme import add_round
from tests.support.public_form import ANSWERS, install_public_form
from tests.support.visible import buttons, error_summary, main_text, page_text


def test_leaderboard_and_drill_down(organiser_client, judged):
    cycle, category, judges, top, second = judged
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}/results").get_data(as_text=True)
    assert page.index(top.reference) < page.index(second.reference)
    assert "Judges disagree" in page  # second: 6→55.6 vs 3→22.2, range 33 ≥ 30
    # Ranked by the normalised score, which therefore cannot break its own ties; ranked by the raw score, it does.
    assert "Ties are broken by the score on the highest-weighted criterion, then the number" in main_text(
        organiser_client.get(f"/organiser/cycles/{cycle.slug}/results")
    )
    cycle.rounds[0].ranking_basis = "raw"
    assert "Ties are broken by the normalised score, then the score on the highest-weighted" in main_text(
        organiser_client.get(f"/organiser/cycles/{cycle.slug}/results")
    )
    cycle.rounds[0].ranking_basis = "normalised"
    by_raw = organiser_client.get(f"/organiser/cycles/{cycle.slug}/results?sort=raw").get_data(as_text=True)
    assert 'aria-sort="descending"' in by_raw
    detail = organiser_client.get(f"/organiser/cycles/{cycle.slug}/results/{top.reference}").get_data(as_text=True)
    assert "Harriet Harsh" in detail and "Lenny Lenient" in detail  # organisers see judges' names


def test_exports_escape_formulas(organiser_client, judged):
    cycle, category, judges, top, second = judged
    response = organiser_client.get(f"/organiser/cycles/{cycle.slug}/results.csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Category", "Rank", "Reference"]
    assert rows[1][3] == '\'=HYPERLINK("http://evil")'
    scores = organiser_client.get(f"/organiser/cycles/{cycle.slug}/scores.csv").get_data(as_text=True)
    assert scores.count("\n") == 1 + 4 * len(cycle.rounds[0].criteria)
    assert "Harriet Harsh" in scores


def test_shortlist_then_publish(organiser_client, judged, outbox, client):
    cycle, category, judges, top, second = judged
    organiser_client.post_form(
        f"/organiser/cycles/{cycle.slug}/shortlist/suggest", token_from=f"/organiser/cycles/{cycle.slug}/results"
    )
    decisions = {d.nomination_id: d for d in db.session.scalars(sa.select(ShortlistDecision))}
    assert decisions[top.id].suggested and not decisions[second.id].suggested
    url = f"/organiser/cycles/{cycle.slug}/shortlist/{second.reference}"
    response = organiser_client.post_form(url, {"result": "shortlisted", "rationale": ""}, token_from=url)
    assert "Give the reason for changing the suggested shortlist" in response.get_data(as_text=True)
    organiser_client.post_form(url, {"result": "highly_commended", "rationale": "Brave work"}, token_from=url)
    url = f"/organiser/cycles/{cycle.slug}/shortlist/{top.reference}"
    organiser_client.post_form(url, {"result": "winner", "rationale": ""}, token_from=url)
    # nothing public or sent before publication
    assert outbox("result_winner") == [] and db.session.scalar(sa.select(sa.func.count(ImpactCase.id))) == 0
    publish = f"/organiser/cycles/{cycle.slug}/publish"
    assert "Publish results" in organiser_client.get(publish).get_data(as_text=True)
    response = organiser_client.post_form(publish, token_from=publish)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Nomination, top.id).status is NominationStatus.WINNER
    assert db.session.get(Nomination, second.id).status is NominationStatus.HIGHLY_COMMENDED
    assert cycle.status is CycleStatus.PUBLISHED
    [case] = db.session.scalars(sa.select(ImpactCase)).all()  # the second refused consent
    assert case.nomination_id == top.id
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}/impact-cases").get_data(as_text=True)
    assert "HYPERLINK" in page and "The nominee did not consent to publication: it stays private" in page
    # the organiser's shortlist still shows the entry without consent
    results = organiser_client.get(f"/organiser/cycles/{cycle.slug}/results").get_data(as_text=True)
    assert "Second best" in results and "Highly commended" in results
    assert len(outbox("result_winner")) == 1 and len(outbox("result_highly_commended")) == 1


def test_published_results_are_no_longer_called_suggested(organiser_client, judged):
    cycle = judged[0]
    results = f"/organiser/cycles/{cycle.slug}/results"
    organiser_client.post_form(f"/organiser/cycles/{cycle.slug}/shortlist/suggest", token_from=results)
    assert "(suggested)" in main_text(organiser_client.get(results))
    publish = f"/organiser/cycles/{cycle.slug}/publish"
    assert organiser_client.post_form(publish, token_from=publish).status_code == 302
    shown = main_text(organiser_client.get(results))
    assert "Shortlisted" in shown and "(suggested)" not in shown


def test_edit_and_unpublish_a_case(organiser_client, judged):
    cycle, category, judges, top, second = judged
    from awards.domain.core.clock import utcnow
    from awards.domain.results.shortlists import make_impact_case
    from awards.models import Result

    case = make_impact_case(top, Result.WINNER, utcnow())
    db.session.add(case)
    db.session.commit()
    url = f"/organiser/impact-cases/{case.id}"
    form = {name: getattr(case, name) for name in EDITABLE_CASE_FIELDS}
    form["title"] = ""
    response = organiser_client.post_form(url, form, token_from=url)
    assert "Enter a title" in response.get_data(as_text=True)
    form["title"], form["citation"] = "Faster repairs for tenants", "The judges were impressed."
    organiser_client.post_form(url, form, token_from=url)
    db.session.expire_all()
    assert db.session.get(ImpactCase, case.id).title == "Faster repairs for tenants"
    assert db.session.get(Nomination, top.id).title.startswith("=HYPERLINK")
    organiser_client.post_form(f"{url}/publication", {"action": "unpublish"}, token_from=url)
    db.session.expire_all()
    assert not db.session.get(ImpactCase, case.id).is_public


def test_the_public_copys_text_answers_can_be_reworded(organiser_client, client, app):
    cycle = make_published_cycle(year=2025)
    install_public_form(cycle)
    case = make_published_case(cycle, category=cycle.categories[0], **ANSWERS)
    url = f"/organiser/impact-cases/{case.id}"
    page = organiser_client.get(url)
    html = page.get_data(as_text=True)
    # a field for each text answer, and for each text cell of a group; the other kinds are shown as given
    for field in ("answer-challenge", "answer-lessons", "answer-measured-0-metric", "answer-savings-1-item"):
        assert f'id="{field}"' in html, field
    for field in ("answer-staff_hours", "answer-went_live", "answer-savings-0-amount", "answer-open_source"):
        assert f'id="{field}"' not in html, field
    words = page_text(page)
    assert "Staff hours saved As the nominee gave it: it cannot be changed here. 1,200 hours" in words
    assert "Savings: row 2 What was saved Amount (£): 300 Every year: No" in words

    form = {name: getattr(case, name) for name in EDITABLE_CASE_FIELDS}
    form.update({f"how_{link.trend_id}": link.how_addressed for link in case.trend_links})
    form.update({"answer-challenge": "A clearer challenge.", "answer-savings-1-item": "Postage"})
    response = organiser_client.post_form(url, form, token_from=url)
    assert response.status_code == 302
    db.session.expire_all()
    edited = {a["key"]: a["value"] for a in db.session.get(ImpactCase, case.id).answers}
    assert edited["challenge"] == "A clearer challenge."
    assert [r["item"] for r in edited["savings"]["rows"]] == ["Printing", "Postage"]
    assert edited["savings"]["rows"][1]["amount"] == 300  # the other cells as they were
    assert edited["staff_hours"] == 1200 and edited["approach"] == "How we approached it."
    # the nomination keeps the nominee's words; the public page shows the new ones
    assert db.session.get(Nomination, case.nomination_id).answers["challenge"] == "The challenge we faced."
    public = client.get(f"/impact-cases/{case.slug}").get_data(as_text=True)
    assert "A clearer challenge." in public and "Postage" in public
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "impact_case.edited").order_by(AuditEvent.id.desc())
    ).first()
    assert event.detail["fields"] == ["The challenge", "Savings"]

    # too long: refused on its field, with what was typed kept
    form["answer-savings-1-item"] = "x" * 2001
    response = organiser_client.post_form(url, form, token_from=url)
    assert response.status_code == 200
    assert error_summary(response) == [("#answer-savings-1-item", "Savings must be 2,000 characters or fewer")]
    assert 'value="' + "x" * 2001 + '"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ImpactCase, case.id).answers[8]["value"]["rows"][1]["item"] == "Postage"


def test_insight(organiser_client, judged):
    cycle, category, judges, top, second = judged
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}/insight").get_data(as_text=True)
    assert "<svg" in page and 'role="img"' in page
    first_trend = cycle.trends[0]
    assert first_trend.name in page
    assert "No shortlisted nomination yet addresses" in page


def test_results_settings(organiser_client, judged):
    cycle, *_ = judged
    url = f"/organiser/cycles/{cycle.slug}/results/settings"
    organiser_client.post_form(
        url,
        {"aggregation_method": "median", "ranking_basis": "raw", "disagreement_range": "25", "disagreement_sd": "10"},
        token_from=f"/organiser/cycles/{cycle.slug}/results",
    )
    db.session.expire_all()
    first = cycle.rounds[0]
    assert (first.aggregation_method, first.ranking_basis, first.disagreement_range) == ("median", "raw", 25)


def test_public_copy_prepared_and_edited_before_publication(organiser_client, judged, client):
    cycle, category, judges, top, second = judged
    results_url = f"/organiser/cycles/{cycle.slug}/results"
    organiser_client.post_form(f"/organiser/cycles/{cycle.slug}/shortlist/suggest", token_from=results_url)
    cases_url = f"/organiser/cycles/{cycle.slug}/impact-cases"
    response = organiser_client.post_form(f"{cases_url}/{top.reference}/prepare", token_from=cases_url)
    case = db.session.scalar(sa.select(ImpactCase))
    assert response.headers["Location"] == f"/organiser/impact-cases/{case.id}"
    assert case.published_at is None and not case.is_public
    assert "Draft: public with the results" in organiser_client.get(cases_url).get_data(as_text=True)
    assert client.get(f"/impact-cases/{case.slug}").status_code in (404, 410)
    # the nominee who refused consent gets no public copy
    organiser_client.post_form(
        f"/organiser/cycles/{cycle.slug}/shortlist/{second.reference}",
        {"result": "shortlisted", "rationale": "Close second"},
        token_from=results_url,
    )
    organiser_client.post_form(f"{cases_url}/{second.reference}/prepare", token_from=cases_url)
    assert db.session.scalar(sa.select(sa.func.count(ImpactCase.id))) == 1


def test_publish_results_is_the_main_button_only_once_there_is_a_shortlist(organiser_client, judged):
    cycle, *_ = judged
    url = f"/organiser/cycles/{cycle.slug}/results"
    page = organiser_client.get(url)
    assert (
        "There is no shortlist yet. Suggest one first: it puts the top of each category by the normalised "
        "score on the shortlist. Then adjust it and publish the results."
    ) in main_text(page)
    assert buttons(page)["Suggest shortlist"] == "primary" and buttons(page)["Publish results"] == "secondary"
    organiser_client.post_form(f"/organiser/cycles/{cycle.slug}/shortlist/suggest", token_from=url)
    page = organiser_client.get(url)
    assert "There is no shortlist yet" not in main_text(page)
    assert buttons(page)["Publish results"] == "primary" and buttons(page)["Suggest shortlist"] == "secondary"


def _publish(organiser_client, cycle) -> str:
    """Publish through the publish page; the page the organiser lands on, as text."""
    url = f"/organiser/cycles/{cycle.slug}/publish"
    response = organiser_client.post_form(url, token_from=url)
    assert response.status_code == 302
    return main_text(organiser_client.get(response.headers["Location"]))


def _withdraw(organiser_client, cycle) -> str:
    """Withdraw through the cycle page's button and its confirmation; the cycle page, as text."""
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}")
    assert buttons(page)["Withdraw the results"] == "secondary"
    url = f"/organiser/cycles/{cycle.slug}/status/judging"
    assert f'href="{url}"' in page.get_data(as_text=True)
    response = organiser_client.post_form(url, token_from=url)
    assert response.status_code == 302
    return main_text(organiser_client.get(response.headers["Location"]))


def _status(nomination) -> NominationStatus:
    return db.session.get(Nomination, nomination.id).status


def test_withdrawing_the_results_undoes_publication_and_publishing_again_restores_it(
    organiser_client, judged, outbox, client
):
    cycle, category, judges, top, second = judged
    name = 'Gwobrau "Digidol" & <Data> 🎉'
    db.session.get(Cycle, cycle.id).name = name
    db.session.commit()
    results_url = f"/organiser/cycles/{cycle.slug}/results"
    organiser_client.post_form(f"/organiser/cycles/{cycle.slug}/shortlist/suggest", token_from=results_url)
    url = f"/organiser/cycles/{cycle.slug}/shortlist/{second.reference}"
    organiser_client.post_form(url, {"result": "highly_commended", "rationale": "Brave work"}, token_from=url)
    url = f"/organiser/cycles/{cycle.slug}/shortlist/{top.reference}"
    organiser_client.post_form(url, {"result": "winner", "rationale": ""}, token_from=url)
    assert "Results published: 2 shortlisted, 1 impact cases published, 2 nominees emailed." in _publish(
        organiser_client, cycle
    )
    [case] = db.session.scalars(sa.select(ImpactCase)).all()
    case_id, slug = case.id, case.slug
    edit = f"/organiser/impact-cases/{case.id}"
    form = {name: getattr(case, name) for name in EDITABLE_CASE_FIELDS}
    form["title"] = "Faster repairs for tenants"
    organiser_client.post_form(edit, form, token_from=edit)
    assert client.get(f"/impact-cases/{slug}").status_code == 200

    confirm = main_text(organiser_client.get(f"/organiser/cycles/{cycle.slug}/status/judging"))
    assert f"Withdraw the results of {name}?" in confirm
    assert (
        "takes back 2 results: shortlisted, highly commended and winning nominations show as submitted again" in confirm
    )
    assert "takes 1 impact case and the published shortlist off the website" in confirm
    assert "emails 2 nominees to say the results they were sent have been withdrawn" in confirm
    shown = _withdraw(organiser_client, cycle)
    assert (
        f"The results of {name} have been withdrawn: 2 results taken back, 1 impact "
        "case taken off the website, 2 nominees emailed. The cycle is back in judging."
    ) in shown
    db.session.expire_all()
    withdrawn = db.session.get(Cycle, cycle.id)
    assert withdrawn.status is CycleStatus.JUDGING and withdrawn.results_published_at is None
    assert _status(top) is NominationStatus.SUBMITTED and _status(second) is NominationStatus.SUBMITTED
    decisions = {d.nomination_id: d.result for d in db.session.scalars(sa.select(ShortlistDecision))}
    assert decisions == {top.id: Result.WINNER, second.id: Result.HIGHLY_COMMENDED}  # the shortlist is kept
    assert client.get(f"/impact-cases/{slug}").status_code == 410
    assert client.get(f"/api/v1/impact-cases/{slug}").status_code == 410
    assert client.get(f"/cycles/{cycle.slug}/shortlist").status_code == 404
    assert "Faster repairs for tenants" not in main_text(client.get("/impact-cases"))
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "results.withdrawn"))
    assert event.detail == {"results": 2, "impact_cases": 1, "emails": 2} and event.object_id == str(cycle.id)
    assert (
        db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "cycle.status_changed"))
        == 0
    )
    told = {m.to_address: m for m in outbox("results_withdrawn")}
    assert set(told) == {top.nominator.email, second.nominator.email}
    assert told[top.nominator.email].subject == f"Results withdrawn: {top.reference}"
    assert "its impact case is no longer on the website" in told[top.nominator.email].body_text
    assert f"{name}: the organisers have withdrawn the results" in told[top.nominator.email].body_text
    assert "Gwobrau &#34;Digidol&#34; &amp; &lt;Data&gt; 🎉: the organisers" in told[top.nominator.email].body_html
    assert "impact case" not in told[second.nominator.email].body_text  # it never had one
    assert (
        "We will email you the result when the results are published again." in told[second.nominator.email].body_text
    )
    cases = main_text(organiser_client.get(f"/organiser/cycles/{cycle.slug}/impact-cases"))
    assert "Faster repairs for tenants" in cases
    assert "Withdrawn with the results: public again when you publish them" in cases
    results_page = organiser_client.get(results_url)
    assert buttons(results_page)["Publish results"] == "primary"  # the shortlist is still there

    assert "Results published: 2 shortlisted, 1 impact cases published, 2 nominees emailed." in _publish(
        organiser_client, cycle
    )
    db.session.expire_all()
    assert _status(top) is NominationStatus.WINNER and _status(second) is NominationStatus.HIGHLY_COMMENDED
    [case] = db.session.scalars(sa.select(ImpactCase)).all()
    assert (case.id, case.slug, case.title) == (case_id, slug, "Faster repairs for tenants")
    public = client.get(f"/impact-cases/{slug}")
    assert public.status_code == 200 and "Faster repairs for tenants" in main_text(public)
    assert len(outbox("result_winner")) == 2 and len(outbox("result_highly_commended")) == 2
    assert (
        db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "results.published")) == 2
    )


def test_publishing_again_keeps_what_changed_while_the_results_were_withdrawn(organiser_client, judged, client):
    cycle, category, judges, top, second = judged
    db.session.get(Nomination, second.id).consents_to_publish = True
    db.session.commit()
    results_url = f"/organiser/cycles/{cycle.slug}/results"
    organiser_client.post_form(f"/organiser/cycles/{cycle.slug}/shortlist/suggest", token_from=results_url)
    url = f"/organiser/cycles/{cycle.slug}/shortlist/{second.reference}"
    organiser_client.post_form(url, {"result": "highly_commended", "rationale": "Brave work"}, token_from=url)
    _publish(organiser_client, cycle)
    cases = {c.nomination_id: c for c in db.session.scalars(sa.select(ImpactCase))}
    top_case, second_case = cases[top.id], cases[second.id]
    cases_url = f"/organiser/cycles/{cycle.slug}/impact-cases"
    # an organiser takes one case down on its own, then withdraws the results
    organiser_client.post_form(
        f"/organiser/impact-cases/{second_case.id}/publication", {"action": "unpublish"}, token_from=cases_url
    )
    _withdraw(organiser_client, cycle)
    # while withdrawn, the winner comes off the shortlist
    url = f"/organiser/cycles/{cycle.slug}/shortlist/{top.reference}"
    response = organiser_client.post_form(
        url, {"result": "not_shortlisted", "rationale": "A conflict came to light"}, token_from=url
    )
    assert response.status_code == 302
    assert "Results published: 1 shortlisted, 0 impact cases published, 2 nominees emailed." in _publish(
        organiser_client, cycle
    )
    db.session.expire_all()
    assert _status(top) is NominationStatus.SUBMITTED and _status(second) is NominationStatus.HIGHLY_COMMENDED
    assert client.get(f"/impact-cases/{top_case.slug}").status_code == 410  # no longer shortlisted
    assert client.get(f"/impact-cases/{second_case.slug}").status_code == 410  # the organiser's decision stands
    response = organiser_client.post_form(
        f"/organiser/impact-cases/{top_case.id}/publication", {"action": "republish"}, token_from=cases_url
    )
    assert f"{top_case.title} is no longer on the shortlist, so it cannot be published again" in main_text(
        organiser_client.get(response.headers["Location"])
    )
    assert client.get(f"/impact-cases/{top_case.slug}").status_code == 410
    organiser_client.post_form(
        f"/organiser/impact-cases/{second_case.id}/publication", {"action": "republish"}, token_from=cases_url
    )
    assert client.get(f"/impact-cases/{second_case.slug}").status_code == 200


def test_a_purged_cycle_cannot_be_withdrawn(organiser_client, judged):
    cycle, *_ = judged
    organiser_client.post_form(
        f"/organiser/cycles/{cycle.slug}/shortlist/suggest", token_from=f"/organiser/cycles/{cycle.slug}/results"
    )
    _publish(organiser_client, cycle)
    from awards.domain.core.clock import utcnow

    db.session.get(Cycle, cycle.id).personal_data_purged_at = utcnow()
    db.session.commit()
    url = f"/organiser/cycles/{cycle.slug}/status/judging"
    response = organiser_client.post_form(url, token_from=f"/organiser/cycles/{cycle.slug}")
    assert response.status_code == 302
    assert "so it cannot become judging again" in main_text(organiser_client.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).status is CycleStatus.PUBLISHED
    assert _status(judged[3]) is NominationStatus.SHORTLISTED


def test_each_round_has_its_results_page_and_the_final_one_its_shortlist(organiser_client, judged):
    cycle, category, judges, top, second = judged
    add_round(cycle, "Final panel", mode=RoundMode.RANKING, entries=RoundEntries.ELIGIBLE)
    url = f"/organiser/cycles/{cycle.slug}/results"
    # Round 1, scored: its leaderboard, with no decisions (they are the final round's), links kept on round 1.
    page = organiser_client.get(f"{url}?round=1")
    html, text = page.get_data(as_text=True), main_text(page)
    assert "Round 1: Judging" in text and top.reference in text and "2 of 2" in text
    assert "The shortlist is decided from the results of the final round, Round 2: Final panel" in text
    assert "Suggest shortlist" not in buttons(page) and ">Decision<" not in html
    assert f'href="{url}/{top.reference}?round=1"' in html and f'href="{url}.csv?round=1"' in html
    detail = main_text(organiser_client.get(f"{url}/{top.reference}?round=1"))
    assert "Harriet Harsh" in detail and "Round 1: Judging" in detail and "Decision" not in detail
    csv_response = organiser_client.get(f"{url}.csv?round=1")
    assert f"{cycle.slug}-round-1-results.csv" in csv_response.headers["Content-Disposition"]
    # Round 2 ranks: its page says how its orders are combined; it is where the shortlist is decided.
    assert top.reference in main_text(organiser_client.get(url))  # the current round is round 1: 2 has not begun
    page = organiser_client.get(f"{url}?round=2")
    text = main_text(page)
    assert (
        "In Round 2: Final panel each judge puts their entries in order, and the orders are combined by the Borda count"
        in text
    )
    assert "not yet available" not in text
    assert "Suggest shortlist" in buttons(page)
    assert organiser_client.get(f"{url}/{top.reference}?round=2").status_code == 200


def test_a_calibration_review_is_shown_as_not_counted_and_left_out_of_the_scores(organiser_client, judged):
    cycle, category, judges, top, second = judged
    url = f"/organiser/cycles/{cycle.slug}/results"
    before = organiser_client.get(f"/organiser/cycles/{cycle.slug}/scores.csv").get_data(as_text=True)
    calibration = db.session.scalar(
        sa.select(Assignment).where(Assignment.nomination_id == top.id, Assignment.judge_id == judges[0].id)
    )
    calibration.calibration = True
    db.session.commit()
    detail = main_text(organiser_client.get(f"{url}/{top.reference}"))
    assert "Calibration: not counted" in detail and "1 of 2 (judging incomplete)" in detail
    scores = organiser_client.get(f"/organiser/cycles/{cycle.slug}/scores.csv").get_data(as_text=True)
    assert scores.count("\n") == before.count("\n") - len(cycle.rounds[0].criteria)
