"""The nominee's journey in a real browser: register, confirm the e-mail address from the outbox,
start a nomination from the home page, complete every section (a trend choice with its main trend
and explanation, and the upload of a real PDF), check the answers, submit, and see the confirmation
and its e-mail. Then the same path on a phone (nothing scrolls sideways), and signing in, saving a
section and getting back to the task list with the keyboard alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from awards.domain.publishing import publication
from tests.support import browser
from tests.support.browser import assert_focus_visible, error_box, tab_to, unique_email

pytestmark = pytest.mark.e2e

PASSWORD = "granite willow orchard sunrise"
CATEGORY = "Technology for Public Good"
TREND = "Technology for public good"
SECTIONS = 9


def minimal_pdf() -> bytes:
    """A small, valid one-page PDF (correct cross-reference offsets)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Resources << >> >>",
        b"<< /Length 0 >>\nstream\n\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.fixture
def open_cycle(live_server, tmp_path, monkeypatch):
    """An open cycle (default trends, categories and criteria); uploads go to a temporary folder."""
    from tests.factories import make_cycle

    monkeypatch.setitem(live_server.app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return live_server.run(lambda: make_cycle().name)


@pytest.fixture
def evidence_pdf(tmp_path):
    path = tmp_path / "evaluation-report.pdf"
    path.write_bytes(minimal_pdf())
    return path


class Steps(browser.Steps):
    """The nominee journey's steps: the shared ones, plus the task list."""

    def task_list_shows(self, done: int) -> None:
        expect(self.page.get_by_text(f"You have completed {done} of {SECTIONS} sections")).to_be_visible()

    def open_section(self, title: str) -> None:
        self.page.get_by_role("link", name=title, exact=True).click()
        expect(self.page.get_by_role("heading", level=1)).to_have_text(title)

    def save(self) -> None:
        self.page.get_by_role("button", name="Save and continue").click()


def register_and_confirm(s: Steps, live_server, email: str) -> None:
    page = s.page
    page.goto("/")
    expect(page.get_by_role("button", name="Start a nomination")).to_be_visible()
    s.check("home, signed out")
    s.nav("Create an account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    s.check("register: empty form")
    page.get_by_label("Full name").fill("Nadia Nominee")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Organisation").fill("Riverside Borough Council")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    s.check("register: check your email")

    page.goto(live_server.email_link(email, "verify_email"))
    expect(page.get_by_text("Your email address is confirmed")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    s.check("sign in: email confirmed")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your nominations")


def start_nomination(s: Steps) -> str:
    page = s.page
    page.goto("/")
    page.get_by_role("button", name="Start a nomination").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Which category are you nominating for?")
    s.check("start: choose a category")
    page.get_by_role("button", name="Start nomination").click()
    expect(error_box(page).get_by_role("link", name="Select the category you are nominating for")).to_be_visible()
    s.check("start: no category chosen")
    page.get_by_label(CATEGORY, exact=True).check()
    page.get_by_role("button", name="Start nomination").click()
    banner = page.get_by_text(re.compile(r"Your nomination reference is \S+-\d{4}-\d{4}"))
    expect(banner).to_be_visible()
    reference = re.search(r"\S+-\d{4}-\d{4}", banner.inner_text()).group(0)
    s.task_list_shows(0)
    s.check("task list: new nomination")
    return reference


def complete_every_section(s: Steps, pdf_path) -> None:
    page = s.page

    s.open_section("About the nominated organisation")
    s.check("section organisation: empty form")
    page.get_by_label("Name of the nominated organisation").fill("Riverside Borough Council")
    page.get_by_label("Partner 1 Name").fill("Acme Digital Ltd")
    page.get_by_label("Partner 1 is a supplier").check()
    page.get_by_label("Contact’s full name").fill("Casey Contact")
    page.get_by_label("Contact’s email address").fill("casey.contact@riverside.gov.uk")
    page.get_by_label("Contact’s telephone number (optional)").fill("01632 960 001")
    page.get_by_label("Region").select_option("South West")
    s.save()
    s.task_list_shows(1)

    s.open_section("Project")
    s.save()
    expect(error_box(page).get_by_role("link", name="Enter the project title")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: "))
    s.check("section project: form with errors")
    page.get_by_label("Project title").fill("Tell us once for housing repairs")
    page.get_by_label("Public summary").fill("Residents report a repair once and follow it to the end.")
    s.save()
    s.task_list_shows(2)
    s.check("task list: two sections done")

    s.open_section("Trends addressed")
    s.check("section trends: empty form")
    trends = page.get_by_role("group", name="Which trends does the work address?")
    trends.get_by_label(TREND, exact=True).check()
    explanation = page.get_by_label(f"How does the work address {TREND}?")
    expect(explanation).to_be_visible()  # revealed by the checkbox
    s.save()
    expect(error_box(page).get_by_role("link", name="Select which of your trends is the main one")).to_be_visible()
    expect(error_box(page).get_by_role("link", name="Explain how the work addresses this trend")).to_be_visible()
    s.check("section trends: form with errors")
    explanation.fill("Repairs are reported online and tracked openly, so residents see progress.")
    page.get_by_role("group", name="Which is the main trend?").get_by_label(TREND, exact=True).check()
    s.save()
    s.task_list_shows(3)

    for title, label, text in (
        ("The challenge", "Describe the challenge", "Repairs were reported three times before anything happened."),
        ("The approach", "Describe the approach", "We built a tracker with residents and the repair teams."),
    ):
        s.open_section(title)
        page.get_by_label(label).fill(text)
        s.save()
    s.task_list_shows(5)

    s.open_section("Outcomes and impact")
    page.get_by_label("Describe the outcomes and impact").fill(
        "Repeat reports fell, and residents trust the service more."
    )
    first = page.get_by_role("group", name="Outcome 1")
    first.get_by_label("What was measured").fill("Repeat repair reports")
    first.get_by_label("Baseline").fill("900 a month")
    first.get_by_label("Result").fill("120 a month")
    first.get_by_label("When it was measured").fill("March 2026")
    s.save()

    s.open_section("Unintended consequences and lessons")
    page.get_by_label("Unintended consequences and risks").fill("More reports of small repairs at first.")
    page.get_by_label("Lessons, and how others could adopt the work").fill("Start with the residents who report most.")
    s.save()
    s.task_list_shows(7)

    s.open_section("Supporting documents")
    s.check("section documents: no files yet")
    page.get_by_role("button", name="Upload file for Supporting documents").click()
    expect(error_box(page).get_by_role("link", name="Select a file")).to_be_visible()
    s.check("section documents: upload with errors")
    page.get_by_label("Upload a file for Supporting documents").set_input_files(str(pdf_path))
    page.get_by_role("button", name="Upload file for Supporting documents").click()
    expect(page.get_by_text("evaluation-report.pdf has been uploaded")).to_be_visible()
    own_file = page.get_by_role("link", name="evaluation-report.pdf", exact=True)
    expect(own_file).to_be_visible()  # a real link (it once showed as markup text), and it downloads the file
    download = page.request.get(own_file.get_attribute("href"))
    assert download.status == 200 and download.body().startswith(b"%PDF-")
    s.check("section documents: file uploaded")
    s.save()
    s.task_list_shows(8)

    s.open_section("Declarations")
    s.save()
    expect(error_box(page).get_by_role("link", name="Confirm that the information is accurate")).to_be_visible()
    s.check("section declarations: form with errors")
    page.get_by_label("I confirm the information in this nomination is accurate").check()
    page.get_by_label("I confirm the nominated organisation has authorised me").check()
    consent = page.get_by_role("group", name=re.compile("may we publish it as an impact case"))
    # the question lists exactly what an impact case publishes (awards/domain/publishing/publication.py)
    expect(page.locator("#published-fields li")).to_have_text(publication.published_labels())
    consent.get_by_label("Yes").check()
    s.save()
    s.task_list_shows(SECTIONS)
    s.check("task list: every section completed")


def check_and_submit(s: Steps, live_server, email: str, reference: str) -> None:
    page = s.page
    page.get_by_role("button", name="Check answers and submit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before submitting your nomination")
    expect(page.get_by_text("Tell us once for housing repairs").first).to_be_visible()
    expect(page.get_by_text("evaluation-report.pdf").first).to_be_visible()
    s.check("check your answers")
    page.get_by_role("button", name="Submit nomination").click()

    panel = page.locator(".govuk-panel")
    expect(panel.get_by_role("heading", name="Nomination submitted")).to_be_visible()
    expect(panel).to_contain_text(reference)
    expect(page.get_by_text(f"We have sent a confirmation email to {email}")).to_be_visible()
    s.check("confirmation")

    (message,) = live_server.outbox(kind="nomination_submitted", to=email)
    assert message.subject == f"Nomination received: {reference}"
    assert reference in message.body_text and "Tell us once for housing repairs" in message.body_text


def test_nominee_registers_completes_every_section_and_submits(page, live_server, check_page, open_cycle, evidence_pdf):
    email = unique_email("nadia")
    s = Steps(page, check_page, "nominee")
    register_and_confirm(s, live_server, email)
    reference = start_nomination(s)
    complete_every_section(s, evidence_pdf)
    check_and_submit(s, live_server, email, reference)

    page.get_by_role("link", name="Go to your nominations").click()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text("Submitted")
    s.check("your nominations: submitted")


def test_nominee_journey_on_a_phone(phone_page, live_server, check_page, open_cycle, evidence_pdf):
    page = phone_page
    assert page.evaluate("window.innerWidth") == 375
    email = unique_email("phoebe")
    s = Steps(page, check_page, "nominee on a phone", phone=True)
    register_and_confirm(s, live_server, email)
    reference = start_nomination(s)
    complete_every_section(s, evidence_pdf)
    check_and_submit(s, live_server, email, reference)


def test_nominee_signs_in_saves_a_section_and_returns_with_the_keyboard_alone(
    page, live_server, check_page, open_cycle
):
    from tests.factories import make_nomination, make_user

    def draft():
        user = make_user(name="Kit Keys", password=PASSWORD)
        from awards.extensions import db
        from awards.models import Cycle

        cycle = db.session.query(Cycle).one()
        nomination = make_nomination(cycle, nominator=user, status="draft", complete=False)
        return user.email, nomination.reference

    email, reference = live_server.run(draft)

    page.goto("/sign-in")
    email_field = page.get_by_label("Email address")
    tab_to(page, email_field)
    page.keyboard.type(email)
    tab_to(page, page.get_by_label("Password", exact=True))
    page.keyboard.type(PASSWORD)
    tab_to(page, page.get_by_role("button", name="Sign in"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    tab_to(page, page.get_by_role("link", name="Your nominations", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your nominations")
    tab_to(page, page.get_by_role("link", name=reference))
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"You have completed 0 of {SECTIONS} sections")).to_be_visible()

    tab_to(page, page.get_by_role("link", name="Project", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Project")
    save = page.get_by_role("button", name="Save and continue")
    tab_to(page, save)
    page.keyboard.press("Enter")

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    assert_focus_visible(page)
    check_page(page, "nominee by keyboard: project with errors")

    tab_to(page, summary.get_by_role("link", name="Enter the project title"))
    page.keyboard.press("Enter")
    title = page.get_by_label("Project title")
    expect(title).to_be_focused()
    page.keyboard.type("Keyboard-first repairs")
    tab_to(page, page.get_by_label("Public summary"))
    page.keyboard.type("Everything here was done without a mouse.")
    tab_to(page, title, backwards=True)
    expect(title).to_have_value("Keyboard-first repairs")
    tab_to(page, save)
    page.keyboard.press("Space")

    expect(page.get_by_text(f"You have completed 1 of {SECTIONS} sections")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Keyboard-first repairs")
    check_page(page, "nominee by keyboard: task list after saving")

    tab_to(page, page.get_by_role("link", name="Trends addressed", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Trends addressed")
    tab_to(page, page.get_by_role("link", name="Back to your nomination"), backwards=True)
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"You have completed 1 of {SECTIONS} sections")).to_be_visible()
