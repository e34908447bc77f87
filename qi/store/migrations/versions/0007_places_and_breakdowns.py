"""Places and breakdowns: an observation's key gains its breakdown, places gain deprivation.

- observations.breakdown (and revisions.breakdown): the group counted ("imd_quintile:1",
  "sex:female") or "all" for the total. The key becomes measure x place x period x breakdown;
  every observation stored before this revision is the total, "all".
- place_deprivation: an LSOA's IMD decile and quintile, rank and score; an area's published
  summary; a population where known.

SQLite cannot change a table's key in place, so there revisions is set aside (a plain copy),
observations is rebuilt with its new key, and revisions is rebuilt pointing at it: all in the
upgrade's one transaction, with foreign keys on throughout.

Revision ID: 0007
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

KEY = ["measure_id", "place_id", "period", "breakdown"]
OBSERVATION_COLUMNS = (
    "measure_id, place_id, period, value, numerator, denominator, missing_reason, status, upload_id"
)
REVISION_COLUMNS = (
    "id, measure_id, place_id, period, old_value, old_numerator, old_denominator, "
    "old_missing_reason, old_status, old_upload_id, new_value, new_numerator, new_denominator, "
    "new_missing_reason, new_status, upload_id, actor, revised_at"
)


def _breakdown(nullable: bool = False) -> sa.Column:
    return sa.Column("breakdown", sa.String(length=64), server_default="all", nullable=nullable)


def _observations(name: str) -> None:
    op.create_table(
        name,
        sa.Column("measure_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("place_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        _breakdown(),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("missing_reason", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('final', 'provisional')", name="ck_observations_status"),
        sa.PrimaryKeyConstraint(*KEY),
        sqlite_with_rowid=False,
    )


def _revisions(key: list[str] = KEY) -> None:
    """The revisions table pointing at observations by ``key`` (with a breakdown or not)."""
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("old_value", sa.Float(), nullable=True),
        sa.Column("old_numerator", sa.Float(), nullable=True),
        sa.Column("old_denominator", sa.Float(), nullable=True),
        sa.Column("old_missing_reason", sa.String(length=64), nullable=True),
        sa.Column("old_status", sa.String(length=16), nullable=False),
        sa.Column("old_upload_id", sa.Integer(), nullable=False),
        sa.Column("new_value", sa.Float(), nullable=True),
        sa.Column("new_numerator", sa.Float(), nullable=True),
        sa.Column("new_denominator", sa.Float(), nullable=True),
        sa.Column("new_missing_reason", sa.String(length=64), nullable=True),
        sa.Column("new_status", sa.String(length=16), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("revised_at", sa.DateTime(), nullable=False),
        *([_breakdown()] if "breakdown" in key else []),
        sa.ForeignKeyConstraint(
            key, [f"observations.{c}" for c in key], name="fk_revisions_observation"
        ),
        sa.ForeignKeyConstraint(["old_upload_id"], ["uploads.id"]),
        sa.ForeignKeyConstraint(["upload_id"], ["uploads.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def _sqlite() -> None:
    op.execute(f"CREATE TABLE revisions_before_0007 AS SELECT {REVISION_COLUMNS} FROM revisions")
    op.drop_table("revisions")
    _observations("observations_0007")
    op.execute(
        f"INSERT INTO observations_0007 ({OBSERVATION_COLUMNS}, breakdown) "
        f"SELECT {OBSERVATION_COLUMNS}, 'all' FROM observations"
    )
    op.drop_table("observations")
    op.rename_table("observations_0007", "observations")
    _revisions()
    op.execute(
        f"INSERT INTO revisions ({REVISION_COLUMNS}, breakdown) "
        f"SELECT {REVISION_COLUMNS}, 'all' FROM revisions_before_0007"
    )
    op.drop_table("revisions_before_0007")
    op.create_index("ix_revisions_observation", "revisions", KEY)


def _postgresql() -> None:
    op.add_column("observations", _breakdown())
    op.add_column("revisions", _breakdown())
    op.drop_constraint("fk_revisions_observation", "revisions", type_="foreignkey")
    op.drop_index("ix_revisions_observation", table_name="revisions")
    op.drop_constraint("observations_pkey", "observations", type_="primary")
    op.create_primary_key("observations_pkey", "observations", KEY)
    op.create_foreign_key("fk_revisions_observation", "revisions", "observations", KEY, KEY)
    op.create_index("ix_revisions_observation", "revisions", KEY)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite()
    else:
        _postgresql()
    op.create_table(
        "place_deprivation",
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("imd_decile", sa.Integer(), nullable=True),
        sa.Column("imd_quintile", sa.Integer(), nullable=True),
        sa.Column("imd_rank", sa.Float(), nullable=True),
        sa.Column("imd_score", sa.Float(), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("imd_decile BETWEEN 1 AND 10", name="ck_place_deprivation_decile"),
        sa.CheckConstraint("imd_quintile BETWEEN 1 AND 5", name="ck_place_deprivation_quintile"),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("place_id"),
    )


def _observations_before(name: str) -> None:
    op.create_table(
        name,
        sa.Column("measure_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("place_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("numerator", sa.Float(), nullable=True),
        sa.Column("denominator", sa.Float(), nullable=True),
        sa.Column("missing_reason", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('final', 'provisional')", name="ck_observations_status"),
        sa.PrimaryKeyConstraint(*KEY[:3]),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    """Back to 0003, refused while any breakdown other than the totals is stored (it would be
    lost): export and delete those observations first."""
    bind = op.get_bind()
    groups = bind.exec_driver_sql(
        "SELECT count(*) FROM observations WHERE breakdown <> 'all'"
    ).scalar()
    if groups:
        raise RuntimeError(
            f"{groups} observations are breakdowns (not 'all'): the schema before 0007 cannot "
            "hold them; export them (qi export) and delete them before downgrading"
        )
    op.drop_table("place_deprivation")
    if bind.dialect.name == "sqlite":
        op.execute(f"CREATE TABLE revisions_0007 AS SELECT {REVISION_COLUMNS} FROM revisions")
        op.drop_table("revisions")
        _observations_before("observations_0003")
        op.execute(
            f"INSERT INTO observations_0003 ({OBSERVATION_COLUMNS}) "
            f"SELECT {OBSERVATION_COLUMNS} FROM observations"
        )
        op.drop_table("observations")
        op.rename_table("observations_0003", "observations")
        _revisions(KEY[:3])
        op.execute(
            f"INSERT INTO revisions ({REVISION_COLUMNS}) SELECT {REVISION_COLUMNS} FROM revisions_0007"
        )
        op.drop_table("revisions_0007")
    else:
        op.drop_constraint("fk_revisions_observation", "revisions", type_="foreignkey")
        op.drop_index("ix_revisions_observation", table_name="revisions")
        op.drop_constraint("observations_pkey", "observations", type_="primary")
        op.drop_column("revisions", "breakdown")
        op.drop_column("observations", "breakdown")
        op.create_primary_key("observations_pkey", "observations", KEY[:3])
        op.create_foreign_key(
            "fk_revisions_observation", "revisions", "observations", KEY[:3], KEY[:3]
        )
    op.create_index("ix_revisions_observation", "revisions", KEY[:3])
