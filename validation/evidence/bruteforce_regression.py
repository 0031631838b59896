"""Brute-force log marginal likelihood of a meta-regression, for the exact engine's tests.

ORR ~ age_median on the bundled CAR-T data (22 studies), default priors: b0, b1 ~ normal(0, 2.5),
tau ~ halfnormal(1.5). Written independently of bayesmeta's quadrature: every study's effect is
integrated on a dense fixed grid (trapezoid, 401 nodes on [-10, 10], each study scaled by its own
maximum; checked against adaptive ``scipy.integrate.quad_vec`` at the mode), and (b0, b1, tau)
by adaptive cubature (``scipy.integrate.cubature``, degree-7 Genz-Malik rule with
subdivision; nested ``quad`` was too slow here) over (b0c, b1, log tau) after a linear change
of variables: b0c = b0 + b1 * mean age (unit
Jacobian), then the mode (Nelder-Mead) and a finite-difference Hessian standardize the three
axes (constant Jacobian), so the nested rules meet a round integrand on the box [-8, 8]^3.

Usage (repository root): PYTHONPATH=$PWD .venv/bin/python validation/evidence/bruteforce_regression.py
Writes validation/evidence/bruteforce_regression.json (several minutes; optional arguments
``rtol atol`` of the cubature, default 1e-6 and 1e-8; or ``--grid N``: a dense N^3 product
trapezoid on the same standardized box instead of the cubature, with the change from every
other node as its error).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import integrate, optimize, stats
from scipy.special import gammaln, log_expit

OUT = Path(__file__).with_name("bruteforce_regression.json")
CSV = Path(__file__).resolve().parents[2] / "bayesmeta" / "data" / "cart_wu2025.csv"
TOL = 1e-6
#: Absolute tolerance of each nested integral (the integrand is 1 at the mode; the integral ~16).
ABS = 1e-8


def load():
    d = pd.read_csv(CSV)
    d = d[d.orr_events.notna() & d.orr_total.notna() & d.age_median.notna()]
    return d.orr_events.to_numpy(float), d.orr_total.to_numpy(float), d.age_median.to_numpy(float)


Y, N, AGE = load()
ABAR = AGE.mean()
ZGRID = np.linspace(-10, 10, 401)
LOG_COEF = gammaln(N + 1) - gammaln(Y + 1) - gammaln(N - Y + 1)


def _logf(eta, tau, z):
    x = eta[:, None] + tau * np.atleast_1d(z)[None, :]
    return (
        LOG_COEF[:, None]
        + Y[:, None] * log_expit(x)
        + (N - Y)[:, None] * log_expit(-x)
        - 0.5 * np.atleast_1d(z) ** 2
        - 0.5 * np.log(2 * np.pi)
    )


def log_studies(b0c: float, b1: float, tau: float) -> float:
    """sum_i log integral Binom(y_i | n_i, expit(eta_i + tau z)) phi(z) dz (dense trapezoid)."""
    eta = b0c + b1 * (AGE - ABAR)
    logf = _logf(eta, tau, ZGRID)
    shift = logf.max(axis=1)
    val = integrate.trapezoid(np.exp(logf - shift[:, None]), ZGRID, axis=1)
    return float(np.sum(np.log(val) + shift))


def log_studies_adaptive(b0c: float, b1: float, tau: float) -> float:
    """The same by adaptive Gauss-Kronrod (scipy.integrate.quad_vec), to check the grid."""
    eta = b0c + b1 * (AGE - ABAR)
    shift = _logf(eta, tau, ZGRID).max(axis=1)
    val, _ = integrate.quad_vec(
        lambda z: np.exp(_logf(eta, tau, z)[:, 0] - shift), -10, 10, epsrel=1e-12, epsabs=0
    )
    return float(np.sum(np.log(val) + shift))


def log_prior(b0c, b1, tau):
    b0 = b0c - b1 * ABAR
    return (
        stats.norm.logpdf(b0, 0, 2.5)
        + stats.norm.logpdf(b1, 0, 2.5)
        + stats.halfnorm.logpdf(tau, scale=1.5)
    )


def log_joint(t: np.ndarray) -> float:
    """log density in (b0c, b1, s = log tau), the Jacobian tau included."""
    return log_studies(t[0], t[1], np.exp(t[2])) + log_prior(t[0], t[1], np.exp(t[2])) + t[2]


def log_joint_many(theta: np.ndarray) -> np.ndarray:
    """:func:`log_joint` at many points (rows of ``theta``), vectorized over points."""
    b0c, b1, s = theta[:, 0], theta[:, 1], theta[:, 2]
    tau = np.exp(s)
    eta = b0c[:, None] + b1[:, None] * (AGE - ABAR)[None, :]  # (B, k)
    x = eta[:, :, None] + tau[:, None, None] * ZGRID[None, None, :]
    logf = Y[:, None] * log_expit(x) + (N - Y)[:, None] * log_expit(-x) - 0.5 * ZGRID**2
    shift = logf.max(axis=2)
    val = integrate.trapezoid(np.exp(logf - shift[:, :, None]), ZGRID, axis=2)
    studies = np.sum(np.log(val) + shift + LOG_COEF - 0.5 * np.log(2 * np.pi), axis=1)
    b0 = b0c - b1 * ABAR
    prior = (
        stats.norm.logpdf(b0, 0, 2.5)
        + stats.norm.logpdf(b1, 0, 2.5)
        + stats.halfnorm.logpdf(tau, scale=1.5)
    )
    return studies + prior + s


def hessian(f, x: np.ndarray, h: float = 1e-3) -> np.ndarray:
    """Central-difference Hessian."""
    d = x.size
    out = np.empty((d, d))
    for i in range(d):
        for j in range(d):
            ei, ej = np.eye(d)[i] * h, np.eye(d)[j] * h
            out[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4 * h * h
            )
    return out


def main() -> None:
    import sys

    global TOL, ABS
    grid_nodes = 0
    if len(sys.argv) == 3 and sys.argv[1] == "--grid":  # dense trapezoid instead of cubature
        grid_nodes = int(sys.argv[2])
    elif len(sys.argv) == 3:  # optional: rtol atol (looser for a quicker run)
        TOL, ABS = float(sys.argv[1]), float(sys.argv[2])
    start = time.time()
    opt = optimize.minimize(
        lambda t: -log_joint(t),
        [1.8, 0.0, 0.0],
        method="Nelder-Mead",
        options={"xatol": 1e-7, "fatol": 1e-10, "maxiter": 4000},
    )
    mode = opt.x
    peak = log_joint(mode)
    # integrate in u with (b0c, b1, s) = mode + R u: a linear map (constant Jacobian |det R|)
    # that makes the integrand round, so nested quad needs few subdivisions
    cov = np.linalg.inv(-hessian(log_joint, mode))
    R = np.linalg.cholesky(cov)
    log_det = float(np.log(np.abs(np.diag(R))).sum())
    check = {
        str(t): log_studies(mode[0], mode[1], t) - log_studies_adaptive(mode[0], mode[1], t)
        for t in (0.2, 1.0, 3.0)
    }
    print("mode", mode, "peak", peak, "grid - adaptive", check, flush=True)
    half = 8.0  # box [-8, 8]^3 in standardized units

    def f(u: np.ndarray) -> np.ndarray:
        theta = mode + u @ R.T  # (npoints, 3)
        out = np.concatenate(
            [log_joint_many(chunk) for chunk in np.array_split(theta, max(1, len(theta) // 400))]
        )
        return np.exp(out - peak)

    if grid_nodes:
        # dense product trapezoid on the standardized box: spectrally accurate for a smooth
        # integrand that vanishes at the box edges; the error is estimated by halving the nodes
        axis = np.linspace(-half, half, grid_nodes)
        mesh = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), axis=-1)
        values = f(mesh.reshape(-1, 3)).reshape(mesh.shape[:3])
        step = axis[1] - axis[0]
        total = float(values.sum() * step**3)
        coarse = float(values[::2, ::2, ::2].sum() * (2 * step) ** 3)
        result = {
            "model": "orr ~ age_median, priors normal(0, 2.5) x2, halfnormal(1.5)",
            "k": int(Y.size),
            "log_evidence": float(np.log(total) + peak + log_det),
            "quad_error_estimate": abs(coarse - total) / total,
            "method": f"product trapezoid, {grid_nodes}^3 nodes on [-{half:g}, {half:g}]^3",
            "mode_b0c_b1_logtau": mode.tolist(),
            "study_grid_vs_adaptive": check,
            "seconds": time.time() - start,
            "script": "validation/evidence/bruteforce_regression.py --grid " + str(grid_nodes),
        }
        OUT.write_text(json.dumps(result, indent=1) + "\n")
        print(result)
        return
    res = integrate.cubature(
        f, [-half] * 3, [half] * 3, rule="genz-malik", rtol=TOL, atol=ABS, max_subdivisions=2000
    )
    total, err = float(res.estimate), float(res.error)
    print(res.status, res.subdivisions, total, err, flush=True)
    result = {
        "model": "orr ~ age_median, priors normal(0, 2.5) x2, halfnormal(1.5)",
        "k": int(Y.size),
        "log_evidence": float(np.log(total) + peak + log_det),
        "quad_error_estimate": err / total,
        "rtol": TOL,
        "atol": ABS,
        "cubature_status": res.status,
        "subdivisions": int(res.subdivisions),
        "mode_b0c_b1_logtau": mode.tolist(),
        "box_standardized": half,
        "study_grid_vs_adaptive": check,
        "seconds": time.time() - start,
        "script": "validation/evidence/bruteforce_regression.py",
    }
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print(result)


if __name__ == "__main__":
    main()
