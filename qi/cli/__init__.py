"""The ``qi`` command line: one thin subcommand per library entry point.

Each area keeps its commands in its own module here and is registered below.
Exit status: 0 success, 1 bad input (the message says what and how to fix it), 2 usage.
"""

import os
import sys

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qi")
def main() -> None:
    """qi: run charts, SPC charts and Making Data Count icons for improvement work."""


def _register() -> None:
    from qi.cli import charts, demo, report, store

    for command in charts.COMMANDS:
        main.add_command(command)
    for command in store.COMMANDS:
        main.add_command(command)
    for command in report.COMMANDS:
        main.add_command(command)
    for command in demo.COMMANDS:
        main.add_command(command)
    from qi.cli.effects import effect

    main.add_command(effect)
    from qi.cli.funnel import funnel_command

    main.add_command(funnel_command)
    from qi.cli.pdsa import pdsa

    main.add_command(pdsa)
    from qi.cli.surveys import answers

    main.add_command(answers)
    from qi.cli import access

    for command in access.COMMANDS:
        main.add_command(command)
    from qi.cli.breakdowns import breakdowns

    main.add_command(breakdowns)


_register()


# Commands that hold no database connection: once they return, their files are written and
# closed, and the process can end without freeing their frames one by one.
ENDS_AT_ONCE = {"chart", "conformance"}


def run() -> None:
    """The ``qi`` console command.

    After ``qi chart`` or ``qi conformance`` the process ends at once: what is left is freeing
    frames (gigabytes for a large panel) piece by piece, a tenth of a second or more for
    nothing. Commands that use the database end normally, so SQLite folds its write-ahead log
    back into the database file when the connection closes.
    """
    if sys.argv[1:2] and sys.argv[1] in ENDS_AT_ONCE:
        try:
            main()
            code: object = 0
        except SystemExit as finished:
            code = finished.code
        if isinstance(code, str):
            print(code, file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code if isinstance(code, int) else (0 if code is None else 1))
    main()
