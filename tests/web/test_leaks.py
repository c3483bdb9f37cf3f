"""The canary, everywhere: a unique name planted in every field, file name and document metadata of
one nomination must be nowhere that anyone but its nominee and the organisers can reach.

The nomination is on a custom form (tests/canary.canary_form) with a question of every kind that
judges read and one of every kind for the organisers only, each answered with the canary; the
organisers-only questions' own words (labels, options, the declaration's statement) carry another
name, which judges must never read either (another nominee of the cycle reads them on the form).

For each audience — the judge assigned to it (blind judging, after redaction), a judge conflicted
with it, another nominee, the anonymous public, and the public again once OTHER entries of its
cycle are published — every GET route of the app is built from the url map with values that
audience could plausibly try (its own objects and the canary's), the links found in the pages are
followed (bounded), and the downloads, the API's JSON, the Atom feed, the error pages and every
e-mail sent to that audience are read. Zero hits, plain or base64, in any case.

An organiser who also judges the cycle and is conflicted with a nomination does not see its scores
or the judges' comments on it in the results, the score sheets, the exports or the trend insight.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa

from awards.domain.core.clock import utcnow
from awards.domain.judging import reviews as review_rules
from awards.domain.judging.progress import send_reminders
from awards.domain.nominations.screening import decide_eligibility
from awards.domain.programme import entry_forms
from awards.extensions import db
from awards.models import (
    ImpactCase,
    NominationEditor,
    NominationInvitation,
    OutboxMessage,
    Result,
    Review,
    ReviewScore,
    ShortlistDecision,
)
from tests.canary import (
    CANARY,
    canary_hits,
    decoded_contents,
    hidden_documents,
    plant_canary_nomination,
    redact_everything,
)
from tests.factories import (
    add_conflict,
    make_assignment,
    make_cycle,
    make_judge,
    make_nomination,
    make_review,
    make_user,
)

PAGE_LIMIT = 100  # pages followed from links, per audience and phase
HREF = re.compile(r'(?:href|action|src)="([^"#]*)')
NOT_FOLLOWED = ("/static/", "/sign-out")  # the language switcher's links are followed: pages in Welsh and Swedish too
# Audiences who must not read the words of the organisers-only questions either (a nominee of the
# cycle reads them on the form).
JUDGING_AUDIENCES = ("judge", "conflicted")


class Leaks:
    """Every place the canary was found, with where it was and in what form."""

    def __init__(self):
        self.found: list[str] = []
        self.checked = 0

    def check(self, content: str | bytes | None, where: str, *, form: bool = False) -> None:
        if content is None:
            return
        self.checked += 1
        hits = canary_hits(content, form=form)
        if hits:
            self.found.append(f"{where}: {hits}")

    def check_response(self, response, where: str, *, form: bool = False) -> None:
        self.check(response.get_data(), f"{where} [{response.status_code}]", form=form)
        for header in ("Location", "Content-Disposition", "Link"):
            self.check(response.headers.get(header), f"{where} header {header}", form=form)
        content_type = response.headers.get("Content-Type", "").split(";")[0]
        if response.status_code == 200 and (
            content_type == "application/pdf" or content_type.startswith("application/vnd.openxmlformats")
        ):
            for part, data in decoded_contents(response.get_data(), content_type):
                self.check(data, f"{where} ({part})", form=form)


# ------------------------------------------------------------------ the world


@pytest.fixture
def world(app, organiser_client, organiser):
    """A cycle in judging with the canary's nomination, redacted by the organisers, and the people
    around it: its assigned judge, a judge conflicted with it, another nominee with their own
    nominations, and another entry that will be published."""
    now = utcnow()
    cycle = make_cycle(status="judging", open_at=now - timedelta(days=60), close_at=now - timedelta(days=1))
    canary = plant_canary_nomination(cycle)
    redact_everything(organiser_client, cycle, canary)

    judge = make_user(
        name="Ada Assessor", email="ada@judges.example.org", roles=("judge",), organisation="Judging Partners Ltd"
    )
    membership = make_judge(cycle, judge)
    assignment = make_assignment(membership, canary, no_conflict_declared=True)

    colleague = make_user(
        name="Col League", email="col@another.example.org", roles=("judge",), organisation="Another Place"
    )
    conflicted = make_judge(cycle, colleague)
    other_nominee = make_user(name="Otto Other", email="otto@otherton.gov.uk", organisation="Otherton Council")
    theirs = make_nomination(
        cycle, nominator=other_nominee, title="Otherton's bin app", organisation_name="Otherton Council"
    )
    draft = make_nomination(
        cycle,
        nominator=other_nominee,
        status="draft",
        title="Otherton's next idea",
        organisation_name="Otherton Council",
    )
    public_entry = make_nomination(cycle, title="The shared ledger", organisation_name="Ledgerton Council")
    # A co-editor of the other nominee's entry (the cycle has closed: the row as accepting an invitation leaves it)
    co_editor = make_user(name="Cole Editor", email="cole@coediting.example.org", organisation="Otherton Council")
    db.session.add(NominationEditor(nomination_id=theirs.id, user_id=co_editor.id, added_at=now))
    # The conflicted judge was given the canary before the conflict was known, and said "no conflict"
    make_assignment(conflicted, canary, no_conflict_declared=True)
    add_conflict(conflicted, canary, reason="Worked with the nominee last year")
    make_assignment(conflicted, theirs)
    make_assignment(membership, public_entry)
    make_review(make_assignment(make_judge(cycle), public_entry, no_conflict_declared=True), status="submitted")

    # E-mails to these audiences: reminders, a reopened review, the other nominee's screening result
    send_reminders(cycle, [membership, conflicted], by=organiser)
    review = make_review(assignment, status="submitted", overall_comment="Clear and well evidenced.")
    review_rules.reopen_review(review, by=organiser, reason="Please look at the outcomes again")
    decide_eligibility(theirs, True, by=organiser)
    db.session.commit()
    for person in (judge, colleague, other_nominee, co_editor):
        client = app.test_client()
        client.post_form("/account/reset-password", {"email": person.email})
    return {
        "cycle": cycle,
        "canary": canary,
        "judge": judge,
        "assignment": assignment,
        "colleague": colleague,
        "other_nominee": other_nominee,
        "co_editor": co_editor,
        "theirs": theirs,
        "draft": draft,
        "public_entry": public_entry,
        "organiser": organiser,
    }


def leak_url_values(world, audience: str) -> dict[str, list]:
    """For each URL variable, the values this audience could try: its own and the canary's."""
    db.session.expire_all()
    canary, theirs = world["canary"], world["theirs"]
    canary_docs = [a.id for a in canary.attachments]
    own = {"judge": world["public_entry"], "conflicted": theirs}.get(audience)
    references = [canary.reference] + ([theirs.reference, world["draft"].reference] if audience == "nominee" else [])
    references += [theirs.reference] if audience == "co-editor" else []
    team_rows = (NominationEditor, NominationInvitation)
    canary_team = {
        t: [r.id for r in db.session.scalars(sa.select(t).where(t.nomination_id == canary.id))] for t in team_rows
    }
    own_members = [
        r.id for r in db.session.scalars(sa.select(NominationEditor).where(NominationEditor.nomination_id == theirs.id))
    ]
    assigned = [canary.reference] + ([own.reference] if own is not None else [])
    own_docs = [a.id for n in (theirs, world["draft"]) for a in n.attachments] if audience == "nominee" else []
    cases = list(db.session.scalars(sa.select(ImpactCase)))
    cycle = world["cycle"]
    return {
        "reference": references,
        "assigned_reference": assigned,
        "section": [s.key for s in entry_forms.sections_of(cycle)],
        "section_key": ["organisers"],
        "question_key": ["hidden_text"],
        "attachment_id": canary_docs + own_docs,
        "judged_attachment_id": canary_docs,
        "slug": [cycle.slug],
        "published_cycle_slug": [cycle.slug] + [c.cycle.slug for c in cases],
        # People's Choice (no vote here: tests/web/test_peoples_choice_leaks.py puts entries to a vote)
        "vote_cycle_slug": [cycle.slug],
        "vote_category_slug": [canary.category.slug],
        "case_slug": [c.slug for c in cases] + [f"the-zebedee-quintrell-front-door-{cycle.year}"],
        "trend_slug": [link.trend.slug for link in canary.trend_links],
        "token": ["not-a-valid-token"],
        "code": ["cy"],  # the language switcher
        "kind": ["category"],  # an organiser's translations of the canary's category
        "object_id": [canary.category_id],
        "state": ["draft"],
        "user_id": [canary.nominator_id],
        "case_id": [c.id for c in cases] or [1],
        "review_id": [r.id for r in db.session.scalars(sa.select(Review))][:1] or [1],
        "assignment_id": [world["assignment"].id],
        "judge_id": [world["assignment"].judge_id],
        "category_id": [canary.category_id],
        "criterion_id": [cycle.rounds[0].criteria[0].id],
        "number": [r.number for r in cycle.rounds],
        "category_slug": [canary.category.slug],  # a final round's panel meeting (tests/web/test_panel_meeting.py)
        "conflict_id": [1],
        # The canary's team (its co-editor and invitation), and the co-editor's own place in the other entry's team
        "member_id": canary_team[NominationEditor] + (own_members if audience == "co-editor" else []),
        "invitation_id": canary_team[NominationInvitation],
        "provider": ["council"],
    }


