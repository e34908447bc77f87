"""``qi users``, ``qi grants`` and ``qi audit``; and who the command line acts as.

The command line only builds the principal (``cli_principal``): in single-user mode (the
default) the local admin; with ``QI_AUTH=local-accounts`` or ``oidc``, the person named by
``--user`` (or ``$QI_USER``), with their grants from the database. ``qi users`` and
``qi grants`` without ``--user`` act as the console operator (an administrator): whoever can
run commands against the database administers it, which is also how the first admin is made.
"""

import sys
from datetime import datetime

import click

from qi.cli.store import DB_HELP, USER_HELP, day_option, guarded


def cli_principal(engine, user: str | None, operator: bool = False):
    """The principal a command acts as (see the module's docstring)."""
    import os

    from qi.access import local_admin
    from qi.access.modes import identity_mode
    from qi.store.access import SignInFailed, local_person, principal_for

    mode = identity_mode()
    user = user or os.environ.get("QI_USER")
    if user is None:
        if mode == "single-user":
            return local_admin(os.environ.get("QI_ACTOR") or "Local administrator")
        if operator:
            return local_admin("Console operator")
        raise click.UsageError(f"QI_AUTH is {mode}: say who you are with --user (or $QI_USER)")
    person = user if ":" in user else local_person(user)
    try:
        return principal_for(engine, person)
    except SignInFailed as error:
        raise click.UsageError(str(error)) from None


def user_option(command):
    return click.option("--user", help=USER_HELP)(command)


def _engine(db):
    from qi.store import open_store

    return open_store(db)


def _access_errors(command):
    """Refusals and bad input exit 1 with the message."""
    import functools

    @functools.wraps(command)
    def run(*args, **kwargs):
        from qi.access import Refused
        from qi.store.access import AccessError

        try:
            return command(*args, **kwargs)
        except (Refused, AccessError, ValueError) as error:
            click.echo(f"qi: {error}", err=True)
            raise SystemExit(1) from None

    return run


@click.group()
def users() -> None:
    """Add, list and disable the people who use qi."""


@users.command(name="add")
@click.argument("username")
@click.option("--name", required=True, help="Their name, as it appears on what they record.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read a password from standard input (a local account); otherwise you are asked.",
)
@click.option("--person", "is_person", is_flag=True, help="USERNAME is a person key (OIDC).")
@click.option("--db", help=DB_HELP)
@user_option
@guarded
@_access_errors
def users_add(username, name, password_stdin, is_person, db, user) -> None:
    """Add USERNAME: a local account with a password, or (--person) someone from the
    identity provider, keyed oidc:<issuer>|<subject>."""
    from qi.store.access import add_person

    engine = _engine(db)
    acting = cli_principal(engine, user, operator=True)
    if is_person:
        person = add_person(engine, acting, person=username, name=name)
    else:
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        person = add_person(engine, acting, username=username, name=name, password=password)
    click.echo(f"Added {person} ({name}). Grant them a role: qi grants add {username} ROLE ...")


@users.command(name="list")
@click.option("--db", help=DB_HELP)
@user_option
@guarded
@_access_errors
def users_list(db, user) -> None:
    """Everyone known to qi, with whether they are disabled and when they last signed in."""
    from qi.store.access import read_people

    engine = _engine(db)
    people = read_people(engine, cli_principal(engine, user, operator=True))
    for row in people.iter_rows(named=True):
        state = "disabled" if row["disabled"] else "active"
        last = row["last_sign_in_at"] or "never"
        click.echo(f"{row['person']}\t{row['name']}\t{state}\tlast signed in: {last}")
    click.echo(f"{people.height} people")


@users.command(name="disable")
@click.argument("username")
@click.option("--db", help=DB_HELP)
@user_option
@guarded
@_access_errors
def users_disable(username, db, user) -> None:
    """Disable USERNAME (a user name or person key): they can no longer sign in."""
    from qi.store.access import disable_person, local_person

    engine = _engine(db)
    person = username if ":" in username else local_person(username)
    disable_person(engine, cli_principal(engine, user, operator=True), person)
    click.echo(f"Disabled {person}.")


