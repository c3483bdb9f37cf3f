"""Helpers for the browser journeys (tests/e2e): what to launch, the checks every page state must pass, and the
steps several journeys share.

- `check_accessibility(page, label)`: axe-core (from node_modules) for WCAG 2.0/2.1/2.2 A and AA.
- `check_html(page_html, label)` / `check_html_batch(documents)`: the Nu HTML Checker (vnu.jar, Java).
- `assert_no_horizontal_overflow(page, label)`: nothing wider than the viewport.
- `tab_to(page, target)`: keyboard only, each stop must show a visible focus indicator.
- `take_screenshots(page, label)`: desktop and phone PNGs in screenshots/ when AWARDS_SCREENSHOTS=1.
- `PageWatcher`: console errors, uncaught exceptions, failed requests and the HTML the server sent.

The fixtures in tests/e2e/conftest.py put these together (`check_page`); journeys normally use those.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.network import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = PROJECT_ROOT / "screenshots"
AXE_PATH = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = PROJECT_ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

CHROMIUM_PATH = os.environ.get("AWARDS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# A fast-starting JVM: the checker's server starts once per test process (its command line, the fallback, once per
# test, on all the pages the test collected).
JAVA_OPTIONS = ["-Xss8m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"]


def browser_required() -> bool:
    """CI sets AWARDS_REQUIRE_BROWSER=1: a missing browser, Java or npm package is then a failure."""
    return os.environ.get("AWARDS_REQUIRE_BROWSER", "") == "1"


def skip_or_fail(message: str) -> None:
    if browser_required():
        pytest.fail(f"{message} (AWARDS_REQUIRE_BROWSER=1, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(message)


def java_path() -> str | None:
    return shutil.which("java")


def unique_email(prefix: str = "person") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@testshire.gov.uk"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "page"


# --- axe-core -------------------------------------------------------------------------------

_axe_source: str | None = None


def _axe() -> str:
    global _axe_source
    if _axe_source is None:
        if not AXE_PATH.exists():
            skip_or_fail(f"axe-core not found at {AXE_PATH}: run `npm ci` in {PROJECT_ROOT}")
        _axe_source = AXE_PATH.read_text(encoding="utf-8")
    return _axe_source


def inject_axe(page) -> None:
    """Put axe-core from node_modules into the page.

    The app's CSP allows only 'self' and the hashes of its own inline scripts, so `page.add_script_tag(path=...)`
    (an inline <script>) is refused. Rather than turn the CSP off with the context's
    `bypass_csp=True` (which would also hide any real CSP violation of the app from these
    tests), the same file is evaluated through the DevTools protocol, which CSP does not govern.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe())


_AXE_RUN = """async (tags) => {
  const result = await window.axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.map(t => Array.isArray(t) ? t.join(" >>> ") : t).join(" "),
                              html: n.html, summary: n.failureSummary})),
  }));
}"""


def axe_violations(page) -> list[dict]:
    inject_axe(page)
    return page.evaluate(_AXE_RUN, AXE_TAGS)


