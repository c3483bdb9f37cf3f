"""Every form, fuzzed: Hypothesis draws values for the form's own fields (unicode, control characters,
very long strings, HTML/JS, template syntax, SQL fragments, the options the form offers) plus fields
the form does not have (role=organiser, user_id, is_admin, id, nomination_id …) and duplicated keys.

The POST routes come from the url map, each posted by the audience that may use it, with a valid
CSRF token, to the URL the access matrix's data builds. For every example: no response is 500 or
more; no table changes that the form may not change (rows of every table compared before and
after); and the response, and the page a redirect leads to, never carry the input's `<script>`
unescaped nor the value of the template expression it contained.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from awards.extensions import db
from tests.factories import make_user
from tests.snapshot import changes, describe, snapshot
from tests.support import access_matrix as matrix

ANON, ORGANISER = matrix.ANON, matrix.ORGANISER
NOMINEE, JUDGE = "nominee", "judge"  # the owner of the matrix's nomination, and the judge assigned to its entry

# Examples per form: few, so the suite stays fast (about 250 posts per database in all); the draws are
# derandomised, so every run posts the same values, and a new one is found only by changing the strategies.
EXAMPLES = {ANON: 6, NOMINEE: 6, JUDGE: 8, ORGANISER: 4}
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)  # a failure is reported as drawn: shrinking costs minutes

SCRIPT = '<script>alert("fz")</script>'
TEMPLATE = "fz{{7*7}}fz"
NASTY = [
    SCRIPT,
    TEMPLATE,
    "fz{{ config }}fz",
    "{{ ''.__class__.__mro__ }}",
    "{% for x in range(9) %}x{% endfor %}",
    "' OR '1'='1' --",
    "1; DROP TABLE users; --",
    '" onmouseover="alert(1)',
    "javascript:alert(1)",
    "\x00",
    "a\x00b",
    "\x1b[31m\r\n\t\x7f",
    "\u202egnp.exe",
    "\ud7ff\ufeff\u200b",
    "😀" * 40,
    "Ｚｅｂｅｄｅｅ",
    "x" * 70_000,
    "9" * 40,
    "-1",
    "0",
    "1e309",
    "NaN",
    "",
    " ",
    "../../etc/passwd",
    "%00",
    "null",
    "true",
]
EXTRA_FIELDS = [
    "role",
    "roles",
    "user_id",
    "is_admin",
    "id",
    "nomination_id",
    "nominator_id",
    "status",
    "cycle_id",
    "judge_id",
    "email_verified_at",
    "session_token",
    "reference",
    "version",
]
EXTRA_VALUES = ["organiser", "1", "2", "true", "winner", "submitted", "0", "-1", "99999999999999999999"]

# Tables a form may change, beyond the audit log, the outbox, sign-in failures and kept form stashes
ALWAYS = {"audit_events", "outbox_messages", "sign_in_failures", "form_stashes"}
NOMINATION_TABLES = {"nominations", "nomination_partners", "nomination_trends", "attachments"}
MAY_CHANGE = {
    # A nomination's team (awards/web/nominee/team.py): inviting, cancelling, removing, handing over, leaving,
    # and accepting an invitation (which may make the account)
    "nominee.team": {"nomination_invitations"},
    "nominee.cancel_invitation": {"nomination_invitations"},
    "nominee.remove_member": {"nomination_editors"},
    "nominee.transfer": {"nomination_editors", "nominations"},
    "nominee.leave": {"nomination_editors"},
    "nominee.team_invitation": {"nomination_editors", "nomination_invitations", "users", "user_roles"},
    "auth.register": {"users", "user_roles"},
    "auth.sign_in": {"users"},
    "auth.sign_out": {"users"},
    "auth.account": {"users"},
    "auth.request_reset": {"users"},
    "auth.reset_password": {"users"},
    "auth.request_magic_link": set(),  # the request's audit record and the e-mail only
    "auth.magic_link": {"users"},  # using a link confirms the address
    "auth.sso_start": set(),  # only sends the browser to the provider
    "auth.resend_verification": {"users"},
    "auth.two_factor": {"two_factor"},  # turning it on or off, new recovery codes
    # accepting or saving the profile records affiliations, and takes away assignments they now conflict with
    "judge.accept_invitation": {
        "users",
        "user_roles",
        "judges",
        "expertise",
        "affiliations",
        "assignments",
        "reviews",
        "review_scores",
    },
    "judge.profile": {"users", "expertise", "judges", "affiliations", "assignments", "reviews", "review_scores"},
    "judge.nomination": {"reviews", "review_scores", "assignments"},
    "judge.ranking": {"reviews"},  # a ranking round's positions, saved on each entry's review
    "judge.declare": {"assignments", "conflicts"},
    "judge.panel_meeting": {"shortlist_decisions"},  # the panel's decision for an entry of the final round
    "nominee.start": NOMINATION_TABLES | {"cycles"},  # the cycle's reference counter
    "organiser.user": {"users", "user_roles"},
    # People's Choice: every attempt to vote is recorded (refused ones too); a confirmed link casts a ballot
    "public.peoples_choice_vote": {"vote_attempts"},
    "public.confirm_vote": {"vote_attempts", "ballots"},
    # a vote set up, moved, closed or withdrawn moves its cycle's updated_at on (the public pages' fingerprint)
    "organiser.peoples_choice_vote": {"public_votes", "vote_options", "cycles"},
    "organiser.peoples_choice_close": {"public_votes", "cycles"},
    "organiser.peoples_choice_withdraw": {"public_votes", "vote_options", "cycles"},
}
# Organiser routes, each with the tables its purpose needs (their blueprint module in the comment)
# (a new or copied cycle gets its entry form)
CYCLE_SETUP = {"cycles", "categories", "category_trends", "cycle_trends", "criteria", "form_sections", "form_questions"}
# a changed default text drops its translation; a change of the form gives its cycle a new form_version
FORM = {"form_sections", "form_questions", "content_translations", "cycles"}
JUDGING = {"assignments", "reviews", "review_scores"}
PUBLIC_COPY = {"impact_cases", "impact_case_trends"}
MAY_CHANGE |= {
    # cycles
    "organiser.create_cycle": CYCLE_SETUP,
    "organiser.copy_cycle": CYCLE_SETUP,
    "organiser.edit_cycle": {"cycles", "cycle_trends"},
    "organiser.change_cycle_status": {"cycles"},
    "organiser.add_category": {"categories", "category_trends"},
    "organiser.edit_category": {"categories", "category_trends", "content_translations"},  # a changed default
    "organiser.remove_category": {"categories", "category_trends", "judge_categories", "content_translations"},
    # the entry form (entry_form/routes.py)
    "organiser.add_form_section": FORM,
    "organiser.edit_form_section": FORM,
    "organiser.move_form_section": FORM,
    "organiser.duplicate_form_section": FORM,
    "organiser.remove_form_section": FORM,
    "organiser.add_form_question": FORM,
    "organiser.edit_form_question": FORM,
    "organiser.move_form_question": FORM,
    "organiser.duplicate_form_question": FORM,
    "organiser.remove_form_question": FORM,
    "organiser.save_form_template": {"form_templates"},
    "organiser.start_form_from_template": FORM,
    # judging rounds (a new one gets its criteria; removing one takes its criteria and panel)
    "organiser.new_round": {"judging_rounds", "criteria"},
    "organiser.edit_round": {"judging_rounds"},
    "organiser.remove_round": {"judging_rounds", "criteria", "round_panel", "content_translations"},
    "organiser.round_panel": {"judging_rounds", "round_panel"},
    # a round's calibration example, given to its judges as calibration assignments (drafts go with them)
    "organiser.round_calibration": {"judging_rounds", "assignments", "reviews", "review_scores"},
    # the final round's panel meetings: a decision per entry, closing and reopening a category's meeting
    "organiser.panel_meeting": {"shortlist_decisions"},
    "organiser.close_panel_meeting": {"panel_meetings"},
    "organiser.reopen_panel_meeting": {"panel_meetings"},
    # criteria
    "organiser.new_criterion": {"criteria"},
    "organiser.edit_criterion": {"criteria", "content_translations"},  # text drops its default translation
    "organiser.remove_criterion": {"criteria", "content_translations"},  # a removed thing takes its translations
    # trends
    "organiser.add_trend": {"trends"},
    "organiser.edit_trend": {"trends", "content_translations"},
    "organiser.retire_trend": {"trends"},
    "organiser.restore_trend": {"trends"},
    # judges (an invitation is a judges row; people's accounts are made when they accept it)
    "organiser.judges": {"judges", "judge_categories"},
    "organiser.resend_invitation": {"judges"},
    "organiser.judge_settings": {"judges", "judge_categories"},
    "organiser.remove_judge": {"judges", "judge_categories", "expertise", "conflicts"} | JUDGING,
    # conflicts, assignment, progress and reviews
    "organiser.new_conflict": {"conflicts"} | JUDGING,
    "organiser.remove_conflict": {"conflicts"},
    "organiser.assignment": JUDGING,
    "organiser.assignment_confirm": JUDGING,  # may drop unstarted drafts
    "organiser.assignment_fill_gaps": {"assignments"},
    "organiser.assignment_nomination": {"assignments"},
    "organiser.assignment_lock": {"assignments"},
    "organiser.assignment_unlock": {"assignments"},
    "organiser.assignment_remove": JUDGING,
    "organiser.judging_progress": {"assignments", "judges"},
    "organiser.reopen_review": {"reviews"},
    "organiser.feedback_review": {"reviews"},  # approving or withholding a review's feedback for the entrant
    "organiser.feedback_scores": {"judging_rounds"},  # which rounds show entrants their score with the feedback
    # nominations, redaction, retention
    "organiser.nomination_eligibility": {"nominations"},
    "organiser.redaction": {"redactions"},
    "organiser.screen_nominations": {"nominations"},  # several eligibility decisions at once
    "organiser.draft_reminders": {"nominations"},  # when each draft's nominee was reminded
    "organiser.personal_data": NOMINATION_TABLES
    | {"cycles", "judges", "judge_categories", "expertise", "conflicts"}
    | JUDGING,
    # results
    "organiser.results_settings": {"cycles"},
    "organiser.suggest_shortlist": {"shortlist_decisions"},
    # advancing entries to the next round; telling the finalists marks each as told
    "organiser.advance_entries": {"advancements"},
    "organiser.suggest_advancement": {"advancements"},
    "organiser.finalists": {"advancements"},
    "organiser.decide": {"shortlist_decisions"},
    "organiser.publish": {"cycles", "nominations", "shortlist_decisions"} | PUBLIC_COPY,
    "organiser.prepare_case": PUBLIC_COPY,
    "organiser.edit_case": PUBLIC_COPY,
    "organiser.case_publication": PUBLIC_COPY,
    # people: an organiser grants roles on a person's page, and changes nothing else of their account
    "organiser.user": {"user_roles"},
}
EVERYTHING = None  # the route's purpose is to change what it likes (deleting one's own account)
UNBOUNDED = {"auth.delete_account"}
# Run last: they end the session or remove the person the other forms are posted as
LAST = ("auth.sign_out", "auth.delete_account")


# Columns no form changes by what it is sent: who owns a row and what it belongs to. (Status changes only
# through the routes that exist for it.) An extra field such as nominator_id=1 must never reach them.
PROTECTED = {
    "nominations": ("nominator_id", "cycle_id", "reference", "status", "category_id"),
    "assignments": ("judge_id", "nomination_id"),
    "reviews": ("assignment_id",),
    "review_scores": ("review_id", "criterion_id"),
    "judges": ("cycle_id", "user_id"),
    "categories": ("cycle_id",),
    "criteria": ("cycle_id",),
    "impact_cases": ("nomination_id",),
    "shortlist_decisions": ("nomination_id", "cycle_id"),
    "conflicts": ("judge_id", "nomination_id"),
    "users": ("email_verified_at",),
    "user_roles": ("user_id",),
}
CHANGES_PROTECTED = {
    "nominee.submit": {"nominations.status"},
    "nominee.withdraw": {"nominations.status"},
    "nominee.transfer": {"nominations.nominator_id"},  # handing the nomination over to a co-editor
    "nominee.team_invitation": {"users.email_verified_at"},  # the invitation's link proved the address
    "judge.accept_invitation": {"judges.user_id"},
    "auth.account": {"users.email_verified_at"},
    # the routes that exist to change a nomination's status
    "organiser.nomination_eligibility": {"nominations.status"},
    "organiser.screen_nominations": {"nominations.status"},
    "organiser.publish": {"nominations.status"},
}


def protected_changes(difference, endpoint: str) -> list[str]:
    """The protected columns of rows that are there before and after, and changed."""
    found = []
    for table, columns in PROTECTED.items():
        if table not in difference:
            continue
        names = list(db.metadata.tables[table].columns.keys())
        old = {row[0]: row for row in difference[table]["removed"]}
        for row in difference[table]["added"]:
            before = old.get(row[0])
            for column in columns:
                if column not in names or f"{table}.{column}" in CHANGES_PROTECTED.get(endpoint, ()):
                    continue
                index = names.index(column)
                if before is not None and before[index] != row[index]:
                    found.append(f"{table}.{column} of row {row[0]}: {before[index]!r} → {row[index]!r}")
    return found


# Columns that move on whenever a row's children change (the public pages' cache stamp, see
# domain/publishing/impact_cases.py): a change to only these is not the form changing the row.
STAMPS = {"cycles": ("updated_at",)}


def without_stamps(difference):
    """`difference` less the rows whose only change is a stamp column."""
    kept = {}
    for table, rows in difference.items():
        if table in STAMPS:
            names = list(db.metadata.tables[table].columns.keys())
            skip = {names.index(c) for c in STAMPS[table]}

            def bare(row, skip=skip):
                return tuple(v for i, v in enumerate(row) if i not in skip)

            old = [bare(r) for r in rows["removed"]]  # lists: a row may hold a dict (JSON)
            new = [bare(r) for r in rows["added"]]
            rows = {
                "removed": [r for r in rows["removed"] if bare(r) not in new],
                "added": [r for r in rows["added"] if bare(r) not in old],
            }
            if not rows["removed"] and not rows["added"]:
                continue
        kept[table] = rows
    return kept


def may_change(endpoint: str) -> set[str] | None:
    if endpoint in UNBOUNDED:
        return EVERYTHING
    if endpoint in MAY_CHANGE:
        return MAY_CHANGE[endpoint] | ALWAYS
    if endpoint.startswith("nominee."):
        return NOMINATION_TABLES | ALWAYS
    # An organiser route not listed above may change nothing but the audit log and the outbox, so a
    # new one fails here until its tables are listed.
    return ALWAYS


def audience_of(rule: str) -> str:
    if rule.startswith("/organiser"):
        return ORGANISER
    if rule.startswith(("/judging/invitations", "/register", "/sign-in", "/account/reset-password")):
        return ANON
    if rule.startswith("/judging"):
        return JUDGE
    return NOMINEE


class Forms(HTMLParser):
    """The fields of each POST form in a page: {action path: {name: [offered values]}}."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path, self.forms, self.current = page_path, {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            action = urlsplit(attrs.get("action") or self.page_path).path
            self.current = self.forms.setdefault(action, {})
        elif self.current is not None and tag in ("input", "select", "textarea", "button") and attrs.get("name"):
            name = attrs["name"]
            if name == "csrf_token":
                return
            offered = self.current.setdefault(name, [])
            if (
                attrs.get("value") is not None
                and attrs.get("type") in ("radio", "checkbox", "hidden", "submit", None)
                and tag != "textarea"
            ):
                offered.append(attrs["value"])
        elif self.current is not None and tag == "option" and self.current:
            last = list(self.current)[-1]
            if attrs.get("value") is not None:
                self.current[last].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def form_fields(client, page_urls: list[str]) -> dict[str, dict[str, list[str]]]:
    found: dict[str, dict[str, list[str]]] = {}
    for url in page_urls:
        response = client.get(url)
        if response.mimetype != "text/html":
            continue
        parser = Forms(urlsplit(url).path)
        parser.feed(response.get_data(as_text=True))
        for action, fields in parser.forms.items():
            target = found.setdefault(action, {})
            for name, offered in fields.items():
                target.setdefault(name, [])
                target[name] += [v for v in offered if v not in target[name]]
    return found


