"""Stories of change with voice, outcome domains and participation; meetings for an initiative or
place; decisions and actions.

- stories: ``text`` becomes ``narrative``; adds ``told_on``, ``place_id``, ``voice``,
  ``participation``, ``consent_recorded``, ``anonymised``, ``updated_by``, ``updated_at``.
  Rows stored before this revision (there was no writer for them) are kept, dated by the day
  they were recorded, in a professional's voice, without consent recorded and anonymised.
- story_domains: the outcome domains of a story (several allowed).
- story_links: an index on the measure, for the markers on a measure's chart.
- meetings: ``initiative_id`` and ``place_id`` (at least one).
- actions: decisions and actions recorded at a meeting.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

VOICES = "'child_or_young_person', 'parent_or_carer', 'professional', 'community_member'"
DOMAINS = "'healthy', 'happy', 'safe', 'socially_connected', 'learning_and_growing'"
LEVELS = (
    "'listened_to', 'supported_to_express_views', 'views_taken_into_account', "
    "'involved_in_decisions', 'shares_power'"
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.alter_column("text", new_column_name="narrative", existing_type=sa.Text())
        batch_op.add_column(sa.Column("told_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("place_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("voice", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("participation", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("consent_recorded", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("anonymised", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("updated_by", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key("fk_stories_place_id", "places", ["place_id"], ["id"])
    day = "date(created_at)" if sqlite else "CAST(created_at AS DATE)"
    op.execute(
        f"UPDATE stories SET told_on = {day}, voice = 'professional', "
        "consent_recorded = false, anonymised = true, updated_by = actor, updated_at = created_at"
    )
    with op.batch_alter_table("stories", schema=None) as batch_op:
        for name, type_ in (
            ("told_on", sa.Date()),
            ("voice", sa.String(length=32)),
            ("consent_recorded", sa.Boolean()),
            ("anonymised", sa.Boolean()),
            ("updated_by", sa.String(length=128)),
            ("updated_at", sa.DateTime()),
        ):
            batch_op.alter_column(name, existing_type=type_, nullable=False)
        batch_op.create_check_constraint("ck_stories_voice", f"voice IN ({VOICES})")
        batch_op.create_check_constraint(
            "ck_stories_participation", f"participation IS NULL OR participation IN ({LEVELS})"
        )

    op.create_table(
        "story_domains",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=32), nullable=False),
        sa.CheckConstraint(f"domain IN ({DOMAINS})", name="ck_story_domain"),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("story_id", "domain"),
    )
    with op.batch_alter_table("story_links", schema=None) as batch_op:
        batch_op.create_index("ix_story_links_measure", ["measure_id"], unique=False)

    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("initiative_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("place_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_meetings_initiative_id", "initiatives", ["initiative_id"], ["id"]
        )
        batch_op.create_foreign_key("fk_meetings_place_id", "places", ["place_id"], ["id"])
        batch_op.create_check_constraint(
            "ck_meetings_subject", "initiative_id IS NOT NULL OR place_id IS NOT NULL"
        )

    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=True),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("story_id", sa.Integer(), nullable=True),
        sa.Column("owner", sa.String(length=255), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('decision', 'action')", name="ck_actions_kind"),
        sa.CheckConstraint(
            "(kind = 'decision' AND status IS NULL) OR "
            "(kind = 'action' AND status IN ('open', 'done'))",
            name="ck_actions_status",
        ),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["measure_id"], ["measures.id"]),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"]),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.create_index("ix_actions_meeting", ["meeting_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index("ix_actions_meeting")
    op.drop_table("actions")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_constraint("ck_meetings_subject", type_="check")
        batch_op.drop_constraint("fk_meetings_place_id", type_="foreignkey")
        batch_op.drop_constraint("fk_meetings_initiative_id", type_="foreignkey")
        batch_op.drop_column("place_id")
        batch_op.drop_column("initiative_id")
    with op.batch_alter_table("story_links", schema=None) as batch_op:
        batch_op.drop_index("ix_story_links_measure")
    op.drop_table("story_domains")
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_constraint("ck_stories_participation", type_="check")
        batch_op.drop_constraint("ck_stories_voice", type_="check")
        batch_op.drop_constraint("fk_stories_place_id", type_="foreignkey")
        for name in (
            "updated_at",
            "updated_by",
            "anonymised",
            "consent_recorded",
            "participation",
            "voice",
            "place_id",
            "told_on",
        ):
            batch_op.drop_column(name)
        batch_op.alter_column("narrative", new_column_name="text", existing_type=sa.Text())
