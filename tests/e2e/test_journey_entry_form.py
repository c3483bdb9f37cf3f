"""The entry form as data, end to end in a real browser (issue 14, item 7).

An organiser builds the cycle's entry form with the keyboard alone (Tab, Enter, Space and the arrow
keys: no clicks): a section asked only in one category, a yes/no question, a long-text question asked
only when that answer is yes, and a question for the organisers only. A nominee of each category fills
the form: the category's own section is in one task list and not the other, and the conditional
question shows and hides as the yes/no answer changes (JavaScript on) and is not asked when the answer
is no. A judge reads what judges may (not the organisers-only answer); once the results are published,
each public impact case shows the public answers and not the others. axe and the HTML checker run on the
builder's pages and on the generated nominee pages, at 1280 and at 375 pixels wide.

Setting up what is not the point (the cycle with a short form of core questions, the answers to its
organisation, trends and declarations sections, which every nominee gives alike, the judge and the
assignments, the shortlist and publication, and signing each person in: tests/e2e/signed_in.py) is done
through the domain. At 375 pixels the pages are the ones met at 1280, narrowed; the builder's own pages
with nothing of this form on them (adding a section, choosing a kind of question) are checked at both
widths by test_form_builder_pages.py.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.signed_in import sign_in_with_cookie
from tests.factories import DEFAULT_PASSWORD
from tests.support.browser import (
    DESKTOP,
    assert_focus_visible,
    error_box,
    heading,
    is_focused,
    make_organiser,
    narrowed,
    tab_to,
)

pytestmark = pytest.mark.e2e

EVERYONE = "Technology for Public Good"
LEADERS = "Digital Leader of the Year"
LEADER_SECTION = "About the leader"
LEADER_QUESTION = "What has the leader changed?"
SAVED = "Did the work save money?"
HOW_MUCH = "How much did it save, and how?"
ORDER_NUMBER = "Purchase order number for the entry fee"
TREND = "Technology for public good"


# --- setting up (through the domain) ----------------------------------------------------------


def _short_form() -> dict:
    """The default form's sections that hold core questions, with only those (shorter to fill)."""
    from awards.domain.programme import entry_forms

    definition = entry_forms.default_definition()
    sections = []
    for section in definition["sections"]:
        questions = [q for q in section["questions"] if q["key"] in entry_forms.CORE_KEYS]
        if questions:
            sections.append({**section, "questions": questions})
    return {"sections": sections}


def open_cycle_of_two_categories() -> dict:
    """An open cycle in two categories whose form asks only the core questions, in four sections."""
    from tests.factories import make_cycle

    cycle = make_cycle(
        name="Public Sector Digital Awards 2026",
        categories=["technology-for-public-good", "digital-leader-of-the-year"],
        form=_short_form(),
    )
    return {"slug": cycle.slug, "name": cycle.name, "sections": [s.title for s in cycle.form_sections]}


def judge_both(slug: str, references: list[str]) -> dict:
    """Nominations closed; a judge (with blind judging on) assigned to both nominations."""
    from awards.extensions import db
    from awards.models import Cycle, CycleStatus, Nomination
    from tests.factories import make_assignment, make_judge, make_user

    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.slug == slug))
    cycle.status = CycleStatus.JUDGING
    cycle.rounds[0].blind = True
    judge = make_judge(cycle, make_user(name="Jo Judge", email="jo@judges.example.org", roles=("judge",)))
    for reference in references:
        nomination = db.session.scalar(sa.select(Nomination).where(Nomination.reference == reference))
        make_assignment(judge, nomination, no_conflict_declared=True)
    db.session.commit()
    return {"email": judge.user.email}


