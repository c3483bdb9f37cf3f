"""The new-cycle form (issue 12, item 5): it offers the default categories as checkboxes and creates
only the ticked ones, and each date is a GOV.UK date input in its own fieldset whose legend names it,
so no box is labelled only "Year" without saying which date it belongs to."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from awards.domain.programme import cycles, taxonomy
from awards.extensions import db
from awards.models import AuditEvent, Cycle
from tests.factories import make_cycle
from tests.support.visible import error_summary, main_text

CATEGORY_NAMES = [item["name"] for item in cycles.default_categories()]


class Controls(HTMLParser):
    """Each form control of the page's main content with what a screen reader names it by: its label
    and the legends of the fieldsets around it (outermost first)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_main = False
        self.legends: list[str | None] = []
        self.capturing: list | None = None
        self.labels: dict[str, str] = {}
        self.controls: list[dict] = []
        self._label_for: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self.in_main = True
        if not self.in_main:
            return
        if tag == "fieldset":
            self.legends.append(None)
        elif tag == "legend":
            self.capturing = []
        elif tag == "label":
            self._label_for, self.capturing = attrs.get("for"), []
        elif tag in ("input", "textarea", "select") and attrs.get("type") not in ("hidden", "submit"):
            self.controls.append(
                {
                    "id": attrs.get("id"),
                    "name": attrs.get("name"),
                    "type": attrs.get("type", tag),
                    "value": attrs.get("value"),
                    "checked": "checked" in attrs,
                    "legends": [x for x in self.legends if x],
                }
            )

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main = False
        if tag == "fieldset" and self.legends:
            self.legends.pop()
        elif tag == "legend" and self.capturing is not None:
            self.legends[-1] = " ".join("".join(self.capturing).split())
            self.capturing = None
        elif tag == "label" and self.capturing is not None:
            self.labels[self._label_for] = " ".join("".join(self.capturing).split())
            self.capturing = None

    def handle_data(self, data):
        if self.capturing is not None:
            self.capturing.append(data)


def controls(response) -> list[dict]:
    parser = Controls()
    parser.feed(response.get_data(as_text=True))
    for control in parser.controls:
        control["label"] = parser.labels.get(control["id"])
    return parser.controls


def category_boxes(response) -> list[tuple[str, bool]]:
    return [(c["label"], c["checked"]) for c in controls(response) if c["name"] == "categories"]


def valid_form(**overrides) -> dict:
    from tests.support.programme import cycle_form

    return cycle_form(**overrides)


def test_the_default_categories_are_offered_all_ticked(organiser_client):
    taxonomy.seed_trends()
    db.session.commit()
    page = organiser_client.get("/organiser/cycles/new")
    assert category_boxes(page) == [(name, True) for name in CATEGORY_NAMES]
    boxes = [c for c in controls(page) if c["name"] == "categories"]
    assert all(c["legends"] == ["Categories to start with"] for c in boxes)
    assert (
        "Untick any you do not want. You can change these, and add your own categories, after you create the "
        "cycle." in main_text(page)
    )


def test_only_the_ticked_categories_are_created(organiser_client, organiser):
    chosen = [item["slug"] for item in cycles.default_categories()][2:5]
    response = organiser_client.post_form(
        "/organiser/cycles/new", valid_form(categories=chosen), token_from="/organiser/cycles/new"
    )
    assert response.status_code == 302
    cycle = db.session.scalar(sa.select(Cycle))
    assert [c.name for c in cycle.categories] == CATEGORY_NAMES[2:5]
    assert [c.position for c in cycle.categories] == [0, 1, 2]
    assert len(cycle.rounds[0].criteria) == 6  # the judging criteria are still the defaults
    assert {t.code for t in cycle.categories[0].trends} == {"D3", "T3"}  # each keeps its linked trends
    page = organiser_client.get(response.headers["Location"])
    for name in CATEGORY_NAMES[2:5]:
        assert name in main_text(page)
    assert CATEGORY_NAMES[0] not in main_text(page)


def test_no_category_ticked_makes_a_cycle_to_add_categories_to(organiser_client):
    """Allowed, so an organiser with categories of their own need not tick one to remove it: the
    message says what to do, and the cycle cannot open until it has a category."""
    data = valid_form()
    del data["categories"]  # no box ticked: the browser posts nothing under the name
    response = organiser_client.post_form("/organiser/cycles/new", data, token_from="/organiser/cycles/new")
    assert response.status_code == 302
    cycle = db.session.scalar(sa.select(Cycle))
    assert cycle.categories == []
    page = organiser_client.get(response.headers["Location"])
    assert (
        f"{cycle.name} has been created as a draft with no categories. Add at least one category before you "
        "open it for nominations."
    ) in main_text(page)


