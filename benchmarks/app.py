"""App benchmark: server-side render time of the Measures page, from click to finished script run.

The store is the one ``benchmarks/app_figures.py`` builds: one proportion measure at 30 places,
120 monthly points each, a recalculation and an exclusion annotated at every place. Each run
is Streamlit's AppTest running the whole app (navigation, scope pickers, measure_view, chart,
phase table, annotations, download data) for:

- the Measures page at one place (120 points);
- the same page showing every place side by side (30 small multiples, 3,600 points).

Prints the median of 5 runs of each (after one warm-up run, as a server has imported
everything before the first click). Budgets: under 1 s and under 3 s.

    .venv/bin/python benchmarks/app.py [--places 30] [--months 120] [--runs 5]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from app_figures import MEASURE, build_store  # noqa: E402

BUDGETS = {"measure page (120 points)": 1.0, "small multiples (30 places)": 3.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", type=int, default=30)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()

    from streamlit.testing.v1 import AppTest

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'qi.sqlite'}"
        engine, codes = build_store(url, options.places, options.months)
        engine.dispose()
        os.environ["QI_DATABASE_URL"] = url

        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
        at.switch_page("qi/app/pages/measures.py").run()
        at.selectbox(key="qi.pick.initiative").set_value(None).run()
        at.selectbox(key="qi.pick.measure").set_value(MEASURE).run()
        at.selectbox(key="qi.pick.place").set_value(codes[0]).run()
        assert not at.exception, at.exception

        for name, view in (
            ("measure page (120 points)", "One place"),
            ("small multiples (30 places)", "Every place, side by side"),
        ):
            at.session_state["qi.view"] = view
            at.run()  # warm-up: the first run of a view imports and caches what it needs
            times = []
            for _ in range(options.runs):
                start = time.perf_counter()
                at.run()
                times.append(time.perf_counter() - start)
                assert not at.exception, at.exception
                [chart] = at.get("vega_lite_chart")
            if view != "One place":  # every place is drawn, each its own panel
                headers = json.loads(chart.proto.spec)["facet"]["sort"]
                assert len(headers) == options.places, len(headers)
            median = statistics.median(times)
            verdict = "ok" if median < BUDGETS[name] else "OVER BUDGET"
            print(
                f"{name:<30} median {median:.3f} s of {options.runs} "
                f"(runs {', '.join(f'{t:.3f}' for t in times)}); "
                f"budget {BUDGETS[name]:.0f} s: {verdict}"
            )


if __name__ == "__main__":
    main()
