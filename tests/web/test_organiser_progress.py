"""/organiser/cycles/<slug>/judging: the judging figures an organiser sees, and reminders to judges."""

from __future__ import annotations

import re

import sqlalchemy as sa

from awards.extensions import db
from awards.models import AuditEvent, Judge
from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_review
from tests.support.judging import build_scenario
from tests.support.queries import recorded_queries
from tests.support.visible import text_of


def progress_url(cycle, query: str = "") -> str:
    return f"/organiser/cycles/{cycle.slug}/judging" + (f"?{query}" if query else "")


def section(page: str, anchor: str) -> str:
    """The page from the heading with this id to the next h2."""
    return page.split(f'id="{anchor}">', 1)[1].split("<h2", 1)[0]


def row(page: str, row_id: str) -> str:
    return text_of(page.split(f'id="{row_id}">', 1)[1].split("</tr>", 1)[0])


def judge_row(page: str, judge) -> str:
    return row(page, f"judge-{judge.id}")


def checked_judges(page: str) -> set[int]:
    return {int(v) for v in re.findall(r'name="judges" type="checkbox" value="(\d+)" checked', page)}


# ------------------------------------------------------------------ the figures


def test_the_page_shows_the_figures_of_the_cycle(organiser_client):
    s = build_scenario()
    response = organiser_client.get(progress_url(s.cycle))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<h1 class="govuk-heading-l">Judging progress</h1>' in page
    assert 'id="summary">3 of 10 reviews submitted (30%)</p>' in page
    summary = text_of(page.split('id="summary-details"', 1)[1].split("</ul>", 1)[0])
    assert "1 of 5 nominations fully judged (each needs 2 judges)" in summary
    assert "2 nominations are short of judges" in summary
    assert "4 judges have accepted, 1 has not started" in summary
    assert "1 invited judge has not accepted yet" in summary

    # Per category
    a, b = s.cycle.categories[:2]
    categories = section(page, "categories")
    assert re.search(rf"{re.escape(a.name)} 3 1 1 2 of 6 \(33%\)", text_of(categories))
    assert re.search(rf"{re.escape(b.name)} 2 0 1 1 of 4 \(25%\)", text_of(categories))

    # Per judge: assigned, submitted, drafts, not started, status, last reminded
    assert judge_row(page, s.judges["Alice"]) == "Alice Judge 2 1 1 0 In progress Not reminded"
    assert judge_row(page, s.judges["Bob"]) == "Bob Judge 3 2 0 1 In progress Not reminded"
    assert judge_row(page, s.judges["Cara"]) == "Cara Judge 2 0 0 2 Not started Not reminded"
    assert judge_row(page, s.judges["Dev"]) == "Dev Judge 0 0 0 0 Nothing assigned Not reminded"
    # Only judges with something left can be ticked
    boxes = set(int(v) for v in re.findall(r'name="judges" type="checkbox" value="(\d+)"', page))
    assert boxes == {s.judges[n].id for n in ("Alice", "Bob", "Cara")}

    # Per nomination
    n = s.nominations
    assert row(page, f"nomination-{n[1].reference}").endswith("2 of 2 2 of 2 Fully judged")
    assert row(page, f"nomination-{n[2].reference}").endswith("2 of 2 0 of 2 In progress")
    assert row(page, f"nomination-{n[3].reference}").endswith("1 of 2 0 of 2 Short of judges")
    assert row(page, f"nomination-{n[5].reference}").endswith("0 of 2 0 of 2 Short of judges")
    assert n[6].reference not in page and n[7].reference not in page
    assert "5 nominations." in text_of(page.split('id="nominations-count"', 1)[1].split("</p>", 1)[0])

    # Needs attention
    short = text_of(section(page, "short"))
    assert n[3].reference in short and n[5].reference in short and n[1].reference not in short
    assert "1 of 2" in short and "0 of 2" in short
    not_started = text_of(section(page, "not-started"))
    assert "Cara Judge" in not_started and "Bob Judge" not in not_started and "Alice Judge" not in not_started
    not_accepted = text_of(section(page, "not-accepted"))
    assert "eve@judges.example.org" in not_accepted and "Eve Analytics" in not_accepted