def test_a_category_not_offered_is_refused_and_the_ticks_are_kept(organiser_client):
    chosen = [cycles.default_categories()[1]["slug"], "made-up-category"]
    response = organiser_client.post_form(
        "/organiser/cycles/new", valid_form(categories=chosen, name=""), token_from="/organiser/cycles/new"
    )
    assert response.status_code == 200
    assert error_summary(response) == [
        ("#name", "Enter the cycle's name"),
        ("#categories", "Select only categories from the list"),
    ]
    assert [name for name, ticked in category_boxes(response) if ticked] == [CATEGORY_NAMES[1]]
    assert db.session.scalar(sa.select(sa.func.count(Cycle.id))) == 0


def test_with_other_errors_only_the_ticked_categories_stay_ticked(organiser_client):
    chosen = [item["slug"] for item in cycles.default_categories()][:2]
    response = organiser_client.post_form(
        "/organiser/cycles/new", valid_form(categories=chosen, year="20x6"), token_from="/organiser/cycles/new"
    )
    assert error_summary(response) == [("#year", "Year must be a whole number")]
    assert category_boxes(response) == [(name, i < 2) for i, name in enumerate(CATEGORY_NAMES)]


@pytest.mark.parametrize("page", ["new", "edit", "copy"])
def test_each_date_is_its_own_fieldset_named_by_its_legend(organiser_client, page):
    cycle = make_cycle(status="draft")
    url = {
        "new": "/organiser/cycles/new",
        "edit": f"/organiser/cycles/{cycle.slug}/edit",
        "copy": f"/organiser/cycles/{cycle.slug}/copy",
    }[page]
    form = controls(organiser_client.get(url))
    by_id = {c["id"]: c for c in form}
    for name, legend in (
        ("nominations_open", "Nominations open"),
        ("nominations_close", "Nominations close"),
        ("judging_close", "Judging closes (optional)"),
    ):
        for box in ("day", "month", "year"):
            control = by_id[f"{name}_date-{box}"]
            assert (control["legends"], control["label"]) == ([legend], box.capitalize())
        assert (by_id[f"{name}_time"]["legends"], by_id[f"{name}_time"]["label"]) == ([legend], "Time")
    # No box is named "Year" alone: the cycle's own year says what it is, the dates' say which date.
    years = [c for c in form if c["label"] and "year" in c["label"].lower()]
    assert [(c["id"], c["label"]) for c in years if not c["legends"]] == [("year", "Awards year")]
    assert len([c for c in years if c["label"] == "Year"]) == 3


def test_date_errors_link_to_the_box_with_the_problem_inside_its_fieldset(organiser_client):
    data = valid_form(
        nominations_open_date=["31", "2", "2026"],
        nominations_close_date=["28", "", "2026"],
        nominations_close_time="",
        judging_close_date=["1", "10", "2026"],
        judging_close_time="",
    )
    response = organiser_client.post_form("/organiser/cycles/new", data, token_from="/organiser/cycles/new")
    summary = error_summary(response)
    assert summary == [
        ("#nominations_open_date-day", "Date nominations open must be a real date"),
        ("#nominations_close_date-month", "Date nominations close must include a month"),
        ("#nominations_close_time", "Enter the time nominations close"),
        ("#judging_close_time", "Enter the time judging closes"),
    ]
    by_id = {c["id"]: c for c in controls(response)}
    for href, _ in summary:
        assert href[1:] in by_id, f"{href} links to nothing on the page"
    assert by_id["nominations_close_date-month"]["legends"] == ["Nominations close"]
    assert [by_id[f"nominations_open_date-{b}"]["value"] for b in ("day", "month", "year")] == ["31", "2", "2026"]
    html = response.get_data(as_text=True)
    fieldset = re.search(
        r'<fieldset class="govuk-fieldset" role="group" aria-describedby="([^"]+)">\s*<legend[^>]*>'
        r"\s*Nominations close",
        html,
    )
    assert fieldset and fieldset.group(1).split() == ["nominations_close_date-hint", "nominations_close_date-error"]


def test_the_edit_page_has_no_categories_to_tick(organiser_client):
    cycle = make_cycle(status="draft")
    page = organiser_client.get(f"/organiser/cycles/{cycle.slug}/edit")
    assert category_boxes(page) == []
    before = [c.id for c in cycle.categories]
    from tests.support.pages import form_values

    data = form_values(page)
    response = organiser_client.post_form(
        f"/organiser/cycles/{cycle.slug}/edit",
        {**data, "categories": ["x"]},
        token_from=f"/organiser/cycles/{cycle.slug}/edit",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [c.id for c in db.session.get(Cycle, cycle.id).categories] == before
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cycle.updated"))
    assert event is None or "categories" not in event.detail["fields"]
