"""Text for people: one formatter for each kind of value (numbers, periods, counts), signal
words and plain-English readings.

Layer 1: imports only ``qi.charts``, ``qi.vocabulary`` and the standard library. Pure: values
in, strings out.
"""
