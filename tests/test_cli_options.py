"""Every command's options are each declared once. Two branches once each added ``--user`` to
``qi places import``: click only warns, and the second declaration silently shadows the first."""

from collections import Counter

import click

from qi.cli import COMMANDS, main


def _all(command: click.Command, path: str):
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _all(sub, f"{path} {name}")


def test_no_command_declares_an_option_twice():
    context = click.Context(main)
    seen, twice = 0, []
    for name in COMMANDS:
        for path, command in _all(main.get_command(context, name), f"qi {name}"):
            seen += 1
            names = Counter(o for p in command.params for o in getattr(p, "opts", []))
            twice += [f"{path}: {option}" for option, n in names.items() if n > 1]
    assert seen > len(COMMANDS)  # the groups' commands were walked too
    assert twice == []
