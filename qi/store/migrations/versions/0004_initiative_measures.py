"""Initiatives own their measures: initiative_measures links an initiative to each measure it
reviews (its meeting view, its board pack, its measure choices).

Databases stored before this revision get, for each initiative, the measures that have data at
its places: what they showed until now, so nothing disappears from a review on upgrade.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "initiative_measures",
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["initiative_id"], ["initiatives.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["measure_id"], ["measures.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("initiative_id", "measure_id"),
    )
    op.execute(
        "INSERT INTO initiative_measures (initiative_id, measure_id) "
        "SELECT DISTINCT initiative_places.initiative_id, observations.measure_id "
        "FROM initiative_places JOIN observations "
        "ON observations.place_id = initiative_places.place_id"
    )


def downgrade() -> None:
    op.drop_table("initiative_measures")