def field_value(offered: list[str]):
    choices = [
        st.sampled_from(NASTY),
        st.text(max_size=30),
        st.text(st.characters(codec="utf-8", categories=("Cc", "Cf", "Zs", "So", "Lo")), max_size=20),
    ]
    if offered:
        choices = [st.sampled_from(offered)] * 2 + choices
    return st.one_of(choices)


def form_data(fields: dict[str, list[str]]):
    """The names to send: usually every field of the form, some repeated, sometimes only a few;
    plus unknown fields. The values are drawn in the test, per name."""
    names = sorted(fields)
    own = (
        st.just([])
        if not names
        else st.one_of(
            st.lists(st.sampled_from(names), max_size=3).map(lambda more: names + more),
            st.lists(st.sampled_from(names), max_size=len(names)),
        )
    )
    extra = st.lists(st.tuples(st.sampled_from(EXTRA_FIELDS), st.sampled_from(EXTRA_VALUES)), max_size=4)
    return st.tuples(own, extra)


def check_escaped(body: str, sent: list[str], where: str) -> None:
    if any(SCRIPT in value for value in sent):
        assert '<script>alert("fz")' not in body, f"{where}: the input's <script> came back unescaped"
    if any(TEMPLATE in value for value in sent):
        assert "fz49fz" not in body, f"{where}: the input's {{{{7*7}}}} was evaluated"
    if any("fz{{ config }}fz" in value for value in sent):
        assert "SECRET_KEY" not in body, f"{where}: the input's {{{{ config }}}} was evaluated"


