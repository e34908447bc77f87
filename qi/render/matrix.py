"""The meeting view's summary as one compact HTML table: measures (rows) by places (columns).

Each cell is a link to that series' chart holding its variation and assurance icons and its
latest value; the icons' meaning, the latest period and the target are the link's accessible
name and its tooltip, so colour is never the only signal. Rows keep the matrix's order
(``qi.services.meeting.summary_matrix``: measures with concerns first); the header row and the
measure column stay in view when the table scrolls. Everything people typed or named is escaped.
The caller says where a cell links (``href``), so this module knows nothing of the app's pages.
"""

from collections.abc import Callable, Mapping, Sequence
from html import escape

import polars as pl

from qi.render.icons import ICON_COLOURS, icon_data_url
from qi.text import number, period
from qi.text.names import with_unit

CSS = """
<style>
.qi-matrix-frame {max-height: 72vh; overflow: auto; border: 1px solid #d8d8de;
  border-radius: 0.5rem;}
.qi-matrix {border-collapse: separate; border-spacing: 0; width: 100%; font-size: 0.9rem;
  line-height: 1.2;}
.qi-matrix th, .qi-matrix td {border-bottom: 1px solid #ececf0; padding: 0;
  vertical-align: middle;}
.qi-matrix thead th {position: sticky; top: 0; z-index: 2; background: #f3f3f6;
  padding: 0.45rem 0.5rem; font-weight: 600; text-align: left;}
.qi-matrix tbody th {position: sticky; left: 0; z-index: 1; background: #fff;
  padding: 0.3rem 0.6rem; font-weight: 600; text-align: left; min-width: 13rem;
  max-width: 20rem;}
.qi-matrix thead th.qi-corner {left: 0; z-index: 3;}
.qi-matrix td a {display: flex; align-items: center; gap: 0.3rem; padding: 0.3rem 0.5rem;
  color: inherit; text-decoration: none; border-left: 4px solid transparent;
  min-height: 2.6rem;}
.qi-matrix td a:hover, .qi-matrix td a:focus {background: #eef3fb; outline: 2px solid #005eb8;
  outline-offset: -2px;}
.qi-matrix td img {width: 30px; height: 30px; flex: none;}
.qi-matrix td .qi-value {font-variant-numeric: tabular-nums; white-space: nowrap;
  margin-left: 0.2rem;}
.qi-matrix td .qi-none {color: #6b6b76; padding: 0.3rem 0.6rem; display: block;}
</style>
"""


def cell_label(row: Mapping, measure_name: str, place_name: str) -> str:
    """What a cell says in words: its accessible name and its tooltip."""
    latest = (
        f"latest {number(row['latest_value'], row['unit'])} "
        f"({period(row['latest_period'], style='short')})"
        if row["latest_value"] is not None
        else "no latest value"
    )
    target = f"; target {number(row['target'], row['unit'])}" if row["target"] is not None else ""
    return (
        f"{measure_name} at {place_name}: {row['variation']}; {row['assurance']}; "
        f"{latest}{target}. Open its chart."
    )


def _cell(row: Mapping, measure_name: str, place_name: str, href: str) -> str:
    icons = "".join(
        f'<img src="{icon_data_url(name)}" alt="">'
        for name in (row["variation_icon"], row["assurance_icon"])
        if name
    )
    value = number(row["latest_value"], "%" if row["unit"] == "%" else None)
    label = escape(cell_label(row, measure_name, place_name))
    colour = ICON_COLOURS.get(row["variation_icon"] or "", "transparent")
    accent = f' style="border-left-color: {colour}"' if row["special_cause"] else ""
    return (
        f'<td><a href="{escape(href)}" target="_self" aria-label="{label}" title="{label}"'
        f'{accent}>{icons}<span class="qi-value">{escape(value)}</span></a></td>'
    )


def matrix_html(
    matrix: pl.DataFrame,
    places: Sequence[str],
    place_names: Mapping[str, str],
    href: Callable[[str, str], str],
) -> str:
    """The summary matrix (``summary_matrix()``'s rows) as an HTML table with its CSS: a row
    per measure in the matrix's order, a column per place in ``places``' order; ``href(measure,
    place)`` is where each cell links."""
    header = "".join(f'<th scope="col">{escape(place_names.get(p, p))}</th>' for p in places)
    rows = []
    measures: dict[str, list[dict]] = {}  # one pass over the rows, grouped in matrix order
    for row in matrix.iter_rows(named=True):
        measures.setdefault(row["measure"], []).append(row)
    for code, cells in measures.items():
        by_place = {r["place"]: r for r in cells}
        first = cells[0]
        name = first["measure_name"]
        shown = [
            _cell(by_place[p], name, place_names.get(p, p), href(str(code), p))
            if p in by_place
            else '<td><span class="qi-none">No data</span></td>'
            for p in places
        ]
        title = escape(with_unit(name, first["unit"]))
        rows.append(f'<tr><th scope="row">{title}</th>{"".join(shown)}</tr>')
    return (
        f'{CSS}<div class="qi-matrix-frame"><table class="qi-matrix">'
        f'<caption style="caption-side: bottom; text-align: left; padding: 0.3rem 0.5rem; '
        f'color: #6b6b76">Measures with special cause concern first. Each cell: variation '
        f"and assurance icons and the latest value; hover or focus for the words, click for "
        f"the chart.</caption>"
        f'<thead><tr><th scope="col" class="qi-corner">Measure</th>{header}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
