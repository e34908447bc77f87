"""``qi chart`` and ``qi conformance``: the engine from the command line."""

import click


@click.command()
def chart() -> None:
    """Compute run/SPC charts for every series in a file (placeholder)."""
    raise click.ClickException("not yet implemented")


COMMANDS = [chart]
