"""The app's Jinja environment (awards/template_environment.py) answers a macro import's question about globals
faster, and must answer it as Jinja's own does: a template sees the globals as they are when it renders."""

from __future__ import annotations

import pytest
from flask.templating import Environment
from jinja2 import DictLoader

from awards.template_environment import AwardsEnvironment

TEMPLATES = {
    "parts.html": "{% macro greet() %}{{ greeting }}, {{ name }}{% endmacro %}",
    "page.html": '{% from "parts.html" import greet %}{{ greet() }}',
    "page_with_context.html": '{% from "parts.html" import greet with context %}{{ greet() }}',
    "page_own_global.html": '{% from "parts.html" import greet %}{{ greet() }} / {{ only_here }}',
}


def _environment(app, kind):
    environment = kind(app, loader=DictLoader(TEMPLATES))
    environment.globals.update(greeting="Hello", name="Cymru")
    return environment


@pytest.mark.parametrize("page", ["page.html", "page_with_context.html"])
def test_imports_read_the_globals_as_jinja_does_also_one_added_after_the_templates_were_loaded(app, page):
    rendered = {}
    for kind in (Environment, AwardsEnvironment):
        environment = _environment(app, kind)
        first = environment.get_template(page).render()
        environment.globals["name"] = "Caerdydd & Co 🏆"  # changed after both templates were loaded and used
        environment.globals["extra"] = "added later"
        rendered[kind] = (first, environment.get_template(page).render())
    assert rendered[AwardsEnvironment] == rendered[Environment]
    assert rendered[AwardsEnvironment][0] == "Hello, Cymru"


def test_a_templates_own_globals_stay_its_own(app):
    environment = _environment(app, AwardsEnvironment)
    page = environment.get_template("page_own_global.html", globals={"only_here": "mine"})
    assert page.render() == "Hello, Cymru / mine"
    assert "only_here" not in environment.globals
    assert environment.get_template("parts.html").globals.keys() >= {"greeting", "name"}


def test_the_app_renders_with_it(app):
    assert isinstance(app.jinja_env, AwardsEnvironment)
