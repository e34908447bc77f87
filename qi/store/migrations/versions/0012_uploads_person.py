"""Who uploaded a file, by qi's key for them (``person``), not only by name: the upload log
shows a rejected upload to the person who sent it, and two people of the same name must not
see each other's.

Existing uploads get the person from the audit's record of the upload ("upload <id>: ..."),
where there is one; older uploads keep none (their values' places still decide who reads
them).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("person", sa.String(length=255), nullable=True))
    op.execute(
        "UPDATE uploads SET person = ("
        " SELECT MIN(audit_events.person) FROM audit_events"
        " WHERE audit_events.action = 'data.upload'"
        " AND audit_events.subject LIKE 'upload ' || CAST(uploads.id AS VARCHAR(20)) || ':%')"
    )


def downgrade() -> None:
    # Not a batch operation: on SQLite that copies the table, which other tables' foreign keys
    # to uploads refuse. ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later) drops it in place.
    op.execute("ALTER TABLE uploads DROP COLUMN person")
