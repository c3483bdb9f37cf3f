"""Data protection: a person downloads everything held about them and deletes their account;
organisers remove a closed cycle's personal data after its retention period."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import sqlalchemy as sa

from awards.domain.core import audit
from awards.domain.core.clock import utcnow
from awards.domain.judging import judges
from awards.domain.nominations.attachments import add_attachment
from awards.domain.nominations.stash import stash_form
from awards.domain.people import accounts
from awards.domain.programme import entry_forms as forms
from awards.extensions import db
from awards.models import (
    AssignmentStatus,
    Attachment,
    AuditEvent,
    ConflictOfInterest,
    ConflictSource,
    Expertise,
    ImpactCase,
    Judge,
    Nomination,
    OutboxMessage,
    Redaction,
    Review,
    ReviewScore,
    User,
)
from tests.factories import (
    make_assignment,
    make_cycle,
    make_judge,
    make_nomination,
    make_published_case,
    make_review,
    make_user,
    set_expertise,
)
from tests.support.files import PNG
from tests.support.object_storage import both_storages
from tests.support.visible import text_of


def _attach(nomination, name="chart.png") -> Attachment:
    attachment = add_attachment(nomination, filename=name, stream=io.BytesIO(PNG), by=nomination.nominator)
    db.session.commit()
    return attachment


def _user(user_id) -> User | None:
    db.session.expire_all()
    return db.session.get(User, user_id)


def _asked(key, kind, label, **rest):
    return {"key": key, "kind": kind, "label": label, "required": False, **rest}


# A custom section with a question of every kind an organiser can add (a group with an e-mail column).
CUSTOM_SECTION = {
    "key": "leader",
    "title": "About the leader",
    "questions": [
        _asked("leader_name", "text", "Leader’s name", settings={"personal": True}),
        _asked("leader_story", "textarea", "Their story", settings={"max_words": 300}),
        _asked("budget", "number", "Budget (£)", settings={"unit": "£"}),
        _asked("started_on", "date", "When the work started"),
        _asked("in_house", "yes_no", "Was it built in-house?"),
        _asked("size", "choice", "Size of the team", settings={"options": ["1 to 5", "6 to 20", "More than 20"]}),
        _asked("channels", "choices", "Channels", settings={"options": ["Web", "Phone", "Face to face"]}),
        _asked("leader_email", "email", "Leader’s email address"),
        _asked("website", "url", "Project website"),
        _asked("leader_phone", "phone", "Leader’s telephone number"),
        _asked("agrees", "declaration", "I agree to the terms"),
        _asked(
            "leader_photo",
            "file",
            "Photograph of the leader",
            settings={"types": ["png"], "max_count": 1, "personal": True},
        ),
        _asked(
            "referees",
            "group",
            "Referees",
            settings={
                "max_rows": 5,
                "columns": [
                    {"key": "name", "kind": "text", "label": "Name"},
                    {"key": "email", "kind": "email", "label": "Email address"},
                    {"key": "years", "kind": "number", "label": "Years known"},
                ],
            },
        ),
    ],
}
CUSTOM_ANSWERS = {
    "leader_name": "Lee Leader",
    "leader_story": "Twenty years in local government.",
    "budget": "125,000",
    "started_on": {"day": "3", "month": "4", "year": "2025"},
    "in_house": True,
    "size": "6 to 20",
    "channels": ["Web", "Phone"],
    "leader_email": "lee.leader@testshire.gov.uk",
    "website": "https://www.testshire.gov.uk/leader",
    "leader_phone": "01632 960 123",
    "agrees": True,
    "referees": [{"name": "Rita Referee", "email": "rita@example.org", "years": "12"}],
}


def _with_custom_section(cycle):
    """The cycle's default form with CUSTOM_SECTION added at the end."""
    definition = forms.definition_of(cycle)
    definition["sections"].append(CUSTOM_SECTION)
    forms.install(cycle, definition)
    db.session.commit()
    return cycle


def _attach_to(nomination, question_key, name="photo.png") -> Attachment:
    attachment = _attach(nomination, name)
    attachment.question_key = question_key
    db.session.commit()
    return attachment


# Your data ----------------------------------------------------------------------------------------------


