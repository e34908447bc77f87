"""Services: what the stored data means for the people reviewing it.

- ``review``: one measure's review (``measure_view``): its definition, observations and
  annotations charted by the engine, with a summary, readings and suggested change points.
- ``since``: what is new since a day (signals, annotations and recalculations, stories).
- ``meeting``: a stewardship group's meeting (``meeting_review``): the summary matrix of
  measures by places, stories, actions and what is new.

Layer 3: imports the engine, vocabulary, text and store; never rendering or the shells.
Nothing here draws.
"""
