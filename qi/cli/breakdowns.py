"""``qi breakdowns list`` and ``qi breakdowns add``: the kinds of breakdown uploads may carry.

Thin wrappers over ``qi.store.breakdowns``; adding needs definitions.write (an admin) and is
audited. Exit status: 0 done, 1 refused or bad input (the message says why), 2 usage.
"""

import click

from qi.cli.access import cli_principal
from qi.cli.store import DB_HELP, USER_HELP, _engine, guarded


@click.group()
def breakdowns() -> None:
    """List and add the kinds of breakdown (and their groups) uploads may carry."""


@breakdowns.command(name="list")
@click.option("--db", help=DB_HELP)
@guarded
def list_kinds(db) -> None:
    """Each kind of breakdown, its words and the groups it accepts (any, when none listed)."""
    from qi.store.breakdowns import read_breakdown_kinds

    for kind in read_breakdown_kinds(_engine(db)).kinds.values():
        groups = ", ".join(kind.groups) if kind.groups else "any group"
        click.echo(f"{kind.code}: {kind.label} ({groups})")


@breakdowns.command(name="add")
@click.argument("kind")
@click.option("--words", help="How a new kind reads on charts and tables (needed for a new kind).")
@click.option(
    "--group",
    "groups",
    multiple=True,
    help="A group the kind accepts (repeatable, in order). A kind with listed groups accepts "
    "only those; without any it accepts any group.",
)
@click.option("--db", help=DB_HELP)
@click.option("--user", help=USER_HELP)
@guarded
def add(kind, words, groups, db, user) -> None:
    """Add the kind KIND (with --words) or, for a kind already there, add groups to it.
    Uploads then accept KIND:GROUP in their breakdown column."""
    from qi.access import Refused
    from qi.store.breakdowns import add_breakdown_groups, add_breakdown_kind, read_breakdown_kinds

    engine = _engine(db)
    principal = cli_principal(engine, user)
    try:
        if kind in read_breakdown_kinds(engine):
            if words:
                raise click.UsageError(f"{kind} is there already; --words is for a new kind")
            added = add_breakdown_groups(engine, principal, kind, tuple(groups))
        else:
            if not words:
                raise click.UsageError(
                    f"{kind} is a new kind of breakdown: say how it reads with --words"
                )
            added = add_breakdown_kind(engine, principal, kind, words, tuple(groups))
    except (Refused, ValueError) as error:
        click.echo(f"qi: {error}", err=True)
        raise SystemExit(1) from None
    groups_shown = ", ".join(added.groups) if added.groups else "any group"
    click.echo(f"{added.code}: {added.label} ({groups_shown})")
