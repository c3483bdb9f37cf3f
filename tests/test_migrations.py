"""The migrations build the schema from nothing, and agree with the models."""

import warnings

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from awards.extensions import db
from awards.models.publishing import compared_with_models


def test_models_and_migrations_agree(app):
    # The test database was built by `flask db upgrade` (see conftest.database_url).
    with db.engine.connect() as conn, warnings.catch_warnings():
        # SQLite's reflection skips the index on expressions (outside the models, like the search objects) with a
        # warning, before `include_name` is asked about it.
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index ix_impact_cases_library"
        )
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": compared_with_models})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations disagree; run `flask db migrate`: {diff}"


def test_flask_db_upgrade_from_an_empty_database(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI="sqlite:///" + str(tmp_path / "fresh.db"))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        tables = set(sa.inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert {"users", "user_roles", "audit_events", "outbox_messages", "alembic_version"} <= tables