def publish_both(slug: str, organiser_id: int) -> dict[str, str]:
    """Both nominations shortlisted and the results published: {reference: impact case slug}."""
    from awards.domain.core.clock import utcnow
    from awards.domain.results import shortlists
    from awards.extensions import db
    from awards.models import Cycle, ImpactCase, Nomination, Result, ShortlistDecision, User

    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.slug == slug))
    organiser = db.session.get(User, organiser_id)
    nominations = db.session.scalars(sa.select(Nomination).where(Nomination.cycle_id == cycle.id)).all()
    for nomination in nominations:
        db.session.add(
            ShortlistDecision(
                cycle_id=cycle.id,
                nomination_id=nomination.id,
                result=Result.SHORTLISTED,
                decided_at=utcnow(),
                decided_by_id=organiser.id,
            )
        )
    db.session.flush()
    shortlists.publish(cycle, by=organiser)
    db.session.commit()
    cases = db.session.scalars(sa.select(ImpactCase).where(ImpactCase.cycle_id == cycle.id)).all()
    return {case.nomination.reference: case.slug for case in cases}


def core_sections_answered(reference: str, organisation: str) -> None:
    """The default form's three sections of core questions that every nominee answers alike (the
    organisation, the trends, the declarations), saved as their pages save them (the nominee's own
    journey through them is test_journey_nominee.py's)."""
    from awards.domain.nominations import entries
    from awards.extensions import db
    from awards.models import Nomination

    nomination = db.session.scalar(sa.select(Nomination).where(Nomination.reference == reference))
    trend = next(t for t in nomination.cycle.trends if t.name == TREND)
    for section, data in (
        (
            "organisation",
            {
                "organisation_name": organisation,
                "partners": [],
                "contact_name": "Casey Contact",
                "contact_email": "casey.contact@riverside.gov.uk",
                "region": "South West",
            },
        ),
        ("trends", {"trends": [{"trend_id": trend.id, "is_primary": True, "how_addressed": "Open, reusable tools."}]}),
        ("declarations", {"consents_to_publish": True}),
    ):
        problems = entries.save_section(nomination, section, data, by=nomination.nominator, based_on=None)
        assert not problems, (section, problems)


def stored_answers(reference: str) -> dict:
    from awards.extensions import db
    from awards.models import Nomination

    nomination = db.session.scalar(sa.select(Nomination).where(Nomination.reference == reference))
    return dict(nomination.answers or {})


# --- the keyboard --------------------------------------------------------------------------------


def press(page, target, key: str = "Enter") -> None:
    """Move the focus to a link, button or box (as Tab would) and press a key on it (once the page's
    scripts have run: a success banner takes the focus when they do)."""
    page.wait_for_load_state("load")
    target.focus()
    assert is_focused(target)
    assert_focus_visible(page)
    page.keyboard.press(key)


def type_into(page, target, text: str) -> None:
    page.wait_for_load_state("load")
    target.focus()
    page.keyboard.type(text)


def arrow_to(page, radio, *, max_presses: int = 20) -> None:
    """In a group of radios that has the focus, press the down arrow until `radio` is chosen."""
    for _ in range(max_presses):
        if is_focused(radio):
            break
        page.keyboard.press("ArrowDown")
    expect(radio).to_be_focused()
    expect(radio).to_be_checked()


def choose_kind(page, kind: str) -> None:
    """On the "What kind of question is it?" page: the first radio, then the arrows to the kind."""
    expect(heading(page)).to_have_text("What kind of question is it?")
    tab_to(page, page.get_by_role("radio").first)
    page.keyboard.press("Space")
    arrow_to(page, page.get_by_role("radio", name=kind, exact=True))
    tab_to(page, page.get_by_role("button", name="Continue"))
    page.keyboard.press("Enter")
    expect(heading(page)).to_have_text("Add a question")


def add_question_to(page, section: str) -> None:
    press(page, page.get_by_role("link", name=f"Add a question to {section}"))


def save_question(page, label: str) -> None:
    tab_to(page, page.get_by_role("button", name="Save question"))
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(rf"The question ‘{re.escape(label)}’ has been added"))).to_be_visible()
    expect(heading(page)).to_have_text("Entry form")
    expect(page.get_by_role("term").filter(has_text=label)).to_be_visible()


# --- the organiser builds the form ----------------------------------------------------------------


