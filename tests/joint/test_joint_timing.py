"""ESS per second of the joint model: both samplers keep their sampling time, the diagnostics
carry it, ``fit --outcomes`` reports it (JSON ``timing``, text line) as the univariate ``fit`` does,
and a time that was not measured (NaN) leaves ``timing`` out instead of printing nulls.

Sampling is mocked: the samplers return prior draws shaped like a posterior.
"""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from bayesmeta.cli import main
from bayesmeta.data import load_dataset
from bayesmeta.data.bundled import COVARIATES
from bayesmeta.joint import bayes_fit as joint_fit
from bayesmeta.joint import nuts as joint_nuts
from bayesmeta.joint import prior as joint_prior
from bayesmeta.joint.spec import build_joint_model
from bayesmeta.joint.summary import summarize_joint
from bayesmeta.joint.wide_table import joint_from_frame
from bayesmeta.model.result import Diagnostics

BASE = ["fit", "cart_wu2025", "--outcomes", "orr,crr,dead", "--draws", "30", "--chains", "2"]


def _fake_sampler(monkeypatch, seconds: float) -> None:
    def fake(spec, *, draws, tune, chains, seed, sampler="pymc", target_accept=0.95):
        drawn = joint_prior.prior_draws(spec, draws=draws, chains=chains, seed=seed)
        return dataclasses.replace(drawn, seconds=seconds)

    monkeypatch.setattr(joint_fit, "sample_joint", fake)


@pytest.mark.parametrize("as_json", [True, False])
def test_fit_outcomes_reports_the_sampling_time_and_ess_per_second(monkeypatch, capsys, as_json):
    _fake_sampler(monkeypatch, 2.0)
    assert main([*BASE, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    d = payload["diagnostics"]
    assert payload["timing"] == pytest.approx(
        {
            "sampling_seconds": 2.0,
            "ess_bulk_per_second": d["ess_bulk_min"] / 2.0,
            "ess_tail_per_second": d["ess_tail_min"] / 2.0,
        }
    )
    if not as_json:
        assert main(BASE) == 0
        out = capsys.readouterr().out
        per_second = payload["timing"]["ess_bulk_per_second"]
        assert f"sampling (nutpie): 2.00 s, {per_second:.0f} bulk ESS/s" in out


def test_a_time_not_measured_leaves_timing_out_not_null(monkeypatch, capsys):
    _fake_sampler(monkeypatch, math.nan)
    assert main([*BASE, "--json"]) == 0
    assert "timing" not in json.loads(capsys.readouterr().out)
    assert main(BASE) == 0
    assert "ESS/s" not in capsys.readouterr().out
    # the same for every NUTS result: a NaN time is "not measured", never ESS / NaN
    nan_time = Diagnostics(1.0, 800.0, 600.0, 0, sampling_seconds=math.nan)
    assert nan_time.ess_per_second is None and nan_time.timing() is None
    measured = Diagnostics(1.0, 800.0, 600.0, 0, sampling_seconds=2.0)
    assert measured.timing() == {
        "sampling_seconds": 2.0,
        "ess_bulk_per_second": 400.0,
        "ess_tail_per_second": 300.0,
    }


@pytest.fixture
def spec():
    frame = load_dataset("cart_wu2025")
    data = joint_from_frame(frame, outcomes="orr,dead", study="study", covariates=list(COVARIATES))
    return build_joint_model(data)


@pytest.mark.filterwarnings("ignore::bayesmeta.errors.ConvergenceWarning")
def test_both_samplers_keep_their_sampling_time(monkeypatch, spec):
    import pymc as pm

    prior = joint_prior.prior_draws(spec, draws=20, chains=2, seed=1)
    # nutpie: the seconds run_nutpie measures reach the draws and the diagnostics
    monkeypatch.setattr(joint_nuts, "_sample_nutpie", lambda spec, **kw: (prior.idata, 1.5))
    drawn = joint_nuts.sample_joint(spec, draws=20, tune=20, chains=2, seed=1, sampler="nutpie")
    assert drawn.seconds == 1.5
    diagnostics = summarize_joint(spec, drawn).diagnostics
    assert diagnostics.sampling_seconds == 1.5
    assert diagnostics.ess_per_second == pytest.approx(diagnostics.ess_bulk_min / 1.5)
    # PyMC: pm.sample is timed (its result replaced by the prior draws)
    monkeypatch.setattr(pm, "sample", lambda **kwargs: prior.idata)
    drawn = joint_nuts.sample_joint(spec, draws=20, tune=20, chains=2, seed=1, sampler="pymc")
    assert math.isfinite(drawn.seconds) and drawn.seconds > 0
    assert summarize_joint(spec, drawn).diagnostics.timing() is not None
    # draws that were not sampled (prior, loaded) have no time: no timing
    assert math.isnan(prior.seconds)
    assert summarize_joint(spec, prior).diagnostics.timing() is None
