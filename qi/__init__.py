"""qi: quality improvement for place-based health and care partnerships.

Subpackages:
- ``qi.charts``: the QI engine (pure functions from polars frames to polars frames).
- ``qi.ingest``: reading and validating locality teams' files.
- ``qi.store``: the database (SQLite by default, PostgreSQL when configured).
- ``qi.cli``: the ``qi`` command.
"""

__version__ = "0.1.0"
