"""impact cases: an index in library order for the public cases

Revision ID: f7c2a9d4e803
Revises: d3a7f1c9e201
Create Date: 2026-12-07 11:00:00

The library without words lists the public cases in library order (`impact_cases.LIBRARY_ORDER`: year and
cycle newest first, then the result's rank, the lower-cased title and the id). At 10,000 cases SQLite sorted
every public case for a page of 20 (17 ms for the statement); from this partial index, whose expressions are
the very ones the statement orders by, both databases read the page's 20 rows in order (0.05 ms on SQLite,
0.07 ms on PostgreSQL by EXPLAIN ANALYZE), and PostgreSQL counts the public cases by an index-only scan of it
(2.2 ms, where it scanned the wide rows in 11.7 ms). The same SQL on both databases. It is outside the models
(an index on expressions, which Alembic does not compare: awards/models/publishing.py, EXPRESSION_INDEX_NAMES);
docs/performance.md, "Search".
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "f7c2a9d4e803"
down_revision = "d3a7f1c9e201"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE INDEX ix_impact_cases_library ON impact_cases (
            year DESC,
            cycle_id DESC,
            (CASE WHEN result = 'winner' THEN 0 WHEN result = 'highly_commended' THEN 1
                  WHEN result = 'shortlisted' THEN 2 ELSE 3 END),
            lower(title),
            id
        )
        WHERE published_at IS NOT NULL AND unpublished_at IS NULL
        """
    )


def downgrade():
    op.execute("DROP INDEX ix_impact_cases_library")
