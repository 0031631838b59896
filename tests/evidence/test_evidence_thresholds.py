"""P(rate > X): exact threshold probabilities against brute-force integration, and the issue's
done-when command.

Reference: ``validation/evidence/threshold.json`` (``bruteforce_threshold.py``: nested adaptive
``scipy.integrate.quad`` / ``quad_vec``, relative tolerances 1e-7; no engine code).

Tolerance ``PROB_TOL = 0.002``: the issue's number. The engine reads the probabilities from its
fine CDFs (error ~1e-5 measured against the reference), so an error in a definition (the mean
rate's root in mu, the predictive's convolution, a level's grid) fails by far more.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from bayesmeta.bayes import build_model
from bayesmeta.data import cart_outcome
from bayesmeta.engines import fit

ROOT = Path(__file__).parents[2] / "validation" / "evidence"
THRESHOLD = json.loads((ROOT / "threshold.json").read_text(encoding="utf-8"))
BRUTE = json.loads((ROOT / "reference.json").read_text(encoding="utf-8"))
BRIDGE = json.loads((ROOT / "bridgesampling.json").read_text(encoding="utf-8"))
PROB_TOL = 0.002
EVIDENCE_TOL = 0.01
BF_TOL = 0.02


def _id(case) -> str:
    return f"{case['outcome']}-{case['model']}-{case['threshold']}"


@pytest.mark.parametrize("case", THRESHOLD["cases"], ids=_id)
def test_prob_above_matches_bruteforce(case):
    options = {"kind": case["model"]}
    if case["by"]:
        options["by"] = case["by"]
    spec = build_model(cart_outcome(case["outcome"]), **options)
    assert spec.data.k == case["k"]
    result = fit(spec, engine="quadrature", thresholds=[case["threshold"]])
    got = result.prob_above[repr(case["threshold"])]
    expected = case["prob_above"]
    for name in ("pooled_median", "pooled_mean", "new_study"):
        if name in expected:
            assert got[name] == pytest.approx(expected[name], abs=PROB_TOL), name
    for level, p in expected.get("levels", {}).items():
        assert got["levels"][level] == pytest.approx(p, abs=PROB_TOL), level


def test_done_when_fit_orr_quadrature_threshold_0_8_json(capsys):
    """`bayesmeta fit cart_wu2025 --events orr_events --total orr_total --engine quadrature
    --threshold 0.8 --json` with the default priors: log evidence to 0.01, the heterogeneity
    log BF to 0.02 and P(pooled rate > 0.8) to 0.002 of the independent integrations, and the
    evidence and factor within bridgesampling's tolerance (see test_evidence_bayes_factors)."""
    from bayesmeta.cli import main

    argv = ["fit", "cart_wu2025", "--events", "orr_events", "--total", "orr_total",
            "--engine", "quadrature", "--threshold", "0.8", "--json"]  # fmt: skip
    assert main(argv) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["model"]["priors"]["mu"] == "normal(0, 2.5)"
    assert payload["model"]["priors"]["tau"] == "halfnormal(1.5)"
    brute = {c["model"]: c for c in BRUTE["cases"] if c["outcome"] == "orr"}
    assert payload["log_evidence"] == pytest.approx(
        brute["random"]["log_evidence"], abs=EVIDENCE_TOL
    )
    expected_bf = brute["random"]["log_evidence"] - brute["common"]["log_evidence"]
    het = payload["bayes_factors"]["heterogeneity"]
    assert het["log_bf"] == pytest.approx(expected_bf, abs=BF_TOL)
    assert het["bf"] == pytest.approx(math.exp(het["log_bf"]), rel=1e-12)
    (case,) = [c for c in THRESHOLD["cases"] if c["outcome"] == "orr" and c["model"] == "random"]
    assert case["threshold"] == 0.8
    assert payload["prob_above"]["0.8"]["pooled_median"] == pytest.approx(
        case["prob_above"]["pooled_median"], abs=PROB_TOL
    )
    bs = BRIDGE["orr"]
    tol = max(0.02, 3 * bs["random"]["logml_sd"])
    assert payload["log_evidence"] == pytest.approx(bs["random"]["logml"], abs=tol)


def test_threshold_text_output_and_bad_threshold(capsys):
    from bayesmeta.cli import main

    argv = ["fit", "cart_wu2025", "--events", "dead_events", "--total", "dead_total"]
    assert main([*argv, "--threshold", "0.2", "--threshold", "0.3"]) == 0
    out = capsys.readouterr().out
    assert "P(pooled_median > 0.2) = " in out and "P(new_study > 0.3) = " in out
    assert "Bayes factor heterogeneity" in out
    assert main([*argv, "--threshold", "1.5"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--threshold" in err and "between 0 and 1" in err


def test_fit_out_writes_threshold_and_bayes_factor_tables(tmp_path):
    import pandas as pd

    from bayesmeta.cli import main

    out = tmp_path / "fit"
    argv = ["fit", "cart_wu2025", "--events", "crr_events", "--total", "crr_total",
            "--by", "cancer_type", "--threshold", "0.5", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    probs = pd.read_csv(out / "prob_above.csv")
    assert set(probs["quantity"]) >= {"pooled_median", "rate[leukemia]"}
    factors = pd.read_csv(out / "bayes_factors.csv")
    assert list(factors["factor"]) == ["heterogeneity", "cancer_type"]


def test_nuts_prob_above_reads_the_draws():
    """The NUTS path counts draws above X; fed draws resampled from the exact posterior (no
    sampling), it must agree with the exact probabilities to Monte Carlo error (4 SEs)."""
    from bayesmeta.analysis.draws import from_quadrature, to_idata
    from bayesmeta.nuts.decisions import prob_above_draws

    spec = build_model(cart_outcome("orr"), by="cancer_type")
    draws, params = from_quadrature(spec, chains=2, draws=2000, seed=3)
    idata = to_idata(spec, draws, params)
    got = prob_above_draws(spec, idata, [0.8], seed=1)["0.8"]
    exact = fit(spec, engine="quadrature", thresholds=[0.8]).prob_above["0.8"]
    n = 4000
    for name in ("pooled_median", "new_study"):
        se = math.sqrt(exact[name] * (1 - exact[name]) / n)
        assert abs(got[name] - exact[name]) < 4 * se + 1e-3, name
    for level, p in exact["levels"].items():
        assert abs(got["levels"][level] - p) < 4 * math.sqrt(p * (1 - p) / n) + 1e-3
    assert np.isclose(sum(1 for _ in got["levels"]), 3)


def test_subgroup_pooled_probabilities_agree_with_resampled_exact_draws():
    """The subgroup model's pooled quantities combine the levels by exact convolution; draws
    resampled from the same exact grids (40000, deterministic seed) must agree to 4 Monte Carlo
    SEs (+ 1e-3 for the resampling's node discreteness)."""
    from bayesmeta.model.derived import pooled_draws
    from bayesmeta.quad import posterior_draws

    spec = build_model(cart_outcome("crr"), by="cancer_type")
    exact = fit(spec, engine="quadrature", thresholds=[0.5]).prob_above["0.5"]
    eta, tau, _ = posterior_draws(spec, chains=1, draws=40_000, seed=11)
    draws = pooled_draws(eta[0], tau[0], rng=np.random.default_rng(12))
    for name in ("pooled_median", "pooled_mean", "new_study"):
        p = exact[name]
        got = float(np.mean(draws[name] > 0.5))
        assert abs(got - p) < 4 * math.sqrt(p * (1 - p) / 40_000) + 1e-3, name
