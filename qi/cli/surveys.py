"""``qi answers import``: survey answers from a form tool, one row per answer.

A thin wrapper over ``qi.ingest.surveys``, with the exit statuses of ``qi ingest``.
"""

from pathlib import Path

import click

from qi.cli.store import ACTOR_HELP, DB_HELP, EXIT_STATUSES, _actor, _engine, _finish, guarded


@click.group(name="answers", help="Manage survey answers (experience measures are made from them).")
def answers() -> None:
    pass


@answers.command(name="import", epilog=EXIT_STATUSES)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--db", help=DB_HELP)
@click.option("--actor", help=ACTOR_HELP, callback=_actor)
@guarded
def import_answers(file, db, actor) -> None:
    """Add survey answers from FILE (CSV, Excel or Parquet), all or nothing.

    Columns: place, date, question (a question code), answer (its words, such as "Certainly
    true", or its number on the question's scale); optional voice, breakdown. The experience
    measures made from those questions are then recounted.
    """
    from qi.ingest.surveys import ingest_answers_file

    _finish(ingest_answers_file(_engine(db), file, actor=actor))


COMMANDS = [answers]
