"""The leak canary (tests/canary.py) over two judging rounds: round 1 pass/fail and blind with a calibration
example from an earlier cycle, round 2 a blind ranking round (the final one) of the entries advanced, the
canary among them. No judge of either round — the one assigned to it, and one conflicted with it — reads
the canary on any page they reach (their list, the entry page in each round's mode, the ranking page, the
calibration comparison, the panel meeting) or in any e-mail sent to them (reminders, reopening). The
feedback a judge writes on the canary entry is read by the organisers only until approved; once the results
are published another nominee's page and e-mails (finalist, result) carry nothing of the canary entry, and
the canary's own nominee reads only their own approved wording, never the judge's name."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.domain.judging import calibration, meetings
from awards.domain.judging import reviews as review_rules
from awards.domain.judging.progress import send_reminders
from awards.extensions import db
from awards.models import Advancement, FeedbackStatus, OutboxMessage, Result, ReviewStatus, RoundMode, Verdict
from tests.canary import CANARY_EMAIL, canary_hits, decoded_contents, plant_canary_nomination, redact_everything
from tests.factories import (
    add_conflict,
    make_assignment,
    make_cycle,
    make_judge,
    make_nomination,
    make_review,
    make_user,
)
from tests.support.clients import signed_in_client
from tests.support.feedback import feedback_url
from tests.support.programme import add_round
from tests.support.visible import main_text

HREF = re.compile(r'(?:href|action|src)="([^"#]*)')
PAGE_LIMIT = 60
# What the judge writes to the canary's entrant, and the organisers' wording of it.
JUDGE_WORDS = "Ada Assessor writes: Feedback-marker-K7 the outcomes are strong."
APPROVED_WORDS = "Approved-marker-K7: the outcomes are strong."
THEIRS_WORDS = "Theirs-marker-Q3: show the costs next time."


def reviewed(assignment, **fields):
    """A submitted review of the assignment (a verdict, a rank, feedback: `fields`)."""
    if fields.get("feedback"):
        fields.setdefault("feedback_status", FeedbackStatus.PENDING)
    return make_review(assignment, status="submitted", **fields)


def found_in(content, where: str, markers: tuple[str, ...] = (), *, form: bool = True) -> list[str]:
    """The canary's forms (with `form`, the organisers-only questions' words, which a judge never reads but
    a nominee of the cycle does on the form) and the markers found in the content."""
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else (content or "")
    hits = canary_hits(text, form=form) + [m for m in markers if m.lower() in text.lower()]
    return [f"{where}: {hits}"] if hits else []


def crawl_judge_pages(client, urls: list[str], markers: tuple[str, ...], who: str) -> tuple[list[str], dict[str, int]]:
    """Visit the URLs and the judge-side links found in them (bounded): the leaks, and each page's status."""
    queue, seen, leaks = list(urls), {}, []
    while queue and len(seen) < PAGE_LIMIT:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        assert response.status_code < 500, f"{who}: {url} answered {response.status_code}"
        leaks += found_in(response.get_data(), f"{who} GET {url} [{response.status_code}]", markers)
        leaks += found_in(response.headers.get("Location"), f"{who} GET {url} Location", markers)
        if response.mimetype == "application/pdf" and response.status_code == 200:  # the judge's pack
            for part, data in decoded_contents(response.get_data(), response.mimetype):
                leaks += found_in(data, f"{who} GET {url} ({part})", markers)
        if response.mimetype != "text/html":
            continue
        for link in HREF.findall(response.get_data(as_text=True)):
            target = urlsplit(urljoin(url, link.replace("&amp;", "&")))
            if target.netloc in ("", "localhost") and target.path.startswith("/judging/"):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return leaks, seen


def mails_to(address: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_address == address)))


def mail_leaks(address: str, who: str, markers: tuple[str, ...], *, form: bool = True) -> list[str]:
    leaks = []
    for mail in mails_to(address):
        for part in (mail.subject, mail.to_name, mail.body_text, mail.body_html):
            text = part or ""
            hits = canary_hits(text, form=form) + [m for m in markers if m.lower() in text.lower()]
            if hits:
                leaks.append(f"{who} e-mail {mail.kind!r}: {hits}")
    return leaks


