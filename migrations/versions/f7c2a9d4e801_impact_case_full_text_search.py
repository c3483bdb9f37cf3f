"""impact cases: full-text search by each database's own engine

Revision ID: f7c2a9d4e801
Revises: e5ef5a7a3067
Create Date: 2026-12-06 22:10:00

SQLite: an FTS5 table over the cases' title, summary and search text (external content: it keeps the
index only and reads the words from impact_cases), with the Porter stemmer, kept in step by three
triggers. PostgreSQL: a generated, stored `search_vector` (the English configuration; title weighted
A, summary B, the rest D) with a GIN index. Both are filled from the rows already there; neither is
in the models (see awards/models/publishing.py, SEARCH_SCHEMA_NAMES). Downgrade drops them; no data
lives only in them.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "f7c2a9d4e801"
down_revision = "e5ef5a7a3067"
branch_labels = None
depends_on = None

SQLITE_UPGRADE = (
    """
    CREATE VIRTUAL TABLE impact_cases_fts USING fts5(
        title, summary, search_text,
        content='impact_cases', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER impact_cases_fts_insert AFTER INSERT ON impact_cases BEGIN
        INSERT INTO impact_cases_fts (rowid, title, summary, search_text)
        VALUES (new.id, new.title, new.summary, new.search_text);
    END
    """,
    """
    CREATE TRIGGER impact_cases_fts_delete AFTER DELETE ON impact_cases BEGIN
        INSERT INTO impact_cases_fts (impact_cases_fts, rowid, title, summary, search_text)
        VALUES ('delete', old.id, old.title, old.summary, old.search_text);
    END
    """,
    """
    CREATE TRIGGER impact_cases_fts_update AFTER UPDATE OF id, title, summary, search_text ON impact_cases BEGIN
        INSERT INTO impact_cases_fts (impact_cases_fts, rowid, title, summary, search_text)
        VALUES ('delete', old.id, old.title, old.summary, old.search_text);
        INSERT INTO impact_cases_fts (rowid, title, summary, search_text)
        VALUES (new.id, new.title, new.summary, new.search_text);
    END
    """,
    # Index the cases already there.
    "INSERT INTO impact_cases_fts (impact_cases_fts) VALUES ('rebuild')",
)

SQLITE_DOWNGRADE = (
    "DROP TRIGGER impact_cases_fts_update",
    "DROP TRIGGER impact_cases_fts_delete",
    "DROP TRIGGER impact_cases_fts_insert",
    "DROP TABLE impact_cases_fts",
)

POSTGRESQL_UPGRADE = (
    # Adding a stored generated column computes it for every row already there.
    """
    ALTER TABLE impact_cases ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, coalesce(search_text, '')), 'D')
    ) STORED
    """,
    "CREATE INDEX ix_impact_cases_search ON impact_cases USING gin (search_vector)",
)

POSTGRESQL_DOWNGRADE = (
    "DROP INDEX ix_impact_cases_search",
    "ALTER TABLE impact_cases DROP COLUMN search_vector",
)


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_UPGRADE)
    elif dialect == "postgresql":
        _run(POSTGRESQL_UPGRADE)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_DOWNGRADE)
    elif dialect == "postgresql":
        _run(POSTGRESQL_DOWNGRADE)