def test_a_nominee_downloads_everything_held_about_them(app, nominee, nominee_client):
    cycle = make_cycle()
    submitted = make_nomination(cycle, nominator=nominee, contact_phone="07700 900123")
    document = _attach(submitted, "evidence.png")
    draft = make_nomination(cycle, nominator=nominee, status="draft", complete=False, title="My half-written draft")
    stash_form(
        f"/nominations/{draft.reference}/challenge", {"challenge": ["Typed before my session ended"]}, by=nominee
    )
    accounts.send_verification_email(nominee)
    db.session.commit()
    someone_else = make_nomination(cycle, title="Somebody else’s project")

    account = nominee_client.get("/account").get_data(as_text=True)
    assert "Download your data" in account and 'href="/account/delete"' in account
    response = nominee_client.get("/account/your-data.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="your-data-')
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))

    assert data["account"]["email"] == nominee.email and data["account"]["name"] == "Nina Nominee"
    assert [r["role"] for r in data["roles"]] == ["nominee"]
    by_reference = {n["reference"]: n for n in data["nominations"]}
    assert set(by_reference) == {submitted.reference, draft.reference}
    record = by_reference[submitted.reference]
    assert record["status"] == "submitted"
    sections = {s["key"]: s for s in record["answers"]}
    answers = {q["key"]: q for s in record["answers"] for q in s["questions"]}
    assert sections["organisation"]["section"] == "About the nominated organisation"
    assert answers["contact_phone"] == {
        "key": "contact_phone",
        "question": "Contact’s telephone number",
        "kind": "phone",
        "answer": "07700 900123",
    }
    assert answers["challenge"]["question"] == "Describe the challenge"
    assert answers["challenge"]["answer"] == "The challenge we faced."
    assert answers["trends"]["answer"][0]["main_trend"] is True
    assert answers["trends"]["answer"][0]["how_addressed"].startswith("It addresses")
    assert answers["partners"]["answer"]["rows"] == [{"name": "Acme Digital Ltd", "is_supplier": True}]
    measured = answers["measured"]["answer"]
    assert [c["label"] for c in measured["columns"]][:3] == ["What was measured", "Baseline", "Result"]
    assert measured["rows"][0]["result"] == "40 a day"
    assert answers["declares_accurate"]["answer"] is True and answers["consents_to_publish"]["answer"] is True
    documents = answers["documents"]["answer"]
    assert [d["name"] for d in documents] == ["evidence.png"]
    assert documents[0]["link"].endswith(f"/nominations/{submitted.reference}/documents/{document.id}")
    assert record["other_answers"] == {} and record["other_documents"] == []
    draft_answers = {q["key"]: q["answer"] for s in by_reference[draft.reference]["answers"] for q in s["questions"]}
    assert draft_answers["title"] == "My half-written draft"
    assert "account.created" in {e["action"] for e in data["audit_log"]}
    assert [m["subject"] for m in data["emails"]] == ["Confirm your email address"]
    # The confirmation link (a token that may still work) is not in the copy; the rest of the e-mail is.
    sent = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.to_address == nominee.email))
    link = next(word for word in sent.body_text.split() if word.startswith(app.config["BASE_URL"]))
    assert link not in response.get_data(as_text=True)
    assert "[link removed]" in data["emails"][0]["body"]
    assert data["emails"][0]["body"] == sent.body_text.replace(link, "[link removed]")
    assert data["kept_form_input"][0]["data"] == {"challenge": ["Typed before my session ended"]}
    assert someone_else.reference not in response.get_data(as_text=True)
    assert (
        db.session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.action == "account.data_downloaded", AuditEvent.actor_id == nominee.id
            )
        )
        is not None
    )


