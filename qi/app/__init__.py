"""The qi app: Streamlit pages over the library, for locality teams, coaches and stewardship groups.

- ``navigation``: which pages there are, in which sections (``app.py`` draws them).
- ``context``: the database engine, the catalogue of what is stored, and the scope (initiative,
  place, measure) a user has chosen, kept across pages.
- ``widgets``: small pieces of page drawn the same way everywhere (icons in words, plain text).
- ``pages/``: one script per page.

Pages call ``qi`` functions and render what they return. No statistics here: limits, signals,
icons, readings and change points all come from ``qi.services.review`` and ``qi.report``.
"""
