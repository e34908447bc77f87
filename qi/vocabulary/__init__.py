"""Codes and their words: one home for each vocabulary qi uses.

Layer 1: imports only ``qi.charts`` (the engine) and the standard library. Each module holds
its vocabularies as mappings of code to the words people read (``terms.Vocabulary``); where
the engine names the codes (point types, icons, chart types, improvement directions), the
vocabulary follows the engine's codes.

- ``measures``: improvement direction (and the engine's word for it), kinds of measure,
  frequencies.
- ``places``: place types.
- ``charts``: chart types and rule sets (the engine's registries) and centre-line words.
- ``points``: point types and the variation and assurance icons.
- ``annotations``: kinds of annotation, their effects, and the events new since a meeting.
- ``stories``: whose voice, outcome domains and levels of participation (dicts of code to
  words), and the policy a story must meet before the store keeps it.
"""
