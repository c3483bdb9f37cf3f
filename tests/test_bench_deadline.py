"""bench/deadline.py's count of what was kept (issue 19, item 1) finds a save, an upload or a file that was lost, and
forgives only what the person was never told had been saved (a POST whose answer died with its server); the nginx
configuration of the two-server check passes on a request it could not send, but never sends a POST twice."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture(scope="module")
def deadline():
    sys.path.insert(0, str(BENCH))  # the script's own `support` package
    try:
        spec = importlib.util.spec_from_file_location("bench_deadline", BENCH / "deadline.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(BENCH))


def _told(saves=(), uploads=(), submits=(), sheet=()):
    """What one nominee (entry R1) and one judge's sheet were told."""
    return {
        "saves": {"R1": list(saves)},
        "uploads": {"R1": list(uploads)},
        "submits": {"R1": list(submits)},
        "sheets": {"judge@example.org|R9": list(sheet)} if sheet else {},
    }


def _held(text, *, version, events, files=(), status="submitted", review=1):
    """What the database holds for entry R1 (its challenge section's text) and the judge's review."""
    entry = {
        "version": version,
        "status": status,
        "answers": {"challenge": text, "approach": None, "lessons": None},
        "saved_events": events,
        "files": list(files),
    }
    return {"entries": {"R1": entry}, "reviews": {"judge@example.org|R9": review}}


def test_everything_answered_with_success_and_kept_counts_as_kept(deadline):
    told = _told(
        saves=[("challenge", "accepted", "Save 1"), ("challenge", "accepted", "Save 2")],
        uploads=["accepted"],
        submits=["accepted"],
        sheet=["accepted"],
    )
    kept = deadline.lost_and_kept(told, _held("Save 2", version=1 + 2 + 1 + 1, events=2, files=["f1"]), {"f1"})

    assert kept["problems"] == []
    assert kept["counts"]["accepted saves"] == 2
    assert kept["counts"]["files on storage"] == 1


def test_a_save_answered_with_success_but_not_held_is_reported_lost(deadline):
    told = _told(saves=[("challenge", "accepted", "Save 1"), ("challenge", "accepted", "Save 2")])
    kept = deadline.lost_and_kept(told, _held("Save 1", version=1 + 1, events=1, status="draft"), set())

    assert any("challenge" in problem and "not the last accepted save" in problem for problem in kept["problems"])
    assert any("1 saved events for 2 accepted saves" in problem for problem in kept["problems"])
    assert any("version 2, expected 3" in problem for problem in kept["problems"])


def test_a_save_whose_answer_died_with_its_server_may_be_kept_or_not(deadline):
    told = _told(saves=[("challenge", "accepted", "Save 1"), ("challenge", "in doubt", "Save 2")])
    committed = _held("Save 2", version=1 + 2, events=2, status="draft")
    not_committed = _held("Save 1", version=1 + 1, events=1, status="draft")

    assert deadline.lost_and_kept(told, committed, set())["problems"] == []
    assert deadline.lost_and_kept(told, not_committed, set())["problems"] == []


def test_a_refused_save_must_not_be_held(deadline):
    told = _told(saves=[("challenge", "accepted", "Save 1"), ("challenge", "refused", "Save 2")])
    kept = deadline.lost_and_kept(told, _held("Save 2", version=1 + 1, events=1, status="draft"), set())

    assert kept["problems"]


def test_every_attachment_row_needs_its_file_and_no_file_is_left_without_a_row(deadline):
    told = _told(uploads=["accepted"])
    held = _held("The challenge we faced.", version=2, events=0, files=["f1"], status="draft")

    missing = deadline.lost_and_kept(told, held, set())
    extra = deadline.lost_and_kept(told, held, {"f1", "stray"})

    assert any("rows without their file" in problem for problem in missing["problems"])
    assert any("files on storage without a row" in problem for problem in extra["problems"])


def test_a_file_left_by_an_upload_whose_answer_died_with_its_server_is_forgiven(deadline):
    told = _told(uploads=["in doubt"])
    held = _held("The challenge we faced.", version=1, events=0, status="draft")

    assert deadline.lost_and_kept(told, held, {"orphan"})["problems"] == []


def test_an_accepted_submission_must_be_submitted_and_a_sheet_keep_its_saves(deadline):
    told = _told(submits=["accepted"], sheet=["accepted", "accepted"])
    kept = deadline.lost_and_kept(told, _held(None, version=2, events=0, status="draft", review=1), set())

    assert any("submission accepted" in problem for problem in kept["problems"])
    assert any("review version 1 for 2 accepted saves" in problem for problem in kept["problems"])


def test_nginx_passes_on_what_it_could_not_send_and_never_sends_a_post_twice(tmp_path):
    sys.path.insert(0, str(BENCH))
    try:
        from support.nginx import configuration
    finally:
        sys.path.remove(str(BENCH))

    written = configuration(tmp_path, 8080, [9001, 9002])

    assert "server 127.0.0.1:9001 max_fails=1 fail_timeout=10s;" in written
    assert "server 127.0.0.1:9002 max_fails=1 fail_timeout=10s;" in written
    assert "proxy_next_upstream error timeout;" in written
    assert "non_idempotent" not in written
    assert "listen 127.0.0.1:8080;" in written
