"""Codes and their words: one home for each vocabulary qi uses.

Layer 1: imports only ``qi.charts`` (the engine) and the standard library. Each module holds one
vocabulary as an enum or registry, with the words people read for each code.
"""