def test_the_copy_holds_a_custom_answer_of_every_kind_typed_and_with_its_question(nominee, nominee_client):
    cycle = _with_custom_section(make_cycle())
    nomination = make_nomination(cycle, nominator=nominee, **CUSTOM_ANSWERS)
    photo = _attach_to(nomination, "leader_photo")
    # A draft keeps a number it could not read yet: the copy gives it as typed.
    draft = make_nomination(cycle, nominator=nominee, status="draft", complete=False, budget="about 10k")
    # An answer to a question the organiser has since removed is still held, so still in the copy.
    nomination.answers = {**nomination.answers, "old_question": "An answer kept from before"}
    db.session.commit()

    data = json.loads(nominee_client.get("/account/your-data.json").get_data(as_text=True))
    by_reference = {n["reference"]: n for n in data["nominations"]}
    record = by_reference[nomination.reference]
    leader = next(s for s in record["answers"] if s["key"] == "leader")
    assert leader["section"] == "About the leader"
    answers = {q["key"]: (q["question"], q["kind"], q["answer"]) for q in leader["questions"]}
    assert answers["leader_name"] == ("Leader’s name", "text", "Lee Leader")
    assert answers["leader_story"] == ("Their story", "textarea", "Twenty years in local government.")
    assert answers["budget"] == ("Budget (£)", "number", 125000)
    assert answers["started_on"] == ("When the work started", "date", "2025-04-03")
    assert answers["in_house"] == ("Was it built in-house?", "yes_no", True)
    assert answers["size"] == ("Size of the team", "choice", "6 to 20")
    assert answers["channels"] == ("Channels", "choices", ["Web", "Phone"])
    assert answers["leader_email"] == ("Leader’s email address", "email", "lee.leader@testshire.gov.uk")
    assert answers["website"] == ("Project website", "url", "https://www.testshire.gov.uk/leader")
    assert answers["leader_phone"] == ("Leader’s telephone number", "phone", "01632 960 123")
    assert answers["agrees"] == ("I agree to the terms", "declaration", True)
    label, kind, files = answers["leader_photo"]
    assert (label, kind, [f["name"] for f in files]) == ("Photograph of the leader", "file", ["photo.png"])
    assert files[0]["sha256"] == photo.sha256 and files[0]["link"].endswith(f"/documents/{photo.id}")
    label, kind, referees = answers["referees"]
    assert (label, kind) == ("Referees", "group")
    assert referees == {
        "columns": [
            {"key": "name", "label": "Name", "kind": "text"},
            {"key": "email", "label": "Email address", "kind": "email"},
            {"key": "years", "label": "Years known", "kind": "number"},
        ],
        "rows": [{"name": "Rita Referee", "email": "rita@example.org", "years": 12}],
    }
    # Each file is listed once, under its own question.
    documents = next(q for s in record["answers"] for q in s["questions"] if q["key"] == "documents")
    assert documents["answer"] == [] and record["other_documents"] == []
    assert record["other_answers"] == {"old_question": "An answer kept from before"}
    draft_answers = {q["key"]: q["answer"] for s in by_reference[draft.reference]["answers"] for q in s["questions"]}
    assert draft_answers["budget"] == "about 10k"


def test_a_judges_copy_names_only_the_conflicts_they_declared(judge, judge_client):
    cycle = make_cycle()
    membership = make_judge(cycle, judge)
    declared, hidden = make_nomination(cycle), make_nomination(cycle)
    now = utcnow()
    db.session.add_all(
        [
            ConflictOfInterest(
                judge_id=membership.id,
                nomination_id=declared.id,
                source=ConflictSource.DECLARED,
                reason="I advised them",
                created_at=now,
            ),
            ConflictOfInterest(
                judge_id=membership.id,
                nomination_id=hidden.id,
                source=ConflictSource.ORGANISER,
                reason="Entered by an organiser",
                created_at=now,
            ),
        ]
    )
    db.session.commit()
    set_expertise(judge, {cycle.trends[0]: 2})
    review = make_review(make_assignment(membership, declared), overall_comment="Strong evidence")

    body = judge_client.get("/account/your-data.json").get_data(as_text=True)
    judging = json.loads(body)["judging"]
    assert judging["declared_conflicts"] == [
        {
            "nomination": declared.reference,
            "reason": "I advised them",
            "declared_at": judging["declared_conflicts"][0]["declared_at"],
        }
    ]
    assert judging["expertise"] == [{"trend": cycle.trends[0].name, "level": 2}]
    assert judging["reviews"][0]["overall_comment"] == "Strong evidence" and review.id
    assert hidden.reference not in body and "Entered by an organiser" not in body


# Deleting an account -----------------------------------------------------------------------------------