def build_the_form(page, check_page, cycle: dict) -> None:
    page.goto(f"/organiser/cycles/{cycle['slug']}")
    expect(heading(page)).to_have_text(cycle["name"])
    press(page, page.get_by_role("link", name="Entry form", exact=True).first)
    expect(heading(page)).to_have_text("Entry form")
    for title in cycle["sections"]:
        expect(page.get_by_role("heading", level=2, name=re.compile(re.escape(title)))).to_be_visible()
    check_page(page, "builder: the default short form")

    # A section for the leaders' category only; first sent empty, to meet the error.
    press(page, page.get_by_role("button", name="Add a section"), "Space")  # a link drawn as a button
    expect(heading(page)).to_have_text("Add a section")
    press(page, page.get_by_role("button", name="Save section"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    check_page(page, "builder: add a section, with errors")
    press(page, summary.get_by_role("link", name="Enter the section’s title"))
    expect(page.get_by_label("Title", exact=True)).to_be_focused()
    page.keyboard.type(LEADER_SECTION)
    tab_to(page, page.get_by_label("Line under the title (optional)"))
    page.keyboard.type("The person nominated, and what they changed")
    tab_to(page, page.get_by_role("checkbox", name=LEADERS))
    page.keyboard.press("Space")
    expect(page.get_by_role("checkbox", name=LEADERS)).to_be_checked()
    expect(page.get_by_role("checkbox", name=EVERYONE)).not_to_be_checked()
    check_page(page, "builder: add a section for one category")
    tab_to(page, page.get_by_role("button", name="Save section"))
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"The section ‘{LEADER_SECTION}’ has been added. Add its questions.")).to_be_visible()
    card = page.locator(".govuk-summary-card").filter(has=page.get_by_role("heading", name=re.compile(LEADER_SECTION)))
    expect(card.get_by_text(f"Only for {LEADERS}")).to_be_visible()

    # Its question: long text, published.
    add_question_to(page, LEADER_SECTION)
    choose_kind(page, "Long text, with a word or character limit")
    expect(page.get_by_label("Question", exact=True)).to_be_visible()
    tab_to(page, page.get_by_label("Question", exact=True))
    page.keyboard.type(LEADER_QUESTION)
    tab_to(page, page.get_by_role("checkbox", name="Publish the answer in the impact case"))
    page.keyboard.press("Space")
    check_page(page, "builder: a long-text question")
    save_question(page, LEADER_QUESTION)

    # In the project section: a yes/no question, published ...
    add_question_to(page, "Project")
    choose_kind(page, "Yes or no")
    type_into(page, page.get_by_label("Question", exact=True), SAVED)
    tab_to(page, page.get_by_role("checkbox", name="Publish the answer in the impact case"))
    page.keyboard.press("Space")
    save_question(page, SAVED)

    # ... a long text asked only when it is yes, published ...
    add_question_to(page, "Project")
    choose_kind(page, "Long text, with a word or character limit")
    type_into(page, page.get_by_label("Question", exact=True), HOW_MUCH)
    tab_to(page, page.get_by_label("Word limit"))
    page.keyboard.press("Control+A")
    page.keyboard.type("150")
    tab_to(page, page.get_by_role("checkbox", name="Publish the answer in the impact case"))
    page.keyboard.press("Space")
    condition = page.get_by_label("Ask it only for an answer to")
    tab_to(page, condition)
    page.keyboard.type(SAVED[:12])  # a closed drop-down list picks the option typed
    expect(condition.locator("option:checked")).to_have_text(SAVED)
    tab_to(page, page.get_by_label("The answers that show it"))
    page.keyboard.type("yes")
    check_page(page, "builder: a question with a condition")
    save_question(page, HOW_MUCH)
    expect(page.get_by_text(f"Only when the answer to ‘{SAVED}’ is ‘Yes’.")).to_be_visible()

    # ... and one for the organisers only, not published.
    add_question_to(page, "Project")
    choose_kind(page, "Short text")
    type_into(page, page.get_by_label("Question", exact=True), ORDER_NUMBER)
    tab_to(page, page.get_by_role("radio", name="Judges and organisers"))
    arrow_to(page, page.get_by_role("radio", name="Organisers only"))
    save_question(page, ORDER_NUMBER)
    check_page(page, "builder: the form with its new section and questions")

    # The preview as a nominee of the leaders' category has their section.
    press(page, page.get_by_role("button", name="Preview the form"))
    expect(heading(page)).to_have_text(re.compile("Preview"))
    check_page(page, "builder: preview")