def generated_urls(app, values: dict[str, list]) -> list[str]:
    """Every GET route, built with every combination of the values (organiser pages with the first)."""
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        names = sorted(rule.arguments)
        missing = [n for n in names if n not in values]
        assert not missing, f"no value for {missing} in {rule.rule}: add it to leak_url_values"
        choices = [values[n][:1] if rule.endpoint.startswith("organiser.") else values[n] for n in names]
        for combination in itertools.product(*choices):
            urls.append(adapter.build(rule.endpoint, dict(zip(names, combination, strict=True)), method="GET"))
    return urls


def crawl(client, urls: list[str], leaks: Leaks, audience: str) -> set[str]:
    """Visit the URLs and the local links found in the pages (bounded); check everything returned."""
    queue, seen, followed = list(dict.fromkeys(urls)), set(), 0
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code < 500, f"{audience}: {url} answered {response.status_code}"
        leaks.check_response(response, f"{audience} GET {url}", form=audience in JUDGING_AUDIENCES)
        links = []
        if response.status_code in (301, 302, 303) and response.headers.get("Location"):
            links = [response.headers["Location"]]
        elif response.mimetype == "text/html":
            links = HREF.findall(response.get_data(as_text=True))
        for link in links:
            target = urlsplit(urljoin(url, link.replace("&amp;", "&")))
            if target.netloc not in ("", "localhost") or target.path.startswith(NOT_FOLLOWED):
                continue
            local = target.path + (f"?{target.query}" if target.query else "")
            if local not in seen and followed < PAGE_LIMIT:
                followed += 1
                queue.append(local)
    return seen


