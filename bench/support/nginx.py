"""nginx (Debian's package) in front of several app servers on loopback, for bench/deadline.py --servers 2 and
`make two-servers-check`: the configuration is written into a directory of the caller's (no system service, no
port below 1024, nothing under /etc or /var), and nginx runs in the foreground as a child process.

What the configuration says, and why (docs/operations.md, "Two app servers", explains it for an operator):

- one `upstream` with every app server, `max_fails=1 fail_timeout=10s`: nginx's open-source edition has only
  passive health checks, so a server that refuses a connection or drops one is left out for 10 s after one failure,
  then tried again;
- `proxy_next_upstream error timeout` (nginx's default, written out): a request that could not be *sent* (a
  connection refused: the server is down) goes to the next server whatever its method. Once a request has been sent,
  nginx passes it on to another server only if it is idempotent (GET, HEAD, PUT, DELETE, OPTIONS, TRACE): a POST
  whose server dies while it runs is not sent twice (`non_idempotent` is deliberately absent), since the first
  server may have committed it. The person gets the 502 page below, which says their last change may or may not
  have been saved; the app's own conflict check (a section's `based_on`, a score sheet's version) keeps a repeated
  save from overwriting anything unseen;
- `proxy_next_upstream_tries 2`, `proxy_connect_timeout 2s`: one more server at most, and a dead one costs little;
- `Host`, `X-Forwarded-For` and `X-Forwarded-Proto` passed on (the app trusts `TRUSTED_PROXY_COUNT` hops of
  `X-Forwarded-For`);
- `client_max_body_size` a little over the app's `MAX_CONTENT_LENGTH` (50 MB), so the app's own 413 page is the one
  people see; request bodies are buffered by nginx before a server is chosen (the default), so a slow upload holds
  no app worker;
- the access log records which server answered (`$upstream_addr`) and its status (`$upstream_status`: "502, 302"
  is a request that failed on one server and was answered by the next).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from support.net import request

ERROR_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Sorry, there is a problem with the service</title></head>
<body>
<h1>Sorry, there is a problem with the service</h1>
<p>Your last change may not have been saved.</p>
<p>Go back, check what the page shows, and save it again if you need to.</p>
</body>
</html>
"""


def nginx_binary() -> str | None:
    """Debian's nginx (`apt-get install nginx`), which is in /usr/sbin, often not on a user's PATH."""
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def configuration(directory: Path, port: int, upstreams: list[int], max_body_mb: int = 51) -> str:
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in upstreams)
    return f"""# Written by bench/support/nginx.py for one run; see docs/operations.md, "Two app servers".
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
daemon off;

events {{
    worker_connections 2048;
}}

http {{
    client_body_temp_path {directory}/client_body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;

    log_format upstreams '$remote_addr [$time_iso8601] "$request" $status $body_bytes_sent '
                         'upstream=$upstream_addr upstream_status=$upstream_status time=$request_time';
    access_log {directory}/access.log upstreams;

    client_max_body_size {max_body_mb}m;
    server_tokens off;

    upstream awards {{
{servers}
    }}

    server {{
        listen 127.0.0.1:{port};

        location / {{
            proxy_pass http://awards;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_next_upstream error timeout;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 2s;
            proxy_read_timeout 120s;
        }}

        error_page 502 504 /problem.html;
        location = /problem.html {{
            root {directory}/html;
            internal;
        }}
    }}
}}
"""


def start_nginx(directory: Path, port: int, upstreams: list[int]) -> subprocess.Popen:
    """nginx in the foreground on 127.0.0.1:port, balancing `upstreams`, once it answers (any status)."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed: apt-get install nginx (Debian's package)")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "html").mkdir(exist_ok=True)
    (directory / "html" / "problem.html").write_text(ERROR_PAGE)
    config = directory / "nginx.conf"
    config.write_text(configuration(directory, port, upstreams))
    # Run as root (CI), nginx's workers drop to `nobody`, which must reach the error page and the temp folders.
    for path in (directory, directory / "html", directory / "html" / "problem.html"):
        path.chmod(0o755)
    log = open(directory / "nginx.out", "wb")
    process = subprocess.Popen(
        [binary, "-p", str(directory), "-c", str(config), "-e", str(directory / "error.log")],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited early: {(directory / 'nginx.out').read_text(errors='replace')}")
        try:
            request(port, "GET", "/healthz", timeout=5)
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("nginx did not answer within 20 s")


def upstream_summary(directory: Path) -> dict[str, int]:
    """How many requests each server answered, and how many were passed on after a failure, from the access log."""
    counts: dict[str, int] = {}
    log = directory / "access.log"
    if not log.exists():
        return counts
    for line in log.read_text(errors="replace").splitlines():
        addresses = line.partition(" upstream=")[2].partition(" ")[0]
        if "," in addresses:
            counts["passed on to another server"] = counts.get("passed on to another server", 0) + 1
        last = addresses.split(",")[-1].strip() or "(none)"
        counts[last] = counts.get(last, 0) + 1
    return counts
