"""The Bayesian joint model equals brms on the CAR-T data and the simulated 3-outcome set.

Our side: a long NUTS run (``validation/joint/long_nuts.py``: nutpie, 4 x 5000 draws, 0
divergences) whose mu, tau and correlation draws are pinned thinned by 4 (``long_nuts_*.npz``);
every summary is recomputed here from them with the package's own functions (pooled, mean and
new-study rates, joint probabilities, conditional predictions), with its MCSE from the draws.
brms side: ``validation/joint/fit_brms_joint.R`` (4 x 5000 draws, same priors), quantiles and
MCSEs pinned in ``brms_reference.json``.

Tolerance (issue 20): each quantile (2.5%, 50%, 97.5%) and probability within 3 combined Monte
Carlo SEs, sqrt(mcse_ours^2 + mcse_brms^2), plus 1e-4 for the float32 storage of our draws.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bayesmeta.data import load_cart_wu2025
from bayesmeta.joint.decisions import conditional_effects, parse_conditions, parse_given
from bayesmeta.joint.draws import load_draws
from bayesmeta.joint.rates import new_study_effects, population_mean, rate_map
from bayesmeta.joint.spec import build_joint_model
from bayesmeta.joint.summary import summarize_joint
from bayesmeta.joint.wide_table import joint_from_csv, joint_from_frame

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "validation" / "joint"
BRMS = json.loads((HERE / "brms_reference.json").read_text())
Z = 3.0
SEED = 7
QUANTILES = {"median": 0.5, "lo": 0.025, "hi": 0.975}


def _data(name):
    if name == "cart_wu2025":
        return joint_from_frame(load_cart_wu2025(), outcomes="orr,crr,dead")
    return joint_from_csv(HERE / "sim_joint.csv", outcomes="eff,cr,tox")


def _mcse_quantile(values: np.ndarray, prob: float) -> float:
    import arviz as az

    dataset = az.convert_to_dataset({"x": values})
    return float(az.mcse(dataset, method="quantile", prob=prob)["x"])


class Ours:
    """Our summaries and the (chain, draw) arrays behind them."""

    def __init__(self, name: str):
        spec = build_joint_model(_data(name))
        self.draws = load_draws(HERE / f"long_nuts_{name}.npz")
        assert self.draws.idata.posterior["mu"].coords["outcome"].values.tolist() == list(
            spec.names
        )
        reference = BRMS[name]
        conditions = tuple(parse_conditions(j["condition"], spec.names) for j in reference["joint"])
        given = tuple(
            parse_given(f"{g['given']}={g['rate']}", rate_map(spec))
            for g in reference["conditional"]
        )
        self.spec = spec
        self.result = summarize_joint(
            spec, self.draws, conditions=conditions, given=given, seed=SEED
        )
        self.chains = self.draws.mu.shape[0]


@pytest.fixture(scope="module", params=["cart_wu2025", "sim_joint"])
def ours(request):
    return request.param, Ours(request.param)


def _close(label, ours_value, ours_mcse, ref_value, ref_mcse, failures):
    tolerance = Z * np.hypot(ours_mcse, ref_mcse) + 1e-4
    if not abs(ours_value - ref_value) <= tolerance:
        failures.append(
            f"{label}: ours {ours_value:.4f} brms {ref_value:.4f} "
            f"(|diff| {abs(ours_value - ref_value):.4f} > {tolerance:.4f})"
        )


def _compare_quantiles(label, values, ref, failures):
    for key, prob in QUANTILES.items():
        value = float(np.quantile(values.ravel(), prob))
        _close(
            f"{label} {key}",
            value,
            _mcse_quantile(values, prob),
            ref[key],
            ref[f"mcse_{key}"],
            failures,
        )


def test_pooled_rates_taus_and_correlations_equal_brms(ours):
    from scipy.special import expit

    name, fit = ours
    reference = BRMS[name]
    failures: list[str] = []
    draws = fit.draws
    for j, outcome in enumerate(fit.spec.names):
        ref = reference["outcomes"][outcome]
        _compare_quantiles(
            f"{outcome} pooled_median", expit(draws.mu[..., j]), ref["pooled_median"], failures
        )
        _compare_quantiles(f"{outcome} tau", draws.tau[..., j], ref["tau"], failures)
        _compare_quantiles(f"{outcome} mu", draws.mu[..., j], ref["mu"], failures)
        # the summary the CLI prints is the same draws' quantiles
        ours_iv = fit.result.outcomes[outcome]["pooled_median"]
        assert ours_iv.median == pytest.approx(np.quantile(expit(draws.mu[..., j]), 0.5))
    names = fit.spec.names
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            pair = f"{names[a]},{names[b]}"
            _compare_quantiles(
                f"cor {pair}", draws.corr[..., a, b], reference["correlations"][pair], failures
            )
    assert not failures, "\n".join(failures)


def _per_draw(fit):
    """Per-draw mean and new-study rates, shaped (chain, draw, outcome), with the summary's seed."""
    draws = fit.draws
    chains, n, m = draws.mu.shape
    eta = draws.mu.reshape(-1, m)
    tau = draws.tau.reshape(-1, m)
    corr = draws.corr.reshape(-1, m, m)
    chol = np.linalg.cholesky(corr * tau[:, :, None] * tau[:, None, :] + 1e-12 * np.eye(m))
    mapping = rate_map(fit.spec)
    mean_rates = population_mean(eta, chol, mapping).reshape(chains, n, -1)
    new = mapping.rates(eta + new_study_effects(chol, seed=SEED)).reshape(chains, n, -1)
    return eta, chol, mapping, mean_rates, new


