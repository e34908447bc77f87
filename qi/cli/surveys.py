"""``qi answers import``: survey answers from a form tool, one row per answer.

A thin wrapper over ``qi.ingest.surveys``, with the exit statuses of ``qi ingest``.
"""

from pathlib import Path

import click

from qi.cli.store import DB_HELP, EXIT_STATUSES, USER_HELP, _engine, _finish, guarded


@click.group(name="answers", help="Manage survey answers (experience measures are made from them).")
def answers() -> None:
    pass


@answers.command(name="import", epilog=EXIT_STATUSES)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--db", help=DB_HELP)
@click.option("--user", help=USER_HELP)
@guarded
def import_answers(file, db, user) -> None:
    """Add survey answers from FILE (CSV, Excel or Parquet), all or nothing.

    Columns: place, date, question (a question code), answer (its words, such as "Certainly
    true", or its number on the question's scale); optional voice, breakdown. The experience
    measures made from those questions are then recounted.
    """
    from qi.cli.access import cli_principal
    from qi.ingest.surveys import ingest_answers_file

    engine = _engine(db)
    _finish(ingest_answers_file(engine, cli_principal(engine, user), file))
