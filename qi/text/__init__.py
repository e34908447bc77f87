"""Text for people: one formatter for each kind of value, signal words and readings.

- ``numbers``: ``number()``: 10,698; 46.75; "95%"; never scientific notation.
- ``periods``: ``period()``, ``period_range()`` and ``period_expr()``: "April 2024",
  "Apr 2024", "Q2 2024", "3 June 2024", by calendar unit and style (long or short).
- ``counts``: ``count()``: "1 story", "3 stories", "no new signals", "seven months".
- ``signals``: a signal's rule in words, as its rule set words it.
- ``reading``: a sentence or two saying what a series shows and since when.

Layer 1: imports only ``qi.charts``, ``qi.vocabulary`` and the standard library (and polars).
Pure: values in, strings out.
"""

from qi.text.counts import count
from qi.text.numbers import number, unit_title
from qi.text.periods import period, period_expr, period_range

__all__ = ["count", "number", "period", "period_expr", "period_range", "unit_title"]