def post_routes(app, values) -> list[tuple[str, str, str]]:
    adapter = app.url_map.bind("localhost")
    routes = []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            url = adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments}, method="POST")
            routes.append((rule.rule, rule.endpoint, url))
    return sorted(routes, key=lambda r: (r[1] in LAST, LAST.index(r[1]) if r[1] in LAST else 0, r[0]))


def matrix_users(nominee, judge, organiser) -> dict:
    """The people the access matrix's data builder asks for, under its audience names."""
    users = {
        ORGANISER: organiser,
        NOMINEE: nominee,
        JUDGE: judge,
        getattr(matrix, "OWNER", NOMINEE): nominee,
        getattr(matrix, "ASSIGNED", JUDGE): judge,
    }
    for name, roles in (("NOT_OWNER", ("nominee",)), ("UNASSIGNED", ("judge",)), ("CONFLICTED", ("judge",))):
        if hasattr(matrix, name):
            users[getattr(matrix, name)] = make_user(roles=roles, email=f"{name.lower()}@fuzz.example.org")
    return users


# Each audience's forms are posted in one language: translated pages format the same hostile values into other
# sentences (issue 17), and English is every other test's language.
LANGUAGE = {ANON: "en", NOMINEE: "cy", JUDGE: "sv", ORGANISER: "cy"}


