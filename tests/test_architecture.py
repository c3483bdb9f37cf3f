"""The names the import contracts cannot see: import-linter (pyproject.toml, run by `make lint`) checks modules,
and the request, the session and the signed-in user are names inside `flask` and `flask_login`. The domain and
the models never read them: a domain function is given the acting user and the instant, so the same rule runs
from a page, a command or a test."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

AWARDS = Path(__file__).resolve().parent.parent / "awards"
CHECKED = sorted([*(AWARDS / "domain").rglob("*.py"), *(AWARDS / "models").rglob("*.py")])

# Names of the request's world that no domain or model module may import.
REQUEST_NAMES = {
    "flask": {"request", "session", "g", "redirect", "url_for", "flash", "abort", "make_response"},
    "flask_login": {"current_user", "login_user", "logout_user", "login_required"},
}
# E-mails are written where they are queued (the outbox row commits with the decision): only the mail module
# renders, and only e-mail templates (it checks the name); it may send after the response when there is one.
ALLOWED = {
    ("domain/core/mail.py", "flask", "render_template"),
    ("domain/core/mail.py", "flask", "after_this_request"),
    ("domain/core/mail.py", "flask", "has_request_context"),
}
RENDERING = {
    "render_template",
    "render_template_string",
    "after_this_request",
    "has_request_context",
    "stream_template",
}


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                yield node.module, alias.name, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno


def test_the_domain_and_the_models_are_checked_at_all():
    names = {p.relative_to(AWARDS).as_posix() for p in CHECKED}
    assert "domain/core/mail.py" in names and "models/users.py" in names and len(names) > 40


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: p.relative_to(AWARDS).as_posix())
def test_no_domain_or_model_module_reads_the_request_the_session_or_the_signed_in_user(path):
    where = path.relative_to(AWARDS).as_posix()
    found = []
    for module, name, line in _imports(path):
        top = module.split(".")[0]
        if name is None and module in ("flask.globals", "flask_login.utils"):
            found.append(f"line {line}: import {module}")
        forbidden = REQUEST_NAMES.get(module, set()) | (RENDERING if top == "flask" else set())
        if name in forbidden and (where, module, name) not in ALLOWED:
            found.append(f"line {line}: from {module} import {name}")
    assert not found, f"{where} reads the request's world: {found}"
