"""The README's commands run as printed on the machine `make` set up, and a missing or bad setting
is one line saying what to set, never a traceback (the `flask` command, migrations and gunicorn's wsgi)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FLASK = str(Path(sys.executable).with_name("flask"))
SETTINGS = ("AWARDS_ENVIRONMENT", "BASE_URL", "SECRET_KEY", "DATABASE_URL")
# The commands' compiled modules, kept between them outside the tree: where PYTHONDONTWRITEBYTECODE is set (as on
# this machine), each `flask` command would otherwise compile the whole app again, a few seconds a command.
PYCACHE = Path(tempfile.gettempdir()) / "awards-test-pycache"


def _env(tmp_path, **settings) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS and not k.startswith("AWARDS_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    env["AWARDS_MAIL_FILE_DIR"] = str(tmp_path / "outbox")
    env["AWARDS_UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    env.update(settings)
    return env


def _flask(env, *args, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [FLASK, "--app", "awards", *args], cwd=ROOT, env=env, input=stdin, text=True, capture_output=True, timeout=120
    )


def test_readme_commands_run_as_printed_on_the_machine_make_set_up(tmp_path):
    config = ROOT / "instance" / "config.py"
    if not config.exists() or not config.read_text().startswith("# Written by make"):
        pytest.skip("instance/config.py was not written by make (run `make test`, which writes it)")
    assert 'ENVIRONMENT = "development"' in config.read_text()
    env = _env(tmp_path)
    steps = [  # each command, what it is given on stdin, and what it says it did
        (("db", "upgrade"), "", ""),
        (
            ("create-user", "ria@example.org", "--name", "Ria Organiser", "--role", "organiser"),
            "a-long-and-unusual-passphrase-9\na-long-and-unusual-passphrase-9\n",
            "Created ria@example.org with roles:",
        ),
        (("grant-role", "ria@example.org", "judge"), "", "ria@example.org is now a judge"),
        (("outbox", "send"), "", "0 sent, 0 failed"),
        (("trends", "export", str(tmp_path / "trends.json")), "", "Exported 0 trends to"),
    ]
    for args, stdin, said in steps:
        done = _flask(env, *args, stdin=stdin)
        assert done.returncode == 0, f"flask {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr
        assert said in done.stdout, f"flask {' '.join(args)}:\n{done.stdout}"
    assert (tmp_path / "trends.json").read_text().startswith("{")


@pytest.mark.parametrize(
    "settings, args, message",
    [
        ({"AWARDS_ENVIRONMENT": "production", "SECRET_KEY": "k" * 64}, ("outbox", "send"), "BASE_URL is not set"),
        (
            {"AWARDS_ENVIRONMENT": "development"},
            ("outbox", "send"),
            "has no tables yet: run `flask --app awards db upgrade`",
        ),
        (
            {"AWARDS_ENVIRONMENT": "development", "BASE_URL": "awards.example.org"},
            ("outbox", "send"),
            "BASE_URL must be a scheme and host",
        ),
        ({"AWARDS_ENVIRONMENT": "staging"}, ("outbox", "send"), "AWARDS_ENVIRONMENT must be one of"),
        (
            {"AWARDS_ENVIRONMENT": "development", "AWARDS_MAIL_PORT": "twenty-five"},
            ("outbox", "send"),
            "AWARDS_MAIL_PORT must be a whole number",
        ),
        (
            {"AWARDS_ENVIRONMENT": "development", "AWARDS_MAIL_USE_TLS": "yes please"},
            ("outbox", "send"),
            "AWARDS_MAIL_USE_TLS must be true or false",
        ),
        (
            {"AWARDS_ENVIRONMENT": "development", "DATABASE_URL": "mysql://root@localhost/awards"},
            ("outbox", "send"),
            "DATABASE_URL must be a PostgreSQL URL",
        ),
        (
            {"AWARDS_ENVIRONMENT": "development", "DATABASE_URL": "postgresql://postgres:hunter2@127.0.0.1:9/awards"},
            ("outbox", "send"),
            "Could not open the database at postgresql+psycopg://postgres:***@127.0.0.1:9/awards",
        ),
        (
            {"AWARDS_ENVIRONMENT": "development", "DATABASE_URL": "postgresql://postgres:hunter2@127.0.0.1:9/awards"},
            ("db", "upgrade"),
            "Could not open the database",
        ),
        (
            {"AWARDS_ENVIRONMENT": "development", "DATABASE_URL": "sqlite:////no/such/folder/awards.db"},
            ("grant-role", "x@example.org", "judge"),
            "Could not open the database at sqlite:////no/such/folder",
        ),
    ],
)
def test_a_missing_or_bad_setting_is_one_line_saying_what_to_set(tmp_path, settings, args, message):
    done = _flask(_env(tmp_path, **settings), *args)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "hunter2" not in done.stderr
    assert len(lines) == 1 and message in lines[0], done.stderr


def test_wsgi_prints_one_line_and_exits_with_gunicorns_app_load_error(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=_env(tmp_path, AWARDS_ENVIRONMENT="production", SECRET_KEY="k" * 64),
        timeout=60,
    )
    assert done.returncode == 4  # gunicorn's "App failed to load": the master stops instead of respawning
    assert done.stderr.strip().splitlines() == [
        "awards: BASE_URL is not set: set it to the public address, for example BASE_URL=https://awards.example.org "
        "(or AWARDS_ENVIRONMENT=development on a development machine)"
    ]
