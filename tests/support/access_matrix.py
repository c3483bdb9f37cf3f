"""The access matrix: every route × method × audience → expected outcome, in one table (MATRIX below).
A route missing here fails the suite (tests/web/test_access_matrix.py checks the table and runs it).

Eight audiences: anonymous; three nominees (the one who owns the nomination `reference`, another, and a co-editor
of `reference`, who joined its team: last, so the owner's posts before it never take it off the team); three
judges of the cycle (assigned to `assigned_reference`, not assigned to it, and assigned but conflicted with
it); and an organiser. Requests are made with a valid CSRF token and no other data.

The rule every line follows: anonymous → LOGIN (a redirect to the sign-in page; the API would answer 401; a
nomination section's POST without its page's stash ticket → 400, see test_anonymous_stash.py);
signed in without the function (a nominee on an organiser page, anyone but a judge on a judging page) → 403;
signed in with the function but not the object (another's nomination, an entry not assigned to you or one you
are conflicted with) → 404. A line may give NOMINEE or JUDGE for all nominees or all judges at once (routes
with no object of theirs); the helpers below name the usual patterns. Grow this table with every new route.

Object-id tampering (another user's ids in every id-bearing URL change nothing) is in tests/web/test_access_matrix.py;
CSRF in tests/web/test_csrf.py, page bounds in test_page_bounds.py and form fuzzing in test_fuzz_forms.py, all
generated from the same url map and this table. The `audience_users` fixture is in tests/web/conftest.py.
"""

ANON = "anonymous"
OWNER, NOT_OWNER = "nominee-owner", "nominee-not-owner"
ASSIGNED, UNASSIGNED, CONFLICTED = "judge-assigned", "judge-unassigned", "judge-conflicted"
ORGANISER = "organiser"
CO_EDITOR = "nominee-co-editor"
AUDIENCES = (ANON, OWNER, NOT_OWNER, ASSIGNED, UNASSIGNED, CONFLICTED, ORGANISER, CO_EDITOR)
# Shorthands in a line: every nominee, every judge (where the route has no object of theirs)
NOMINEE, JUDGE = "nominee", "judge"
GROUPS = {NOMINEE: (OWNER, NOT_OWNER, CO_EDITOR), JUDGE: (ASSIGNED, UNASSIGNED, CONFLICTED)}
ROLES = AUDIENCES  # the old name
LOGIN = "login"


def everyone(status):
    return dict.fromkeys(AUDIENCES, status)


def signed_in(status):
    return {ANON: LOGIN, NOMINEE: status, JUDGE: status, ORGANISER: status}


def signed_out_only(status=200):
    """Pages for people not signed in (register, sign in): a signed-in person is sent on (302)."""
    return {ANON: status, NOMINEE: 302, JUDGE: 302, ORGANISER: 302}


def organisers_only(status=200):
    return {ANON: LOGIN, NOMINEE: 403, JUDGE: 403, ORGANISER: status}


def owner_only(status=200):
    """A nominee's own nomination: only its team (its nominator and co-editors) sees it; to anyone else it does not
    exist."""
    return {ANON: LOGIN, OWNER: status, CO_EDITOR: status, NOT_OWNER: 404, JUDGE: 404, ORGANISER: 404}


def owner_not_co_editor(status=200):
    """What only a nomination's owner does (submit, withdraw, change the team): a co-editor, who knows the nomination,
    gets 403; anyone else 404."""
    return {**owner_only(status), CO_EDITOR: 403}


def judges_only(status=200):
    """Judging pages with no entry in them: any accepted judge of a cycle; to others (not judges) 403."""
    return {ANON: LOGIN, NOMINEE: 403, JUDGE: status, ORGANISER: 403}


def assigned_judge_only(status=200):
    """An entry's judging pages: only the judge it is assigned to (and not conflicted with) reaches them;
    other judges get 404 (object level), people who judge nothing 403 (function level)."""
    return {ANON: LOGIN, NOMINEE: 403, ASSIGNED: status, UNASSIGNED: 404, CONFLICTED: 404, ORGANISER: 403}


def expected(line: dict) -> dict:
    """A line with its shorthands spread over the seven audiences."""
    outcome = {}
    for key, status in line.items():
        for audience in GROUPS.get(key, (key,)):
            outcome.setdefault(audience, status)
    for key, status in line.items():  # a named audience beats its group's shorthand
        if key not in GROUPS:
            outcome[key] = status
    return outcome


# A section of the nomination's form, by its key (the cycle's form decides which there are).
SECTION_RULE = "/nominations/<reference>/<section>"


