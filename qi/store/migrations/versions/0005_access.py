"""Who may see and change what: people, grants, and an append-only audit.

- people: local accounts (scrypt hash, failed sign-ins, lock-out) and people from an identity
  provider (keyed on issuer + subject).
- grants: a role (locality, coach, steward, admin, viewer) over a place, an initiative or
  everything; granted by and at, expiry, revocation.
- stories: withdrawn_by/at (consent withdrawn: the text is removed, the row stays as a
  tombstone) and safeguarding_by/at/passed_to (a possible safeguarding concern: the story is
  hidden from all but admins, and who it was passed to outside qi is recorded).
- stories.consent_recorded: a strict boolean on SQLite too (triggers refuse anything but 0 or
  1, so a text such as 'no' can never be stored and read back as consent given); PostgreSQL's
  boolean type is strict already ('no' is false).
- audit_events: append-only. SQLite: triggers abort any UPDATE or DELETE. PostgreSQL: a
  trigger raises on UPDATE, DELETE and TRUNCATE, and those privileges are revoked from PUBLIC
  (run the app as a role that does not own the table, so it cannot drop the trigger).

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

APPEND_ONLY = "the audit is append-only: its rows cannot be changed or deleted"


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_sign_in_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person"),
    )
    op.create_table(
        "grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=True),
        sa.Column("initiative_id", sa.Integer(), nullable=True),
        sa.Column("granted_by", sa.String(length=255), nullable=False),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(length=255), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "role IN ('locality', 'coach', 'steward', 'admin', 'viewer')", name="ck_grants_role"
        ),
        sa.CheckConstraint(
            "scope IN ('place', 'initiative', 'everything')", name="ck_grants_scope"
        ),
        sa.CheckConstraint(
            "(scope = 'place' AND place_id IS NOT NULL AND initiative_id IS NULL) OR "
            "(scope = 'initiative' AND initiative_id IS NOT NULL AND place_id IS NULL) OR "
            "(scope = 'everything' AND place_id IS NULL AND initiative_id IS NULL)",
            name="ck_grants_scope_target",
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"]),
        sa.ForeignKeyConstraint(["initiative_id"], ["initiatives.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.create_index("ix_grants_person", ["person_id"], unique=False)
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("person", sa.String(length=255), nullable=False),
        sa.Column("person_name", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("place", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('done', 'refused', 'failed')", name="ck_audit_events_outcome"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_at", ["at"], unique=False)
    _append_only()
    _strict_consent()
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_by", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("safeguarding_by", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("safeguarding_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("safeguarding_passed_to", sa.Text(), nullable=True))


CONSENT_TRIGGERS = ("stories_consent_on_insert", "stories_consent_on_update")


def _strict_consent() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, event in zip(CONSENT_TRIGGERS, ("INSERT", "UPDATE"), strict=True):
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {event} ON stories "
            "WHEN NEW.consent_recorded IS NULL OR NEW.consent_recorded NOT IN (0, 1) "
            "OR typeof(NEW.consent_recorded) != 'integer' "
            "BEGIN SELECT RAISE(ABORT, 'consent_recorded must be true or false'); END"
        )


def _append_only() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{event.lower()} BEFORE {event} ON audit_events "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'insufficient_privilege'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
    )
    op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM PUBLIC")


def downgrade() -> None:
    with op.batch_alter_table("stories", schema=None) as batch_op:
        for column in (
            "safeguarding_passed_to",
            "safeguarding_at",
            "safeguarding_by",
            "withdrawn_at",
            "withdrawn_by",
        ):
            batch_op.drop_column(column)
    if op.get_bind().dialect.name == "sqlite":
        for name in CONSENT_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_at")
    op.drop_table("audit_events")
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.drop_index("ix_grants_person")
    op.drop_table("grants")
    op.drop_table("people")
