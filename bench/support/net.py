"""Loopback HTTP for the benchmarks that talk to a gunicorn: a free port, one request over plain
http.client (gunicorn's sync workers close each connection), cookies, and stopping a server."""

from __future__ import annotations

import http.client
import socket
import subprocess
from urllib.parse import urlencode


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(
    port: int,
    method: str,
    path: str,
    *,
    form: dict | None = None,
    cookies: dict | None = None,
    extra: dict | None = None,
    timeout: float = 60,
) -> tuple[int, list[tuple[str, str]], str]:
    """One request to 127.0.0.1:port: the status, the response's headers and its text."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Host": f"127.0.0.1:{port}", **(extra or {})}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def take_cookies(headers: list[tuple[str, str]], cookies: dict) -> None:
    """Keep the cookies a response sets (name and value only)."""
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            cookies[key.strip()] = rest.split(";", 1)[0]


def stop(process: subprocess.Popen, timeout: float) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL if it has not exited within timeout seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