MATRIX = {
    ("GET", "/"): everyone(200),
    ("GET", "/healthz"): everyone(200),
    ("GET", "/accessibility"): everyone(200),
    ("GET", "/privacy"): everyone(200),
    ("GET", "/cookies"): everyone(200),
    ("GET", "/language/<code>"): everyone(302),
    # The public library and open data (`case_slug` is a published impact case of the published
    # cycle `published_cycle_slug`; `trend_slug` is a trend it addresses)
    ("GET", "/impact-cases"): everyone(200),
    ("GET", "/impact-cases/<case_slug>"): everyone(200),
    ("GET", "/impact-cases.atom"): everyone(200),
    ("GET", "/trends"): everyone(200),
    ("GET", "/trends/<trend_slug>"): everyone(200),
    ("GET", "/cycles/<published_cycle_slug>/shortlist"): everyone(200),
    ("GET", "/api/v1/impact-cases"): everyone(200),
    ("GET", "/api/v1/impact-cases/<case_slug>"): everyone(200),
    ("GET", "/api/v1/trends"): everyone(200),
    ("GET", "/api/v1/openapi.json"): everyone(200),
    # People's Choice (`vote_cycle_slug` has a vote open now in `vote_category_slug`; posting nothing is a page
    # with errors; `token` is no confirmation link)
    ("GET", "/cycles/<vote_cycle_slug>/peoples-choice"): everyone(200),
    ("GET", "/cycles/<vote_cycle_slug>/peoples-choice/<vote_category_slug>"): everyone(200),
    ("POST", "/cycles/<vote_cycle_slug>/peoples-choice/<vote_category_slug>"): everyone(200),
    ("GET", "/cycles/<vote_cycle_slug>/peoples-choice/<vote_category_slug>/check-your-email"): everyone(200),
    ("GET", "/peoples-choice/confirm/<token>"): everyone(400),
    ("POST", "/peoples-choice/confirm/<token>"): everyone(400),
    ("GET", "/api/v1/cycles/<vote_cycle_slug>/peoples-choice"): everyone(200),
    ("GET", "/register"): signed_out_only(200),
    ("POST", "/register"): signed_out_only(200),
    ("GET", "/verify-email/<token>"): everyone(400),
    ("POST", "/verify-email"): signed_in(302),
    ("GET", "/sign-in"): signed_out_only(200),
    ("POST", "/sign-in"): signed_out_only(200),
    ("POST", "/sign-out"): everyone(302),
    # Two-factor: the code step after the first factor (nobody has one pending here: back to sign-in,
    # or on for someone signed in), and the settings (posting no code is a form error)
    ("GET", "/sign-in/code"): everyone(302),
    ("POST", "/sign-in/code"): everyone(302),
    ("GET", "/account/two-factor"): signed_in(200),
    ("POST", "/account/two-factor"): signed_in(200),
    ("GET", "/account"): signed_in(200),
    ("POST", "/account"): signed_in(200),
    # The person's own data: a JSON copy, and deleting the account (posting no password is a form error)
    ("GET", "/account/your-data.json"): signed_in(200),
    ("GET", "/account/delete"): signed_in(200),
    ("POST", "/account/delete"): signed_in(200),
    ("GET", "/account/reset-password"): everyone(200),
    ("POST", "/account/reset-password"): everyone(200),
    ("GET", "/account/reset-password/<token>"): everyone(400),
    ("POST", "/account/reset-password/<token>"): everyone(400),
    # Magic links: asking for one answers the same to everyone; a made-up link is refused
    ("GET", "/sign-in/email-link"): everyone(200),
    ("POST", "/sign-in/email-link"): everyone(200),
    ("GET", "/sign-in/email-link/<token>"): everyone(400),
    ("POST", "/sign-in/email-link/<token>"): everyone(400),
    # Single sign-on: no provider is configured in this app, so every name is unknown (404 to all);
    # tests/web/test_single_sign_on.py covers a configured one, signed-in people included.
    ("POST", "/sign-in/sso/<provider>"): everyone(404),
    ("GET", "/sign-in/sso/<provider>/callback"): everyone(404),
    ("GET", "/organiser/"): organisers_only(),
    ("GET", "/organiser/users"): organisers_only(),
    ("GET", "/organiser/users/<int:user_id>"): organisers_only(),
    ("POST", "/organiser/users/<int:user_id>"): organisers_only(200),
    # Trends and award cycles (`trend_slug` is a trend the cycle offers; `category_id` has no
    # nominations, so removing it works; `state` is draft, where the open cycle may go back to)
    ("GET", "/organiser/trends"): organisers_only(),
    ("GET", "/organiser/trends/new"): organisers_only(),
    ("POST", "/organiser/trends/new"): organisers_only(200),
    ("GET", "/organiser/trends/<trend_slug>/edit"): organisers_only(),
    ("POST", "/organiser/trends/<trend_slug>/edit"): organisers_only(200),
    ("GET", "/organiser/trends/<trend_slug>/retire"): organisers_only(),
    ("POST", "/organiser/trends/<trend_slug>/retire"): organisers_only(302),
    ("POST", "/organiser/trends/<trend_slug>/restore"): organisers_only(302),
    ("GET", "/organiser/cycles"): organisers_only(),
    ("GET", "/organiser/cycles/new"): organisers_only(),
    ("POST", "/organiser/cycles/new"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/edit"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/edit"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/status/<state>"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/status/<state>"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/copy"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/copy"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/categories/new"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/categories/new"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/categories/<int:category_id>/edit"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/categories/<int:category_id>/edit"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/categories/<int:category_id>/remove"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/categories/<int:category_id>/remove"): organisers_only(302),
    # The entry form builder (`section_key` and `question_key` are a section and an optional question of the
    # cycle, answered by its submitted nominations, so removing either is refused with the reason (200);
    # `direction` is down). Moving and duplicating go back to the form page; posting nothing to a new section
    # is a form error, to a section's page keeps it as it is (and back to the form page); adding a question
    # with no kind chosen shows the kinds.
    ("GET", "/organiser/cycles/<slug>/form"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/form/preview"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/form/sections/new"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/form/sections/new"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/form/sections/<section_key>/edit"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/form/sections/<section_key>/edit"): organisers_only(302),
    ("POST", "/organiser/cycles/<slug>/form/sections/<section_key>/move/<any(up, down):direction>"): organisers_only(
        302
    ),
    ("POST", "/organiser/cycles/<slug>/form/sections/<section_key>/duplicate"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/form/sections/<section_key>/remove"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/form/sections/<section_key>/remove"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/form/sections/<section_key>/questions/new"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/form/sections/<section_key>/questions/new"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/form/questions/<question_key>/edit"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/form/questions/<question_key>/edit"): organisers_only(200),
    ("POST", "/organiser/cycles/<slug>/form/questions/<question_key>/move/<any(up, down):direction>"): organisers_only(
        302
    ),
    ("POST", "/organiser/cycles/<slug>/form/questions/<question_key>/duplicate"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/form/questions/<question_key>/remove"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/form/questions/<question_key>/remove"): organisers_only(200),
    # Templates: saving one (posting nothing: "Enter a name"); replacing the form with one is refused once a
    # nomination has started (a page that says so)
    ("GET", "/organiser/cycles/<slug>/form/save-template"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/form/save-template"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/form/start-from-template"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/form/start-from-template"): organisers_only(200),
    # The organiser's view of a cycle's nominations (`reference` is a draft: screening it is a 409)
    ("GET", "/organiser/cycles/<slug>/nominations"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/nominations.csv"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/nominations/<reference>"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/nominations/<reference>/eligibility"): organisers_only(409),
    # Screening several at once from the list (posting nothing: "Select the nominations you want to mark")
    ("POST", "/organiser/cycles/<slug>/nominations/screen"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/nominations/<reference>/documents/<int:attachment_id>"): organisers_only(),
    # Judges, criteria and conflicts of interest (`judge_id` is a pending invitation, `criterion_id` a
    # criterion of the cycle, `conflict_id` an organiser's conflict; posting nothing is a form error)
    ("GET", "/organiser/cycles/<slug>/judges"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/judges"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/judges/<int:judge_id>"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/judges/<int:judge_id>"): organisers_only(200),
    ("POST", "/organiser/cycles/<slug>/judges/<int:judge_id>/resend"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/judges/<int:judge_id>/remove"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/judges/<int:judge_id>/remove"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/criteria"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/criteria/new"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/criteria/new"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/criteria/<int:criterion_id>/edit"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/criteria/<int:criterion_id>/edit"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/criteria/<int:criterion_id>/remove"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/criteria/<int:criterion_id>/remove"): organisers_only(302),
    # Judging rounds (`number` is round 1 of `slug`, its only round: removing it is refused and the organiser is
    # sent back to the list; posting nothing to the forms is a form error)
    ("GET", "/organiser/cycles/<slug>/rounds"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/rounds/new"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/rounds/new"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/rounds/<int:number>/edit"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/rounds/<int:number>/edit"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/rounds/<int:number>/remove"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/rounds/<int:number>/remove"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/rounds/<int:number>/panel"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/rounds/<int:number>/panel"): organisers_only(200),
    # A round's calibration example: `number` has none, so a post without a reference (removing it) is refused
    # with a message and sends the organiser back (302). The judge's comparison page: no example, so 404 to
    # every judge; tests/web/test_calibration.py has a round with one, conflicted judges among its panel.
    ("GET", "/organiser/cycles/<slug>/rounds/<int:number>/calibration"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/rounds/<int:number>/calibration"): organisers_only(302),
    ("GET", "/judging/cycles/<slug>/rounds/<int:number>/calibration"): judges_only(404),
    # The final round's panel meeting of a category (`number` is marked final, with every judge of the cycle on
    # its panel; `category_slug` is its first category). A post naming no entry of the meeting: 404. Closing
    # works (302); the meeting is open, so its reopening page sends the organiser back to it (302).
    # tests/web/test_panel_meeting.py has panel judges of one category, of another, conflicted ones and others.
    ("GET", "/organiser/cycles/<slug>/rounds/<int:number>/meeting/<category_slug>"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/rounds/<int:number>/meeting/<category_slug>"): organisers_only(404),
    ("GET", "/organiser/cycles/<slug>/rounds/<int:number>/meeting/<category_slug>/close"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/rounds/<int:number>/meeting/<category_slug>/close"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/rounds/<int:number>/meeting/<category_slug>/reopen"): organisers_only(302),
    ("POST", "/organiser/cycles/<slug>/rounds/<int:number>/meeting/<category_slug>/reopen"): organisers_only(302),
    ("GET", "/judging/cycles/<slug>/rounds/<int:number>/meeting/<category_slug>"): judges_only(200),
    ("POST", "/judging/cycles/<slug>/rounds/<int:number>/meeting/<category_slug>"): judges_only(404),
    ("GET", "/organiser/cycles/<slug>/conflicts"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/conflicts/new"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/conflicts/new"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/conflicts/<int:conflict_id>/remove"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/conflicts/<int:conflict_id>/remove"): organisers_only(200),
    # Assigning judges: running shows a preview (200); confirming without the preview's inputs hash is
    # refused as out of date (409). `assignment_id` is another judge's assignment to `reference`.
    ("GET", "/organiser/cycles/<slug>/assignment"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/assignment"): organisers_only(200),
    ("POST", "/organiser/cycles/<slug>/assignment/confirm"): organisers_only(409),
    # Filling the gaps of nominations short of judges, every current assignment kept (then back to the page)
    ("POST", "/organiser/cycles/<slug>/assignment/fill-gaps"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/assignment/<reference>"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/assignment/<reference>"): organisers_only(200),
    ("POST", "/organiser/cycles/<slug>/assignment/<reference>/<int:assignment_id>/lock"): organisers_only(302),
    ("POST", "/organiser/cycles/<slug>/assignment/<reference>/<int:assignment_id>/unlock"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/assignment/<reference>/<int:assignment_id>/remove"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/assignment/<reference>/<int:assignment_id>/remove"): organisers_only(302),
    # Accepting an invitation (anyone: the link is the proof; `token` is not valid) and the judge's
    # profile (the judge user is an accepted judge of the cycle; the role alone gives nothing; posting
    # nothing keeps their organisation and saves)
    ("GET", "/judging/invitations/<token>"): everyone(400),
    ("POST", "/judging/invitations/<token>"): everyone(400),
    # A round's own list of the judge's entries (every judge of the cycle has one: round 1 has begun)
    ("GET", "/judging/cycles/<slug>/rounds/<int:number>"): judges_only(200),
    # That round's judge pack (a PDF of the entries each judge may read: tests/web/test_judge_pack.py)
    ("GET", "/judging/cycles/<slug>/rounds/<int:number>/pack.pdf"): judges_only(200),
    ("GET", "/judging/profile"): judges_only(200),
    ("POST", "/judging/profile"): judges_only(302),
    # The judge's pages (`assigned_reference`: a submitted nomination assigned to the assigned judge, who has said
    # "no conflict" and submitted scores, in the open cycle, so scoring is refused (409); `judged_attachment_id` its
    # document). The unassigned judge judges the cycle with nothing assigned; the conflicted judge is assigned and
    # said "no conflict", but shares the nomination's e-mail domain. Posting nothing to the declaration
    # is a form error. `review_id` is that review: the organiser reopens it; redacting the draft `reference`
    # must wait for its submission (409).
    ("GET", "/judging/"): judges_only(200),
    ("GET", "/judging/nominations/<assigned_reference>/declare"): assigned_judge_only(200),
    ("POST", "/judging/nominations/<assigned_reference>/declare"): assigned_judge_only(200),
    ("GET", "/judging/nominations/<assigned_reference>"): assigned_judge_only(200),
    ("POST", "/judging/nominations/<assigned_reference>"): assigned_judge_only(409),
    ("GET", "/judging/nominations/<assigned_reference>/documents/<int:judged_attachment_id>"): assigned_judge_only(200),
    # A ranking round's ranking page: `slug`'s round `number` is judged by scores, so it has none for anyone (404);
    # tests/web/test_judge_round_modes.py has the judges of a ranking round, conflicted ones among them
    ("GET", "/judging/cycles/<slug>/rounds/<int:number>/ranking"): judges_only(404),
    ("POST", "/judging/cycles/<slug>/rounds/<int:number>/ranking"): judges_only(404),
    ("GET", "/organiser/cycles/<slug>/reviews"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/reviews/<int:review_id>"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/reviews/<int:review_id>/reopen"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/reviews/<int:review_id>/reopen"): organisers_only(302),
    # Feedback for entrants: the list, which scored rounds show entrants their score (posting nothing: none),
    # and one review's feedback (`review_id` has none, so deciding on it is refused: 409)
    ("GET", "/organiser/cycles/<slug>/feedback"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/feedback/scores"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/feedback/<int:review_id>"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/feedback/<int:review_id>"): organisers_only(409),
    ("GET", "/organiser/cycles/<slug>/nominations/<reference>/redaction"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/nominations/<reference>/redaction"): organisers_only(409),
    # Judging progress and reminders (posting nothing: "Select the judges to remind")
    ("GET", "/organiser/cycles/<slug>/judging"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/judging"): organisers_only(200),
    # Results, shortlist, publication and impact cases (`slug` is an open cycle: publishing it is refused)
    ("GET", "/organiser/cycles/<slug>/results"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/results/settings"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/results/<reference>"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/results.csv"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/scores.csv"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/shortlist/suggest"): organisers_only(302),
    # Advancing a round's entries to the next round, and telling the finalists (`number` is the only round of
    # `slug`: the pages say there is no round to advance to, and a post goes back to the page with that note)
    ("GET", "/organiser/cycles/<slug>/rounds/<int:number>/advance"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/rounds/<int:number>/advance"): organisers_only(302),
    ("POST", "/organiser/cycles/<slug>/rounds/<int:number>/advance/suggest"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/rounds/<int:number>/finalists"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/rounds/<int:number>/finalists"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/shortlist/<reference>"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/shortlist/<reference>"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/publish"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/publish"): organisers_only(302),
    # People's Choice (`slug` has no vote: a vote's close, withdraw and patterns pages are 404; posting nothing
    # to set one up is a page with errors)
    ("GET", "/organiser/cycles/<slug>/peoples-choice"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/peoples-choice/<category_slug>"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/peoples-choice/<category_slug>"): organisers_only(200),
    ("GET", "/organiser/cycles/<slug>/peoples-choice/<category_slug>/close"): organisers_only(404),
    ("POST", "/organiser/cycles/<slug>/peoples-choice/<category_slug>/close"): organisers_only(404),
    ("GET", "/organiser/cycles/<slug>/peoples-choice/<category_slug>/withdraw"): organisers_only(404),
    ("POST", "/organiser/cycles/<slug>/peoples-choice/<category_slug>/withdraw"): organisers_only(404),
    ("GET", "/organiser/cycles/<slug>/peoples-choice/<category_slug>/patterns"): organisers_only(404),
    ("GET", "/organiser/cycles/<slug>/impact-cases"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/impact-cases/<reference>/prepare"): organisers_only(302),
    ("GET", "/organiser/impact-cases/<int:case_id>"): organisers_only(),
    ("POST", "/organiser/impact-cases/<int:case_id>"): organisers_only(200),
    ("POST", "/organiser/impact-cases/<int:case_id>/publication"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/insight"): organisers_only(),
    # Removing a cycle's personal data (`slug` is open, so removing it now is refused)
    ("GET", "/organiser/cycles/<slug>/personal-data"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/personal-data"): organisers_only(409),
    # Reminding the nominees of unsubmitted drafts (`slug` accepts nominations; its draft `reference` is reminded)
    ("GET", "/organiser/cycles/<slug>/draft-reminders"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/draft-reminders"): organisers_only(302),
    # Organisers' messages (posting nothing: the form comes back with its error summary, nothing is sent)
    ("GET", "/organiser/cycles/<slug>/translations"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/translations/<kind>/<int:object_id>"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/translations/<kind>/<int:object_id>"): organisers_only(302),
    ("GET", "/organiser/cycles/<slug>/messages"): organisers_only(),
    ("GET", "/organiser/cycles/<slug>/messages/new"): organisers_only(),
    ("POST", "/organiser/cycles/<slug>/messages/new"): organisers_only(400),
    ("POST", "/organiser/cycles/<slug>/messages/send"): organisers_only(400),
    # The nominee's journey (the nomination belongs to the nominee user)
    ("GET", "/nominations"): signed_in(200),
    ("GET", "/nominations/start"): signed_in(200),
    ("POST", "/nominations/start"): signed_in(200),
    ("GET", "/nominations/<reference>"): owner_only(200),
    ("GET", SECTION_RULE): owner_only(200),
    # Anonymous: a section post without its page's stash ticket is refused with a page (400) and keeps
    # nothing (a post whose session ended while typing is kept only with the ticket: test_anonymous_stash.py).
    ("POST", SECTION_RULE): {**owner_only(200), ANON: 400},
    ("POST", "/nominations/<reference>/documents/upload"): owner_only(400),
    ("GET", "/nominations/<reference>/documents/<int:attachment_id>"): owner_only(200),
    ("GET", "/nominations/<reference>/documents/<int:attachment_id>/remove"): owner_only(200),
    # (the owner, who posts before the co-editor, has removed it by then: a co-editor's removal is in
    # tests/web/test_team_entries.py)
    ("POST", "/nominations/<reference>/documents/<int:attachment_id>/remove"): {**owner_only(302), CO_EDITOR: 404},
    ("GET", "/nominations/<reference>/check"): owner_only(200),
    ("POST", "/nominations/<reference>/submit"): owner_not_co_editor(302),
    ("GET", "/nominations/<reference>/confirmation"): owner_only(302),
    ("GET", "/nominations/<reference>/withdraw"): owner_not_co_editor(200),
    ("POST", "/nominations/<reference>/withdraw"): owner_not_co_editor(200),
    # A nomination's team (`reference` has the co-editor audience and another co-editor, `member_id`, in its team,
    # and a pending invitation, `invitation_id`). Posting nothing: the invitation form's error, or the
    # confirmation's; cancelling needs no confirmation. Only a co-editor leaves (the owner hands it over first).
    ("GET", "/nominations/<reference>/team"): owner_only(200),
    ("POST", "/nominations/<reference>/team"): owner_not_co_editor(200),
    ("POST", "/nominations/<reference>/team/invitations/<int:invitation_id>/cancel"): owner_not_co_editor(302),
    ("GET", "/nominations/<reference>/team/members/<int:member_id>/remove"): owner_not_co_editor(200),
    ("POST", "/nominations/<reference>/team/members/<int:member_id>/remove"): owner_not_co_editor(200),
    ("GET", "/nominations/<reference>/team/members/<int:member_id>/make-owner"): owner_not_co_editor(200),
    ("POST", "/nominations/<reference>/team/members/<int:member_id>/make-owner"): owner_not_co_editor(200),
    ("GET", "/nominations/<reference>/team/leave"): {**owner_only(200), OWNER: 403},
    ("POST", "/nominations/<reference>/team/leave"): {**owner_only(200), OWNER: 403},
    ("GET", "/nominations/<reference>/history"): owner_only(200),
    # Accepting an invitation: a made-up link is refused (tests/web/test_team_entries.py has real ones)
    ("GET", "/team-invitations/<token>"): everyone(400),
    ("POST", "/team-invitations/<token>"): everyone(400),
}


def with_the_other_audiences(nominee, judge, organiser) -> dict:
    """A user per signed-in audience, given the role fixtures' three (NOMINEE and JUDGE name the owner and the assigned
    judge too): tests/web/conftest.py's `audience_users`."""
    from tests.factories import make_user

    users = {
        OWNER: nominee,
        NOT_OWNER: make_user(name="Nat Other", email="nat@elsewhere.gov.uk"),
        ASSIGNED: judge,
        UNASSIGNED: make_user(name="Una Unassigned", email="una@judging.example.org", roles=("judge",)),
        CONFLICTED: make_user(
            name="Cora Conflicted",
            email="cora@conflicted.example.gov.uk",
            roles=("judge",),
            organisation="Conflicted Example Trust",
        ),
        ORGANISER: organiser,
        CO_EDITOR: make_user(name="Cody Coeditor", email="cody@coediting.example.org"),
    }
    return {**users, NOMINEE: nominee, JUDGE: judge}


def kept_matrix_world(name: str, build, storage) -> tuple[dict, dict]:
    """(users, values): the audiences' users (as `with_the_other_audiences` makes them, with the role fixtures'
    people) and `build(users)`'s plain values, built once per test process and database and restored for each test
    after (tests/support/kept_worlds.py). For a fixture that asks for no other data."""
    from awards.extensions import db
    from awards.models import User
    from tests.factories import ROLE_PEOPLE, make_user
    from tests.support.kept_worlds import kept_world

    def build_world() -> dict:
        users = with_the_other_audiences(*(make_user(**ROLE_PEOPLE[r]) for r in ("nominee", "judge", "organiser")))
        return {"user_ids": {audience: user.id for audience, user in users.items()}, "values": build(users)}

    kept = kept_world(name, build_world, storage)
    return {audience: db.session.get(User, user_id) for audience, user_id in kept["user_ids"].items()}, kept["values"]


def url_values(users) -> dict:
    """Concrete values for the URL variables of the rules in MATRIX.

    `reference` is a draft nomination by the owner, in the open cycle `slug`,
    with one uploaded document (`attachment_id`).
    """
    import io

    from awards.domain.nominations.attachments import add_attachment
    from awards.extensions import db
    from tests.factories import make_cycle, make_nomination
    from tests.support.files import PNG

    cycle = make_cycle()
    nomination = make_nomination(cycle, nominator=users[OWNER], status="draft", complete=False)
    attachment = add_attachment(nomination, filename="chart.png", stream=io.BytesIO(PNG), by=users[OWNER])
    from awards.domain.core.clock import utcnow
    from awards.domain.results.shortlists import make_impact_case
    from awards.models import Result

    case = make_impact_case(make_nomination(cycle, title="A published project"), Result.SHORTLISTED, utcnow())
    db.session.add(case)
    db.session.commit()
    return {
        "token": "not-a-valid-token",
        "code": "cy",
        "kind": "category",
        "object_id": cycle.categories[-1].id,
        "provider": "riverside",
        "user_id": users[OWNER].id,
        "slug": cycle.slug,
        "reference": nomination.reference,
        "section": "organisation",
        "attachment_id": attachment.id,
        "trend_slug": cycle.trends[0].slug,
        "category_id": cycle.categories[-1].id,
        "state": "draft",
        "section_key": "lessons",
        "question_key": "contact_phone",
        "direction": "down",
        "case_id": case.id,
        "number": cycle.rounds[0].number,
        **_team_values(nomination, users),
        **_meeting_values(cycle),
        **_published_values(),
        **_vote_values(),
        **_judge_setup_values(cycle, nomination, users),
        **_judging_values(cycle, users),
        **_assignment_values(cycle, nomination),
    }


def _team_values(nomination, users) -> dict:
    """The co-editor audience (when there is one) and another co-editor (`member_id`) in the team of `reference`,
    and an invitation waiting (`invitation_id`)."""
    from tests.factories import make_user
    from tests.support.teams import add_co_editor, invite_to_team

    if users.get(CO_EDITOR) is not None:
        add_co_editor(nomination, users[CO_EDITOR])
    spare = add_co_editor(nomination, make_user(name="Sam Spare", email="sam.spare@elsewhere.example.org"))
    invitation = invite_to_team(nomination, "ivy.invited@elsewhere.example.org")
    return {"member_id": spare.id, "invitation_id": invitation.id}


def _meeting_values(cycle) -> dict:
    """The cycle's round `number` marked final, so each category has a panel meeting (`category_slug`)."""
    from awards.extensions import db

    cycle.rounds[0].is_final = True
    db.session.commit()
    return {"category_slug": cycle.categories[0].slug}


def _judge_setup_values(cycle, nomination, users) -> dict:
    """The three judges as accepted judges of the cycle; a pending invitation (`judge_id`) with an
    organiser's conflict (`conflict_id`); a criterion (`criterion_id`)."""
    from sqlalchemy import select

    from awards.domain.core.clock import utcnow
    from awards.extensions import db
    from awards.models import ConflictOfInterest, ConflictSource, Judge

    now = utcnow()
    for audience in GROUPS[JUDGE]:
        if (
            db.session.scalar(select(Judge).where(Judge.cycle_id == cycle.id, Judge.user_id == users[audience].id))
            is None
        ):
            db.session.add(
                Judge(
                    cycle_id=cycle.id,
                    email=users[audience].email,
                    user_id=users[audience].id,
                    invited_at=now,
                    accepted_at=now,
                )
            )
    pending = Judge(cycle_id=cycle.id, email="pending.judge@judges.example.net", invited_at=now)
    db.session.add(pending)
    db.session.flush()
    conflict = ConflictOfInterest(
        judge_id=pending.id,
        nomination_id=nomination.id,
        source=ConflictSource.ORGANISER,
        reason="Works with the nominee",
        created_at=now,
    )
    db.session.add(conflict)
    db.session.commit()
    return {"judge_id": pending.id, "criterion_id": cycle.rounds[0].criteria[-1].id, "conflict_id": conflict.id}


def _judging_values(cycle, users) -> dict:
    """A submitted nomination assigned to the assigned judge (`assigned_reference`), who said "no conflict" and
    submitted scores (`review_id`), with a document (`judged_attachment_id`). It is assigned to the conflicted
    judge too, who also said "no conflict", but whose address shares the nomination contact's domain."""
    import io

    from sqlalchemy import select

    from awards.domain.core.clock import utcnow
    from awards.domain.nominations.attachments import add_attachment
    from awards.extensions import db
    from awards.models import Judge
    from tests.factories import make_assignment, make_judge, make_nomination, make_review, make_user
    from tests.support.files import PNG

    membership = db.session.scalar(select(Judge).where(Judge.cycle_id == cycle.id, Judge.user_id == users[ASSIGNED].id))
    membership = membership or make_judge(cycle, users[ASSIGNED])
    nominator = make_user(email="assigned.nominator@example.net", organisation="Elsewhere Trust")
    assigned = make_nomination(
        cycle, nominator=nominator, title="A nomination to judge", contact_email="casey@conflicted.example.gov.uk"
    )
    document = add_attachment(assigned, filename="evidence.png", stream=io.BytesIO(PNG), by=nominator)
    db.session.commit()
    assignment = make_assignment(membership, assigned, no_conflict_declared=True)
    review = make_review(assignment, status="submitted")
    conflicted = db.session.scalar(
        select(Judge).where(Judge.cycle_id == cycle.id, Judge.user_id == users[CONFLICTED].id)
    )
    make_assignment(conflicted or make_judge(cycle, users[CONFLICTED]), assigned, no_conflict_declared=True)
    assert review.submitted_at <= utcnow()
    return {"assigned_reference": assigned.reference, "judged_attachment_id": document.id, "review_id": review.id}


def _assignment_values(cycle, nomination) -> dict:
    """Another judge's assignment (`assignment_id`) to the nomination `reference`."""
    from tests.factories import make_assignment, make_judge

    return {"assignment_id": make_assignment(make_judge(cycle), nomination).id}


def _published_values() -> dict:
    """A published cycle with one public impact case, for the public library's routes."""
    from tests.factories import make_published_case

    public_case = make_published_case(year=2025, title="A public impact case")
    return {"case_slug": public_case.slug, "published_cycle_slug": public_case.cycle.slug}


def _vote_values() -> dict:
    """A published cycle with a People's Choice vote open now on its first category's shortlist."""
    from tests.support.voting import open_shortlist_vote

    setup = open_shortlist_vote()
    return {"vote_cycle_slug": setup.cycle.slug, "vote_category_slug": setup.category.slug}


def build_url(app, method: str, rule: str, values: dict) -> str:
    rule_obj = next(r for r in app.url_map.iter_rules() if r.rule == rule and method in r.methods)
    return app.url_map.bind("localhost").build(
        rule_obj.endpoint, {k: values[k] for k in rule_obj.arguments}, method=method
    )


def outcome_problem(response, expected_status, url: str) -> str | None:
    """None if the response is the expected outcome, else what it was instead."""
    if expected_status == LOGIN:
        if url.startswith("/api/"):
            ok = response.status_code == 401
        else:
            ok = response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    else:
        ok = response.status_code == expected_status
    if ok:
        return None
    return f"expected {expected_status}, got {response.status_code} {response.headers.get('Location', '')}"


# Generic form data for a POST whose form does not matter (organiser-only routes stop others at the role gate
# before the form is read; CSRF posts need only something to send).
GENERIC_DATA = {
    "confirm": "yes",
    "reason": "Tampering check",
    "name": "Tampered",
    "title": "Tampered",
    "email": "tampered@example.org",
    "emails": "tampered@example.org",
    "action": "submit",
}