# Two animation frames after a resize: the media queries' change events (GOV.UK Frontend folds the header's
# menu away on one) have run before the page is checked at its new width.
def builder_on_a_phone(page, check_page, cycle: dict) -> None:
    """The organiser's form, with its new section and questions, at 375 pixels (the same browser, narrowed:
    on a phone the header folds its buttons away)."""
    narrowed(page)
    page.goto(f"/organiser/cycles/{cycle['slug']}/form")
    expect(heading(page)).to_have_text("Entry form")
    expect(page.get_by_role("term").filter(has_text=LEADER_QUESTION)).to_be_visible()
    expect(page.get_by_text(f"Only when the answer to ‘{SAVED}’ is ‘Yes’.")).to_be_visible()
    check_page(page, "builder on a phone: the form")
    narrowed(page, DESKTOP)


# --- nominees fill it -----------------------------------------------------------------------------


def start_entry(page, category: str) -> str:
    page.goto("/")
    page.get_by_role("button", name="Start a nomination").click()
    page.get_by_label(category, exact=True).check()
    page.get_by_role("button", name="Start nomination").click()
    banner = page.get_by_text(re.compile(r"Your nomination reference is \S+-\d{4}-\d{4}"))
    expect(banner).to_be_visible()
    return re.search(r"\S+-\d{4}-\d{4}", banner.inner_text()).group(0)


def open_section(page, title: str) -> None:
    page.get_by_role("link", name=title, exact=True).click()
    expect(heading(page)).to_have_text(title)


def on_task_list(page) -> None:
    expect(page.get_by_text(re.compile(r"You have completed \d+ of \d+ sections"))).to_be_visible()


