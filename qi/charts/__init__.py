"""The QI engine: run charts and SPC charts for many series at once.

Pure functions from polars frames to polars frames: no I/O, no globals, no UI, and nothing
imported from the rest of qi. The front door is ``spc()``, which returns a ``Chart``: its
points, the keys and period they are charted by, and its series and phase summaries.
"""

from qi.charts.charttypes import CHART_TYPES, ChartType, chart_type
from qi.charts.kinds import DEFAULT_CHART, default_chart
from qi.charts.rules import RULES, Rule
from qi.charts.rulesets import RULE_SETS, RuleSet, rule_set
from qi.charts.spc import Chart, SPCInputError, spc

__all__ = [
    "CHART_TYPES",
    "DEFAULT_CHART",
    "RULES",
    "RULE_SETS",
    "Chart",
    "ChartType",
    "Rule",
    "RuleSet",
    "SPCInputError",
    "chart_type",
    "default_chart",
    "rule_set",
    "spc",
]
