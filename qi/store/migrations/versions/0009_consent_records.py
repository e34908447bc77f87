"""Consent as a record, and free-text answers that can become stories.

- story_consents: a story's consent records (who gave it, as a relationship; basis; scope;
  given on; review on; what changed; who recorded it and when), codes checked by the database.
  The latest record is the story's consent; the earlier ones its history.
- Stories kept before this revision: each with consent recorded ("yes") gets one record with
  the most restrictive scope (internal learning), given by "not recorded" on the basis
  "recorded before consent records", given on the day the story was recorded and to be
  reviewed the day after (a review day must follow the day given): due at once, so it is shown internally only, marked "consent review due", until a
  coach records the consent properly. Stories without consent recorded get no record (they
  too are shown internally only, marked as due).
- stories.consent_recorded and story_versions.consent_recorded go (the record replaces them),
  with SQLite's triggers that kept the flag strict.
- free_text_questions: questions answered in words, on no scale; free_text_answers keeps their
  answers (never counted in an experience measure), each with a link to the story a coach made
  of it. (Apart from ``questions``, whose scale check SQLite could change only by copying the
  table, which its answers' foreign keys forbid inside this transaction.)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

GIVEN_BY = "given_by IN ('young_person', 'parent_or_carer', 'adult_self', 'not_recorded')"
BASES = (
    "basis IN ('gillick_competent', 'aged_16_or_17', 'parental_responsibility', "
    "'adult_with_capacity', 'before_consent_records')"
)
SCOPES = "scope IN ('internal', 'partnership', 'public')"
CHANGES = "change IN ('given', 'narrowed', 'widened', 'renewed', 'recorded_before')"
VOICES = "'child_or_young_person', 'parent_or_carer', 'professional', 'community_member'"
CONSENT_TRIGGERS = ("stories_consent_on_insert", "stories_consent_on_update")


def upgrade() -> None:
    op.create_table(
        "story_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("given_by", sa.String(length=32), nullable=False),
        sa.Column("basis", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(GIVEN_BY, name="ck_story_consents_given_by"),
        sa.CheckConstraint(BASES, name="ck_story_consents_basis"),
        sa.CheckConstraint(SCOPES, name="ck_story_consents_scope"),
        sa.CheckConstraint(CHANGES, name="ck_story_consents_change"),
        sa.CheckConstraint("review_on > given_on", name="ck_story_consents_review_after_given"),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("story_consents", schema=None) as batch_op:
        batch_op.create_index("ix_story_consents_story", ["story_id", "id"], unique=False)
    sqlite = op.get_bind().dialect.name == "sqlite"
    day = "date(created_at)" if sqlite else "CAST(created_at AS DATE)"
    # Due for review: the review day must follow the day given, so it is the day after; any
    # story recorded before today is due at once.
    next_day = f"date({day}, '+1 day')" if sqlite else f"({day} + 1)"
    op.execute(
        "INSERT INTO story_consents (story_id, given_by, basis, scope, given_on, review_on, "
        "change, recorded_by, recorded_at) "
        f"SELECT id, 'not_recorded', 'before_consent_records', 'internal', {day}, {next_day}, "
        "'recorded_before', 'qi (migration 0009)', created_at FROM stories "
        "WHERE consent_recorded AND withdrawn_at IS NULL"
    )
    if sqlite:
        for name in CONSENT_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    # SQLite's own DROP COLUMN (3.35+), not a batch copy: copying ``stories`` would drop the
    # old table, and with foreign keys on that deletes its domains, links, versions and
    # consent records (ON DELETE CASCADE) inside the migration's transaction.
    for table in ("stories", "story_versions"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN consent_recorded")

    op.create_table(
        "free_text_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "free_text_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("voice", sa.String(length=32), nullable=True),
        sa.Column("story_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            f"voice IS NULL OR voice IN ({VOICES})", name="ck_free_text_answers_voice"
        ),
        sa.ForeignKeyConstraint(["question_id"], ["free_text_questions.id"]),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"]),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("free_text_answers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_free_text_answers_place", ["place_id", "answered_on"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("free_text_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_free_text_answers_place")
    op.drop_table("free_text_answers")
    op.drop_table("free_text_questions")
    for table, key in (("stories", "id"), ("story_versions", "story_id")):
        # Added in place (a batch copy would cascade deletes on SQLite, see upgrade).
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN consent_recorded BOOLEAN NOT NULL DEFAULT false"
        )
        op.execute(
            f"UPDATE {table} SET consent_recorded = EXISTS (SELECT 1 FROM story_consents c "
            f"WHERE c.story_id = {table}.{key})"
        )
    with op.batch_alter_table("story_consents", schema=None) as batch_op:
        batch_op.drop_index("ix_story_consents_story")
    op.drop_table("story_consents")