def test_a_wrong_password_deletes_nothing(nominee, nominee_client):
    page = nominee_client.get("/account/delete").get_data(as_text=True)
    assert "Delete your account" in page and "You cannot undo this" in page
    response = nominee_client.post_form(
        "/account/delete", {"password": "not my password"}, token_from="/account/delete"
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and "Your password is incorrect" in page
    assert _user(nominee.id) is not None


@both_storages
def test_a_nominee_deletes_their_account(nominee, nominee_client, password, storage):
    user_id, email = nominee.id, nominee.email
    cycle = make_cycle()
    draft = make_nomination(cycle, nominator=nominee, status="draft")
    draft_id, draft_file = draft.id, _attach(draft).stored_name
    submitted = make_nomination(cycle, nominator=nominee, title="Kept for the programme")
    kept_file = _attach(submitted).stored_name
    accounts.send_verification_email(nominee)
    db.session.commit()
    assert storage.names() == sorted([draft_file, kept_file])

    page = nominee_client.get("/account/delete").get_data(as_text=True)
    assert "(you have 1)" in page and "(you have submitted 1)" in page
    response = nominee_client.post_form("/account/delete", {"password": password}, token_from="/account/delete")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Your account has been deleted" in nominee_client.get("/").get_data(as_text=True)

    assert _user(user_id) is None
    assert db.session.get(Nomination, draft_id) is None and storage.names() == [kept_file]
    kept = db.session.get(Nomination, submitted.id)
    assert (kept.contact_name, kept.contact_email, kept.nominator_id) == ("", "", None)
    assert "contact_phone" not in kept.answers and kept.answers["challenge"] == "The challenge we faced."
    assert kept.title == "Kept for the programme" and kept.organisation_name and storage.read(kept_file) == PNG
    assert db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_address == email)).all() == []
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.deleted"))
    assert event.object_id == str(user_id)
    assert event.detail == {"drafts_deleted": 1, "nominations_anonymised": 1, "judging_kept": 0}
    leftovers = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "users", AuditEvent.object_id == str(user_id))
    ).all()
    assert all("email" not in (e.detail or {}) for e in leftovers)
    # Signed out, and the old details no longer sign in.
    assert nominee_client.get("/account").headers["Location"].startswith("/sign-in")
    response = nominee_client.post_form("/sign-in", {"email": email, "password": password})
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


@both_storages
def test_deleting_an_account_removes_personal_custom_answers_and_their_files_and_keeps_the_rest(
    nominee, nominee_client, password, storage
):
    cycle = _with_custom_section(make_cycle())
    submitted = make_nomination(cycle, nominator=nominee, **CUSTOM_ANSWERS)
    photo = _attach_to(submitted, "leader_photo").stored_name
    evidence = _attach(submitted, "evidence.png").stored_name
    db.session.add_all(
        [
            Redaction(nomination_id=submitted.id, field="leader_name", text="[name]", updated_at=utcnow()),
            Redaction(nomination_id=submitted.id, field="leader_story", text="[story]", updated_at=utcnow()),
            Redaction(nomination_id=submitted.id, field="referees:0:email", text="[email]", updated_at=utcnow()),
            Redaction(nomination_id=submitted.id, field="referees:0:name", text="[name]", updated_at=utcnow()),
        ]
    )
    db.session.commit()
    assert storage.names() == sorted([photo, evidence])

    response = nominee_client.post_form("/account/delete", {"password": password}, token_from="/account/delete")
    assert response.status_code == 302

    db.session.expire_all()
    kept = db.session.get(Nomination, submitted.id)
    answers = kept.answers
    # E-mail addresses, telephone numbers and the question marked personal go; a group keeps its rows
    # without the e-mail column.
    assert not {"leader_email", "leader_phone", "leader_name", "contact_phone"} & set(answers)
    assert answers["referees"] == [{"name": "Rita Referee", "email": "", "years": "12"}]
    # The rest of the nomination stays for the programme.
    for key in ("leader_story", "budget", "started_on", "in_house", "size", "channels", "website", "agrees"):
        assert answers[key] == CUSTOM_ANSWERS[key], key
    assert answers["challenge"] == "The challenge we faced."
    # The personal question's file goes; the supporting documents stay with the nomination.
    assert [a.original_name for a in kept.attachments] == ["evidence.png"]
    assert storage.names() == [evidence]
    # The organiser's redacted copies of the personal answer and cell go with them.
    redactions = db.session.scalars(sa.select(Redaction.field).where(Redaction.nomination_id == kept.id)).all()
    assert sorted(redactions) == ["leader_story", "referees:0:name"]


