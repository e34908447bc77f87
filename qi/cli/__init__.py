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


_register()


def run() -> None:
    """The ``qi`` console command: run one subcommand, then end the process at once.

    By the time a subcommand returns it has written and closed its files and committed its
    transactions; what is left is freeing its frames (gigabytes for a large panel) piece by
    piece, a tenth of a second or more for nothing, so the process ends without it.
    """
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
