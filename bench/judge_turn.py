"""One judge's turn on deadline night (issue 19, item 1), in one process: the CPU time of opening a score sheet,
saving it as a draft and opening it again from the redirect, each beside the minimal endpoint measured the same way
in the same run.

What bench/deadline.py's judges do, without sockets, gunicorn or the other people: the app made as gunicorn makes it
(wsgi.py: production settings from the environment, CSRF on, gc.freeze) on a fresh database migrated with
`flask db upgrade` (SQLite in a temporary directory, or with --database postgresql a database
`awards_judge_turn_bench`, dropped and made again); a cycle in judging with the default criteria, one judge with
--entries complete submitted entries assigned (each declared free of conflict), signed in through the real form.
Each turn opens one of the entries' score sheets, posts a draft (three criteria scored and an overall comment, as
bench/deadline.py does) and follows the redirect back to the sheet. Every save changes the data version, so the
judge's kept pages (awards/web/personal_cache.py) are built again each time, as on deadline night.

The figures are the median over --batches batches of each request's CPU milliseconds (time.process_time), and a
turn's sum; *units* are those milliseconds over the minimal endpoint's (bench/support/minimal_app.py through its
own test client), measured between the batches in the same process.

    .venv/bin/python bench/judge_turn.py [--turns 30] [--batches 5] [--database sqlite|postgresql]
    .venv/bin/python bench/judge_turn.py --statements                 # the SQL of one turn, request by request
"""

from __future__ import annotations

import sys
from datetime import timedelta

from deadline import draft_sheet  # the same draft as deadline night's judges post
from support.in_process import Client
from support.turns import TimedTurns, arguments, run

KINDS = ("score page", "save scores", "page again")
EMAIL = "judge@turn.example.org"
PASSWORD = "judge-turn-Password-52-kettles"  # noqa: S105 (a throwaway person in a throwaway database)


def _seed(app, entries: int) -> list[str]:
    """A cycle in judging, one judge with `entries` submitted entries assigned: their references."""
    from awards.domain.core.clock import utcnow
    from awards.extensions import db
    from tests.factories import make_assignment, make_cycle, make_judge, make_nomination, make_user

    with app.app_context():
        now = utcnow()
        cycle = make_cycle(
            name="Deadline night awards",
            year=2027,
            status="judging",
            open_at=now - timedelta(days=60),
            close_at=now - timedelta(days=1),
        )
        judge = make_judge(cycle, make_user(email=EMAIL, password=PASSWORD, roles=("judge",)))
        references = []
        for _ in range(entries):
            nomination = make_nomination(cycle, nominator=make_user())
            make_assignment(judge, nomination, no_conflict_declared=True)
            references.append(nomination.reference)
        db.session.remove()
    return references


class Turns(TimedTurns):
    """The judge's turns: a score sheet, its draft saved, the sheet again."""

    def __init__(self, client: Client, references: list[str]):
        super().__init__(KINDS)
        self.client, self.references = client, references
        self.k = 0

    def turn(self) -> None:
        self.k += 1
        path = f"/judging/nominations/{self.references[self.k % len(self.references)]}"
        page = self.timed("score page", lambda: self.client.get(path))
        form = draft_sheet(
            page.get_data(as_text=True),
            f"Draft {self.k}: clear evidence of users' needs, measured results.",
            lambda: 3 + self.k % 5,
        )
        if page.status_code != 200 or form is None:
            raise SystemExit(f"score page: {page.status_code}")
        saved = self.timed("save scores", lambda: self.client.post(path, form))
        if saved.status_code != 302 or not saved.headers.get("Location", "").endswith(path):
            raise SystemExit(f"save: {saved.status_code} {saved.headers.get('Location')}")
        again = self.timed("page again", lambda: self.client.get(path))
        if again.status_code != 200:
            raise SystemExit(f"page again: {again.status_code}")


def main() -> int:
    parser = arguments(__doc__.split("\n\n")[0], turns=30)
    parser.add_argument("--entries", type=int, default=10, help="entries assigned to the judge (default 10)")
    args = parser.parse_args()
    return run(args, "judge-turn", (EMAIL, PASSWORD), lambda app, client: Turns(client, _seed(app, args.entries)))


if __name__ == "__main__":
    sys.exit(main())
