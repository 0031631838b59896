"""Fakes for plot tests: BayesResult objects built from known draws (no sampling)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import special

from bayesmeta.model.result import BayesResult, Diagnostics, Interval

matplotlib.use("Agg")


def _interval(values: np.ndarray) -> Interval:
    lo, median, hi = np.quantile(values, [0.025, 0.5, 0.975])
    return Interval(float(median), float(lo), float(hi))


def _make_result(data, *, mu=1.5, tau=0.8, draws=True, seed=0, groups=None) -> BayesResult:
    """A BayesResult whose summaries are computed from synthetic posterior draws."""
    rng = np.random.default_rng(seed)
    n = 400
    mu_draws = rng.normal(mu, 0.2, size=n)
    tau_draws = np.abs(rng.normal(tau, 0.15, size=n))
    u = rng.normal(size=(n, data.k)) * 0.3
    logits = mu_draws[:, None] + u + special.logit((data.events + 0.5) / (data.total + 1.0)) * 0.0
    study = special.expit(logits)
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    weights = weights / weights.sum()
    mean = special.expit(mu_draws[:, None] + tau_draws[:, None] * nodes) @ weights
    new = special.expit(mu_draws + tau_draws * rng.normal(size=n))
    rates = pd.DataFrame(
        {
            "study": list(data.studies),
            "events": data.events,
            "total": data.total,
            "observed": data.events / data.total,
            "median": np.median(study, axis=0),
            "lo": np.quantile(study, 0.025, axis=0),
            "hi": np.quantile(study, 0.975, axis=0),
        }
    )
    idata = None
    if draws:
        import arviz as az

        y_rep = rng.binomial(data.total[None, :], study).reshape(2, n // 2, data.k)
        idata = az.from_dict(
            posterior={"mu": mu_draws.reshape(2, -1), "tau": tau_draws.reshape(2, -1)},
            posterior_predictive={"y": y_rep},
            observed_data={"y": np.asarray(data.events)},
            coords={"study": list(data.studies)},
            dims={"y": ["study"]},
        )
    result = BayesResult(
        engine="nuts" if draws else "quadrature",
        model={
            "kind": "random",
            "priors": {"mu": "normal(0, 2.5)", "beta": "normal(0, 2.5)", "tau": "halfnormal(1.5)"},
        },
        pooled_median=_interval(special.expit(mu_draws)),
        pooled_mean=_interval(mean),
        new_study=_interval(new),
        tau=_interval(tau_draws),
        study_rates=rates,
        diagnostics=Diagnostics(1.0, 1000.0, 1000.0, 0),
        excluded=data.excluded,
        idata=idata,
    )
    if groups:
        result.rates = {
            g: Interval(0.5 + 0.1 * i, 0.4 + 0.1 * i, 0.6 + 0.1 * i) for i, g in enumerate(groups)
        }
    return result


class _FakeFreq:
    """Shape of bayesmeta.freq.FreqResult as the plots read it."""

    def __init__(self, method, estimate, ci, pi=None, tau2=0.5, excluded=()):
        self.method, self.estimate, self.ci, self.pi, self.tau2 = method, estimate, ci, pi, tau2
        self.excluded = excluded


@pytest.fixture
def death():
    from bayesmeta.data import cart_outcome

    return cart_outcome("death")


@pytest.fixture
def make_result():
    """Factory of fake BayesResults: ``make_result(data, mu=..., tau=..., draws=True, groups=None)``."""
    return _make_result


@pytest.fixture
def fake_freq():
    """Class with the attributes of a FreqResult the plots read."""
    return _FakeFreq