@pytest.mark.parametrize("audience", [ANON, NOMINEE, JUDGE, ORGANISER])
def test_forms_survive_hostile_input(app, nominee, judge, organiser, audience):
    users = matrix_users(nominee, judge, organiser)
    values = matrix.url_values(users)
    client = app.test_client()
    client.set_cookie("awards_language", LANGUAGE[audience])
    if audience != ANON:
        client.sign_in_as(users[audience])
    routes = [r for r in post_routes(app, values) if audience_of(r[0]) == audience]
    assert routes
    # The forms' fields, from the pages that carry them: the route's own page, or a page above it
    pages = [url for _, _, url in routes] + [
        url.rsplit("/", depth)[0] or "/" for _, _, url in routes for depth in (1, 2, 3)
    ]
    forms = form_fields(client, list(dict.fromkeys(pages)))
    token = client.csrf_token(routes[0][2])
    state = {"before": snapshot()}
    posted = {}

    def make_post(endpoint, url, fields, allowed):
        """One Hypothesis test for one route (the route's values bound here, not read from the loop)."""

        @settings(
            max_examples=EXAMPLES[audience],
            deadline=None,
            database=None,
            derandomize=True,
            phases=NO_SHRINK,
            suppress_health_check=list(HealthCheck),
        )
        @given(drawn=form_data(fields), data=st.data())
        def post(drawn, data):
            own, extra = drawn
            items = [(name, data.draw(field_value(fields[name]), label=name)) for name in own] + extra
            sent = [value for _, value in items]
            where = f"{audience} POST {url} {items!r:.300}"
            try:
                response = client.post(url, data=MultiDict([*items, ("csrf_token", token)]))
            except Exception as error:  # a warning made an error by the test settings, or a crash
                raise AssertionError(f"{where}: {error!r:.300}") from error
            assert response.status_code < 500, where
            body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
            check_escaped(body, sent, where)
            location = response.headers.get("Location", "")
            probes = any(SCRIPT in value or "fz{{" in value for value in sent)
            if probes and response.status_code in (302, 303) and location.startswith("/"):
                check_escaped(client.get(location).get_data(as_text=True), sent, f"{where} → {location}")
            after = snapshot()
            difference = without_stamps(changes(state["before"], after))
            state["before"] = after
            if allowed is not EVERYTHING:
                outside = {name: rows for name, rows in difference.items() if name not in allowed}
                assert not outside, f"{where} changed tables it may not: {describe(outside)}"
                protected = protected_changes(difference, endpoint)
                assert not protected, f"{where} changed {protected}"
            posted[endpoint] = posted.get(endpoint, 0) + 1

        return post

    for _, endpoint, url in routes:
        make_post(endpoint, url, forms.get(urlsplit(url).path, {}), may_change(endpoint))()
        db.session.rollback()
    assert set(posted) == {r[1] for r in routes}


