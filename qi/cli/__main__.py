"""``python -m qi.cli``: the ``qi`` command from a checkout, without installing it."""

from qi.cli import run

run()