def error_pages(app, client, leaks: Leaks, audience: str, world) -> None:
    """404, 403, 400, 405 and 413 as this audience meets them."""
    canary = world["canary"]
    for url, method, expected in (
        ("/no-such-page", "GET", 404),
        (f"/organiser/cycles/{world['cycle'].slug}/nominations/{canary.reference}", "GET", (302, 403)),
        ("/verify-email/not-a-token", "GET", 400),
        ("/", "POST", 405),
        (f"/judging/nominations/{canary.reference}/declare", "PUT", 405),
    ):
        response = client.open(url, method=method)
        assert response.status_code in ((expected,) if isinstance(expected, int) else expected), (url, method)
        leaks.check_response(response, f"{audience} {method} {url}", form=audience in JUDGING_AUDIENCES)
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = client.post(f"/nominations/{canary.reference}/documents/upload", data={"x": "y" * 4096})
        assert response.status_code == 413
        leaks.check_response(response, f"{audience} too large an upload")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit


def check_mail(leaks: Leaks, address: str, audience: str, *, expected_kinds: set[str], form: bool = False) -> None:
    db.session.expire_all()
    mails = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_address == address)).all()
    assert {m.kind for m in mails} >= expected_kinds, (audience, {m.kind for m in mails})
    for mail in mails:
        for part in (mail.subject, mail.to_name, mail.body_text, mail.body_html):
            leaks.check(part, f"{audience} e-mail {mail.kind!r}", form=form)


