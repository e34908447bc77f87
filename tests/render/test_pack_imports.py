"""The board pack draws its measure pages as vectors: importing it (as ``qi report`` does at
every start) does not import Altair, which only PNG exports, funnel and effect pages need."""

import subprocess
import sys


def test_the_pack_and_qi_cli_start_without_altair():
    probe = (
        "import sys, qi.cli, qi.render.pack, qi.services.meeting; "
        "print(sorted(m for m in ('altair', 'qi.ingest') if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == "[]", f"imported at start: {found}"
