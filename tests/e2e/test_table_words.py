"""Tables on a phone (375 px): every word in a table cell stays whole, on one line. A table wider than the
screen scrolls sideways inside its wrapper, which a keyboard can reach (focusable, with a name); no column
is squeezed narrower than its longest word, which would stack a word a few letters a line.

What is measured is what a person sees: for each word (a run of letters and digits) in a visible cell, the
browser's own boxes for that word's characters (a DOM Range's client rects); a word whose boxes sit on more
than one line is broken. (Comparing a cell's scrollWidth with its clientWidth cannot see this: a word wrapped
a letter a line overflows nothing.) Breaking after a hyphen or between words is ordinary wrapping, not this."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.signed_in import sign_in_with_cookie
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.e2e

# Realistic names: long, with "&", accents and emoji, as organisations and projects write them.
PEOPLE = (
    (
        "Siobhán O’Connor-Fitzgerald",
        "siobhan.oconnor-fitzgerald@bathnes.example.gov.uk",
        "Bath & North East Somerset Council 🏛️",
    ),
    (
        "Llewellyn Montgomery-Worthington",
        "llewellyn.montgomery@northamptonshire.example.gov.uk",
        "North Northamptonshire Council",
    ),
    (
        "Oluwaseun Adebayo-Richardson",
        "oluwaseun.adebayo@communities.example.gov.uk",
        "Department for Levelling Up, Housing & Communities",
    ),
)
TITLES = (
    "Community alarms & telecare that call back 📞 across Northamptonshire",
    "Bin collections by text 🗑️ for Bath & North East Somerset",
    "Accessible bus timetables & live arrivals 🚌 for rural Northumberland",
)

# [{word, cell}] for every word the page shows broken across lines in a table cell, and [label] for every
# table wider than its box whose wrapper a keyboard cannot reach or a screen reader cannot name.
_TABLE_PROBLEMS = """() => {
  const WORD = /[\\p{L}\\p{N}\\p{M}]+/gu;
  const broken = [];
  for (const cell of document.querySelectorAll("table th, table td")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (parent.closest(".govuk-visually-hidden") || parent.getClientRects().length === 0) continue;
      for (const match of node.data.matchAll(WORD)) {
        if (match[0].length < 2) continue;
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.bottom)));
        if (lines.size > 1) broken.push({word: match[0], cell: cell.innerText.trim().slice(0, 80)});
      }
    }
  }
  const unreachable = [];
  for (const table of document.querySelectorAll("table")) {
    const box = table.parentElement;
    if (box.scrollWidth <= box.clientWidth + 1) continue;
    const named = (box.getAttribute("aria-label") || "").trim();
    if (!(box.tabIndex === 0 && box.getAttribute("role") === "region" && named)) {
      unreachable.push((table.caption ? table.caption.innerText : table.innerText).trim().slice(0, 60));
    }
  }
  return {broken, unreachable};
}"""


def _people(roles=("nominee",)):
    from tests.factories import make_user

    return [make_user(name=n, email=e, organisation=o, roles=roles) for n, e, o in PEOPLE]


def _organiser():
    from tests.factories import make_user

    return make_user(
        name="Olu Organiser-Okonkwo",
        email="olu.organiser@awards-office.example.gov.uk",
        organisation="Awards Office & Secretariat",
        roles=("organiser",),
    )


def people_list() -> tuple[str, str]:
    _people()
    return _organiser().email, "/organiser/users"


def cycle_page() -> tuple[str, str]:
    from tests.factories import make_cycle

    cycle = make_cycle(name="Public Sector Digital Awards 2026 🏆")
    return _organiser().email, f"/organiser/cycles/{cycle.slug}"


def judging_progress() -> tuple[str, str]:
    from tests.factories import make_assignment, make_cycle, make_judge, make_nomination

    cycle = make_cycle(name="Public Sector Digital Awards 2026 🏆")
    judges = [make_judge(cycle, user, organisation=user.organisation) for user in _people(roles=("judge",))]
    for title, judge in zip(TITLES, judges, strict=True):
        make_assignment(judge, make_nomination(cycle, title=title))
    return _organiser().email, f"/organiser/cycles/{cycle.slug}/judging"


def results_board() -> tuple[str, str]:
    from awards.extensions import db
    from awards.models import Nomination
    from tests.support.browser import results_set_up

    setup = results_set_up()
    for nomination, title in zip(
        db.session.scalars(db.select(Nomination).order_by(Nomination.id)), TITLES, strict=True
    ):
        nomination.title = title
    db.session.commit()
    return _organiser().email, f"/organiser/cycles/{setup['slug']}/results"


def trend_insight() -> tuple[str, str]:
    from tests.support.browser import results_set_up

    setup = results_set_up()
    return _organiser().email, f"/organiser/cycles/{setup['slug']}/insight"


def judge_entry() -> tuple[str, str]:
    from tests.factories import make_assignment, make_cycle, make_judge, make_nomination

    cycle = make_cycle(name="Public Sector Digital Awards 2026 🏆")
    user = _people(roles=("judge",))[0]
    nomination = make_nomination(cycle, title=TITLES[0])
    make_assignment(make_judge(cycle, user), nomination, no_conflict_declared=True)
    return user.email, f"/judging/nominations/{nomination.reference}"


def nominee_list() -> tuple[str, str]:
    from tests.factories import make_cycle, make_nomination

    cycle = make_cycle(name="Public Sector Digital Awards 2026 🏆")
    nominee = _people()[0]
    for title in TITLES:
        make_nomination(cycle, nominator=nominee, title=title, status="draft")
    return nominee.email, "/nominations"


def impact_case() -> tuple[str, str]:
    from tests.factories import make_published_case

    case = make_published_case(title=TITLES[2], organisation="Northumberland County Council & Partners 🚌")
    return "", f"/impact-cases/{case.slug}"


def cookies() -> tuple[str, str]:
    return "", "/cookies"


PAGES = {
    "organiser: people": people_list,
    "organiser: a cycle's categories": cycle_page,
    "organiser: judging progress": judging_progress,
    "organiser: results": results_board,
    "organiser: trend insight": trend_insight,
    "judge: an entry to judge": judge_entry,
    "nominee: your nominations": nominee_list,
    "public: an impact case": impact_case,
    "public: cookies": cookies,
}


@pytest.mark.parametrize("view", PAGES)
def test_no_table_cell_breaks_a_word_on_a_phone(phone_page, live_server, check_page, view):
    page = phone_page
    email, path = live_server.run(PAGES[view])
    if email:
        sign_in_with_cookie(page, live_server, email, DEFAULT_PASSWORD)
    assert page.goto(path).status == 200
    expect(page.get_by_role("table").first).to_be_visible()

    found = page.evaluate(_TABLE_PROBLEMS)
    assert not found["broken"], f"{view} ({path}) at 375 px: words broken across lines in table cells:\n" + "\n".join(
        f"- {b['word']!r} in {b['cell']!r}" for b in found["broken"][:15]
    )
    assert not found["unreachable"], (
        f"{view} ({path}) at 375 px: tables wider than the screen whose wrapper a keyboard cannot scroll "
        f"(focusable region with a name): {found['unreachable']}"
    )
    check_page(page, f"tables on a phone, {view}")  # also: the page itself does not scroll sideways