def test_short_nominations_link_to_their_assignment_page(app, organiser_client):
    if "organiser.assignment_nomination" not in app.view_functions:  # built by another part of the app
        app.add_url_rule(
            "/organiser/cycles/<slug>/assignment/<reference>",
            endpoint="organiser.assignment_nomination",
            view_func=lambda slug, reference: "",
        )
    s = build_scenario()
    short = section(organiser_client.get(progress_url(s.cycle)).get_data(as_text=True), "short")
    for n in (s.nominations[3], s.nominations[5]):
        assert f'href="/organiser/cycles/{s.cycle.slug}/assignment/{n.reference}"' in short
    assert "Select a reference to assign judges to it." in short


def test_without_an_assignment_page_the_short_list_links_nowhere(app, organiser_client):
    s = build_scenario()
    page = organiser_client.get(progress_url(s.cycle)).get_data(as_text=True)
    if "organiser.assignment_nomination" in app.view_functions:
        return  # the page exists in this build: the test above covers it
    assert "/assignment/" not in page
    assert "<a" not in section(page, "short").split("<tbody", 1)[1]


def test_the_nominations_table_filters_and_pages(organiser_client):
    s = build_scenario()
    n = s.nominations

    def references(query):
        page = organiser_client.get(progress_url(s.cycle, query)).get_data(as_text=True)
        return re.findall(r'id="nomination-([A-Z]+-\d{4}-\d{4})"', page)

    assert references("show=short") == [n[3].reference, n[5].reference]
    assert references("show=finished") == [n[1].reference]
    assert references("show=unfinished") == [n[i].reference for i in (2, 3, 4, 5)]
    assert references(f"category={s.cycle.categories[1].slug}") == [n[4].reference, n[5].reference]
    assert references("show=nonsense") == [n[i].reference for i in (1, 2, 3, 4, 5)]

    page = organiser_client.get(progress_url(s.cycle, "select=not-started&show=short")).get_data(as_text=True)
    filters = text_of(page.split('aria-label="Show nominations">', 1)[1].split("</nav>", 1)[0])
    assert filters.startswith("All (5) · Still being judged (4) · Short of judges (2) · Fully judged (1)")
    # Moving about the nominations does not carry the ticked judges along
    assert f'href="{progress_url(s.cycle, "show=finished")}#nominations"' in page


def test_many_nominations_are_paginated(organiser_client):
    cycle = make_cycle(status="judging")
    for _ in range(53):
        make_nomination(cycle)
    page = organiser_client.get(progress_url(cycle)).get_data(as_text=True)
    assert "Showing 1 to 50 of 53 nominations." in text_of(page)
    assert "0 of 159 reviews submitted (0%)" in page
    second = organiser_client.get(progress_url(cycle, "page=2")).get_data(as_text=True)
    assert "Showing 51 to 53 of 53 nominations." in text_of(second)
    assert len(re.findall(r'id="nomination-', second)) == 3


def test_an_empty_cycle_says_what_to_do(organiser_client):
    cycle = make_cycle(status="judging")
    page = organiser_client.get(progress_url(cycle)).get_data(as_text=True)
    assert "No nominations are being judged in this cycle yet." in page
    assert "No judges have accepted an invitation yet." in page
    assert 'name="judges"' not in page


def test_the_page_costs_the_same_queries_for_a_small_and_a_larger_cycle(organiser_client):
    small = build_scenario()
    large = make_cycle(name="Big awards", year=2027, status="judging", judges_per_nomination=3)
    judges = [make_judge(large) for _ in range(8)]
    make_judge(large, accepted=False)
    make_judge(large, accepted=False)
    for i in range(20):
        nomination = make_nomination(large, category=large.categories[i % 4])
        for k in range(i % 4):  # some short of judges, some complete
            assignment = make_assignment(judges[(i + k) % 8], nomination)
            if (i + k) % 3 == 0:
                make_review(assignment, status="submitted")
            elif (i + k) % 3 == 1:
                make_review(assignment, status="draft")
    organiser_client.get(progress_url(small.cycle))  # warm up (first request loads templates etc.)
    counts = []
    for cycle in (small.cycle, large):
        with recorded_queries() as statements:
            assert organiser_client.get(progress_url(cycle)).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 15, counts  # a handful: the user, the cycle, and one per table


