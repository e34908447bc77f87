"""Reports of measures for people: charts, icons and plain-English readings.

- ``figures``: Altair charts in the NHS Making Data Count style (one series, small multiples)
  and their export to PNG and SVG, from ``spc()``'s points; no database.
- ``icons``: qi's own variation and assurance icons as SVG, with their meaning in words.
- ``reading``: a sentence or two saying what a series shows and since when.

Everything here is pure: frames in, charts or text out. Reading the store is ``qi.review``'s job.
"""
