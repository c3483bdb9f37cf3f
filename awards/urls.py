"""Absolute links for e-mails, built from the configured BASE_URL and never from
the request's Host header (so a forged Host cannot poison a reset link)."""

from __future__ import annotations

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    adapter = current_app.url_map.bind("localhost", script_name="/")
    return base + adapter.build(endpoint, values, force_external=False)
