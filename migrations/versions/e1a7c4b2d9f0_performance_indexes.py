"""performance: indexes for the filters and joins the pages use

Revision ID: e1a7c4b2d9f0
Revises: de9ad130dd11
Create Date: 2026-11-25 00:40:00

Measured at 10,000 nominations (docs/performance.md):
- ix_nominations_cycle_list: the organiser's nominations list in id order a page at a time without a
  sort, its filters (status, category) and text search (reference, title, organisation), and the
  results' freshness stamp, read from the index alone instead of the wide nomination rows;
- ix_reviews_version: the results' freshness stamp (count, highest id, sum of versions) read from
  an index instead of every review row;
- ix_nomination_trends_trend_nomination replaces ix_nomination_trends_trend_id: "is this trend used
  in the cycle?" walks one trend's links and needs no row lookups.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "e1a7c4b2d9f0"
down_revision = "de9ad130dd11"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_nominations_cycle_list",
        "nominations",
        ["cycle_id", "id", "version", "status", "category_id", "reference", "title", "organisation_name"],
        unique=False,
    )
    op.create_index("ix_reviews_version", "reviews", ["version"], unique=False)
    op.create_index(
        "ix_nomination_trends_trend_nomination", "nomination_trends", ["trend_id", "nomination_id"], unique=False
    )
    op.drop_index("ix_nomination_trends_trend_id", table_name="nomination_trends")


def downgrade():
    op.create_index("ix_nomination_trends_trend_id", "nomination_trends", ["trend_id"], unique=False)
    op.drop_index("ix_nomination_trends_trend_nomination", table_name="nomination_trends")
    op.drop_index("ix_reviews_version", table_name="reviews")
    op.drop_index("ix_nominations_cycle_list", table_name="nominations")
