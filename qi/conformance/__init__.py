"""Conformance with the reference implementations: run R reference cases through the engine.

A case folder holds ``call.json`` (the exact R call of qicharts2's ``qic()`` or
NHSRplotthedots' ``ptd_spc()`` and its evaluated arguments), ``input.csv`` and, unless the R
package stopped with an error, ``expected.csv``. Each call becomes one ``qi.charts.spc`` call;
the package's output columns are mapped onto qi's and compared point by point.

- ``case``: reading a case and naming its arguments (every form the README documents).
- ``expressions``: R expressions of columns (``y = breaches / attendances``) as polars.
- ``nhsrplotthedots`` and ``qicharts2``: each package's call and output columns.
- ``compare``: the point-by-point comparison.
- ``funnelplotr`` and ``pheindicatormethods``: funnel-plot cases (``funnel_plot()``, and PHE's
  intervals, ``assign_funnel_significance()`` and ``calculate_funnel_limits()``) as one
  ``qi.charts.funnel`` call each; ``funnel_case`` reads them and compares their per-unit,
  summary and limit-curve tables.

Each case runs through the package its ``call.json`` names.

Where the R package stops with an error, qi passes when it shows its documented behaviour:
a T chart with a time of zero is refused with a clear error; a missing value inside a 7-point
trend window is a gap (no trend runs through it).

Layer: beside the services (it reads files); it imports only ``qi.charts``.
"""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qi.conformance import funnelplotr, nhsrplotthedots, pheindicatormethods, qicharts2
from qi.conformance.case import Outcome, read_case

# Packages whose cases are funnel plots: their own reader and runner.
FUNNEL_PACKAGES: dict[str, Callable[[Path, dict[str, Any]], Outcome]] = {
    "FunnelPlotR": funnelplotr.run,
    "PHEindicatormethods": pheindicatormethods.run,
}

__all__ = ["Outcome", "case_folders", "run_all", "run_case"]


def case_folders(root: Path) -> list[Path]:
    """Every folder below ``root`` (itself included) that holds a ``call.json``."""
    return sorted(p.parent for p in Path(root).rglob("call.json"))


def run_case(folder: Path) -> Outcome:
    """Run one case; a crash is a failure of the case, reported, never raised."""
    try:
        call = json.loads((folder / "call.json").read_text())
    except Exception as error:
        return Outcome(folder.name, False, f"unreadable case: {type(error).__name__}: {error}")
    runner = FUNNEL_PACKAGES.get(str(call.get("package")))
    if runner is not None:
        try:
            return runner(folder, call)
        except Exception as error:
            name = str(call.get("case_id", folder.name))
            return Outcome(name, False, f"{type(error).__name__}: {error}")
    try:
        case = read_case(folder)
    except Exception as error:
        return Outcome(folder.name, False, f"unreadable case: {type(error).__name__}: {error}")
    try:
        if case.call.get("package") == "NHSRplotthedots":
            return nhsrplotthedots.run(case)
        return qicharts2.run(case)
    except Exception as error:
        return Outcome(case.name, False, f"{type(error).__name__}: {error}")


def run_all(root: Path) -> list[Outcome]:
    return [run_case(folder) for folder in case_folders(root)]
