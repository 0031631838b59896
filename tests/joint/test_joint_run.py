"""Joint spec files (``[data] outcomes``): validation, ``bayesmeta run``, the report section.

NUTS is replaced by prior draws shaped like a posterior (everything downstream runs for real).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bayesmeta.analysis.joint_spec import is_joint_spec, load_joint_spec, to_joint_model
from bayesmeta.cli import main
from bayesmeta.errors import SpecError
from bayesmeta.joint import bayes_fit as joint_fit
from bayesmeta.joint import prior as joint_prior

ROOT = Path(__file__).resolve().parents[2]
SPEC = """
title = "Effective and safe?"
[data]
csv = "sim.csv"
outcomes = ["eff", "tox=tox_events:tox_total"]
[model]
nested = ""
[sampler]
chains = 2
draws = 30
[decisions]
joint = ["eff>0.6,tox<0.2"]
given = ["eff=0.7"]
"""


@pytest.fixture(autouse=True)
def prior_sampling(monkeypatch):
    def fake(spec, *, draws, tune, chains, seed, sampler="pymc", target_accept=0.95):
        return joint_prior.prior_draws(spec, draws=draws, chains=chains, seed=seed)

    monkeypatch.setattr(joint_fit, "sample_joint", fake)


@pytest.fixture
def spec_path(tmp_path):
    (tmp_path / "sim.csv").write_text(
        (ROOT / "validation" / "joint" / "sim_joint.csv").read_text(), encoding="utf-8"
    )
    path = tmp_path / "joint.toml"
    path.write_text(SPEC.replace('nested = ""\n', ""), encoding="utf-8")
    return path


def test_the_bundled_joint_spec_loads_and_builds():
    path = ROOT / "models" / "joint" / "cart_effective_and_safe.toml"
    assert is_joint_spec(path)
    model = to_joint_model(load_joint_spec(path))
    assert model.names == ("orr", "crr", "dead") and model.conditions and model.given


def test_run_writes_the_report_section(spec_path, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(spec_path), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "joint: joint model, pooled rates eff" in printed and "P(eff>0.6,tox<0.2)" in printed
    folder = out / "joint"
    names = {p.name for p in folder.iterdir()}
    assert {
        "report.md",
        "report.html",
        "pooled_rates.png",
        "correlations.png",
        "joint.csv",
        "result.json",
        "posterior.nc",
    } <= names
    report = (folder / "report.md").read_text()
    for heading in (
        "### Pooled rates",
        "### Correlations of the study effects",
        "### Joint probabilities",
    ):
        assert heading in report
    assert "| eff>0.6,tox<0.2 |" in report
    payload = json.loads((folder / "result.json").read_text())
    assert set(payload["correlations"]) == {"eff,tox"}


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("draws = 30", 'draws = "30"', r"\[sampler\] draws: expected int"),
        ("[decisions]", "[decisions]\nthreshold = 0.5", r"\[decisions\] threshold: unknown key"),
        ('csv = "sim.csv"', 'csv = "sim.csv"\ndataset = "cart_wu2025"', "exactly one of"),
        ('outcomes = ["eff", ', 'outcomes = ["effx", ', r"\[data\]: outcome 'effx'"),
        ('joint = ["eff>0.6,tox<0.2"]', 'joint = ["eff>1.6"]', "--joint"),
    ],
)
def test_bad_specs_are_one_line_errors_naming_file_and_key(spec_path, old, new, message):
    spec_path.write_text(spec_path.read_text().replace(old, new), encoding="utf-8")
    with pytest.raises(SpecError, match=message) as info:
        to_joint_model(load_joint_spec(spec_path))
    assert str(spec_path) in str(info.value) and "\n" not in str(info.value)
