"""PDSA cycles shade a chart without taking anything from it: its selections, size and
autosize stay, so a chart on the Annotate page can still be clicked after cycles are drawn."""

from datetime import date

import polars as pl

from qi.charts import spc
from qi.render.cycles import with_cycles
from qi.render.figures import PICKED, spc_chart


def _chart():
    points = pl.DataFrame(
        {"period": [date(2024, m, 1) for m in range(1, 13)], "value": [float(v) for v in range(12)]}
    )
    return spc_chart(spc(points, period="period", value="value"), selectable=True)


def test_shading_keeps_the_charts_selection_and_autosize():
    chart = _chart()
    spans = pl.DataFrame(
        {
            "name": ["Text reminders cycle 1"],
            "start": [date(2024, 2, 1)],
            "end": [date(2024, 4, 1)],
            "state": ["ended"],
        }
    )
    shaded = with_cycles(chart, spans).to_dict()
    assert [p["name"] for p in shaded["params"]] == [PICKED]
    assert shaded["autosize"] == chart.to_dict()["autosize"]
    assert len(shaded["layer"]) == len(chart.layer) + 2  # the band and one row of labels
    assert shaded["layer"][0]["name"] == "pdsa_cycles"  # behind everything else


def test_without_cycles_the_chart_is_unchanged():
    chart = _chart()
    empty = pl.DataFrame(
        schema={"name": pl.String, "start": pl.Date, "end": pl.Date, "state": pl.String}
    )
    assert with_cycles(chart, empty) is chart
