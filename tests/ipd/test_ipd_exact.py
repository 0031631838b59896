"""The exact engine for trials of several rows (quad/regression/grouped.py).

- one row per trial: the same log posterior and log evidence as the study-level exact
  meta-regression engine (which is validated against brms and brute-force integration);
- patient rows vs the same patients grouped by covariate pattern: the same posterior, and log
  evidences that differ by exactly the binomial coefficients of the grouped rows;
- its analytic gradient and Hessian equal finite differences of its own log posterior.
"""

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln

from bayesmeta.data.patients import patients_from_frame
from bayesmeta.ipd.bayes import fit_ipd
from bayesmeta.ipd.within_across import ipd_design
from bayesmeta.model.priors import parse_prior
from bayesmeta.quad.regression.grouped import GroupedRegressionProblem
from bayesmeta.quad.regression.integrate import integrate
from bayesmeta.quad.regression.posterior import RegressionProblem
from bayesmeta.quad.regression.priors import log_density

NORMAL = log_density(parse_prior("normal(0, 2.5)", role="location"))
HALF = log_density(parse_prior("halfnormal(1.5)", role="scale"))


def _patients(seed=3, trials=8, n=12):
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(trials):
        x = (rng.random(n) < rng.uniform(0.2, 0.8)).astype(int)
        logit = -0.3 + rng.normal(0, 0.5) - 0.8 * (x - x.mean()) + 1.0 * x.mean()
        y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
        frames.append(pd.DataFrame({"trial": f"T{i}", "y": y, "x": x}))
    return pd.concat(frames, ignore_index=True)


def test_one_row_per_trial_equals_the_regression_engine():
    rng = np.random.default_rng(1)
    k = 9
    events = rng.integers(1, 15, k).astype(float)
    total = events + rng.integers(2, 20, k)
    X = np.column_stack([np.ones(k), rng.normal(size=k)])
    common = dict(events=events, total=total, X=X, coef_logpdf=[NORMAL] * 2, tau_logpdf=HALF)
    flat = RegressionProblem(**common)
    grouped = GroupedRegressionProblem(**common, starts=np.arange(k))
    beta = rng.normal(size=(5, 2))
    s = rng.normal(-0.5, 0.5, size=5)
    np.testing.assert_allclose(grouped.log_post(beta, s), flat.log_post(beta, s), rtol=1e-10)
    assert integrate(grouped)[0].log_evidence == pytest.approx(
        integrate(flat)[0].log_evidence, abs=1e-6
    )


def test_patient_rows_and_grouped_rows_give_the_same_posterior():
    frame = _patients()
    patients = ipd_design(patients_from_frame(frame, trial="trial", outcome="y"), "x")
    grouped_frame = frame.groupby(["trial", "x"], as_index=False).agg(
        events=("y", "sum"), total=("y", "size")
    )
    grouped = ipd_design(
        patients_from_frame(grouped_frame, trial="trial", events="events", total="total"), "x"
    )
    a = fit_ipd(patients, engine="quadrature")
    b = fit_ipd(grouped, engine="quadrature")
    for name in patients.columns:
        assert a.coefficients[name].median == pytest.approx(b.coefficients[name].median, abs=1e-6)
        assert a.coefficients[name].hi == pytest.approx(b.coefficients[name].hi, abs=1e-6)
    n, y = grouped_frame["total"].to_numpy(), grouped_frame["events"].to_numpy()
    log_choose = float(np.sum(gammaln(n + 1) - gammaln(y + 1) - gammaln(n - y + 1)))
    assert b.log_evidence - a.log_evidence == pytest.approx(log_choose, abs=1e-6)


def test_analytic_derivatives_equal_finite_differences():
    frame = _patients(seed=5)
    design = ipd_design(patients_from_frame(frame, trial="trial", outcome="y"), "x")
    order = np.argsort(design.data.trial_index, kind="stable")
    trial = design.data.trial_index[order]
    starts = np.flatnonzero(np.r_[True, trial[1:] != trial[:-1]])
    problem = GroupedRegressionProblem(
        events=design.data.events[order].astype(float),
        total=design.data.total[order].astype(float),
        X=design.matrix[order],
        coef_logpdf=[NORMAL] * design.p,
        tau_logpdf=HALF,
        starts=starts,
    )
    theta = np.array([-0.2, -0.6, 0.8, np.log(0.6)])
    value, grad, hess = problem.joint_derivs(theta)

    def f(t):
        return problem.log_post(t[None, :-1], np.array([t[-1]]))[0]

    assert value == pytest.approx(f(theta), abs=1e-10)
    h = 1e-5
    eye = np.eye(len(theta))
    numeric = np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in eye])
    np.testing.assert_allclose(grad, numeric, atol=1e-6)
    h = 1e-4
    numeric_h = np.array(
        [
            [
                (
                    f(theta + h * a + h * b)
                    - f(theta + h * a - h * b)
                    - f(theta - h * a + h * b)
                    + f(theta - h * a - h * b)
                )
                / (4 * h * h)
                for b in eye
            ]
            for a in eye
        ]
    )
    np.testing.assert_allclose(hess, numeric_h, atol=1e-4)
    _, grad_c, hess_c = problem.conditional_derivs(theta[None, :-1], theta[None, -1])
    np.testing.assert_allclose(grad_c[0], grad[:-1], atol=1e-10)
    np.testing.assert_allclose(hess_c[0], hess[:-1, :-1], atol=1e-10)
