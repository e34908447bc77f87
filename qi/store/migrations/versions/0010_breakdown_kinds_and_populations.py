"""Breakdown kinds in the store, and places' populations.

- breakdown_kinds, breakdown_groups: the kinds of breakdown observations may carry, their
  words and (for some) the groups they accept; seeded with ``qi.vocabulary.breakdowns``'s
  ``SEED_KINDS`` (the fixed set before this revision), signed "qi", so uploads are checked as
  before.
- place_populations: a place's population with its year and source. The unused
  place_deprivation.population column goes (nothing wrote it).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

from qi.vocabulary.breakdowns import SEED_KINDS

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SEEDED = datetime(2026, 12, 2)


def upgrade() -> None:
    kinds = op.create_table(
        "breakdown_kinds",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.String(length=255), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    groups = op.create_table(
        "breakdown_groups",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_by", sa.String(length=255), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["kind"], ["breakdown_kinds.code"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("kind", "code"),
    )
    op.create_table(
        "place_populations",
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=128), nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("population >= 0", name="ck_place_populations_population"),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("place_id"),
    )
    with op.batch_alter_table("place_deprivation") as batch_op:
        batch_op.drop_column("population")
    stamp = {"added_by": "qi", "added_at": SEEDED}
    op.bulk_insert(
        kinds,
        [
            {"code": k.code, "label": k.label, "position": i, **stamp}
            for i, k in enumerate(SEED_KINDS)
        ],
    )
    op.bulk_insert(
        groups,
        [
            {"kind": k.code, "code": g, "position": i, **stamp}
            for k in SEED_KINDS
            for i, g in enumerate(k.groups)
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("place_deprivation") as batch_op:
        batch_op.add_column(sa.Column("population", sa.Integer(), nullable=True))
    op.drop_table("place_populations")
    op.drop_table("breakdown_groups")
    op.drop_table("breakdown_kinds")