def test_the_canary_reaches_no_judge_of_either_round_and_its_feedback_only_its_nominee(
    app, organiser, organiser_client
):
    now = utcnow()
    earlier = make_cycle(
        name="Public Sector Digital Awards 2025",
        year=2025,
        status="published",
        open_at=now - timedelta(days=400),
        close_at=now - timedelta(days=340),
    )
    example = make_nomination(earlier, title="A council chatbot, judged last year")
    cycle = make_cycle(status="judging", open_at=now - timedelta(days=60), close_at=now - timedelta(days=1))
    canary = plant_canary_nomination(cycle)
    redact_everything(organiser_client, cycle, canary)
    first = cycle.rounds[0]
    first.mode, first.blind, first.is_final = RoundMode.PASS_FAIL, True, False
    db.session.commit()
    final = add_round(cycle, "Final panel", criteria=(), mode=RoundMode.RANKING, blind=True, is_final=True)

    ada_user = make_user(name="Ada Assessor", email="ada@judges.example.org", roles=("judge",))
    col_user = make_user(name="Col League", email="col@another.example.org", roles=("judge",))
    ada, col = make_judge(cycle, ada_user), make_judge(cycle, col_user)
    other_nominee = make_user(name="Otto Other", email="otto@otherton.gov.uk", organisation="Otherton Council")
    theirs = make_nomination(
        cycle,
        nominator=other_nominee,
        category=canary.category,
        title="Otherton's bin app",
        organisation_name="Otherton Council",
    )

    # Round 1, pass/fail: the example (judged by both), the canary (Ada; Col given it before the conflict was known)
    calibration.choose_example(first, example.reference, by=organiser)
    db.session.commit()
    examples = {a.judge_id: a for a in calibration.calibration_assignments(first)}
    assert set(examples) == {ada.id, col.id}
    ada_canary_1 = make_assignment(ada, canary, no_conflict_declared=True)
    ada_theirs_1 = make_assignment(ada, theirs, no_conflict_declared=True)
    make_assignment(col, canary, no_conflict_declared=True)
    add_conflict(col, canary, reason="Worked with the nominee last year")
    col_theirs_1 = make_assignment(col, theirs, no_conflict_declared=True)
    send_reminders(cycle, [ada, col], by=organiser, judging_round=first)
    for assignment in examples.values():
        assignment.no_conflict_declared_at = now
        reviewed(assignment, verdict=Verdict.PASS)
    canary_review = reviewed(ada_canary_1, verdict=Verdict.PASS, feedback=JUDGE_WORDS)
    reviewed(ada_theirs_1, verdict=Verdict.PASS, feedback=THEIRS_WORDS)
    reviewed(col_theirs_1, verdict=Verdict.PASS)
    review_rules.reopen_review(canary_review, by=organiser, reason="Please look at the outcomes again")
    db.session.refresh(canary_review)
    canary_review.status, canary_review.submitted_at = ReviewStatus.SUBMITTED, utcnow()
    db.session.commit()

    # Both advance to round 2 (a blind ranking round, the final one); their nominees are told
    for nomination in (canary, theirs):
        db.session.add(
            Advancement(
                round_id=final.id,
                nomination_id=nomination.id,
                suggested=True,
                created_at=now,
                created_by_id=organiser.id,
            )
        )
    db.session.commit()
    finalists = f"/organiser/cycles/{cycle.slug}/rounds/1/finalists"
    assert organiser_client.post_form(finalists, {}, token_from=finalists).status_code == 302
    assert {m.kind for m in mails_to(other_nominee.email)} >= {"finalist"}

    # Round 2, ranking: Ada ranks both; Col (conflicted) ranks only theirs
    ada_canary_2 = make_assignment(ada, canary, no_conflict_declared=True, round_id=final.id)
    ada_theirs_2 = make_assignment(ada, theirs, no_conflict_declared=True, round_id=final.id)
    col_theirs_2 = make_assignment(col, theirs, no_conflict_declared=True, round_id=final.id)
    send_reminders(cycle, [ada, col], by=organiser, judging_round=final)
    ranked = reviewed(ada_canary_2, rank=1, feedback="Round-two-marker-P5: a clear winner.")
    reviewed(ada_theirs_2, rank=2)
    reviewed(col_theirs_2, rank=1)
    review_rules.reopen_review(ranked, by=organiser, reason="Please look at your ranking again")
    # The reopened ranking, a form again, and the entry's notes in ranking mode
    reopened_leaks, ranking_url = [], f"/judging/cycles/{cycle.slug}/rounds/2/ranking"
    for who, user in (("assigned judge", ada_user), ("conflicted judge", col_user)):
        client = signed_in_client(app, user)
        for url in (ranking_url, f"/judging/nominations/{canary.reference}?round=2"):
            response = client.get(url)
            reopened_leaks += found_in(response.get_data(), f"{who} GET {url} (reopened) [{response.status_code}]")
    assert f'name="position-{ada_canary_2.id}"' in signed_in_client(app, ada_user).get(ranking_url).get_data(
        as_text=True
    )
    assert not reopened_leaks, "the canary leaked:\n" + "\n".join(reopened_leaks)
    db.session.expire_all()
    for assignment in (ada_canary_2, ada_theirs_2):
        review = db.session.get(type(ranked), assignment.review.id)
        review.status, review.submitted_at = ReviewStatus.SUBMITTED, utcnow()
    db.session.commit()
    assert {m.kind for m in mails_to(ada_user.email)} >= {"judging_reminder", "judgement_reopened"}
    assert {m.kind for m in mails_to(col_user.email)} >= {"judging_reminder"}

    # What each judge reaches: nothing of the canary (in blind rounds, after redaction), nor the feedback
    slug = cycle.slug
    markers = ("Feedback-marker", "Approved-marker", "Round-two-marker")
    pages = [
        "/judging/",
        f"/judging/nominations/{canary.reference}?round=1",
        f"/judging/nominations/{canary.reference}?round=2",
        f"/judging/nominations/{theirs.reference}?round=1",
        f"/judging/nominations/{theirs.reference}?round=2",
        f"/judging/nominations/{example.reference}?round=1",
        f"/judging/cycles/{slug}/rounds/2/ranking",
        f"/judging/cycles/{slug}/rounds/1/calibration",
        f"/judging/cycles/{slug}/rounds/2/meeting/{canary.category.slug}",
        feedback_url(cycle, canary_review),
        feedback_url(cycle),
        f"/judging/cycles/{slug}/rounds/1/pack.pdf",  # each round's judge pack, read as text and metadata
        f"/judging/cycles/{slug}/rounds/2/pack.pdf",
    ]
    leaks, statuses = [], {}
    # Ada wrote the feedback: her own sheets show it back to her, so the markers are looked for in Col's pages
    for who, user, seen_markers in (("assigned judge", ada_user, ()), ("conflicted judge", col_user, markers)):
        found, statuses[who] = crawl_judge_pages(signed_in_client(app, user), pages, seen_markers, who)
        leaks += found
        leaks += mail_leaks(user.email, who, markers)
    assert not leaks, "the canary leaked:\n" + "\n".join(leaks)

    # The pages were real: Ada judged the canary in each mode and compared herself on the example
    ada_pages, col_pages = statuses["assigned judge"], statuses["conflicted judge"]
    for url in pages[:9]:
        assert ada_pages[url] == 200, url
    assert len(ada_pages) > len(pages)  # and followed links beyond them
    assert ada_pages[pages[11]] == ada_pages[pages[12]] == 200 == col_pages[pages[11]]
    ada_client = signed_in_client(app, ada_user)
    ranking = main_text(ada_client.get(f"/judging/cycles/{slug}/rounds/2/ranking"))
    assert canary.reference in ranking and theirs.reference in ranking
    assert "Feedback-marker" in main_text(ada_client.get(f"/judging/nominations/{canary.reference}?round=1"))
    meeting = main_text(ada_client.get(pages[8]))
    assert canary.reference in meeting
    for url in pages[1:3]:
        assert col_pages[url] in (302, 403, 404), url
    col_client = signed_in_client(app, col_user)
    for url in ("/judging/", pages[6], pages[8]):
        assert canary.reference not in col_client.get(url).get_data(as_text=True), url
    assert col_pages[pages[9]] in (302, 403, 404) and ada_pages[pages[9]] in (302, 403, 404)

    # The feedback is the organisers' to read until approved; the entrants see nothing before publication
    assert "Feedback-marker-K7" in main_text(organiser_client.get(feedback_url(cycle, canary_review)))
    canary_nominee = canary.nominator
    assert canary_nominee.email == CANARY_EMAIL
    mine = f"/nominations/{canary.reference}"
    assert "Feedback-marker" not in signed_in_client(app, canary_nominee).get(mine).get_data(as_text=True)
    response = organiser_client.post_form(
        feedback_url(cycle, canary_review),
        {"wording": APPROVED_WORDS, "checked": "y", "action": "approve"},
        token_from=feedback_url(cycle, canary_review),
    )
    assert response.status_code == 302
    theirs_review = ada_theirs_1.review
    response = organiser_client.post_form(
        feedback_url(cycle, theirs_review),
        {"wording": THEIRS_WORDS, "action": "approve"},
        token_from=feedback_url(cycle, theirs_review),
    )
    assert response.status_code == 302

    # Results decided, the meeting closed, published
    for nomination, result in ((canary, Result.WINNER), (theirs, Result.SHORTLISTED)):
        url = f"/organiser/cycles/{slug}/shortlist/{nomination.reference}"
        response = organiser_client.post_form(
            url, {"result": result.value, "rationale": "On the evidence"}, token_from=url
        )
        assert response.status_code == 302, url
    db.session.expire_all()
    meetings.close(final, canary.category, by=organiser)
    db.session.commit()
    publish = f"/organiser/cycles/{slug}/publish"
    response = organiser_client.post_form(publish, {}, token_from=publish)
    assert response.status_code == 302, main_text(response)

    # Another nominee: their page and e-mails carry nothing of the canary entry nor its feedback
    canary_markers = ("Feedback-marker", "Approved-marker", "Round-two-marker", canary.reference)
    other_client = signed_in_client(app, other_nominee)
    page = other_client.get(f"/nominations/{theirs.reference}")
    assert page.status_code == 200 and "Theirs-marker-Q3" in main_text(page)
    leaks = found_in(page.get_data(), "the other nominee's page", canary_markers, form=False)
    leaks += mail_leaks(other_nominee.email, "the other nominee", canary_markers, form=False)
    assert {m.kind for m in mails_to(other_nominee.email)} >= {"finalist", "result_shortlisted"}
    # The canary's nominee: only their own approved wording, never the judge's words, name or another's feedback
    text = signed_in_client(app, canary_nominee).get(mine).get_data(as_text=True)
    assert "Approved-marker-K7" in text
    result_mails = [m for m in mails_to(CANARY_EMAIL) if m.kind.startswith("result_")]
    assert result_mails and all("Approved-marker-K7" in m.body_text for m in result_mails)
    for where, content in [("the canary nominee's page", text)] + [
        (f"the canary nominee's e-mail {m.kind!r}", f"{m.subject}{m.body_text}{m.body_html}")
        for m in mails_to(CANARY_EMAIL)
    ]:
        for words in ("Feedback-marker", "Round-two-marker", "Theirs-marker", "Ada Assessor", "Assessor", "Col League"):
            if words.lower() in content.lower():
                leaks.append(f"{where}: {words}")
    assert not leaks, "leaked:\n" + "\n".join(leaks)