# ------------------------------------------------------------------ organiser-written text in e-mails


def test_text_organisers_write_into_emails_is_never_a_template(app, organiser_client, outbox):
    """No organiser edits an e-mail's template: what they write (a reason for ineligibility, for reopening
    scores; a cycle's name) is a value the file templates print, so template syntax in it stays text and
    HTML in it is escaped in the HTML part."""
    from datetime import timedelta

    from awards.domain.core.clock import utcnow
    from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_review

    hostile = "fz{{7*7}}fz {{ config }} {{ ''.__class__.__mro__ }} " + SCRIPT
    now = utcnow()
    cycle = make_cycle(
        name="Awards fz{{7*7}}fz", status="judging", open_at=now - timedelta(days=60), close_at=now - timedelta(days=1)
    )
    nomination = make_nomination(cycle)
    url = f"/organiser/cycles/{cycle.slug}/nominations/{nomination.reference}"
    page = organiser_client.get(url).get_data(as_text=True)
    version = re.search(r'name="version" (?:type="hidden" )?value="(\d+)"', page)
    data = {"decision": "ineligible", "reason": hostile, **({"version": version.group(1)} if version else {})}
    response = organiser_client.post_form(f"{url}/eligibility", data, token_from=url)
    assert response.status_code == 302
    review = make_review(
        make_assignment(make_judge(cycle), make_nomination(cycle), no_conflict_declared=True), status="submitted"
    )
    reopen = f"/organiser/cycles/{cycle.slug}/reviews/{review.id}/reopen"
    assert organiser_client.post_form(reopen, {"reason": hostile}, token_from=reopen).status_code == 302
    mails = outbox()
    assert {m.kind for m in mails} >= {"eligibility_ineligible", "review_reopened"}
    for mail in mails:
        for part in (mail.subject, mail.body_text, mail.body_html or ""):
            assert "fz49fz" not in part and "SECRET_KEY" not in part and "<class" not in part
        assert "fz{{7*7}}fz" in mail.body_text and "{{ config }}" in mail.body_text
        assert "<script>" not in (mail.body_html or "") and "&lt;script&gt;" in (mail.body_html or "")


