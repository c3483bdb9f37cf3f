"""A database at scale for the benchmarks, built once with `seed-scale` and then reused.

Not a benchmark itself (`make bench` runs it too, and then it only makes sure the default scale
database exists). The cached SQLite file lives in bench/.data/ (git-ignored), named by the scale,
the migration head and a digest of the code that builds it, so a new or edited migration or a change
to awards/devdata/scale.py builds a new one. A PostgreSQL database given by --database-url is
created if missing and rebuilt when its key (kept as the database's comment) differs.

    .venv/bin/python bench/scale_db.py [--nominations N --judges J --cases C] [--custom-form]
        [--rounds 2 [--finalists F] [--first-round pass_fail|scores]] [--database-url URL] [--rebuild]

With --custom-form every cycle asks seed-scale's 30-question designed form (a repeating group, a
section for one category, a conditional question) instead of the default form; it is a database
of its own (its own cache file, its own key). With --rounds 2 the cycle being judged is seed-scale's
two-round cycle (issue 15: round 1 over every entry, the top --finalists advanced into a final round 2
with a smaller panel), also a database of its own per round-1 mode and number of finalists.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import subprocess
import sys
import time

import sqlalchemy as sa
from support import ROOT  # before awards: it puts the project root on sys.path

from awards import create_app
from awards.extensions import db

DATA = ROOT / "bench" / ".data"
DEFAULT_SCALE = {"nominations": 10_000, "judges": 300, "cases": 1_000}
DEFAULT_FINALISTS = 500


def add_scale_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--nominations", type=int, default=DEFAULT_SCALE["nominations"])
    parser.add_argument("--judges", type=int, default=DEFAULT_SCALE["judges"])
    parser.add_argument("--cases", type=int, default=DEFAULT_SCALE["cases"])
    parser.add_argument(
        "--custom-form",
        action="store_true",
        help="Every cycle asks seed-scale's 30-question designed form instead of the default form",
    )
    parser.add_argument(
        "--database-url",
        help="PostgreSQL (or SQLite) database to use instead of the cached "
        "SQLite file, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/"
        "awards_bench; created if missing, rebuilt if stale",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        choices=(1, 2),
        default=1,
        help="2: the cycle being judged has a round 1 over every entry and a final round 2 of the finalists",
    )
    parser.add_argument(
        "--finalists", type=int, default=DEFAULT_FINALISTS, help="With --rounds 2: entries advanced into round 2"
    )
    parser.add_argument(
        "--first-round",
        choices=("pass_fail", "scores"),
        default="pass_fail",
        help="With --rounds 2: how round 1 is judged",
    )
    parser.add_argument("--rebuild", action="store_true", help="Build the data again even if it is up to date")


def variant(args: argparse.Namespace) -> dict:
    """The options of add_scale_arguments that change the data, beyond its scale (for ensure())."""
    rounds = getattr(args, "rounds", 1)
    return {
        "custom_form": bool(getattr(args, "custom_form", False)),
        "rounds": rounds,
        "finalists": getattr(args, "finalists", DEFAULT_FINALISTS) if rounds == 2 else 0,
        "first_round": getattr(args, "first_round", "pass_fail") if rounds == 2 else "",
    }


def _migration_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return "-".join(sorted(ScriptDirectory.from_config(config).get_heads()))


def _variant_name(custom_form: bool, rounds: int, finalists: int, first_round: str) -> str:
    form = "-custom" if custom_form else ""
    two = f"-r2f{finalists}{first_round.replace('_', '')}" if rounds == 2 else ""
    return form + two


def data_key(
    nominations: int,
    judges: int,
    cases: int,
    custom_form: bool = False,
    rounds: int = 1,
    finalists: int = 0,
    first_round: str = "",
) -> str:
    digest = hashlib.sha256((ROOT / "awards" / "devdata" / "scale.py").read_bytes())
    for migration in sorted((ROOT / "migrations" / "versions").glob("*.py")):  # an edited migration too
        digest.update(migration.read_bytes())
    code = digest.hexdigest()[:8]
    kind = _variant_name(custom_form, rounds, finalists, first_round)
    return f"n{nominations}-j{judges}-c{cases}{kind}-{_migration_head()}-{code}"


def make_app(url: str, **config):
    return create_app(
        {
            "ENVIRONMENT": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "PUBLIC_CACHE_ENTRIES": 0,
            # Signed-in pages built each time too (awards/web/personal_cache.py keeps them otherwise): the
            # benchmarks measure what building a page costs; bench/throughput.py measures the kept ones.
            "PERSONAL_CACHE_ENTRIES": 0,
            "RESULTS_CACHE_ENTRIES": 4,
            **config,
        }
    )


def _build(url: str, nominations: int, judges: int, cases: int, custom_form: bool = False, **rounds) -> float:
    from flask_migrate import upgrade

    from awards.devdata.scale import seed_scale

    app = make_app(url)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        started = time.perf_counter()
        two = rounds.get("rounds", 1) == 2
        seed_scale(
            nominations=nominations,
            judges=judges,
            cases=cases,
            custom_form=custom_form,
            rounds=rounds.get("rounds", 1),
            **({"finalists": rounds["finalists"], "first_round_mode": rounds["first_round"]} if two else {}),
        )
        db.session.commit()
        seconds = time.perf_counter() - started
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")  # what autovacuum would soon do after a load
        db.session.remove()
        db.engine.dispose()
    return seconds


def _postgres_key(url: sa.URL, key: str | None = None, *, recreate: bool = False) -> str | None:
    """The key kept on the PostgreSQL database (None if it does not exist); with recreate, drop
    and create it empty first; with key, record it."""
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = url.database
    try:
        with admin.connect() as connection:
            if recreate:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
            if key is not None:
                connection.exec_driver_sql(f"COMMENT ON DATABASE \"{name}\" IS '{key}'")
            row = connection.execute(
                sa.text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :name"),
                {"name": name},
            ).first()
    finally:
        admin.dispose()
    return None if row is None else (row[0] or "")


def ensure(
    *,
    nominations: int,
    judges: int,
    cases: int,
    custom_form: bool = False,
    rounds: int = 1,
    finalists: int = 0,
    first_round: str = "",
    database_url: str | None = None,
    rebuild: bool = False,
    quiet: bool = False,
) -> tuple[str, dict]:
    """The URL of a database holding the scale data (building it if needed) and how it was got."""
    two = {"rounds": rounds, "finalists": finalists, "first_round": first_round} if rounds == 2 else {}
    key = data_key(nominations, judges, cases, custom_form, **two)
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    if database_url and database_url.startswith("postgresql"):
        url = sa.make_url(database_url)
        if not rebuild and _postgres_key(url) == key:
            return database_url, {"built": False, "key": key}
        say(f"Building the scale data in PostgreSQL database {url.database} ({key}) …")
        _postgres_key(url, recreate=True)
        seconds = _build(database_url, nominations, judges, cases, custom_form, **two)
        _postgres_key(url, key)
        say(f"Built in {seconds:.1f} s")
        return database_url, {"built": True, "key": key, "seed_seconds": round(seconds, 2)}
    if database_url:
        raise SystemExit("--database-url takes a PostgreSQL URL; SQLite databases are cached in bench/.data/")
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"scale-{key}.db"
    # One builder at a time: a second benchmark asking for the same data waits for the first one's file
    # instead of deleting its half-built one (the lock goes with the process, however it ends).
    with open(DATA / f"scale-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _ensure_sqlite(path, key, nominations, judges, cases, custom_form, rebuild, say, two)


def _ensure_sqlite(path, key, nominations, judges, cases, custom_form, rebuild, say, two) -> tuple[str, dict]:
    if path.exists() and not rebuild:
        return f"sqlite:///{path}", {"built": False, "key": key}
    base = f"scale-n{nominations}-j{judges}-c{cases}"
    kind = _variant_name(custom_form, two.get("rounds", 1), two.get("finalists", 0), two.get("first_round", ""))
    for old in DATA.glob(f"{base}-*.db"):  # the stale one of this kind (its head or code differs)
        rest = old.name[len(base) :]
        if rest.startswith(kind + "-") and not rest[len(kind) + 1 :].startswith(("custom-", "r2f")):
            old.unlink()
    partial = path.with_suffix(".building")
    partial.unlink(missing_ok=True)
    say(f"Building the scale data in {path.relative_to(ROOT)} …")
    seconds = _build(f"sqlite:///{partial}", nominations, judges, cases, custom_form, **two)
    os.replace(partial, path)
    say(f"Built in {seconds:.1f} s")
    return f"sqlite:///{path}", {"built": True, "key": key, "seed_seconds": round(seconds, 2)}


def ensure_apart(args: argparse.Namespace) -> tuple[str, dict]:
    """ensure() for add_scale_arguments' options, run as this script in a separate process, so that
    building the data does not count towards the calling benchmark's memory; the URL and how it was got."""
    command = [
        sys.executable,
        str(ROOT / "bench" / "scale_db.py"),
        "--nominations",
        str(args.nominations),
        "--judges",
        str(args.judges),
        "--cases",
        str(args.cases),
    ]
    if args.custom_form:
        command.append("--custom-form")
    chosen = variant(args)
    if chosen["rounds"] == 2:
        command += ["--rounds", "2", "--finalists", str(chosen["finalists"]), "--first-round", chosen["first_round"]]
    if args.database_url:
        command += ["--database-url", args.database_url]
    if args.rebuild:
        command.append("--rebuild")
    subprocess.run(command, check=True)
    if args.database_url:
        return args.database_url, {}
    two = {k: chosen[k] for k in ("rounds", "finalists", "first_round")} if chosen["rounds"] == 2 else {}
    key = data_key(args.nominations, args.judges, args.cases, args.custom_form, **two)
    return f"sqlite:///{DATA / f'scale-{key}.db'}", {"key": key}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_scale_arguments(parser)
    args = parser.parse_args()
    url, how = ensure(
        nominations=args.nominations,
        judges=args.judges,
        cases=args.cases,
        **variant(args),
        database_url=args.database_url,
        rebuild=args.rebuild,
    )
    print(
        f"Scale database {'built' if how['built'] else 'up to date'}: "
        f"{sa.make_url(url).render_as_string(hide_password=True)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
