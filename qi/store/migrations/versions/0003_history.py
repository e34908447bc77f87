"""History: a version row per change of measures, places, stories, actions and annotations (who,
when, what it became), and a measure's own maximum.

- measure_versions, place_versions, story_versions, action_versions, annotation_versions: each
  row is what a row became at one change (``version`` 1, 2, ...; ``change`` created, updated,
  forced or undone; ``changed_by``, ``changed_at``). Rows stored before this revision get their
  current state as version 1, dated and signed as their last change (an undone annotation gets
  a second version, undone).
- measures.maximum: the largest value a measure can plausibly take (a count's ceiling).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CHANGES = "change IN ('created', 'updated', 'forced', 'undone')"


def _version_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("changed_by", sa.String(length=128), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
    ]


def _table(name: str, owner: str, owner_table: str, columns: list, ondelete: str | None = None):
    op.create_table(
        name,
        sa.Column(owner, sa.Integer(), nullable=False),
        *columns,
        *_version_columns(),
        sa.CheckConstraint(CHANGES, name=f"ck_{name}_change"),
        sa.ForeignKeyConstraint([owner], [f"{owner_table}.id"], ondelete=ondelete),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(f"ix_{name}_{owner[:-3]}", [owner, "version"], unique=True)


def upgrade() -> None:
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("maximum", sa.Float(), nullable=True))

    _table(
        "measure_versions",
        "measure_id",
        "measures",
        [
            sa.Column("code", sa.String(length=64), nullable=False),
            sa.Column("name", sa.String(length=255), nullable=False),
            sa.Column("definition", sa.Text(), nullable=True),
            sa.Column("unit", sa.String(length=64), nullable=True),
            sa.Column("kind", sa.String(length=16), nullable=False),
            sa.Column("multiplier", sa.Float(), nullable=False),
            sa.Column("improvement", sa.String(length=8), nullable=False),
            sa.Column("target", sa.Float(), nullable=True),
            sa.Column("chart", sa.String(length=16), nullable=True),
            sa.Column("rule_set", sa.String(length=32), nullable=True),
            sa.Column("frequency", sa.String(length=8), nullable=False),
            sa.Column("maximum", sa.Float(), nullable=True),
        ],
    )
    _table(
        "place_versions",
        "place_id",
        "places",
        [
            sa.Column("code", sa.String(length=64), nullable=False),
            sa.Column("name", sa.String(length=255), nullable=False),
            sa.Column("type", sa.String(length=32), nullable=False),
            sa.Column("parent_id", sa.Integer(), nullable=True),
            sa.Column("gss_code", sa.String(length=9), nullable=True),
        ],
    )
    _table(
        "story_versions",
        "story_id",
        "stories",
        [
            sa.Column("title", sa.String(length=255), nullable=False),
            sa.Column("narrative", sa.Text(), nullable=False),
            sa.Column("told_on", sa.Date(), nullable=False),
            sa.Column("place_id", sa.Integer(), nullable=True),
            sa.Column("initiative_id", sa.Integer(), nullable=True),
            sa.Column("voice", sa.String(length=32), nullable=False),
            sa.Column("participation", sa.String(length=32), nullable=True),
            sa.Column("consent_recorded", sa.Boolean(), nullable=False),
            sa.Column("anonymised", sa.Boolean(), nullable=False),
            sa.Column("domains", sa.Text(), nullable=True),
            sa.Column("links", sa.Text(), nullable=True),
        ],
        ondelete="CASCADE",
    )
    _table(
        "action_versions",
        "action_id",
        "actions",
        [
            sa.Column("meeting_id", sa.Integer(), nullable=False),
            sa.Column("kind", sa.String(length=16), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("measure_id", sa.Integer(), nullable=True),
            sa.Column("place_id", sa.Integer(), nullable=True),
            sa.Column("story_id", sa.Integer(), nullable=True),
            sa.Column("owner", sa.String(length=255), nullable=True),
            sa.Column("due_on", sa.Date(), nullable=True),
            sa.Column("status", sa.String(length=8), nullable=True),
        ],
        ondelete="CASCADE",
    )
    _table(
        "annotation_versions",
        "annotation_id",
        "annotations",
        [
            sa.Column("measure_id", sa.Integer(), nullable=False),
            sa.Column("place_id", sa.Integer(), nullable=True),
            sa.Column("period", sa.Date(), nullable=False),
            sa.Column("kind", sa.String(length=32), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("new_phase", sa.Boolean(), nullable=False),
            sa.Column("exclude", sa.Boolean(), nullable=False),
            sa.Column("reason", sa.Text(), nullable=True),
        ],
    )
    _backfill()


def _change(created_at: str, updated_at: str) -> str:
    return f"CASE WHEN {updated_at} = {created_at} THEN 'created' ELSE 'updated' END"


def _backfill() -> None:
    """Rows stored before history was kept: their current state is their first version."""
    measure = (
        "code, name, definition, unit, kind, multiplier, improvement, target, chart, "
        "rule_set, frequency, maximum"
    )
    op.execute(
        f"INSERT INTO measure_versions (measure_id, version, change, changed_by, changed_at, "
        f"{measure}) SELECT id, 1, {_change('created_at', 'updated_at')}, updated_by, "
        f"updated_at, {measure} FROM measures"
    )
    place = "code, name, type, parent_id, gss_code"
    op.execute(
        f"INSERT INTO place_versions (place_id, version, change, changed_by, changed_at, "
        f"{place}) SELECT id, 1, {_change('created_at', 'updated_at')}, updated_by, "
        f"updated_at, {place} FROM places"
    )
    action = "meeting_id, kind, text, measure_id, place_id, story_id, owner, due_on, status"
    op.execute(
        f"INSERT INTO action_versions (action_id, version, change, changed_by, changed_at, "
        f"{action}) SELECT id, 1, {_change('created_at', 'updated_at')}, updated_by, "
        f"updated_at, {action} FROM actions"
    )
    note = "measure_id, place_id, period, kind, text, new_phase, exclude, reason"
    op.execute(
        f"INSERT INTO annotation_versions (annotation_id, version, change, changed_by, "
        f"changed_at, {note}) SELECT id, 1, 'created', actor, created_at, {note} FROM annotations"
    )
    op.execute(
        f"INSERT INTO annotation_versions (annotation_id, version, change, changed_by, "
        f"changed_at, {note}) SELECT id, 2, 'undone', undone_by, undone_at, {note} "
        "FROM annotations WHERE undone_at IS NOT NULL"
    )
    _backfill_stories()


def _backfill_stories() -> None:
    bind = op.get_bind()
    domains: dict[int, list[str]] = {}
    for story_id, domain in bind.execute(
        sa.text("SELECT story_id, domain FROM story_domains ORDER BY story_id, domain")
    ):
        domains.setdefault(story_id, []).append(domain)
    links: dict[int, list[dict]] = {}
    for story_id, measure, place, start, end in bind.execute(
        sa.text(
            "SELECT l.story_id, m.code, p.code, l.period_start, l.period_end FROM story_links l "
            "JOIN measures m ON m.id = l.measure_id LEFT JOIN places p ON p.id = l.place_id "
            "ORDER BY l.story_id, l.id"
        )
    ):
        links.setdefault(story_id, []).append(
            {
                "measure": measure,
                "place": place,
                "period_start": _day(start),
                "period_end": _day(end),
            }
        )
    stories = bind.execute(
        sa.text(
            "SELECT id, title, narrative, told_on, place_id, initiative_id, voice, participation, "
            "consent_recorded, anonymised, actor, created_at, updated_by, updated_at FROM stories"
        )
    ).mappings()
    rows = [
        {
            "story_id": s["id"],
            "version": 1,
            "change": "created" if s["updated_at"] == s["created_at"] else "updated",
            "changed_by": s["updated_by"],
            "changed_at": s["updated_at"],
            **{
                k: s[k]
                for k in (
                    "title",
                    "narrative",
                    "told_on",
                    "place_id",
                    "initiative_id",
                    "voice",
                    "participation",
                    "consent_recorded",
                    "anonymised",
                )
            },
            "domains": ",".join(domains.get(s["id"], [])) or None,
            "links": json.dumps(links.get(s["id"], [])),
        }
        for s in stories
    ]
    if rows:
        table = sa.table("story_versions", *(sa.column(name) for name in rows[0]))
        bind.execute(table.insert(), rows)


def _day(value) -> str | None:
    return None if value is None else str(value)[:10]


def downgrade() -> None:
    for name, owner in (
        ("annotation_versions", "annotation"),
        ("action_versions", "action"),
        ("story_versions", "story"),
        ("place_versions", "place"),
        ("measure_versions", "measure"),
    ):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{name}_{owner}")
        op.drop_table(name)
    with op.batch_alter_table("measures", schema=None) as batch_op:
        batch_op.drop_column("maximum")
