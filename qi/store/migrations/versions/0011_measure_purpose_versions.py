"""A measure's purpose, statutory source and outcome domains, versioned: a row per change with
who made it and when (purposes are edited in the app from now on, not only imported).

Existing purposes and domains become each measure's first version, signed "qi (migration
0011)" at the time of the upgrade.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

MIGRATED_BY = "qi (migration 0011)"


def upgrade() -> None:
    versions = op.create_table(
        "measure_purpose_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=True),
        sa.Column("statutory_source", sa.Text(), nullable=True),
        sa.Column("domains", sa.String(length=255), nullable=False),
        sa.Column("changed_by", sa.String(length=128), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["measure_id"], ["measures.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("measure_purpose_versions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_measure_purpose_versions_measure", ["measure_id", "version"], unique=True
        )
    connection = op.get_bind()
    found: dict[int, dict] = {}
    for measure_id, purpose, source in connection.execute(
        sa.text("SELECT measure_id, purpose, statutory_source FROM measure_purposes")
    ):
        found[measure_id] = {"purpose": purpose, "statutory_source": source, "domains": []}
    for measure_id, domain in connection.execute(
        sa.text("SELECT measure_id, domain FROM measure_domains ORDER BY measure_id, domain")
    ):
        found.setdefault(measure_id, {"purpose": None, "statutory_source": None, "domains": []})
        found[measure_id]["domains"].append(domain)
    now = datetime.now()
    rows = [
        {
            "measure_id": measure_id,
            "version": 1,
            "purpose": kept["purpose"],
            "statutory_source": kept["statutory_source"],
            "domains": ",".join(kept["domains"]),
            "changed_by": MIGRATED_BY,
            "changed_at": now,
        }
        for measure_id, kept in sorted(found.items())
    ]
    if rows:
        op.bulk_insert(versions, rows)


def downgrade() -> None:
    with op.batch_alter_table("measure_purpose_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_measure_purpose_versions_measure")
    op.drop_table("measure_purpose_versions")