def test_organisers_only(client, nominee_client, judge_client, judge):
    s = build_scenario()
    make_judge(s.cycle, judge)
    assert client.get(progress_url(s.cycle)).status_code == 302
    assert nominee_client.get(progress_url(s.cycle)).status_code == 403
    assert judge_client.get(progress_url(s.cycle)).status_code == 403
    assert judge_client.post_form(progress_url(s.cycle), {"judges": [s.judges["Cara"].id]}).status_code == 403


def test_an_unknown_cycle_is_not_found(organiser_client):
    assert organiser_client.get("/organiser/cycles/no-such-cycle/judging").status_code == 404


# ------------------------------------------------------------------ reminders


def test_sending_reminders_emails_the_selected_judges_and_shows_when(organiser_client, outbox, organiser):
    s = build_scenario()
    alice, bob, cara = (s.judges[n] for n in ("Alice", "Bob", "Cara"))
    response = organiser_client.post_form(
        progress_url(s.cycle), {"judges": [alice.id, cara.id]}, token_from=progress_url(s.cycle)
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(progress_url(s.cycle) + "#reminders")

    messages = outbox("judging_reminder")
    assert sorted(m.to_address for m in messages) == ["alice@judges.example.org", "cara@judges.example.org"]
    cara_mail = next(m for m in messages if m.to_address == "cara@judges.example.org")
    assert cara_mail.to_name == "Cara Judge"
    assert f"{s.nominations[3].reference}: Housing repairs online" in cara_mail.body_text
    assert f"{s.nominations[4].reference}: Open data for buses" in cara_mail.body_text
    assert "/judging" in cara_mail.body_text

    page = organiser_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Reminder sent to 2 judges" in page
    db.session.expire_all()
    reminded_at = db.session.get(Judge, cara.id).last_reminded_at
    assert reminded_at is not None
    assert not judge_row(page, cara).endswith("Not reminded")
    assert "on" in judge_row(page, cara).rsplit("Not started", 1)[1]
    assert judge_row(page, bob).endswith("Not reminded")
    assert "Not reminded" not in text_of(section(page, "not-started"))
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "judging.reminder_sent")).all()
    assert {e.object_id for e in events} == {str(alice.id), str(cara.id)}
    assert {e.actor_id for e in events} == {organiser.id}


def test_one_judge_reminded_is_named_in_the_banner(organiser_client, outbox):
    s = build_scenario()
    response = organiser_client.post_form(
        progress_url(s.cycle), {"judges": [s.judges["Bob"].id]}, token_from=progress_url(s.cycle), follow_redirects=True
    )
    assert "Reminder sent to Bob Judge" in response.get_data(as_text=True)
    assert [m.to_address for m in outbox("judging_reminder")] == ["bob@judges.example.org"]


def test_select_judges_who_have_not_started_ticks_them_on_the_server(organiser_client):
    s = build_scenario()
    page = organiser_client.get(progress_url(s.cycle)).get_data(as_text=True)
    assert checked_judges(page) == set()
    assert f'href="{progress_url(s.cycle, "select=not-started")}#reminders"' in page
    page = organiser_client.get(progress_url(s.cycle, "select=not-started")).get_data(as_text=True)
    assert checked_judges(page) == {s.judges["Cara"].id}
    page = organiser_client.get(progress_url(s.cycle, "select=unfinished")).get_data(as_text=True)
    assert checked_judges(page) == {s.judges[n].id for n in ("Alice", "Bob", "Cara")}


