"""`flask trends export FILE` and `flask trends import FILE`: a JSON round trip, clear errors for
a bad file, and nothing half-imported."""

import json

import pytest
import sqlalchemy as sa

from awards.domain.programme import taxonomy
from awards.extensions import db
from awards.models import AuditEvent, Trend


def _state():
    db.session.expire_all()
    return taxonomy.export_trends()


@pytest.fixture
def seeded(app):
    taxonomy.seed_trends()
    taxonomy.retire_trend(db.session.scalar(sa.select(Trend).where(Trend.code == "S3")))
    db.session.commit()


def test_export_then_import_round_trips(runner, seeded, tmp_path):
    path = tmp_path / "trends.json"
    result = runner.invoke(args=["trends", "export", str(path)])
    assert result.exit_code == 0, result.output
    assert f"Exported 20 trends to {path}" in result.output
    exported = json.loads(path.read_text("utf-8"))
    assert exported == _state()
    assert exported["trends"][0] == {
        "code": "D1",
        "group": "digital",
        "name": "Technology for public good",
        "slug": "technology-for-public-good",
        "description": "Ethical, safe and sustainable use of technology and data for public value, beyond efficiency.",
        "source": "Socitm, Public sector digital trends 2024 collection",
        "position": 0,
        "retired": False,
    }
    assert next(t for t in exported["trends"] if t["code"] == "S3")["retired"] is True
    # Non-ASCII stays readable in the file.
    assert "SKR (Swedish Association" in path.read_text("utf-8")

    # Change the taxonomy, then import the file: it is back as it was.
    trends = taxonomy.trends_by_code()
    taxonomy.edit_trend(trends["D1"], name="Something else", group="societal", description="", source="")
    taxonomy.restore_trend(trends["S3"])
    db.session.commit()
    result = runner.invoke(args=["trends", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"Imported 20 trends from {path}: 0 added, 20 updated" in result.output
    assert _state() == exported
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "trends.imported")).detail == {
        "added": 0,
        "updated": 20,
    }


def test_import_into_an_empty_database(runner, seeded, tmp_path):
    path = tmp_path / "trends.json"
    runner.invoke(args=["trends", "export", str(path)])
    exported = json.loads(path.read_text("utf-8"))
    db.session.execute(sa.delete(Trend))
    db.session.commit()
    result = runner.invoke(args=["trends", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "20 added, 0 updated" in result.output
    assert _state() == exported


def test_export_to_standard_output_and_import_from_standard_input(runner, seeded):
    result = runner.invoke(args=["trends", "export", "-"])
    assert result.exit_code == 0
    exported = json.loads(result.output)
    assert exported == _state()
    exported["trends"][0]["name"] = "Renamed from a pipe"
    result = runner.invoke(args=["trends", "import", "-"], input=json.dumps(exported))
    assert result.exit_code == 0, result.output
    assert _state()["trends"][0]["name"] == "Renamed from a pipe"


def test_dry_run_changes_nothing(runner, seeded, tmp_path):
    before = _state()
    data = json.loads(json.dumps(before))
    data["trends"].append({"code": "X1", "group": "technology", "name": "Extra"})
    path = tmp_path / "trends.json"
    path.write_text(json.dumps(data), "utf-8")
    result = runner.invoke(args=["trends", "import", "--dry-run", str(path)])
    assert result.exit_code == 0, result.output
    assert "would add 1 and update 20 trends. Nothing was changed." in result.output
    assert _state() == before


def test_a_missing_file(runner, seeded, tmp_path):
    result = runner.invoke(args=["trends", "import", str(tmp_path / "nope.json")])
    assert result.exit_code == 1
    assert f"Error: Cannot read {tmp_path / 'nope.json'}: there is no such file" in result.output


def test_a_folder_or_an_unreadable_file(runner, seeded, tmp_path):
    result = runner.invoke(args=["trends", "import", str(tmp_path)])
    assert result.exit_code != 0 and "Error:" in result.output
    binary = tmp_path / "picture.json"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    result = runner.invoke(args=["trends", "import", str(binary)])
    assert result.exit_code == 1 and "it is not UTF-8 text" in result.output


def test_invalid_json_names_the_line_and_column(runner, seeded, tmp_path):
    before = _state()
    path = tmp_path / "broken.json"
    path.write_text('{\n  "format": "awards-trends/1",\n  "trends": [,]\n}\n', "utf-8")
    result = runner.invoke(args=["trends", "import", str(path)])
    assert result.exit_code == 1
    assert (
        f"Error: {path} is not valid JSON: Expecting value at line 3, column 14. Nothing was imported." in result.output
    )
    assert _state() == before


@pytest.mark.parametrize(
    "content,message",
    [
        ([1, 2, 3], "The file is not a trend export"),
        (
            {
                "format": "awards-trends/1",
                "trends": [
                    {"code": "D1", "group": "digital", "name": "Fine"},
                    {"code": "D2", "group": "planets", "name": "Not fine"},
                ],
            },
            "trend 2 (D2): group must be one of digital, societal, technology",
        ),
    ],
)
def test_a_bad_structure_imports_nothing(runner, seeded, tmp_path, content, message):
    before = _state()
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(content), "utf-8")
    result = runner.invoke(args=["trends", "import", str(path)])
    assert result.exit_code == 1
    assert message in result.output
    assert _state() == before
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "trends.imported")) is None


def test_a_clash_found_late_imports_nothing(runner, seeded, tmp_path):
    """The first trends in the file are fine; a later one clashes with a trend the file leaves alone."""
    before = _state()
    data = json.loads(json.dumps(before))
    data["trends"] = [t for t in data["trends"] if t["code"] != "T5"]
    data["trends"][0]["name"] = "Changed first"
    data["trends"].append({"code": "NEW", "group": "technology", "name": "Infrastructure and cloud"})
    path = tmp_path / "clash.json"
    path.write_text(json.dumps(data), "utf-8")
    result = runner.invoke(args=["trends", "import", str(path)])
    assert result.exit_code == 1
    assert "nothing was imported" in result.output and "already used by T5" in result.output
    assert _state() == before


def test_export_reports_a_folder_that_is_not_there(runner, seeded, tmp_path):
    result = runner.invoke(args=["trends", "export", str(tmp_path / "missing" / "trends.json")])
    assert result.exit_code == 1 and "Cannot write" in result.output
    assert not (tmp_path / "missing").exists()


def test_seed_demo_still_works_next_to_the_trends_commands(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Demo sign-ins" in result.output
    help_text = runner.invoke(args=["trends", "--help"]).output
    assert "export" in help_text and "import" in help_text