def test_nul_characters_are_taken_out_of_what_people_send(client):
    """PostgreSQL refuses NUL in text; nobody types one. Searches and forms work without it."""
    from awards.domain.people.accounts import find_user_by_email

    assert client.get("/impact-cases?q=front%00door").status_code == 200
    assert client.get("/api/v1/impact-cases?q=%00").status_code == 200
    passphrase = "quartz lantern orbit meadow"
    response = client.post_form(
        "/register",
        {
            "name": "Nul\x00 Person",
            "email": "nul.person@example.org",
            "organisation": "Nul\x00shire",
            "password": passphrase,
            "confirm_password": passphrase,
        },
        token_from="/register",
    )
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    user = find_user_by_email("nul.person@example.org")
    assert user.name == "Nul Person" and user.organisation == "Nulshire"


def test_a_public_copy_refuses_text_longer_than_it_can_hold(organiser_client):
    from awards.models import ImpactCase
    from tests.factories import make_published_case

    case = make_published_case(title="A public impact case", organisation="Exampleshire Council")
    url = f"/organiser/impact-cases/{case.id}"
    response = organiser_client.post_form(
        url, {"title": "A public impact case", "organisation": "O" * 201, "region": "R" * 61}, token_from=url
    )
    assert response.status_code == 200
    assert "Organisation must be 200 characters or fewer" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ImpactCase, case.id).organisation == "Exampleshire Council"