def test_a_deleted_persons_email_address_goes_from_every_audit_event(app, judge, judge_client, password):
    email = judge.email
    organiser = make_user(roles=("organiser",))
    cycle = make_cycle()
    judges.invite_judges(cycle, email.upper(), by=organiser)  # judge.invited, about judges:N
    judges.resend_invitation(db.session.scalar(sa.select(Judge).where(Judge.cycle_id == cycle.id)), by=organiser)
    audit.record(
        "test.note",
        actor=organiser,
        object_type="test",
        sent_to=[email, "other@example.org"],
        note=f"Asked {email.upper()} to check",
    )
    db.session.commit()
    stranger = app.test_client()
    stranger.post_form("/sign-in", {"email": email, "password": "not the password!"})  # sign_in.failed
    stranger.post_form("/sign-in", {"email": "someone.else@example.org", "password": "wrong"})
    actions = sorted(db.session.scalars(sa.select(AuditEvent.action)).all())

    response = judge_client.post_form("/account/delete", {"password": password}, token_from="/account/delete")
    assert response.status_code == 302
    db.session.expire_all()
    events = db.session.scalars(sa.select(AuditEvent)).all()
    assert [e for e in events if email.lower() in json.dumps(e.detail).lower()] == []
    # The events themselves stay, with the rest of their details.
    assert sorted(e.action for e in events) == sorted(actions + ["account.deleted"])
    by_action = {e.action: e.detail for e in events}
    assert by_action["judge.invited"] == {"cycle": cycle.slug}
    assert "email" not in by_action["judge.invitation_resent"]
    assert by_action["test.note"] == {"sent_to": ["other@example.org"], "note": "Asked [address removed] to check"}
    # Their failed sign-in keeps no address; someone else's keeps theirs.
    assert sorted(e.detail.get("email", "") for e in events if e.action == "sign_in.failed") == [
        "",
        "someone.else@example.org",
    ]


def test_a_judge_with_submitted_scores_is_anonymised_and_their_scores_kept(judge, judge_client, password):
    user_id, email = judge.id, judge.email
    cycle = make_cycle(status="published")
    membership = make_judge(cycle, judge, organisation="Judging Partners Ltd")
    set_expertise(judge, {cycle.trends[0]: 1})
    review = make_review(
        make_assignment(membership, make_nomination(cycle)), status="submitted", overall_comment="Clear outcomes"
    )
    db.session.add(ReviewScore(review_id=review.id, criterion_id=cycle.rounds[0].criteria[0].id, value=7))
    db.session.commit()
    other_cycle = make_cycle(name="Another year", year=2027)
    unscored_id = make_judge(other_cycle, judge).id

    response = judge_client.post_form("/account/delete", {"password": password}, token_from="/account/delete")
    assert response.status_code == 302
    db.session.expire_all()
    kept = db.session.get(Judge, membership.id)
    assert kept.email == f"deleted-judge-{membership.id}@deleted.invalid" and kept.organisation == ""
    assert kept.display_name == "Deleted account"
    assert db.session.get(Review, review.id).scores[0].value == 7
    assert db.session.get(Judge, unscored_id) is None
    user = _user(user_id)
    assert (user.name, user.active, user.roles) == ("Deleted account", False, [])
    assert email != user.email
    assert db.session.scalars(sa.select(Expertise).where(Expertise.user_id == user_id)).all() == []


def test_a_judge_with_entries_still_to_score_is_asked_to_be_removed_first(judge, judge_client, password):
    user_id = judge.id
    cycle = make_cycle(name="Judging now", status="judging")
    assignment = make_assignment(make_judge(cycle, judge), make_nomination(cycle))
    page = judge_client.get("/account/delete").get_data(as_text=True)
    assert "You still have nominations to judge in Judging now" in page
    response = judge_client.post_form("/account/delete", {"password": password}, token_from="/account/delete")
    assert response.status_code == 409
    assert _user(user_id).active

    # Once they have stepped aside from it (a declared conflict frees the slot), they can go.
    assignment.status = AssignmentStatus.RECUSED
    db.session.commit()
    response = judge_client.post_form("/account/delete", {"password": password}, token_from="/account/delete")
    assert response.status_code == 302 and _user(user_id) is None


