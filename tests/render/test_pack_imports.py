"""The board pack draws its measure pages as vectors: importing it (as ``qi report`` does at
every start) does not import Altair, which only PNG exports, funnel and effect pages need.
And ``qi`` registers its commands without importing them: ``qi report --help`` loads no
data library, database layer, PDF writer or chart exporter."""

import ast
import subprocess
import sys

# Never loaded by starting ``qi`` or importing the pack and the meeting service.
NEVER_AT_START = ("altair", "statsmodels", "vl_convert", "qi.ingest")
# Not loaded by ``qi report --help`` either: the report loads them when it runs.
NOT_FOR_HELP = ("polars", "numpy", "sqlalchemy", "fpdf", "qi.charts", "qi.store", "qi.effects")


def _imported(code: str, names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` are imported once ``code`` has run in a new interpreter."""
    probe = f"import sys\n{code}\nprint(sorted(m for m in {names!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    return ast.literal_eval(out.strip().splitlines()[-1])  # the probe's last line: a list


def test_the_pack_and_qi_cli_start_without_altair_statsmodels_or_vl_convert():
    found = _imported("import qi.cli, qi.render.pack, qi.services.meeting", NEVER_AT_START)
    assert found == [], f"imported at start: {found}"


def test_qi_report_help_imports_no_heavy_library():
    code = (
        "from qi.cli import main\n"
        "code = main(['report', '--help'], standalone_mode=False)\n"
        "assert code == 0, code"
    )
    found = _imported(code, NEVER_AT_START + NOT_FOR_HELP)
    assert found == [], f"imported by qi report --help: {found}"
