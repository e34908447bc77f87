"""qi: quality improvement for place-based health and care partnerships.

Subpackages, in layers: each imports only from the layers below it (and its own), which
``tests/test_layers.py`` checks.

0. ``qi.charts``: the QI engine (pure functions from polars frames to polars frames; imports
   nothing else of qi).
1. ``qi.vocabulary``: codes and the words people read for them, one home per vocabulary.
   ``qi.text``: one formatter per kind of value (numbers, periods, counts), signal words and
   plain-English readings.
2. ``qi.store``: the database (SQLite by default, PostgreSQL when configured); the only place
   that speaks SQL.
3. ``qi.services``: what one measure's review, "since the last meeting" and a meeting mean.
   ``qi.ingest``: reading and validating locality teams' files. ``qi.demo``: the demo
   partnership. ``qi.conformance``: the reference cases.
4. ``qi.render``: charts, icons and the board pack.
5. The shells: ``qi.app`` (Streamlit pages, started by ``app.py``) and ``qi.cli`` (the ``qi``
   command).
"""

__version__ = "0.1.0"
