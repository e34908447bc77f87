"""The ``qi`` command line: one thin subcommand per library entry point.

Each area keeps its commands in its own module here, registered by name in ``COMMANDS`` and
imported only when used.
Exit status: 0 success, 1 bad input (the message says what and how to fix it), 2 usage.
"""

import importlib
import os
import sys

import click

# Each command's module and name in it. A command's module, and what it imports (polars, the
# engine, SQLAlchemy, fpdf), loads only when that command runs or shows its help, so
# ``qi report`` starts without the modules of ``qi chart`` or ``qi effect``.
COMMANDS: dict[str, tuple[str, str]] = {
    "answers": ("qi.cli.surveys", "answers"),
    "audit": ("qi.cli.access", "audit"),
    "breakdowns": ("qi.cli.breakdowns", "breakdowns"),
    "chart": ("qi.cli.charts", "chart"),
    "conformance": ("qi.cli.charts", "conformance"),
    "demo": ("qi.cli.demo", "demo"),
    "effect": ("qi.cli.effects", "effect"),
    "export": ("qi.cli.store", "export"),
    "funnel": ("qi.cli.funnel", "funnel_command"),
    "grants": ("qi.cli.access", "grants"),
    "ingest": ("qi.cli.store", "ingest"),
    "measures": ("qi.cli.store", "measures"),
    "pdsa": ("qi.cli.pdsa", "pdsa"),
    "places": ("qi.cli.store", "places"),
    "report": ("qi.cli.report", "report"),
    "users": ("qi.cli.access", "users"),
}


class Commands(click.Group):
    """The ``qi`` group: lists ``COMMANDS`` by name and imports one only when it is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, name = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module), name)
        if not isinstance(command, click.Command):
            raise TypeError(f"{module}.{name} is not a click command; fix qi.cli.COMMANDS")
        return command


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qi")
def main() -> None:
    """qi: run charts, SPC charts and Making Data Count icons for improvement work."""


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
