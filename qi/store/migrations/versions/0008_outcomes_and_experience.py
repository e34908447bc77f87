"""Outcomes and experience: why each measure is measured and the outcome domains it speaks to;
survey questions (with qi's question bank) and answers; measures made from answers.

- measure_purposes: a measure's purpose (need, outcome, performance, improvement) and statutory
  source.
- measure_domains: the outcome domains a measure speaks to (several allowed).
- questions: code, wording, answer scale, positive answers, source; the question bank of
  ``qi.vocabulary.outcomes`` is stored here, signed "qi".
- survey_answers: one answer per row (question, place, day, answer number, voice, breakdown).
- experience_measures: a measure made from one question's answers (and voice), with the
  fewest answers a month needs to be judged.
- story_selections: Most Significant Change (panel, domain, period, shortlisted or selected, why).
- feedback_responses: "you said, we did" (what changed, or why not yet; when and how told back).
- participation_levels: the partnership's participation level per quarter, with evidence.

Revision ID: 0008
Revises: 0003
Create Date: 2026-12-02
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

from qi.vocabulary.outcomes import QUESTION_BANK

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

PURPOSES = "purpose IN ('need', 'outcome', 'performance', 'improvement')"
DOMAINS = "domain IN ('healthy', 'happy', 'safe', 'socially_connected', 'learning_and_growing')"
VOICES = "'child_or_young_person', 'parent_or_carer', 'professional', 'community_member'"
SCALES = "scale IN ('agree5', 'yes3', 'esq3')"
SEEDED = datetime(2026, 12, 2)
LEVELS = (
    "'listened_to', 'supported_to_express_views', 'views_taken_into_account', "
    "'involved_in_decisions', 'shares_power'"
)


def upgrade() -> None:
    op.create_table(
        "measure_purposes",
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("statutory_source", sa.Text(), nullable=True),
        sa.CheckConstraint(PURPOSES, name="ck_measure_purposes_purpose"),
        sa.ForeignKeyConstraint(["measure_id"], ["measures.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("measure_id"),
    )
    op.create_table(
        "measure_domains",
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=32), nullable=False),
        sa.CheckConstraint(DOMAINS, name="ck_measure_domain"),
        sa.ForeignKeyConstraint(["measure_id"], ["measures.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("measure_id", "domain"),
    )
    questions = op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.Column("scale", sa.String(length=16), nullable=False),
        sa.Column("positive", sa.String(length=32), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(SCALES, name="ck_questions_scale"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("answer", sa.Integer(), nullable=False),
        sa.Column("voice", sa.String(length=32), nullable=True),
        sa.Column("breakdown", sa.String(length=64), nullable=True),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(f"voice IS NULL OR voice IN ({VOICES})", name="ck_survey_answers_voice"),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"]),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_survey_answers_question_place", ["question_id", "place_id", "answered_on"]
        )
    op.create_table(
        "experience_measures",
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("voice", sa.String(length=32), nullable=True),
        sa.Column("minimum_answers", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            f"voice IS NULL OR voice IN ({VOICES})", name="ck_experience_measures_voice"
        ),
        sa.CheckConstraint("minimum_answers >= 1", name="ck_experience_measures_minimum"),
        sa.ForeignKeyConstraint(["measure_id"], ["measures.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"]),
        sa.PrimaryKeyConstraint("measure_id"),
    )
    op.create_table(
        "story_selections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("panel", sa.String(length=255), nullable=False),
        sa.Column("domain", sa.String(length=32), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(DOMAINS, name="ck_story_selections_domain"),
        sa.CheckConstraint(
            "status IN ('shortlisted', 'selected')", name="ck_story_selections_status"
        ),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("story_selections", schema=None) as batch_op:
        batch_op.create_index("ix_story_selections_story", ["story_id"])
    op.create_table(
        "feedback_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("annotation_id", sa.Integer(), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("told_back_on", sa.Date(), nullable=True),
        sa.Column("told_back_how", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('changed', 'not_yet')", name="ck_feedback_responses_kind"),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["annotation_id"], ["annotations.id"]),
        sa.ForeignKeyConstraint(["action_id"], ["actions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("feedback_responses", schema=None) as batch_op:
        batch_op.create_index("ix_feedback_responses_story", ["story_id"])
    op.create_table(
        "participation_levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=True),
        sa.Column("quarter", sa.Date(), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(f"level IN ({LEVELS})", name="ck_participation_levels_level"),
        sa.ForeignKeyConstraint(["initiative_id"], ["initiatives.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(
        questions,
        [
            {
                "code": q.code,
                "wording": q.wording,
                "scale": q.scale,
                "positive": ",".join(str(p) for p in q.positive),
                "source": q.source,
                "created_by": "qi",
                "created_at": SEEDED,
            }
            for q in QUESTION_BANK
        ],
    )


def downgrade() -> None:
    op.drop_table("participation_levels")
    with op.batch_alter_table("feedback_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_responses_story")
    op.drop_table("feedback_responses")
    with op.batch_alter_table("story_selections", schema=None) as batch_op:
        batch_op.drop_index("ix_story_selections_story")
    op.drop_table("story_selections")
    op.drop_table("experience_measures")
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_answers_question_place")
    op.drop_table("survey_answers")
    op.drop_table("questions")
    op.drop_table("measure_domains")
    op.drop_table("measure_purposes")
