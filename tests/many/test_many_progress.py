"""The progress bar of multiverse, simulate and run, end to end through the CLI: drawn on a
terminal, quiet under --json and when stderr is not a terminal (sensitivity:
tests/sensitivity/test_sensitivity_progress.py)."""

from __future__ import annotations

import io
import textwrap

import pytest

from bayesmeta.cli import main

from .conftest import MULTIVERSE, STUDIES, simulation_file


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


MODES = {"terminal": (True, False), "terminal --json": (True, True), "pipe": (False, False)}


def _stderr_of(monkeypatch, capsys, argv, *, terminal, as_json):
    stream = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    assert main([*argv, *(["--json"] if as_json else [])]) == 0
    capsys.readouterr()
    return stream.getvalue()


@pytest.mark.parametrize("mode", MODES)
def test_multiverse_bar(monkeypatch, capsys, tmp_path, mode):
    (tmp_path / "studies.csv").write_text(STUDIES)
    spec = tmp_path / "tiny.toml"
    text = textwrap.dedent(MULTIVERSE).replace(', "GLMM", "bayes"', "")
    spec.write_text(text.replace('tau_priors = ["halfnormal(1)"]\n', ""))
    argv = ["multiverse", str(spec), "--out", str(tmp_path / "out"), "--workers", "1"]
    terminal, as_json = MODES[mode]
    drawn = _stderr_of(monkeypatch, capsys, argv, terminal=terminal, as_json=as_json)
    bar = "\r[####################] 46/46 specifications"  # 23 subsets x DL, PM
    assert (bar in drawn) == (mode == "terminal"), drawn
    assert ("\r[" in drawn) == (mode == "terminal")


@pytest.mark.parametrize("mode", MODES)
def test_simulate_bar(monkeypatch, capsys, tmp_path, mode):
    path = simulation_file(tmp_path, replicates=8, methods=["DL"], taus=[0.5])
    argv = ["simulate", str(path), "--out", str(tmp_path / "out"), "--workers", "1"]
    terminal, as_json = MODES[mode]
    drawn = _stderr_of(monkeypatch, capsys, argv, terminal=terminal, as_json=as_json)
    assert ("\r[####################] 8/8 replicates" in drawn) == (mode == "terminal"), drawn
    assert ("\r[" in drawn) == (mode == "terminal")


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "pipe"])
def test_run_bar(monkeypatch, capsys, tmp_path, terminal):
    # run has no --json: the bar follows the terminal
    (tmp_path / "studies.csv").write_text(STUDIES)
    spec = tmp_path / "tiny.toml"
    spec.write_text(textwrap.dedent(MULTIVERSE).split("[multiverse]")[0])
    argv = ["run", str(spec), "--out", str(tmp_path / "out"), "--workers", "1"]
    drawn = _stderr_of(monkeypatch, capsys, argv, terminal=terminal, as_json=False)
    assert ("\r[####################] 1/1 specs" in drawn) == terminal, drawn
    assert ("\r[" in drawn) == terminal