def save_entry_section(page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def fill_core(page, live_server, reference: str, organisation: str) -> None:
    """The core sections answered (through the domain: see core_sections_answered), then the task list again."""
    live_server.run(core_sections_answered, reference, organisation)
    page.reload()
    on_task_list(page)


def submit(page, reference: str) -> None:
    page.get_by_role("button", name="Check answers and submit").click()
    expect(heading(page)).to_have_text("Check your answers before submitting your nomination")
    page.get_by_role("button", name="Submit nomination").click()
    expect(page.locator(".govuk-panel")).to_contain_text(reference)


def task_list(page):
    return page.locator("main").get_by_role("list").first


def nominee_who_saved_money(page, check_page, live_server) -> str:
    """A nominee of the category every section asks: no leader section; the condition holds."""
    reference = start_entry(page, EVERYONE)
    expect(page.get_by_text("You have completed 0 of 4 sections")).to_be_visible()
    expect(task_list(page).get_by_role("link", name=LEADER_SECTION)).to_have_count(0)

    open_section(page, "Project")
    how_much = page.get_by_label(HOW_MUCH)
    saved = page.get_by_role("group", name=SAVED)
    expect(saved).to_be_visible()
    expect(how_much).to_be_hidden()  # not until the answer is yes
    check_page(page, "nominee form: the project section, nothing answered")
    saved.get_by_label("Yes").check()
    expect(how_much).to_be_visible()
    saved.get_by_label("No").check()
    expect(how_much).to_be_hidden()
    saved.get_by_label("Yes").check()
    expect(how_much).to_be_visible()
    page.get_by_label("Project title").fill("Open budgets for every ward")
    page.get_by_label("Public summary").fill("Every ward sees where its money goes, in plain words.")
    save_entry_section(page)  # the conditional and the organisers' question are both required now
    box = error_box(page)
    expect(box.get_by_role("link", name=re.compile(re.escape(HOW_MUCH.rstrip("?")), re.I))).to_be_visible()
    expect(box.get_by_role("link")).to_have_count(2)
    expect(page.get_by_label(HOW_MUCH)).to_be_visible()
    check_page(page, "nominee form: the project section, with errors")
    page.get_by_label(HOW_MUCH).fill("About £40,000 a year, by printing no budget books.")
    page.get_by_label(ORDER_NUMBER).fill("PO-77-SECRET")
    save_entry_section(page)
    expect(page.get_by_text("You have completed 1 of 4 sections")).to_be_visible()

    fill_core(page, live_server, reference, "Riverside Borough Council")
    expect(page.get_by_text("You have completed 4 of 4 sections")).to_be_visible()
    submit(page, reference)
    return reference


def leader_who_saved_nothing(page, check_page, live_server) -> str:
    """A nominee of the leaders' category: the leader section is theirs; answered no, the conditional
    question is not asked (and not required). Their sections are checked at 375 pixels too, the project
    section with its conditional question revealed."""
    reference = start_entry(page, LEADERS)
    expect(page.get_by_text("You have completed 0 of 5 sections")).to_be_visible()
    expect(task_list(page).get_by_role("link", name=LEADER_SECTION)).to_be_visible()

    open_section(page, LEADER_SECTION)
    check_page(page, "nominee form: the leaders' section")
    narrowed(page)
    check_page(page, "nominee form on a phone: the leaders' section")
    narrowed(page, DESKTOP)
    page.get_by_label(LEADER_QUESTION).fill("She moved every service online without closing a desk.")
    save_entry_section(page)

    open_section(page, "Project")
    page.get_by_label("Project title").fill("A leader for digital inclusion")
    page.get_by_label("Public summary").fill("Every resident can get help online or in person.")
    saved = page.get_by_role("group", name=SAVED)
    saved.get_by_label("Yes").check()
    expect(page.get_by_label(HOW_MUCH)).to_be_visible()
    narrowed(page)
    check_page(page, "nominee form on a phone: project section")
    narrowed(page, DESKTOP)
    saved.get_by_label("No").check()
    expect(page.get_by_label(HOW_MUCH)).to_be_hidden()
    page.get_by_label(ORDER_NUMBER).fill("PO-88-SECRET")
    save_entry_section(page)
    expect(page.get_by_text("You have completed 2 of 5 sections")).to_be_visible()

    fill_core(page, live_server, reference, "Northfield County Council")
    expect(page.get_by_text("You have completed 5 of 5 sections")).to_be_visible()
    page.get_by_role("button", name="Check answers and submit").click()
    expect(heading(page)).to_have_text("Check your answers before submitting your nomination")
    expect(page.get_by_text(HOW_MUCH)).to_have_count(0)
    expect(page.get_by_text("She moved every service online")).to_be_visible()
    check_page(page, "nominee form: check your answers, leaders' category")
    page.get_by_role("button", name="Submit nomination").click()
    expect(page.locator(".govuk-panel")).to_contain_text(reference)
    return reference


def the_form_without_javascript(journey, live_server) -> None:
    """Without JavaScript the conditional question is on the page; answered no, it is not required."""
    nominee = live_server.make_user(name="Nora Noscript")
    page = journey.new_page(java_script_enabled=False)
    sign_in_with_cookie(page, live_server, nominee.email, nominee.password)
    start_entry(page, EVERYONE)
    open_section(page, "Project")
    expect(page.get_by_label(HOW_MUCH)).to_be_visible()
    page.get_by_label("Project title").fill("Paper-free planning")
    page.get_by_label("Public summary").fill("Planning applications online from start to end.")
    page.get_by_role("group", name=SAVED).get_by_label("No").check()
    page.get_by_label(ORDER_NUMBER).fill("PO-99")
    save_entry_section(page)
    expect(page.get_by_text("You have completed 1 of 4 sections")).to_be_visible()


# --- the journey ------------------------------------------------------------------------------------


def test_organiser_builds_a_form_by_keyboard_nominees_fill_it_judges_read_it_and_it_is_published(
    journey, live_server, check_page
):
    organiser = make_organiser(live_server)
    cycle = live_server.run(open_cycle_of_two_categories)
    page = journey.new_page()
    sign_in_with_cookie(page, live_server, organiser.email, organiser.password)
    build_the_form(page, check_page, cycle)
    builder_on_a_phone(page, check_page, cycle)

    first = live_server.make_user(name="Nadia Nominee")
    nadia = journey.new_page()
    sign_in_with_cookie(nadia, live_server, first.email, first.password)
    saved_money = nominee_who_saved_money(nadia, check_page, live_server)
    answers = live_server.run(stored_answers, saved_money)
    assert answers[_key_of(live_server, cycle, HOW_MUCH)].startswith("About £40,000")

    second = live_server.make_user(name="Lee Leader")
    lee = journey.new_page()
    sign_in_with_cookie(lee, live_server, second.email, second.password)
    leader = leader_who_saved_nothing(lee, check_page, live_server)
    answers = live_server.run(stored_answers, leader)
    assert _key_of(live_server, cycle, HOW_MUCH) not in answers or not answers[_key_of(live_server, cycle, HOW_MUCH)]

    the_form_without_javascript(journey, live_server)

    # A judge reads the answers judges may, not the organisers' one.
    judge = live_server.run(judge_both, cycle["slug"], [saved_money, leader])
    judging = journey.new_page()
    sign_in_with_cookie(judging, live_server, judge["email"], DEFAULT_PASSWORD)
    judging.goto(f"/judging/nominations/{saved_money}")
    expect(heading(judging)).to_have_text("Open budgets for every ward")
    expect(judging.get_by_text("About £40,000 a year, by printing no budget books.")).to_be_visible()
    expect(judging.get_by_text(ORDER_NUMBER)).to_have_count(0)
    expect(judging.get_by_text("PO-77-SECRET")).to_have_count(0)
    check_page(judging, "judge: an entry on the built form")
    judging.goto(f"/judging/nominations/{leader}")
    expect(heading(judging)).to_have_text("A leader for digital inclusion")
    expect(judging.get_by_text("She moved every service online without closing a desk.")).to_be_visible()
    expect(judging.get_by_text(HOW_MUCH)).to_have_count(0)
    expect(judging.get_by_text("PO-88-SECRET")).to_have_count(0)

    # Published: each case shows its public answers, never the organisers' question.
    cases = live_server.run(publish_both, cycle["slug"], organiser.id)
    visitor = journey.new_page()
    visitor.goto(f"/impact-cases/{cases[saved_money]}")
    expect(heading(visitor)).to_have_text("Open budgets for every ward")
    main = visitor.locator("main")
    expect(main.get_by_text("About £40,000 a year, by printing no budget books.")).to_be_visible()
    expect(main.get_by_text(SAVED)).to_be_visible()
    expect(main.get_by_text("PO-77-SECRET")).to_have_count(0)
    expect(main.get_by_text(ORDER_NUMBER)).to_have_count(0)
    check_page(visitor, "public: an impact case from the built form")
    visitor.goto(f"/impact-cases/{cases[leader]}")
    expect(heading(visitor)).to_have_text("A leader for digital inclusion")
    expect(main.get_by_text("She moved every service online without closing a desk.")).to_be_visible()
    expect(main.get_by_text(HOW_MUCH)).to_have_count(0)
    expect(main.get_by_text("PO-88-SECRET")).to_have_count(0)


def _key_of(live_server, cycle: dict, label: str) -> str:
    def find():
        from awards.extensions import db
        from awards.models import Cycle
        from awards.models.forms import FormQuestion

        cycle_id = db.session.scalar(sa.select(Cycle.id).where(Cycle.slug == cycle["slug"]))
        return db.session.scalar(
            sa.select(FormQuestion.key).where(FormQuestion.cycle_id == cycle_id, FormQuestion.label == label)
        )

    return live_server.run(find)
