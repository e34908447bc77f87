"""The QI engine: run charts and SPC charts for many series at once.

Pure functions from polars frames to polars frames: no I/O, no globals, no UI, and nothing
imported from the rest of qi. The front door is ``spc()``; ``summarise()`` condenses its
points to one row per series.
"""

from qi.charts.kinds import CHART_TYPES, DEFAULT_CHART, default_chart
from qi.charts.rulesets import RULE_SETS
from qi.charts.spc import SPCInputError, spc, summarise

__all__ = [
    "CHART_TYPES",
    "DEFAULT_CHART",
    "RULE_SETS",
    "SPCInputError",
    "default_chart",
    "spc",
    "summarise",
]