def client_for(app, user):
    client = app.test_client()
    if user is not None:
        client.sign_in_as(user)
    return client


def publish_other_entries(world, organiser_client) -> ImpactCase:
    """The organisers shortlist the other entries (not the canary's) and publish the results."""
    cycle = world["cycle"]
    for nomination, result in (
        (world["public_entry"], Result.SHORTLISTED),
        (world["theirs"], Result.SHORTLISTED),
        (world["canary"], Result.NOT_SHORTLISTED),
    ):
        url = f"/organiser/cycles/{cycle.slug}/shortlist/{nomination.reference}"
        response = organiser_client.post_form(
            url, {"result": result.value, "rationale": "On the evidence"}, token_from=url
        )
        assert response.status_code == 302, url
    url = f"/organiser/cycles/{cycle.slug}/publish"
    assert organiser_client.post_form(url, {}, token_from=url).status_code == 302
    db.session.expire_all()
    return db.session.scalar(sa.select(ImpactCase).where(ImpactCase.nomination_id == world["public_entry"].id))


# ------------------------------------------------------------------ the tests


def test_the_canary_reaches_no_judge_nominee_or_member_of_the_public(app, world, organiser_client):
    leaks = Leaks()
    audiences = {
        "judge": world["judge"],
        "conflicted": world["colleague"],
        "nominee": world["other_nominee"],
        "co-editor": world["co_editor"],
        "public": None,
    }
    visited = {}
    for audience, user in audiences.items():
        client = client_for(app, user)
        visited[audience] = crawl(client, generated_urls(app, leak_url_values(world, audience)), leaks, audience)
        error_pages(app, client, leaks, audience, world)

    # What each audience reaches is real: the judge opened the entry and its documents; the others were refused
    canary = world["canary"]
    judge_page = client_for(app, world["judge"]).get(f"/judging/nominations/{canary.reference}")
    assert judge_page.status_code == 200 and "Supporting document 1.pdf" in judge_page.get_data(as_text=True)
    assert any(f"/judging/nominations/{canary.reference}/documents/" in url for url in visited["judge"])
    # ... and tried the organisers-only files, which are not there for judges
    hidden = [f"/judging/nominations/{canary.reference}/documents/{a.id}" for a in hidden_documents(canary)]
    assert len(hidden) == 2 and set(hidden) <= visited["judge"]
    judge_client = client_for(app, world["judge"])
    assert all(judge_client.get(url).status_code == 404 for url in hidden)
    shown = judge_page.get_data(as_text=True)
    assert "About the team" in shown and "42 staff" in shown and "For the organisers" not in shown
    for audience in ("conflicted", "nominee", "co-editor", "public"):
        client = client_for(app, audiences[audience])
        assert client.get(f"/judging/nominations/{canary.reference}").status_code in (302, 403, 404)
        assert client.get(f"/nominations/{canary.reference}").status_code in (302, 404)
    assert (
        client_for(app, world["colleague"]).get(f"/judging/nominations/{world['theirs'].reference}/declare").status_code
        == 200
    )
    assert canary.reference not in client_for(app, world["colleague"]).get("/judging/").get_data(as_text=True)

    # After publication of the other entries, the public (and the other nominee) look again
    case = publish_other_entries(world, organiser_client)
    assert case is not None and case.published_at is not None
    for audience in ("public",):
        client = client_for(app, audiences[audience])
        urls = generated_urls(app, leak_url_values(world, audience)) + [
            "/impact-cases?q=front+door",
            "/impact-cases?q=Borough",
            "/api/v1/impact-cases?q=front+door",
            f"/api/v1/impact-cases?cycle={world['cycle'].year}",
            "/impact-cases.atom",
        ]
        visited[f"{audience} after"] = crawl(client, urls, leaks, f"{audience} after publication")
    public_page = client_for(app, None).get(f"/cycles/{world['cycle'].slug}/shortlist").get_data(as_text=True)
    assert "The shared ledger" in public_page and canary.reference not in public_page
    assert "The shared ledger" in client_for(app, None).get("/impact-cases.atom").get_data(as_text=True)

    check_mail(
        leaks,
        world["judge"].email,
        "judge",
        expected_kinds={"judging_reminder", "review_reopened", "reset_password"},
        form=True,
    )
    check_mail(
        leaks,
        world["colleague"].email,
        "conflicted judge",
        expected_kinds={"judging_reminder", "reset_password"},
        form=True,
    )
    check_mail(
        leaks,
        world["other_nominee"].email,
        "other nominee",
        expected_kinds={"eligibility_eligible", "result_shortlisted", "reset_password"},
    )

    check_mail(leaks, world["co_editor"].email, "co-editor of another entry", expected_kinds={"reset_password"})
    # The co-editor really reached their own entry's team and history, and the canary's team was there to find
    co_editing = client_for(app, world["co_editor"])
    co_editing.get("/language/en?next=/")  # the crawl followed the language switcher: read this page in English
    assert "Cole Editor (you)" in co_editing.get(f"/nominations/{world['theirs'].reference}/team").get_data(
        as_text=True
    )
    assert any(url.endswith(f"/nominations/{world['theirs'].reference}/history") for url in visited["co-editor"])
    assert co_editing.get(f"/nominations/{canary.reference}/team").status_code == 404
    assert not leaks.found, "the canary leaked:\n" + "\n".join(leaks.found)
    assert sum(len(v) for v in visited.values()) > 300 and leaks.checked > 500
    # The canary was really there to find: the organisers (who may see it) do
    page = organiser_client.get(f"/organiser/cycles/{world['cycle'].slug}/nominations/{canary.reference}")
    assert canary_hits(page.get_data()) and CANARY in page.get_data(as_text=True)