def test_the_only_organiser_cannot_delete_their_account(organiser, organiser_client, password):
    assert "You are the only organiser" in organiser_client.get("/account/delete").get_data(as_text=True)
    organiser_id = organiser.id
    response = organiser_client.post_form("/account/delete", {"password": password}, token_from="/account/delete")
    assert response.status_code == 409 and _user(organiser_id) is not None

    make_user(roles=("organiser",))
    response = organiser_client.post_form("/account/delete", {"password": password}, token_from="/account/delete")
    assert response.status_code == 302 and _user(organiser_id) is None


# Retention ---------------------------------------------------------------------------------------------


def _judged_published_cycle():
    """A published cycle with a public impact case, a judged nomination with documents, a redaction,
    judges' comments and an invitation never accepted."""
    case = make_published_case(year=2025, title="Published project", organisation="Riverside Council")
    cycle = case.cycle
    nomination = case.nomination
    attachment = _attach(nomination)
    membership = make_judge(cycle)
    review = make_review(make_assignment(membership, nomination), status="submitted", overall_comment="Named Jo")
    db.session.add(
        ReviewScore(
            review_id=review.id, criterion_id=cycle.rounds[0].criteria[0].id, value=8, comment="Jo's manager said so"
        )
    )
    db.session.add(Redaction(nomination_id=nomination.id, field="approach", text="[redacted]", updated_at=utcnow()))
    db.session.commit()
    pending = make_judge(cycle, accepted=False)
    return case, nomination, attachment, review, pending


@both_storages
def test_a_cycle_is_purged_only_after_its_retention_period(app, organiser, organiser_client, storage):
    case, nomination, attachment, review, pending = _judged_published_cycle()
    pending_id = pending.id
    url = f"/organiser/cycles/{case.cycle.slug}/personal-data"
    page = organiser_client.get(url).get_data(as_text=True)
    assert "The retention period has not passed yet" in page and "Remove personal data" in page
    assert organiser_client.post_form(url, token_from=url).status_code == 409
    published_case = {c.name: getattr(case, c.name) for c in ImpactCase.__table__.columns}

    file = attachment.stored_name
    assert storage.names() == [file]
    # A year on (RETENTION_DAYS after the results were published), the organiser can remove it.
    case.cycle.results_published_at = utcnow() - timedelta(days=app.config["RETENTION_DAYS"], minutes=1)
    db.session.commit()
    page = organiser_client.get(url).get_data(as_text=True)
    assert "phone numbers and the answers to questions marked as personal (1 nomination)" in page
    assert "uploaded files, such as supporting documents (1)" in page and "judges’ written comments (2)" in page
    assert "judging invitations that were never accepted (1)" in page
    response = organiser_client.post_form(url, token_from=url)
    assert response.status_code == 302
    assert organiser_client.post_form(url, token_from=url).status_code == 409  # once only

    db.session.expire_all()
    purged = db.session.get(Nomination, nomination.id)
    assert (purged.contact_name, purged.contact_email) == ("", "")
    assert "contact_phone" not in purged.answers and purged.answers["approach"] == "How we approached it."
    assert purged.title == "Published project" and purged.attachments == [] and storage.names() == []
    # The copy redacted for judges stays (it holds less than the original, which also stays).
    assert [
        r.text for r in db.session.scalars(sa.select(Redaction).where(Redaction.nomination_id == nomination.id))
    ] == ["[redacted]"]
    kept_review = db.session.get(Review, review.id)
    assert kept_review.overall_comment == "" and kept_review.scores[0].comment == ""
    assert kept_review.scores[0].value == 8
    assert db.session.get(Judge, pending_id) is None
    assert case.cycle.personal_data_purged_at is not None
    after = db.session.get(ImpactCase, case.id)
    assert {c.name: getattr(after, c.name) for c in ImpactCase.__table__.columns} == published_case
    assert app.test_client().get(f"/impact-cases/{case.slug}").status_code == 200
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cycle.personal_data_purged"))
    assert event.actor_id == organiser.id and event.detail["attachments"] == 1