def format_violations(violations: list[dict], label: str, url: str) -> str:
    lines = [f"axe-core found {len(violations)} accessibility violation(s) on {label!r} ({url}):"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            lines.append(f"    at {node['target']}: {node['html'][:200]}")
            if node.get("summary"):
                lines.append("      " + node["summary"].replace("\n", "\n      "))
    return "\n".join(lines)


def check_accessibility(page, label: str) -> None:
    """Fail, naming each rule, element and the page, if axe finds any WCAG 2.2 AA violation."""
    violations = axe_violations(page)
    if violations:
        pytest.fail(format_violations(violations, label, page.url), pytrace=False)


# --- Nu HTML Checker ------------------------------------------------------------------------


def _vnu_command() -> list[str]:
    java = java_path()
    if not java:
        skip_or_fail("Java not found: the HTML checker (vnu.jar) needs it (apt-get install default-jre-headless)")
    if not VNU_JAR.exists():
        skip_or_fail(f"vnu.jar not found at {VNU_JAR}: run `npm ci` in {PROJECT_ROOT}")
    return [
        java,
        *JAVA_OPTIONS,
        "-jar",
        str(VNU_JAR),
        "--errors-only",
        "--no-langdetect",
        "--format",
        "json",
        "--stdout",
        "--exit-zero-always",
    ]


def _checker_documents_cli(documents: list[tuple[str, str]]) -> list[tuple[str, dict]]:
    """Check the documents in one Java run of the checker's command line; (label, message) pairs."""
    command = _vnu_command()
    with tempfile.TemporaryDirectory(prefix="vnu-") as tmp:
        names = {}
        for n, (label, html) in enumerate(documents):
            path = Path(tmp) / f"{n:03d}-{slug(label)}.html"
            path.write_text(html, encoding="utf-8")
            names[path.resolve().as_uri()] = label
            names["file:" + str(path.resolve())] = label
        result = subprocess.run(
            [*command, *sorted(str(p) for p in Path(tmp).iterdir())], capture_output=True, text=True, timeout=120
        )
    messages = _checker_messages(result.stdout, f"exit {result.returncode}", result.stderr)
    return [(names.get(m.get("url", ""), m.get("url", "?")), m) for m in messages]


def _checker_messages(answer: str, status: str, stderr: str = "") -> list[dict]:
    try:
        return json.loads(answer)["messages"]
    except (ValueError, KeyError):
        pytest.fail(
            f"the HTML checker did not answer in JSON ({status}):\n{answer[-2000:]}\n{stderr[-2000:]}",
            pytrace=False,
        )


class _CheckerServer:
    """The checker as a web service, one per test process: started once (in the background, when the browser
    starts), it then answers each document in milliseconds, where each command-line run starts a JVM (1–2 s, more
    on a busy machine). If it does not come up, the command line is used instead."""

    STARTUP_SECONDS = 90

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.url = ""
        self.started_at = 0.0
        self.ready = False
        self.failed = False

    def start(self) -> None:
        if self.process is not None or self.failed:
            return
        java = java_path()
        if not java or not VNU_JAR.exists():
            self.failed = True
            return
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/?out=json&level=error"
        self.process = subprocess.Popen(
            [
                java,
                *JAVA_OPTIONS,
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(VNU_JAR),
                "nu.validator.servlet.Main",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.started_at = time.monotonic()
        atexit.register(self.stop)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)

    def _post(self, html: str, timeout: float) -> str:
        request = urllib.request.Request(  # noqa: S310 (our own loopback server)
            self.url, data=html.encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 (our own loopback server)
            return answer.read().decode("utf-8")

    def usable(self) -> bool:
        """Whether documents can go to the server (waiting for it to come up, at most STARTUP_SECONDS)."""
        self.start()
        if self.ready:
            return True
        if self.failed or self.process is None:
            return False
        while time.monotonic() - self.started_at < self.STARTUP_SECONDS and self.process.poll() is None:
            try:
                self._post("<!doctype html><title>up</title>", timeout=5)
            except OSError:
                time.sleep(0.3)
                continue
            self.ready = True
            return True
        self.failed = True
        self.stop()
        return False

    def check(self, documents: list[tuple[str, str]]) -> list[tuple[str, dict]]:
        found = []
        for label, html in documents:
            found += [(label, m) for m in _checker_messages(self._post(html, timeout=120), "the checker server")]
        return found


_checker_server = _CheckerServer()


def start_html_checker() -> None:
    """Start this process's checker server in the background (the browser fixture calls it)."""
    _checker_server.start()


def html_errors(documents: list[tuple[str, str]]) -> dict[str, list[dict]]:
    """Check (label, html) documents; return {label: [error messages]}."""
    if not documents:
        return {}
    if _checker_server.usable():
        found = _checker_server.check(documents)
    else:
        found = _checker_documents_cli(documents)
    errors: dict[str, list[dict]] = {}
    for label, message in found:
        if message.get("type") == "error" or message.get("subType") == "fatal":
            errors.setdefault(label, []).append(message)
    return errors


def format_html_errors(errors: dict[str, list[dict]], urls: dict[str, str] | None = None) -> str:
    count = sum(len(m) for m in errors.values())
    lines = [f"the Nu HTML Checker found {count} error(s):"]
    for label, messages in errors.items():
        where = f" ({urls[label]})" if urls and label in urls else ""
        lines.append(f"- {label!r}{where}:")
        for m in messages:
            line = m.get("lastLine", "?")
            extract = (m.get("extract") or "").strip().replace("\n", " ")
            extract = re.sub(r"\s+", " ", extract)[:160]
            lines.append(f"    line {line}: {m.get('message')}")
            if extract:
                lines.append(f"      near: {extract}")
    return "\n".join(lines)


def check_html_batch(documents: list[tuple[str, str]], urls: dict[str, str] | None = None) -> None:
    """Fail listing every error if any of the (label, html) documents is not valid HTML."""
    errors = html_errors(documents)
    if errors:
        pytest.fail(format_html_errors(errors, urls), pytrace=False)


def check_html(page_html: str, label: str) -> None:
    check_html_batch([(label, page_html)])


# --- layout, keyboard, screenshots -----------------------------------------------------------


def assert_no_horizontal_overflow(page, label: str) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if widths[0] > widths[1]:
        culprits = page.evaluate("""() => {
          // The innermost elements that stick out of the viewport or whose content is wider than them.
          const w = window.innerWidth;
          const wide = [...document.querySelectorAll("body *")].filter(el => {
            if (el.matches("input, textarea, select, script, style")) return false;
            const box = el.getBoundingClientRect();
            return box.width > 1 && (box.right > w + 0.5 || el.scrollWidth > el.clientWidth + 1);
          });
          return wide.filter(el => !wide.some(other => other !== el && el.contains(other))).slice(0, 5)
            .map(el => el.tagName.toLowerCase()
                       + (typeof el.className === "string" && el.className.trim()
                          ? "." + el.className.trim().split(/\\s+/).join(".") : "")
                       + ` "${(el.innerText || "").trim().slice(0, 50)}"`);
        }""")
        pytest.fail(
            f"{label!r} ({page.url}) scrolls sideways: the page is {widths[0]}px wide in a "
            f"{widths[1]}px viewport; too wide: {', '.join(culprits) or '?'}",
            pytrace=False,
        )


_FOCUS_INFO = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {name: "body", visible: false};
  const shows = (style) => style && ((style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0
      && style.outlineColor !== "rgba(0, 0, 0, 0)") || (style.boxShadow && style.boxShadow !== "none"));
  let visible = shows(getComputedStyle(el));
  // GOV.UK checkboxes and radios hide the native input and draw the focus ring on the label.
  if (!visible && el.matches("input[type=checkbox], input[type=radio]") && el.labels && el.labels[0]) {
    visible = shows(getComputedStyle(el.labels[0], "::before")) || shows(getComputedStyle(el.labels[0], "::after"));
  }
  const text = (el.getAttribute("aria-label") || el.innerText || el.value || el.name || "").trim().slice(0, 40);
  const label = el.labels && el.labels[0] ? el.labels[0].innerText.trim().slice(0, 40) : "";
  return {name: `${el.tagName.toLowerCase()} "${label || text}"`, visible};
}"""


def focused_element(page) -> dict:
    return page.evaluate(_FOCUS_INFO)


def assert_focus_visible(page) -> None:
    info = focused_element(page)
    assert info["visible"], f"no visible focus indicator on {info['name']} ({page.url})"


def is_focused(locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def tab_to(page, target, *, backwards: bool = False, max_presses: int = 60) -> None:
    """Press Tab (Shift+Tab when backwards) until `target` (a locator) has the focus.

    Every element the focus stops at on the way must show a visible focus indicator.
    """
    key = "Shift+Tab" if backwards else "Tab"
    seen = []
    for _ in range(max_presses):
        page.keyboard.press(key)
        info = focused_element(page)
        seen.append(info["name"])
        assert info["visible"], f"no visible focus indicator on {info['name']} ({page.url})"
        if is_focused(target):
            return
    pytest.fail(
        f"{key} never reached {target} in {max_presses} presses on {page.url}; focus went: {' → '.join(seen[:25])}",
        pytrace=False,
    )


def screenshots_wanted() -> bool:
    return os.environ.get("AWARDS_SCREENSHOTS", "") == "1"


def take_screenshots(page, label: str) -> list[Path]:
    """Full-page PNGs at desktop (1280) and phone (375) widths; the viewport is put back after."""
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    original = page.viewport_size
    paths = []
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        path = SCREENSHOT_DIR / f"{slug(label)}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    if original:
        page.set_viewport_size(original)
    return paths


# --- what happened in the page --------------------------------------------------------------


@dataclass
class PageWatcher:
    """Listens to a page: console errors, uncaught exceptions, failed sub-resources, and the
    last HTML document the server sent (what the Nu checker must see, not the DOM after scripts)."""

    page: object
    problems: list[str] = field(default_factory=list)
    document: object = None  # the last main-frame document Response

    def __post_init__(self):
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"uncaught JavaScript error: {error}"))
        self.page.on("response", self._response)
        self.page.on("requestfailed", self._request_failed)

    def _is_document(self, request) -> bool:
        return request.resource_type == "document" and request.frame == self.page.main_frame

    def _console(self, message) -> None:
        # "Failed to load resource" repeats what _response records, and a 4xx page is fine
        # when the test asks for it: the test checks its own page's status.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(f"console error: {message.text}")

    def _response(self, response) -> None:
        if self._is_document(response.request):
            if not 300 <= response.status < 400:
                self.document = response
        elif response.status >= 400:
            self.problems.append(f"{response.status} for {response.request.resource_type} {response.url}")

    def _request_failed(self, request) -> None:
        # ERR_ABORTED: the page moved on before a sub-resource finished, which is not a fault.
        if not self._is_document(request) and "ERR_ABORTED" not in (request.failure or ""):
            self.problems.append(f"request failed: {request.resource_type} {request.url} ({request.failure})")

    def take_problems(self) -> list[str]:
        problems, self.problems = self.problems, []
        return problems

    def document_html(self) -> str:
        if self.document is None:
            return self.page.content()
        try:
            return self.document.text()
        except Exception:  # the body is gone (rare): the DOM is the next best thing
            return self.page.content()


# --- journeys' building blocks ----------------------------------------------------------------


# Resolves after the browser has laid the page out again (two animation frames).
_LAID_OUT = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def narrowed(page, size: dict = PHONE) -> None:
    """The open page at another width (375 px by default), laid out again before it is checked."""
    page.set_viewport_size(size)
    page.evaluate(_LAID_OUT)


def sign_in(page, email: str, password: str) -> None:
    """Sign in through the form, as a person would."""
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    # Signed in: the header has "Sign out" (on a phone, inside the menu until it is opened).
    page.get_by_role("button", name="Sign out", include_hidden=True).wait_for(state="attached")


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="Sign in").first.wait_for()


class Steps:
    """A journey's pages, with check_page on each state; on a phone, also no sideways scrolling."""

    def __init__(self, page, check_page, label: str, *, phone: bool = False):
        self.page, self._check, self.label, self.phone = page, check_page, label, phone

    def check(self, state: str) -> None:
        if self.phone:
            assert_no_horizontal_overflow(self.page, f"{self.label}: {state}")
        self._check(self.page, f"{self.label}: {state}", screenshot=not self.phone)

    def nav(self, link: str) -> None:
        """Follow a main-menu link, opening the phone's Menu first when it is folded."""
        menu = self.page.get_by_role("button", name="Menu")
        if menu.is_visible() and menu.get_attribute("aria-expanded") == "false":
            menu.click()
        self.page.get_by_role("navigation", name="Main menu").get_by_role("link", name=link, exact=True).click()


# ---------------------------------------------------------------- steps several journeys share


def heading(page):
    """The page's main heading (h1)."""
    return page.get_by_role("heading", level=1)


def error_box(page):
    """The GOV.UK error summary ("There is a problem"), as an alert a screen reader announces."""
    return page.get_by_role("alert").filter(has_text="There is a problem")


def make_organiser(live_server):
    """An organiser, with the trends a new cycle offers seeded."""
    from awards.domain.programme import taxonomy

    live_server.run(taxonomy.seed_trends)  # the trends a new cycle offers
    return live_server.make_user(name="Olu Organiser", roles=("organiser",))


def results_set_up() -> dict:
    """A cycle in judging: 2 judges have each submitted scores for 3 nominations (9, 5 and 7 on
    every criterion), in one category whose shortlist is two. Plain values come back."""
    from awards.domain.core.clock import utcnow
    from awards.extensions import db
    from awards.models import Assignment, Review, ReviewScore, ReviewStatus
    from tests.factories import make_cycle, make_judge, make_nomination

    cycle = make_cycle(name="Public Sector Digital Awards 2026", status="judging", judges_per_nomination=2)
    category = cycle.categories[0]
    category.shortlist_size = 2
    db.session.commit()
    judges = [make_judge(cycle, email=f"scorer{i}@judges.example.org") for i in range(2)]
    titles = ["Community alarms that call back", "Bin collections by text", "Open planning data"]
    nominations = [make_nomination(cycle, category=category, title=t) for t in titles]
    now = utcnow()
    for nomination, value in zip(nominations, (9, 5, 7), strict=True):
        for judge in judges:
            assignment = Assignment(
                round_id=cycle.rounds[0].id,
                judge_id=judge.id,
                nomination_id=nomination.id,
                created_at=now,
                no_conflict_declared_at=now,
            )
            db.session.add(assignment)
            db.session.flush()
            review = Review(
                assignment_id=assignment.id,
                status=ReviewStatus.SUBMITTED,
                created_at=now,
                updated_at=now,
                submitted_at=now,
            )
            review.scores = [ReviewScore(criterion_id=c.id, value=value) for c in cycle.rounds[0].criteria]
            db.session.add(review)
    db.session.commit()
    return {"slug": cycle.slug, "name": cycle.name, "references": [n.reference for n in nominations], "titles": titles}
