"""What one request does before its answer is ready: to show two answers cost the same work."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request_finished, template_rendered

from awards.extensions import db


def work_until_answered(app, client, url: str, data: dict) -> tuple[list[str], list[str]]:
    """(first word of each SQL statement, name of each template rendered) of one form POST to `url`
    with a real CSRF token, until its response is ready to send (work after the response is not counted)."""
    statements: list[str] = []
    templates: list[str] = []
    answered: list[bool] = []

    def on_sql(conn, cursor, statement, *args):
        if not answered:
            statements.append(statement.split()[0].upper())

    def on_template(sender, template, context, **extra):
        if not answered:
            templates.append(template.name)

    def on_finished(sender, response, **extra):
        answered.append(True)

    token = client.csrf_token(url)
    sa.event.listen(db.engine, "before_cursor_execute", on_sql)
    template_rendered.connect(on_template, app)
    request_finished.connect(on_finished, app)
    try:
        response = client.post(url, data={**data, "csrf_token": token})
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", on_sql)
        template_rendered.disconnect(on_template, app)
        request_finished.disconnect(on_finished, app)
    assert response.status_code == 200 and answered
    return statements, templates
