"""Import-cost rule: the CLI, `bayesmeta.sensitivity` and `bayesmeta.plots` import no heavy
library at module level (matplotlib, PyMC, PyTensor, ArviZ, xarray load inside functions)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("matplotlib", "pymc", "pytensor", "arviz", "xarray")


def test_sensitivity_cli_and_plots_import_light():
    code = (
        "import sys, bayesmeta.cli, bayesmeta.sensitivity, bayesmeta.plots; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
