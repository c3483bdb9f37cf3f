"""The public library's test shelf: the titles and names the `shelf` fixture (tests/web/conftest.py)
publishes, or keeps off the site."""

from __future__ import annotations

SECRET_TITLE, SECRET_ORG = "Confidential fraud analytics", "Hushville District Council"
WITHDRAWN_TITLE = "Withdrawn chatbot pilot"
PUBLIC_TITLES = ["Smarter bin collections", "Faster GP triage", "Digital library cards", "Cyber drills for schools"]
