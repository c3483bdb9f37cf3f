"""One nominee's turn on deadline night (issue 19, item 1), in one process: the CPU time of opening a section page,
posting the save and opening the task list the 302 leads to, each beside the minimal endpoint measured the same way
in the same run, and (--profile) where the time goes.

What bench/deadline.py's nominees do, without sockets, gunicorn or the other people: the app is made as gunicorn
makes it (wsgi.py: production settings from the environment, CSRF on, gc.freeze) on a fresh database migrated with
`flask db upgrade` (a SQLite file in a temporary directory, or with --database postgresql a PostgreSQL database
`awards_nominee_turn_bench`, dropped and made again); an open cycle with the default entry form and one nominee with
a complete draft (the test factories, as bench/deadline.py seeds them), signed in through the real sign-in form.
Each turn opens one of the long-answer sections (challenge, approach, lessons in turn), posts every field of it as a
browser would with new text of about 80 words in the long answer, and follows the redirect to the task list. Every
save changes the data version, so the kept pages (awards/web/personal_cache.py) are built again each time, as on
deadline night.

The figures are the median over --batches batches of the CPU milliseconds a request (time.process_time), for each of
the three requests, and a turn's sum; *units* are those milliseconds over the minimal endpoint's
(bench/support/minimal_app.py through its own test client), measured in batches between the app's in the same
process, so that the ratio holds however busy the machine is.

    .venv/bin/python bench/nominee_turn.py [--turns 40] [--batches 5] [--database sqlite|postgresql]
    .venv/bin/python bench/nominee_turn.py --profile [--turns 60] [--top 40] [--dump turn.pstats]   # cProfile
    .venv/bin/python bench/nominee_turn.py --statements               # the SQL of one turn, request by request
"""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import sys
from datetime import timedelta
from urllib.parse import urlsplit

from support import ROOT
from support.in_process import Client
from support.turns import TimedTurns, arguments, run

SECTIONS = ("challenge", "approach", "lessons")  # one long answer each in the default form (as bench/deadline.py)
KINDS = ("section page", "save section", "task list")
WORDS = (
    "residents council service data digital team housing repairs online forms users tested weekly improved "
    "accessible plain language partners shared code open standards cost saved calls reduced support staff trained"
).split()
EMAIL = "nominee@turn.example.gov.uk"
PASSWORD = "turn-bench-Password-41-lamps"  # noqa: S105 (a throwaway person in a throwaway database)


def _text(rng: random.Random, section: str, k: int) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(72))
    return f"Save {k} of {section}. {words.capitalize()}."


def _seed(app) -> str:
    """An open cycle with the default form and one nominee's complete draft: its reference."""
    from awards.domain.core.clock import utcnow
    from awards.extensions import db
    from tests.factories import make_cycle, make_nomination, make_user

    with app.app_context():
        cycle = make_cycle(name="Deadline night awards", year=2027, close_at=utcnow() + timedelta(hours=6))
        user = make_user(email=EMAIL, password=PASSWORD)
        reference = make_nomination(cycle, nominator=user, status="draft").reference
        db.session.remove()
    return reference


def _fields(page: str, action: str) -> dict[str, str]:
    sys.path.insert(0, str(ROOT / "bench"))
    from deadline import form_fields

    return form_fields(page, action)


class Turns(TimedTurns):
    """The nominee's turns: a section page, its save, the task list."""

    def __init__(self, client: Client, reference: str):
        super().__init__(KINDS)
        self.client, self.reference = client, reference
        self.rng = random.Random(19)
        self.k = 0

    def turn(self) -> None:
        self.k += 1
        section = SECTIONS[self.k % len(SECTIONS)]
        path = f"/nominations/{self.reference}/{section}"
        page = self.timed("section page", lambda: self.client.get(path))
        if page.status_code != 200:
            raise SystemExit(f"section page: {page.status_code}")
        form = _fields(page.get_data(as_text=True), path)
        if "csrf_token" not in form or "based_on" not in form:
            raise SystemExit("section page without its csrf_token or based_on")
        form[section] = _text(self.rng, section, self.k)
        saved = self.timed("save section", lambda: self.client.post(path, form))
        location = saved.headers.get("Location", "")
        if saved.status_code != 302 or not location.split("#")[0].endswith(f"/nominations/{self.reference}"):
            raise SystemExit(f"save: {saved.status_code} {location}")
        parts = urlsplit(location)
        tasks = self.timed("task list", lambda: self.client.get(parts.path))
        if tasks.status_code != 200:
            raise SystemExit(f"task list: {tasks.status_code}")


# Where a turn's time goes: the cumulative time of these functions (they overlap: the save's commit is inside the
# view, the task list's statuses inside its view), as shares of the whole.
AREAS = (
    ("the three requests, in all", "werkzeug/test.py", "open"),
    ("templates (render_template)", "flask/templating.py", "_render"),
    ("finding the entry (get_by_reference)", "nominations/entries.py", "get_by_reference"),
    ("the task list's statuses (entries.task_list)", "nominations/entries.py", "task_list"),
    ("the sections asked (entries.sections_for)", "nominations/entries.py", "sections_for"),
    ("checking answers (answers.check_section)", "nominations/answers.py", "check_section"),
    ("the questions shown (entry_fields.shown_questions)", "web/entry_fields.py", "shown_questions"),
    ("the section's stamp (answers.section_hash)", "nominations/answers.py", "section_hash"),
    ("saving (entries.save_section)", "nominations/entries.py", "save_section"),
    ("committing (Session.commit)", "sqlalchemy/orm/session.py", "commit"),
    ("loading the person (Flask-Login _load_user)", "flask_login/login_manager.py", "_load_user"),
    ("before-request functions", "flask/app.py", "preprocess_request"),
    ("after-request functions", "flask/app.py", "process_response"),
    ("SQL statements (execute)", "sqlalchemy/engine/base.py", "_execute_context"),
    ("the kept pages' version (read_version)", "models/versions.py", "read_version"),
)


def _shares(stats: pstats.Stats) -> None:
    found = {label: 0.0 for label, _, _ in AREAS}
    for (path, _line, name), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        for label, where, function in AREAS:
            if path.endswith(where) and name == function:
                found[label] += cumulative
    whole = found[AREAS[0][0]] or 1.0
    print("Shares of the three requests' time (cumulative, overlapping):")
    for label, seconds in found.items():
        print(f"  {label:<58} {seconds / whole:>6.1%}")


def main() -> int:
    parser = arguments(__doc__.split("\n\n")[0], turns=40)
    parser.add_argument("--profile", action="store_true", help="cProfile --turns turns and print the top functions")
    parser.add_argument("--top", type=int, default=40, help="functions shown per profile listing (default 40)")
    parser.add_argument("--dump", help="with --profile: also write the pstats file here (for pstats or snakeviz)")
    args = parser.parse_args()

    def profiled(turns: TimedTurns) -> bool:
        if not args.profile:
            return False
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.turns):
            turns.turn()
        profiler.disable()
        if args.dump:
            profiler.dump_stats(args.dump)
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        print(f"==== {args.turns} turns\n{out.getvalue()}")
        _shares(stats)
        return True

    return run(args, "nominee-turn", (EMAIL, PASSWORD), lambda app, client: Turns(client, _seed(app)), profiled)


if __name__ == "__main__":
    sys.exit(main())
