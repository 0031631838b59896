"""Every JSON output and report records the software stack it was computed with (``versions``,
from :func:`bayesmeta.versions.stack_versions`), so a result can be traced to its stack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bayesmeta.cli import main
from bayesmeta.versions import stack_versions

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
DATA = ["cart_wu2025", "--events", "crr_events", "--total", "crr_total"]
SPEC = """
title = "CRR pooled (versions test)"
[data]
dataset = "cart_wu2025"
outcome = "crr"
events = "crr_events"
total = "crr_total"
[model]
kind = "random"
[sampler]
engine = "quadrature"
draws = 100
chains = 2
seed = 7
[baselines]
methods = ["DL"]
"""


def _check(versions: dict) -> None:
    expected = stack_versions()
    assert versions == expected
    assert {"python", "numpy", "scipy", "pymc", "arviz"} <= set(versions)


@pytest.mark.parametrize(
    "argv",
    [
        ["freq", *DATA, "--json"],
        ["freq", *DATA, "--by", "cancer_type", "--json"],
        ["freq", *DATA, "--mods", "cancer_type", "--json"],
        ["fit", *DATA, "--engine", "quadrature", "--json"],
        ["sensitivity", *DATA, "--what", "freq", "--json"],
    ],
    ids=["freq", "freq-by", "freq-mods", "fit", "sensitivity"],
)
def test_json_on_stdout_has_versions(argv, capsys):
    assert main(argv) == 0
    _check(json.loads(capsys.readouterr().out)["versions"])


def test_compare_json_rows_have_versions(capsys):
    argv = ["compare", str(MODELS / "death_pooled.toml"), str(MODELS / "death_by_country.toml")]
    assert main([*argv, "--json"]) == 0
    for row in json.loads(capsys.readouterr().out):
        _check(row["versions"])


def test_comparison_json_of_a_folder_run_has_versions(tmp_path, monkeypatch):
    from bayesmeta.analysis import batch

    monkeypatch.setattr(batch, "index_blocks", lambda fitted, comparisons: [])
    batch.write_index([], [], tmp_path)
    _check(json.loads((tmp_path / "comparison.json").read_text())["versions"])


def test_written_outputs_have_versions(tmp_path, capsys):
    assert main(["fit", *DATA, "--engine", "quadrature", "--out", str(tmp_path / "fit")]) == 0
    _check(json.loads((tmp_path / "fit" / "result.json").read_text())["versions"])
    assert main(["sensitivity", *DATA, "--what", "freq", "--out", str(tmp_path / "s")]) == 0
    _check(json.loads((tmp_path / "s" / "sensitivity.json").read_text())["versions"])
    spec = tmp_path / "crr_versions.toml"
    spec.write_text(SPEC, encoding="utf-8")
    assert main(["run", str(spec), "--out", str(tmp_path / "run")]) == 0
    folder = tmp_path / "run" / "crr_versions"
    _check(json.loads((folder / "summary.json").read_text())["versions"])
    for report in ("report.md", "report.html"):
        text = (folder / report).read_text()
        assert "Software" in text and f"numpy {stack_versions()['numpy']}" in text