# ------------------------------------------------------------------ an organiser who also judges


def scored(cycle, nomination, value: int, comment: str):
    """A submitted review of the nomination by a new judge, every criterion at `value` with the comment."""
    review = make_review(
        make_assignment(make_judge(cycle), nomination, no_conflict_declared=True),
        status="submitted",
        overall_comment=f"Overall, {comment}",
    )
    for criterion in cycle.rounds[0].criteria:
        db.session.add(ReviewScore(review_id=review.id, criterion_id=criterion.id, value=value, comment=comment))
    db.session.commit()
    return review


def test_an_organiser_who_judges_sees_no_scores_of_a_nomination_they_are_conflicted_with(
    app, organiser, organiser_client
):
    now = utcnow()
    cycle = make_cycle(status="judging", open_at=now - timedelta(days=60), close_at=now - timedelta(days=1))
    own_council = make_nomination(cycle, title="Our own council's entry")
    other = make_nomination(cycle, title="Someone else's entry")
    add_conflict(make_judge(cycle, organiser), own_council, reason="Their own council")
    top = max(c.scale_max for c in cycle.rounds[0].criteria)
    low = min(c.scale_min for c in cycle.rounds[0].criteria)
    hidden_review = scored(cycle, own_council, top, "Withheld-marker praise")
    scored(cycle, other, low, "Visible-marker remark")
    base = f"/organiser/cycles/{cycle.slug}"
    colleague = client_for(app, make_user(roles=("organiser",)))

    def text(client, url, status=200):
        response = client.get(url)
        assert response.status_code == status, url
        return response.get_data(as_text=True)

    # The colleague suggests the shortlist: both entries are on it (shortlist size 6)
    assert colleague.post_form(f"{base}/shortlist/suggest", token_from=f"{base}/results").status_code == 302
    results = text(organiser_client, f"{base}/results")
    assert results.count("Not shown: you have a conflict of interest") == 1
    assert own_council.reference in results  # they still run the cycle: the entry is listed, without scores
    colleague_results = text(colleague, f"{base}/results")
    assert "100.0" not in results and "100.0" in colleague_results
    # No rank, completeness or decision for the withheld entry, which is listed after the ranked
    # rows; in its category no other rank is shown either (a gap in the numbers would place it),
    # while the colleague sees every rank (the own council's entry is first).
    rank_of = r'numeric">([^<]+)</td>\s*<td class="govuk-table__cell"><a class="govuk-link" href="[^"]*/{}"'
    assert re.search(rank_of.format(other.reference), results).group(1) == "–"
    assert re.search(rank_of.format(other.reference), colleague_results).group(1) == "2"
    assert re.search(rank_of.format(own_council.reference), colleague_results).group(1) == "1"
    assert not re.search(rank_of.format(own_council.reference), results)
    assert "Ranks and suggestions are not shown in this category" in results
    assert "Ranks and suggestions are not shown" not in colleague_results
    assert results.index(own_council.reference) > results.index(other.reference)
    assert re.search(r"Not shown</td>\s*<td[^>]*><a[^>]*>" + own_council.reference, results)
    assert results.count("Judging incomplete") == 1 and colleague_results.count("Judging incomplete") == 2
    assert "1 not fully judged" in results and "2 not fully judged" in colleague_results
    assert results.count("(suggested)") == 0 and colleague_results.count("(suggested)") == 2
    # The decision page neither says whether it was suggested nor lets them decide it
    decide_url = f"{base}/shortlist/{own_council.reference}"
    decide = text(organiser_client, decide_url)
    assert "suggested shortlist" not in decide and "another organiser decides its result" in decide
    assert "The suggested shortlist includes this nomination" in text(colleague, decide_url)
    response = organiser_client.post_form(
        decide_url, {"result": "winner", "rationale": "Ours"}, token_from=f"{base}/results"
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert (
        db.session.scalar(sa.select(ShortlistDecision.result).where(ShortlistDecision.nomination_id == own_council.id))
        is Result.SHORTLISTED
    )

    detail = text(organiser_client, f"{base}/results/{own_council.reference}")
    assert "Withheld-marker" not in detail and "conflict of interest with this nomination" in detail
    assert "Withheld-marker" in text(colleague, f"{base}/results/{own_council.reference}")
    other_detail = text(organiser_client, f"{base}/results/{other.reference}")
    assert "Visible-marker" in other_detail
    assert "Not shown: you have a conflict of interest with another nomination in this category" in other_detail

    sheets = text(organiser_client, f"{base}/reviews")
    assert own_council.reference not in sheets and other.reference in sheets
    assert own_council.reference in text(colleague, f"{base}/reviews")
    for url in (f"{base}/reviews/{hidden_review.id}", f"{base}/reviews/{hidden_review.id}/reopen"):
        assert "Withheld-marker" not in text(organiser_client, url, 403)
    response = organiser_client.post_form(
        f"{base}/reviews/{hidden_review.id}/reopen", {"reason": "Again"}, token_from=f"{base}/reviews"
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Review, hidden_review.id).status.value == "submitted"

    scores_csv = text(organiser_client, f"{base}/scores.csv")
    assert "Withheld-marker" not in scores_csv and own_council.reference not in scores_csv
    assert "Visible-marker" in scores_csv and "Withheld-marker" in text(colleague, f"{base}/scores.csv")
    rows = list(csv.reader(io.StringIO(text(organiser_client, f"{base}/results.csv").lstrip("\ufeff"))))
    own_row = next(row for row in rows if own_council.reference in row)
    assert "withheld: conflict of interest" in own_row and "100.0" not in own_row
    assert "not shown: conflict of interest" in own_row and not {"yes", "no", "Shortlisted"} & set(own_row)
    other_index = next(i for i, row in enumerate(rows) if other.reference in row)
    assert rows.index(own_row) > other_index and "2" not in rows[other_index]

    # The trend insight's mean leaves the withheld nomination out (both entries share their trends)
    assert "100.0" not in text(organiser_client, f"{base}/insight")
    assert "50.0" not in text(organiser_client, f"{base}/insight")
    assert "50.0" in text(colleague, f"{base}/insight")