def test_nobody_selected_shows_the_error_summary(organiser_client, outbox):
    s = build_scenario()
    response = organiser_client.post_form(progress_url(s.cycle), {}, token_from=progress_url(s.cycle))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "govuk-error-summary" in page and "There is a problem" in page
    assert '<a href="#judges">Select the judges to remind</a>' in page
    assert 'id="judges"' in page and "govuk-form-group--error" in page
    assert "<title>Error: " in page
    assert outbox("judging_reminder") == []


def test_a_judge_who_cannot_be_reminded_is_an_error_and_the_ticks_are_kept(organiser_client, outbox):
    s = build_scenario()
    finished = make_judge(s.cycle)
    make_review(make_assignment(finished, s.nominations[4]), status="submitted")
    other_cycle_judge = make_judge(make_cycle(name="Other awards", year=2027))
    for tampered in (
        [s.judges["Cara"].id, finished.id],
        [s.judges["Cara"].id, other_cycle_judge.id],
        [s.judges["Cara"].id, "nonsense"],
    ):
        response = organiser_client.post_form(
            progress_url(s.cycle), {"judges": tampered}, token_from=progress_url(s.cycle)
        )
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Select only judges who still have nominations to score" in page
        assert s.judges["Cara"].id in checked_judges(page)
    assert outbox("judging_reminder") == []


def test_reminders_after_judging_closed_are_refused(organiser_client, outbox):
    from datetime import timedelta

    from awards.domain.core.clock import utcnow

    s = build_scenario()
    s.cycle.rounds[0].closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    page = organiser_client.post_form(
        progress_url(s.cycle), {"judges": [s.judges["Cara"].id]}, token_from=progress_url(s.cycle)
    ).get_data(as_text=True)
    assert "Judging has closed, so judges cannot score any more nominations" in page
    assert 'href="#judges"' in page and 'id="judges"' in page
    assert outbox("judging_reminder") == []
    db.session.expire_all()
    assert db.session.get(Judge, s.judges["Cara"].id).last_reminded_at is None

    page = organiser_client.get(progress_url(s.cycle)).get_data(as_text=True)
    assert (
        "Judging has closed, so judges cannot score any more nominations. Reminders can no longer be sent."
        in text_of(page)
    )
    assert "Judging closed at" in page
    assert 'name="judges"' not in page and "Send reminders" not in page and "select=not-started" not in page
    assert judge_row(page, s.judges["Cara"]) == "Cara Judge 2 0 0 2 Not started Not reminded"


def test_when_every_judge_has_finished_there_is_no_one_to_remind(organiser_client):
    cycle = make_cycle(status="judging", judges_per_nomination=1)
    judge = make_judge(cycle)
    make_review(make_assignment(judge, make_nomination(cycle)), status="submitted")
    page = organiser_client.get(progress_url(cycle)).get_data(as_text=True)
    assert 'id="summary">1 of 1 reviews submitted (100%)</p>' in page
    assert "Every judge has finished the nominations assigned to them, so there is no one to remind." in page
    assert 'name="judges"' not in page
    assert judge_row(page, judge).endswith("1 1 0 0 Finished Not reminded")


def test_a_reminder_names_no_organisation_when_judging_is_blind(organiser_client, outbox):
    cycle = make_cycle(status="judging")
    assert cycle.rounds[0].blind
    judge = make_judge(cycle)
    canary = "Quetzalcoatl"
    nomination = make_nomination(
        cycle,
        title="Parking permits online",
        organisation_name=f"{canary} District Council",
        contact_name=f"Sam {canary}",
        contact_email="sam@quetzal.gov.uk",
    )
    nomination.partners[0].name = f"{canary} Digital Ltd"
    db.session.commit()
    conflicted = make_nomination(cycle, title="Colleague's project", contact_email="pat@judges.example.org")
    make_assignment(judge, nomination)
    make_assignment(judge, conflicted)
    organiser_client.post_form(progress_url(cycle), {"judges": [judge.id]}, token_from=progress_url(cycle))
    [message] = outbox("judging_reminder")
    for part in (message.subject, message.body_text, message.body_html):
        assert canary not in part
        assert conflicted.reference not in part and "Colleague" not in part
    assert f"{nomination.reference}: Parking permits online" in message.body_text