def test_mean_and_new_study_rates_equal_brms(ours):
    name, fit = ours
    reference = BRMS[name]
    failures: list[str] = []
    _, _, _, mean_rates, new = _per_draw(fit)
    for j, outcome in enumerate(fit.spec.names):
        for quantity, values in (("pooled_mean", mean_rates[..., j]), ("new_study", new[..., j])):
            iv = fit.result.outcomes[outcome][quantity]
            assert iv.median == pytest.approx(np.quantile(values, 0.5))  # what the CLI prints
            _compare_quantiles(
                f"{outcome} {quantity}", values, reference["outcomes"][outcome][quantity], failures
            )
    assert not failures, "\n".join(failures)


def test_joint_probabilities_equal_their_brms_draw_estimates(ours):
    name, fit = ours
    failures: list[str] = []
    for mine, ref in zip(fit.result.joint, BRMS[name]["joint"], strict=True):
        assert mine["condition"] == ref["condition"]
        for key in ("pooled", "new_study"):
            _close(
                f"P({mine['condition']}) {key}",
                mine[key],
                mine[f"{key}_mcse"],
                ref[key]["estimate"],
                ref[key]["mcse"],
                failures,
            )
    assert not failures, "\n".join(failures)


def test_conditional_prediction_equals_brms(ours):
    name, fit = ours
    failures: list[str] = []
    eta, chol, mapping, _, _ = _per_draw(fit)
    chains = fit.draws.mu.shape[0]
    for number, ref in enumerate(BRMS[name]["conditional"]):
        known = parse_given(f"{ref['given']}={ref['rate']}", mapping)
        u = conditional_effects(eta, chol, known, mapping, seed=SEED + 101 + number)
        values = mapping.rates(eta + u)[:, fit.spec.names.index(ref["outcome"])]
        values = values.reshape(chains, -1)
        mine = next(
            c
            for c in fit.result.conditional
            if c["outcome"] == ref["outcome"] and c["given"] == str(known)
        )
        assert mine["median"] == pytest.approx(np.quantile(values, 0.5))
        _compare_quantiles(f"{ref['outcome']} | {known}", values, ref, failures)
    assert not failures, "\n".join(failures)
