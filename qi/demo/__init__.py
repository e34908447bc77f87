"""The demo: a living partnership that a newcomer sees on first opening qi.

Two programmes, loaded through the store's own functions (never SQL):

- a **synthetic** children and young people's partnership in West Yorkshire: the five real
  metropolitan districts (real names and ONS GSS codes) under their real ICB, three initiatives,
  seven measures of the kinds such partnerships track, four financial years of monthly data
  generated from a fixed seed (noise, seasonality, improvement after interventions in some
  places and none in others, a missing month, suppressed small numbers), and the annotations a
  coach would have made (PDSA cycles, interventions, context, a data issue, two recalculations
  and one exclusion, each with its reason);
- **real** NHS England A&E attendances and four-hour performance for the five West Yorkshire
  acute trusts, 2016-04 to 2019-03 (``qi/demo/data``, shipped in the package, Open Government
  Licence v3.0).

The partnership also has **illustrative** stories of change, written for the demo and labelled
so in every title and narrative, and one past meeting of the Best Start stewardship group with
its decisions and actions, some still open, so that the meeting view has actions to carry
forward.

The story is data, keyed by the same measure, place and period codes, one idea per module:

- ``labels``: what the demo says about itself (``DEMO_NOTICE``, ``SYNTHETIC``,
  ``AE_ATTRIBUTION``, the illustrative stories' label);
- ``partnership``: places, initiatives and measures of both programmes;
- ``synthetic``: the synthetic series, from a fixed seed (``EFFECTS``: what changed where);
- ``ae``: the real A&E data, read from the package's data folder;
- ``annotations``: a coach's annotations; ``stories``: stories of change and a past meeting;
- ``loader``: ``load_demo``, which writes it all through the store, idempotently.

Nothing here computes statistics (that is ``qi.charts``) or writes SQL (that is ``qi.store``).
"""

from qi.demo.labels import AE_ATTRIBUTION, DEMO_NOTICE, SYNTHETIC
from qi.demo.loader import DemoSummary, load_demo

__all__ = ["AE_ATTRIBUTION", "DEMO_NOTICE", "SYNTHETIC", "DemoSummary", "load_demo"]
