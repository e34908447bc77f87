"""Rendering for people: charts, icons and the board pack, from what the services return.

- ``figures``: Altair charts in the NHS Making Data Count style (one series, small multiples)
  and their export to PNG and SVG, from ``spc()``'s ``Chart``; no database.
- ``icons``: qi's own variation and assurance icons drawn as SVG (their words are in
  ``qi.vocabulary.points``).
- ``pack``: the board pack PDF of a meeting's review (``qi.services.meeting.MeetingReview``).

Layer 4: imports the engine, vocabulary, text, store and services; never the app or the CLI.
Nothing here reads the database or computes statistics: values in, pictures and pages out.
"""
