"""No third-party noise on stderr: ArviZ's refactor notice is filtered by its exact message,
PyTensor's BLAS warning never arises (NUMBA backend, no BLAS declared), and our own warnings
are one line each, without the Python source line under them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from bayesmeta.cli import main
from bayesmeta.cli.quiet import FILTERED
from bayesmeta.errors import ConvergenceWarning

ROOT = Path(__file__).resolve().parents[2]
ARVIZ_NOTICE = FILTERED[0][1] + "\nSome upcoming changes may be backward incompatible."


def _fake_handler(args):
    warnings.warn(ARVIZ_NOTICE, FutureWarning, stacklevel=1)
    warnings.warn("another FutureWarning, not filtered", FutureWarning, stacklevel=1)
    warnings.warn("sampling diagnostics failed:\nmax R-hat 1.2", ConvergenceWarning, stacklevel=1)
    print(json.dumps({"ok": True}))
    return 0


def test_cli_filters_exactly_the_known_notice_and_prints_ours_on_one_line(monkeypatch, capsys):
    import bayesmeta.cli.freq as freq_cli

    monkeypatch.setattr(freq_cli, "run", _fake_handler)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        assert main(["freq", "cart_wu2025", "--events", "orr_events", "--total", "orr_total"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == {"ok": True}
    lines = err.splitlines()
    assert "ArviZ" not in err  # filtered by its exact message
    assert any("another FutureWarning, not filtered" in line for line in lines)  # not wholesale
    assert "bayesmeta freq: warning: sampling diagnostics failed: max R-hat 1.2" in lines
    assert len(lines) == 2  # one line each, no source line under them
    assert "warnings.warn" not in err


@pytest.mark.sampling
def test_nuts_fit_json_has_clean_stderr(tmp_path):
    """A real NUTS fit in a fresh process (small, for speed), with a fresh ArviZ cache so that
    its once-a-day notice fires: stdout is pure JSON and stderr is empty."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTENSOR")}
    env.update(PYTHONPATH=str(ROOT), XDG_CACHE_HOME=str(tmp_path))
    argv = ["fit", "cart_wu2025", "--events", "orr_events", "--total", "orr_total", "--json"]
    argv += ["--draws", "300", "--tune", "300", "--chains", "2"]
    done = subprocess.run(
        [sys.executable, "-m", "bayesmeta", *argv], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["engine"] == "nuts"
    assert all(line.startswith("bayesmeta fit: warning: ") for line in done.stderr.splitlines())
    assert "BLAS" not in done.stderr and "ArviZ" not in done.stderr
