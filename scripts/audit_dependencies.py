"""Audit the installed (locked) Python dependencies for known vulnerabilities with pip-audit.

Exit 0 with a printed notice when pip-audit is not installed or its vulnerability data (PyPI's
per-release JSON API) cannot be reached, so an offline machine or CI never fails for want of a
network; otherwise pip-audit's own exit status: 1 when a known vulnerability is found (or some
dependency could not be checked, --strict), 0 when every dependency was checked and none is.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import subprocess
import sys
import urllib.error
import urllib.request

PROBE = "https://pypi.org/pypi/pip/{version}/json"


def notice(message: str) -> int:
    print(f"Dependency audit SKIPPED: {message}", file=sys.stderr)
    return 0


def main() -> int:
    if os.environ.get("AWARDS_SKIP_AUDIT"):
        return notice("AWARDS_SKIP_AUDIT is set")
    if importlib.util.find_spec("pip_audit") is None:
        return notice("pip-audit is not installed (pip install -e '.[dev]')")
    url = PROBE.format(version=importlib.metadata.version("pip"))
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (a fixed https URL)
            response.read(1)
    except (urllib.error.URLError, OSError) as error:
        return notice(
            f"PyPI's vulnerability data is not reachable from here ({url}: {error}). Run `make audit` where it is."
        )
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "--strict",
        "--skip-editable",
        "--progress-spinner",
        "off",
        *sys.argv[1:],
    ]
    print("$ " + " ".join(command[2:]), file=sys.stderr)
    return subprocess.call(command)  # noqa: S603 (our own interpreter and arguments)


if __name__ == "__main__":
    sys.exit(main())
