"""Change ideas and their PDSA cycles as records, and the link from an annotation to a cycle.

- change_ideas: what an initiative is trying (name unique within the initiative).
- pdsa_cycles: plan (with the prediction), do, study, act texts; start and end dates; status
  (planned, running, ended) and outcome (adopt, adapt, abandon); ``number`` orders an idea's
  cycles (its ramp).
- pdsa_cycle_measures, pdsa_cycle_places: the measures a cycle is followed on and the places
  it runs at (both optional).
- annotation_cycles: the cycle an annotation belongs to, with who linked it and when.

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_ideas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["initiative_id"], ["initiatives.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_change_ideas_initiative_name", "change_ideas", ["initiative_id", "name"], unique=True
    )
    op.create_table(
        "pdsa_cycles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_idea_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("prediction", sa.Text(), nullable=True),
        sa.Column("do", sa.Text(), nullable=True),
        sa.Column("study", sa.Text(), nullable=True),
        sa.Column("act", sa.Text(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('planned', 'running', 'ended')", name="ck_pdsa_cycles_status"
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('adopt', 'adapt', 'abandon')",
            name="ck_pdsa_cycles_outcome",
        ),
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ck_pdsa_cycles_dates"),
        sa.ForeignKeyConstraint(["change_idea_id"], ["change_ideas.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_pdsa_cycles_idea_number", "pdsa_cycles", ["change_idea_id", "number"], unique=True
    )
    op.create_table(
        "pdsa_cycle_measures",
        sa.Column("pdsa_cycle_id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["pdsa_cycle_id"], ["pdsa_cycles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["measure_id"], ["measures.id"]),
        sa.PrimaryKeyConstraint("pdsa_cycle_id", "measure_id"),
    )
    op.create_table(
        "pdsa_cycle_places",
        sa.Column("pdsa_cycle_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["pdsa_cycle_id"], ["pdsa_cycles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"]),
        sa.PrimaryKeyConstraint("pdsa_cycle_id", "place_id"),
    )
    op.create_table(
        "annotation_cycles",
        sa.Column("annotation_id", sa.Integer(), nullable=False),
        sa.Column("pdsa_cycle_id", sa.Integer(), nullable=False),
        sa.Column("linked_by", sa.String(length=128), nullable=False),
        sa.Column("linked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["annotation_id"], ["annotations.id"]),
        sa.ForeignKeyConstraint(["pdsa_cycle_id"], ["pdsa_cycles.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("annotation_id"),
    )


def downgrade() -> None:
    op.drop_table("annotation_cycles")
    op.drop_table("pdsa_cycle_places")
    op.drop_table("pdsa_cycle_measures")
    op.drop_index("ix_pdsa_cycles_idea_number", table_name="pdsa_cycles")
    op.drop_table("pdsa_cycles")
    op.drop_index("ix_change_ideas_initiative_name", table_name="change_ideas")
    op.drop_table("change_ideas")
