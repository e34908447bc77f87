"""``qi demo``: load the demo partnership into a database (what ``make run`` does first).

A thin wrapper over ``qi.demo.load_demo``. Exit status: 0 loaded (or skipped with --if-empty).
"""

import time

import click

from qi.cli.store import ACTOR_HELP, DB_HELP


@click.command()
@click.option("--db", help=DB_HELP)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing when the database already has measures (so your own data is left alone).",
)
@click.option("--actor", default="demo", show_default=True, help=ACTOR_HELP)
@click.option(
    "--accounts",
    is_flag=True,
    help="Also add demonstration accounts, one per role, for QI_AUTH=local-accounts (their "
    "password is published: for a demo database only; see qi/demo/accounts.py).",
)
def demo(db, if_empty, actor, accounts) -> None:
    """Load the demo: a synthetic children and young people's partnership and real NHS A&E data.

    The partnership (five West Yorkshire districts with their real ONS codes, three initiatives,
    seven measures, four years of monthly data, annotations and recalculated limits) is
    generated from a fixed seed and labelled as synthetic. The A&E programme is real NHS England
    data (Open Government Licence v3.0). The schema is created or upgraded first. Loading twice
    changes nothing.
    """
    from qi.demo import DEMO_NOTICE, load_demo
    from qi.store import database_shown, open_store, read_measures

    engine = open_store(db)
    where = database_shown(db)
    if if_empty:
        existing = read_measures(engine).height
        if existing:
            click.echo(
                f"{where} already has {existing} measures; the demo was not loaded (--if-empty)."
            )
            return
    started = time.perf_counter()
    from qi.access import local_admin

    summary = load_demo(engine, local_admin(actor))
    click.echo(f"{summary.render()} ({time.perf_counter() - started:.1f} s, into {where})")
    click.echo(DEMO_NOTICE)
    if accounts:
        from qi.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo_accounts

        added = load_demo_accounts(engine, local_admin(actor))
        names = ", ".join(a.username for a in DEMO_ACCOUNTS)
        click.echo(
            f"Demonstration accounts ({added} added): {names}; password {DEMO_PASSWORD!r}. "
            "Start the app with QI_AUTH=local-accounts to sign in as one of them."
        )
