"""The app in this process, asked as production is: a test client whose requests name the host the app is
configured with (production trusts only that one), for the benchmarks that time requests in one process."""

from __future__ import annotations

BASE = "http://127.0.0.1:5000"  # AWARDS_BASE_URL of the apps these benchmarks make


class Client:
    """A test client whose requests name the configured host."""

    def __init__(self, app):
        self.client = app.test_client()

    def get(self, path: str):
        return self.client.get(path, base_url=BASE)

    def post(self, path: str, data: dict):
        return self.client.post(path, data=data, base_url=BASE)