def _when(_context, _parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD") from None


@click.group()
def grants() -> None:
    """Grant, list and revoke roles over places, initiatives or everything."""


@grants.command(name="add")
@click.argument("username")
@click.argument("role", type=click.Choice(["locality", "coach", "steward", "admin", "viewer"]))
@click.option("--place", help="Over this place (its code).")
@click.option("--initiative", help="Over this initiative (its name) and its places.")
@click.option("--everything", is_flag=True, help="Over every place and initiative.")
@click.option("--expires", callback=_when, help="When the grant ends (YYYY-MM-DD).")
@click.option("--db", help=DB_HELP)
@user_option
@guarded
@_access_errors
def grants_add(username, role, place, initiative, everything, expires, db, user) -> None:
    """Grant ROLE to USERNAME over --place, --initiative or --everything."""
    from qi.store.access import add_grant, local_person

    engine = _engine(db)
    person = username if ":" in username else local_person(username)
    grant_id = add_grant(
        engine,
        cli_principal(engine, user, operator=True),
        person,
        role,
        place=place,
        initiative=initiative,
        everything=everything,
        expires_at=expires,
    )
    click.echo(f"Grant {grant_id}: {role} to {person}.")


@grants.command(name="list")
@click.option("--person", "username", help="Only this person's grants.")
@click.option("--db", help=DB_HELP)
@user_option
@guarded
@_access_errors
def grants_list(username, db, user) -> None:
    """Every grant, revoked ones marked."""
    from qi.store.access import local_person, read_grants

    engine = _engine(db)
    person = None if username is None else username if ":" in username else local_person(username)
    found = read_grants(engine, cli_principal(engine, user, operator=True), person)
    for row in found.iter_rows(named=True):
        over = row["place"] or row["initiative"] or "everything"
        ends = f" until {row['expires_at']}" if row["expires_at"] else ""
        revoked = f" REVOKED by {row['revoked_by']}" if row["revoked_at"] else ""
        click.echo(
            f"{row['id']}\t{row['person']}\t{row['role']} over {over}{ends}"
            f"\tgranted by {row['granted_by']} {row['granted_at']}{revoked}"
        )
    click.echo(f"{found.height} grants")


@grants.command(name="revoke")
@click.argument("grant_id", type=int)
@click.option("--db", help=DB_HELP)
@user_option
@guarded
@_access_errors
def grants_revoke(grant_id, db, user) -> None:
    """Revoke grant GRANT_ID (see qi grants list)."""
    from qi.store.access import revoke_grant

    engine = _engine(db)
    revoke_grant(engine, cli_principal(engine, user, operator=True), grant_id)
    click.echo(f"Revoked grant {grant_id}.")


@click.command()
@click.option("--person", help="Only what this person did (a person key, e.g. local:lou).")
@click.option("--action", help="Only this action (e.g. data.upload, sign-in).")
@click.option("--place", help="Only at this place (its code).")
@click.option("--outcome", type=click.Choice(["done", "refused", "failed"]))
@click.option("--since", callback=day_option, help="Only from this day (YYYY-MM-DD).")
@click.option("--limit", type=int, default=100, show_default=True)
@click.option("--db", help=DB_HELP)
@user_option
@guarded
@_access_errors
def audit(person, action, place, outcome, since, limit, db, user) -> None:
    """The audit, newest first: who did what, where, when and with what outcome."""
    from qi.store.access import read_audit

    engine = _engine(db)
    found = read_audit(
        engine,
        cli_principal(engine, user, operator=True),
        person=person,
        action=action,
        place=place,
        outcome=outcome,
        since=since,
        limit=limit,
    )
    for row in found.iter_rows(named=True):
        where = f" at {row['place']}" if row["place"] else ""
        what = f" ({row['subject']})" if row["subject"] else ""
        detail = f": {row['detail']}" if row["detail"] else ""
        click.echo(
            f"{row['at']:%Y-%m-%d %H:%M:%S}\t{row['person_name']} [{row['person']}]\t"
            f"{row['action']}{what}{where}\t{row['outcome']}{detail}"
        )
    click.echo(f"{found.height} events")
