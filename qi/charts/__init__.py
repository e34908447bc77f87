"""The QI engine: run charts and SPC charts for many series at once.

Pure functions from polars frames to polars frames: no I/O, no globals, no UI, and nothing
imported from the rest of qi. The front door is ``spc()``, which returns a ``Chart``: its
points, the keys and period they are charted by, and its series and phase summaries.
Funnel plots compare units (places, trusts) instead: ``funnel()`` returns a ``Funnel`` (its
points, limit curves and per-comparison scalars) by FunnelPlotR's or PHE's methods.
``slope_index()`` measures inequality across deprivation quantiles (SII and RII, PHE's method).
"""

from qi.charts.charttypes import CHART_TYPES, ChartType, chart_type
from qi.charts.funnel import METHODS as FUNNEL_METHODS
from qi.charts.funnel import STATISTICS as FUNNEL_STATISTICS
from qi.charts.funnel import Funnel, FunnelInputError, funnel
from qi.charts.inequality import InequalityInputError, slope_index
from qi.charts.kinds import DEFAULT_CHART, default_chart
from qi.charts.rules import RULES, Rule
from qi.charts.rulesets import RULE_SETS, RuleSet, rule_set
from qi.charts.spc import Chart, SPCInputError, spc

__all__ = [
    "CHART_TYPES",
    "DEFAULT_CHART",
    "FUNNEL_METHODS",
    "FUNNEL_STATISTICS",
    "RULES",
    "RULE_SETS",
    "Chart",
    "ChartType",
    "Funnel",
    "FunnelInputError",
    "InequalityInputError",
    "Rule",
    "RuleSet",
    "SPCInputError",
    "chart_type",
    "default_chart",
    "funnel",
    "rule_set",
    "slope_index",
    "spc",
]
