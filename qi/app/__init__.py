"""The qi app: Streamlit pages over the library, for locality teams, coaches and stewardship groups.

- ``navigation``: which pages there are, in which sections (``app.py`` draws them).
- ``context``: the database engine, the catalogue of what is stored, and the scope (initiative,
  place, measure) a user has chosen, kept across pages.
- ``widgets``: small pieces of page drawn the same way everywhere (icons in words, plain text).
- ``measure_panel`` and ``story_panel``: a measure's chart with what belongs beside it, and a
  story with the charts it speaks to, shared by several pages.
- ``pages/``: one script per page.

Pages build widgets, call the library and render what it returns; nothing is computed here.
Where things come from: charts, summaries, readings and change points from
``qi.services.review``; a meeting's matrix, news and actions from ``qi.services.meeting`` and
``qi.services.since``; charts, icons and the board pack drawn by ``qi.render``; words for codes
from ``qi.vocabulary``; numbers, periods and counts written by ``qi.text``; reads and writes
through ``qi.store``.
"""
