"""The whole programme through the app: a nominee submits, the organiser assigns judges,
judges declare and score, the organiser shortlists and publishes, the public reads the
impact case on the site and in the API. An entry whose nominee refused consent is in the
organiser's shortlist and nowhere public."""

import re

import sqlalchemy as sa

from awards.domain.judging.assignment import solver
from awards.extensions import db
from awards.models import CycleStatus, ImpactCase, Nomination, NominationStatus
from tests.factories import make_cycle, make_judge, make_user, set_expertise
from tests.support.nominating import fill_everything, start_draft, valid_sections


def test_from_submission_to_public_impact_case(app, organiser, outbox):
    cycle = make_cycle(judges_per_nomination=2)
    category = cycle.categories[0]
    # Two nominees submit through the pages; the second refuses publication.
    titles = {}
    for name, consent in (("Ada Nominee", "yes"), ("Bea Nominee", "no")):
        user = make_user(name=name)
        client = app.test_client()
        client.sign_in_as(user)
        nomination = start_draft(client, cycle, category)
        fill_everything(client, nomination)
        titles[nomination.id] = f"{name.split()[0]}'s service"
        url = f"/nominations/{nomination.reference}/project"
        page = client.get(url).get_data(as_text=True)
        base = re.search(r'name="based_on" value="([^"]+)"', page).group(1)
        client.post_form(
            url, {"title": titles[nomination.id], "summary": "What changed.", "based_on": base}, token_from=url
        )
        url = f"/nominations/{nomination.reference}/declarations"
        page = client.get(url).get_data(as_text=True)
        base = re.search(r'name="based_on" value="([^"]+)"', page).group(1)
        data = dict(valid_sections(cycle)["declarations"], consents_to_publish=consent, based_on=base)
        client.post_form(url, data, token_from=url)
        response = client.post_form(f"/nominations/{nomination.reference}/submit", token_from="/nominations")
        assert response.headers["Location"].endswith("/confirmation")
    ada, bea = db.session.scalars(sa.select(Nomination).order_by(Nomination.id)).all()
    # Nominations close; judging starts; two judges who know the trends are assigned by the engine.
    judges = []
    for name in ("Jo Judge", "Kim Judge"):
        # (a judge from the nominees' own council would be conflicted: detected from the e-mail domain)
        user = make_user(
            name=name,
            roles=("judge",),
            email=f"{name.split()[0].lower()}@judging.example.org",
            organisation="Independent Judging Panel",
        )
        judges.append(make_judge(cycle, user=user))
        set_expertise(user, {t: 2 for t in cycle.trends})
    cycle.status = CycleStatus.JUDGING
    db.session.commit()
    result = solver.propose(cycle)
    assert not result.shortfalls
    solver.apply(result, by=organiser)
    db.session.commit()
    # Each judge declares no conflict and scores through the pages: Ada's entry scores higher.
    for judge in judges:
        client = app.test_client()
        client.sign_in_as(judge.user)
        assert ada.reference in client.get("/judging/").get_data(as_text=True)
        for nomination, value in ((ada, "9"), (bea, "6")):
            url = f"/judging/nominations/{nomination.reference}"
            client.post_form(f"{url}/declare", {"has_conflict": "no"}, token_from=f"{url}/declare")
            page = client.get(url).get_data(as_text=True)
            assert "Riverside Borough Council" not in page  # blind judging
            version = re.search(r'name="version" value="(\d+)"', page).group(1)
            data = {"action": "submit", "version": version, "overall_comment": "Good."}
            data.update({f"score-{c.id}": value for c in cycle.rounds[0].criteria})
            response = client.post_form(url, data, token_from=url)
            assert response.status_code in (200, 302), response.get_data(as_text=True)[:500]
    # The organiser sees the results, takes the suggestion (one place), adds Bea as highly commended.
    organiser_client = app.test_client()
    organiser_client.sign_in_as(organiser)
    category.shortlist_size = 1
    db.session.commit()
    results_url = f"/organiser/cycles/{cycle.slug}/results"
    board = organiser_client.get(results_url).get_data(as_text=True)
    assert board.index(ada.reference) < board.index(bea.reference) and "2 of 2" in board
    organiser_client.post_form(f"/organiser/cycles/{cycle.slug}/shortlist/suggest", token_from=results_url)
    url = f"/organiser/cycles/{cycle.slug}/shortlist/{bea.reference}"
    organiser_client.post_form(
        url, {"result": "highly_commended", "rationale": "Strong inclusion work"}, token_from=url
    )
    url = f"/organiser/cycles/{cycle.slug}/shortlist/{ada.reference}"
    organiser_client.post_form(url, {"result": "winner", "rationale": ""}, token_from=url)
    # Before publication nothing is public and nobody is told.
    assert client.get("/impact-cases").status_code == 200
    assert titles[ada.id] not in app.test_client().get("/impact-cases").get_data(as_text=True)
    assert outbox("result_winner") == []
    publish = f"/organiser/cycles/{cycle.slug}/publish"
    organiser_client.post_form(publish, token_from=publish)
    db.session.expire_all()
    assert db.session.get(Nomination, ada.id).status is NominationStatus.WINNER
    assert db.session.get(Nomination, bea.id).status is NominationStatus.HIGHLY_COMMENDED
    [case] = db.session.scalars(sa.select(ImpactCase)).all()
    # The public finds Ada's case from the trends page, the list, the case page and the API.
    public = app.test_client()
    trend = ada.trend_links[0].trend
    assert f"/trends/{trend.slug}" in public.get("/trends").get_data(as_text=True)
    assert titles[ada.id].replace("'", "&#39;") in public.get(f"/trends/{trend.slug}").get_data(as_text=True)
    listing = public.get("/impact-cases").get_data(as_text=True)
    assert titles[ada.id].replace("'", "&#39;") in listing
    page = public.get(f"/impact-cases/{case.slug}").get_data(as_text=True)
    assert "Winner" in page and "What changed." in page
    api = public.get("/api/v1/impact-cases").get_json()
    assert [item["slug"] for item in api["data"]] == [case.slug]
    # Bea's entry, without consent: on the organiser's shortlist, nowhere public.
    assert titles[bea.id] in organiser_client.get(results_url).get_data(as_text=True).replace("&#39;", "'")
    everywhere = "".join(
        public.get(u).get_data(as_text=True).replace("&#39;", "'")
        for u in (
            "/impact-cases",
            f"/trends/{trend.slug}",
            "/trends",
            f"/cycles/{cycle.slug}/shortlist",
            "/api/v1/impact-cases",
            "/impact-cases.atom",
        )
    )
    assert titles[bea.id] not in everywhere and bea.reference not in everywhere
    assert "not published at the entrant" in everywhere
    assert len(outbox("result_winner")) == 1 and len(outbox("result_highly_commended")) == 1