@both_storages
def test_the_purge_removes_personal_custom_answers_and_every_uploaded_file(app, organiser, organiser_client, storage):
    case = make_published_case(year=2025, title="Published project")
    cycle = _with_custom_section(case.cycle)
    nomination = case.nomination
    nomination.answers = {**nomination.answers, **CUSTOM_ANSWERS}
    db.session.commit()
    files = [_attach_to(nomination, "leader_photo").stored_name, _attach(nomination).stored_name]
    # A nomination whose only personal data is a custom answer counts too.
    other = make_nomination(cycle, contact_name="", contact_email="", leader_phone="01632 960 999")
    other.answers = {k: v for k, v in other.answers.items() if k != "contact_phone"}
    bare = make_nomination(cycle, contact_name="", contact_email="")
    bare.answers = {k: v for k, v in bare.answers.items() if k != "contact_phone"}
    db.session.commit()
    assert storage.names() == sorted(files)
    cycle.results_published_at = utcnow() - timedelta(days=app.config["RETENTION_DAYS"], minutes=1)
    db.session.commit()

    url = f"/organiser/cycles/{cycle.slug}/personal-data"
    page = text_of(organiser_client.get(url).get_data(as_text=True))
    assert "answers to questions marked as personal (2 nominations)" in page
    assert "uploaded files, such as supporting documents (2)" in page
    assert organiser_client.post_form(url, token_from=url).status_code == 302

    db.session.expire_all()
    purged = db.session.get(Nomination, nomination.id)
    assert not {"leader_email", "leader_phone", "leader_name"} & set(purged.answers)
    assert purged.answers["referees"] == [{"name": "Rita Referee", "email": "", "years": "12"}]
    assert purged.answers["budget"] == "125,000" and purged.answers["leader_story"] == CUSTOM_ANSWERS["leader_story"]
    assert purged.attachments == [] and storage.names() == []
    assert "leader_phone" not in db.session.get(Nomination, other.id).answers


def test_a_purged_cycle_cannot_go_back_to_judging(app, organiser, organiser_client):
    case, nomination, *_ = _judged_published_cycle()
    cycle = case.cycle
    cycle.results_published_at = utcnow() - timedelta(days=app.config["RETENTION_DAYS"], minutes=1)
    db.session.commit()
    url = f"/organiser/cycles/{cycle.slug}/personal-data"
    assert "cannot go back to judging" in organiser_client.get(url).get_data(as_text=True)
    assert organiser_client.post_form(url, token_from=url).status_code == 302

    move = f"/organiser/cycles/{cycle.slug}/status/judging"
    message = f"Personal data has been removed from {cycle.name}, so it cannot become judging again"
    assert message in organiser_client.get(move).get_data(as_text=True)
    response = organiser_client.post_form(move, token_from=f"/organiser/cycles/{cycle.slug}")
    assert response.status_code == 302
    assert message in organiser_client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(cycle), cycle.id).status.value == "published"
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cycle.status_changed")) is None


def test_retention_of_a_published_cycle_without_a_publication_time_counts_from_its_closing(app, organiser_client):
    days = app.config["RETENTION_DAYS"]
    now = utcnow()
    cycle = make_cycle(
        status="published", open_at=now - timedelta(days=days + 60), close_at=now - timedelta(days=days + 30)
    )
    cycle.rounds[0].closes_at = now - timedelta(days=days + 1)
    cycle.results_published_at = None
    cycle.updated_at = now  # moved by any later edit of the cycle or its public pages
    db.session.commit()
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}/personal-data").get_data(as_text=True)
    assert "The retention period ended" in page and "not passed yet" not in page

    cycle.rounds[0].closes_at = now - timedelta(days=days - 1)
    db.session.commit()
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}/personal-data").get_data(as_text=True)
    assert "The retention period has not passed yet" in page


def test_a_running_cycle_cannot_be_purged(organiser_client):
    cycle = make_cycle(status="judging")
    url = f"/organiser/cycles/{cycle.slug}/personal-data"
    page = organiser_client.get(url).get_data(as_text=True)
    assert "only once the cycle is closed or its results are published" in page
    assert f'href="/organiser/cycles/{cycle.slug}/personal-data"' in organiser_client.get(
        f"/organiser/cycles/{cycle.slug}"
    ).get_data(as_text=True)


def test_the_privacy_notice_states_the_retention_period_and_the_self_service(client, app):
    page = client.get("/privacy").get_data(as_text=True)
    assert f"{app.config['RETENTION_DAYS']} days after its results are published" in page
    assert "download a copy of everything we hold about you" in page and "delete your account" in page
