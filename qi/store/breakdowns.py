"""The kinds of breakdown observations may carry, kept in the store: their words and the groups
each accepts (``qi.vocabulary.breakdowns`` says what that means and holds the seed).

An admin (``definitions.write``) adds a kind or groups of a kind; each change is audited.
Uploads are checked against ``read_breakdown_kinds``.
"""

import polars as pl
from sqlalchemy import Engine, func, insert, select

from qi.access import EVERYTHING, Principal
from qi.store import clock
from qi.store.access import audit, guard
from qi.store.engine import writing
from qi.store.models import BreakdownGroup, BreakdownKindRecord, Observation
from qi.vocabulary.breakdowns import (
    SEPARATOR,
    BreakdownKind,
    BreakdownKinds,
    check_group_code,
    check_kind_code,
)

ACTION = "definitions.write"


class BreakdownError(ValueError):
    """A kind or group that cannot be added: the message says why and what to do."""


def read_breakdown_kinds(engine: Engine) -> BreakdownKinds:
    """The kinds of breakdown in force, in the order they were added, with their groups."""
    with engine.connect() as connection:
        kinds = connection.execute(
            select(BreakdownKindRecord.code, BreakdownKindRecord.label).order_by(
                BreakdownKindRecord.position
            )
        ).all()
        groups = connection.execute(
            select(BreakdownGroup.kind, BreakdownGroup.code).order_by(
                BreakdownGroup.kind, BreakdownGroup.position
            )
        ).all()
    listed: dict[str, list[str]] = {}
    for kind, group in groups:
        listed.setdefault(kind, []).append(group)
    return BreakdownKinds(
        {code: BreakdownKind(code, label, tuple(listed.get(code, ()))) for code, label in kinds}
    )


def breakdown_kinds_frame(kinds: BreakdownKinds) -> pl.DataFrame:
    """The kinds as a table: kind, words, groups (comma-separated; blank: any group)."""
    return pl.DataFrame(
        [(k.code, k.label, ", ".join(k.groups)) for k in kinds.kinds.values()],
        schema={"kind": pl.String, "words": pl.String, "groups": pl.String},
        orient="row",
    )


def add_breakdown_kind(
    engine: Engine,
    principal: Principal,
    code: str,
    label: str,
    groups: tuple[str, ...] = (),
) -> BreakdownKind:
    """Add a kind of breakdown with its words and, if given, the only groups it accepts (in
    order); without groups it accepts any group. Needs ``definitions.write``."""
    check_kind_code(code)
    label = label.strip()
    if not label or len(label) > 128:
        raise BreakdownError(
            f"the kind {code} needs its words (how it reads on a chart, at most 128 characters)"
        )
    for group in groups:
        check_group_code(code, group)
    if len(set(groups)) != len(groups):
        raise BreakdownError(f"a group of {code} is given twice: give each once")
    guard(engine, principal, ACTION, scope=EVERYTHING, subject=f"breakdown kind {code}")
    now = clock.now()
    with writing(engine) as connection:
        if connection.execute(
            select(BreakdownKindRecord.code).where(BreakdownKindRecord.code == code)
        ).first():
            raise BreakdownError(
                f"the kind {code} is already there: add groups to it with "
                f"`qi breakdowns add {code} --group ...`"
            )
        last = connection.execute(select(func.max(BreakdownKindRecord.position))).scalar()
        connection.execute(
            insert(BreakdownKindRecord).values(
                code=code,
                label=label,
                position=(-1 if last is None else last) + 1,
                added_by=principal.name,
                added_at=now,
            )
        )
        _insert_groups(connection, principal, code, groups, 0, now)
        audit(
            connection,
            principal,
            ACTION,
            subject=f"breakdown kind {code}",
            detail=f"{label}; groups: {', '.join(groups) or 'any'}",
        )
    return BreakdownKind(code, label, groups)


def add_breakdown_groups(
    engine: Engine, principal: Principal, kind: str, groups: tuple[str, ...]
) -> BreakdownKind:
    """Add groups to a kind (those it already lists are left as they are). A kind that accepted
    any group accepts only its listed groups from then on, so this is refused while stored
    observations use a group of it that is not listed. Needs ``definitions.write``."""
    for group in groups:
        check_group_code(kind, group)
    if not groups:
        raise BreakdownError(f"give at least one group to add to {kind}")
    guard(engine, principal, ACTION, scope=EVERYTHING, subject=f"breakdown kind {kind}")
    now = clock.now()
    with writing(engine) as connection:
        label = connection.execute(
            select(BreakdownKindRecord.label).where(BreakdownKindRecord.code == kind)
        ).scalar()
        if label is None:
            raise BreakdownError(
                f"there is no kind of breakdown {kind!r}: add it with "
                f"`qi breakdowns add {kind} --words ...` (see `qi breakdowns list`)"
            )
        listed = list(
            connection.execute(
                select(BreakdownGroup.code)
                .where(BreakdownGroup.kind == kind)
                .order_by(BreakdownGroup.position)
            ).scalars()
        )
        new = tuple(dict.fromkeys(g for g in groups if g not in listed))
        if not listed:
            stored = connection.execute(
                select(Observation.breakdown, func.count())
                .where(Observation.breakdown.startswith(f"{kind}{SEPARATOR}"))
                .group_by(Observation.breakdown)
            ).all()
            unlisted = sorted(
                b.split(SEPARATOR, 1)[1] for b, _ in stored if b.split(SEPARATOR, 1)[1] not in new
            )
            if unlisted:
                raise BreakdownError(
                    f"{kind} accepts any group now, and would accept only "
                    f"{', '.join(new)} once they are listed, but stored observations use "
                    f"{', '.join(unlisted)}: list those too"
                )
        _insert_groups(connection, principal, kind, new, len(listed), now)
        if new:
            audit(
                connection,
                principal,
                ACTION,
                subject=f"breakdown kind {kind}",
                detail=f"groups added: {', '.join(new)}",
            )
    return BreakdownKind(kind, label, (*listed, *new))


def _insert_groups(connection, principal: Principal, kind: str, groups, first: int, now) -> None:
    if groups:
        connection.execute(
            insert(BreakdownGroup),
            [
                {
                    "kind": kind,
                    "code": group,
                    "position": first + i,
                    "added_by": principal.name,
                    "added_at": now,
                }
                for i, group in enumerate(groups)
            ],
        )
