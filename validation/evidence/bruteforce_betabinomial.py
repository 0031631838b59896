"""Brute-force log marginal likelihood and quantiles of beta-binomial models, for the exact engine.

y_i ~ BetaBinomial(n_i, mu_i phi, (1 - mu_i) phi), logit(mu_i) = x_i' beta, priors: every
coefficient normal(0, 2.5), phi ~ gamma(0.01, 0.01) (shape, rate). Written independently of
bayesmeta (the counts come from validation/brms_betabinomial/reference.json, the data brms saw):

- 2-D (intercept only: ``crr``, ``pritz1997``): adaptive ``scipy.integrate.dblquad`` over
  (beta0, s = log phi) on a box far beyond the posterior (beta0 at the mode +- 12 curvature
  scales, s in [-8, 14]: phi from 3e-4 to 1.2e6, where the prior's e^{-0.01 phi} has long killed
  the integrand), relative tolerance 1e-10; checked by a dense 1201 x 1201 product trapezoid on
  the same box (the two agree to ~1e-8 in log p(y)). The trapezoid grid also gives the marginal
  quantiles of beta0 (mean rate expit(beta0)) and of phi.
- 3-D (``debruin2009``, intercept + ethnicity): a dense product trapezoid over (b0, b1, s) in the
  standardized coordinates of the Nelder-Mead mode and finite-difference Hessian, on [-10, 10]^2
  for the coefficients and the same wide box in s, 161^3 nodes; its change from every other node
  is the reported error.

Usage (repository root): .venv/bin/python validation/evidence/bruteforce_betabinomial.py
Writes validation/evidence/bruteforce_betabinomial.json (about a minute).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from scipy import integrate, optimize, stats
from scipy.special import betaln, expit, gammaln

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "validation" / "brms_betabinomial" / "reference.json"
OUT = Path(__file__).with_name("bruteforce_betabinomial.json")
S_BOX = (-8.0, 14.0)
PRIOR_PHI = (0.01, 0.01)
PRIOR_SD = 2.5


def load(name: str):
    """Counts and design matrix of one data set, as brms fitted it."""
    entry = json.loads(REFERENCE.read_text())[name]
    data = entry["data"]
    y = np.asarray(data["events"], float)
    n = np.asarray(data["total"], float)
    columns = [np.ones_like(y)]
    if data.get("covariate"):
        cov = np.asarray(data["covariate"])
        levels = sorted(set(cov))
        columns += [(cov == level).astype(float) for level in levels[1:]]
    return y, n, np.stack(columns, axis=1)


def log_joint(y, n, X, beta: np.ndarray, s: np.ndarray) -> np.ndarray:
    """log p(y, beta, s) at many points: beta (N, p), s (N,); Jacobian of phi = e^s included."""
    phi = np.exp(s)
    eta = beta @ X.T  # (N, k)
    a = expit(eta) * phi[:, None]
    b = expit(-eta) * phi[:, None]
    coef = gammaln(n + 1) - gammaln(y + 1) - gammaln(n - y + 1)
    lik = np.sum(coef + betaln(y + a, n - y + b) - betaln(a, b), axis=1)
    prior_b = np.sum(stats.norm.logpdf(beta, 0.0, PRIOR_SD), axis=1)
    shape, rate = PRIOR_PHI
    prior_phi = stats.gamma.logpdf(phi, a=shape, scale=1.0 / rate)
    return lik + prior_b + prior_phi + s


def mode_and_cov(y, n, X):
    p = X.shape[1]

    def f(t):
        return -log_joint(y, n, X, t[None, :p], np.array([t[p]]))[0]

    start = np.zeros(p + 1)
    start[p] = np.log(5.0)
    opt = optimize.minimize(
        f, start, method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-12, "maxiter": 20000}
    )
    h = 1e-4
    d = p + 1
    hess = np.empty((d, d))
    eye = np.eye(d) * h
    for i in range(d):
        for j in range(d):
            hess[i, j] = (
                f(opt.x + eye[i] + eye[j])
                - f(opt.x + eye[i] - eye[j])
                - f(opt.x - eye[i] + eye[j])
                + f(opt.x - eye[i] - eye[j])
            ) / (4 * h * h)
    return opt.x, -opt.fun, np.linalg.inv(hess)


def _quantiles(axis, density, probs):
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * np.diff(axis))])
    cdf /= cdf[-1]
    return np.interp(probs, cdf, axis)


PROBS = np.array([0.5, 0.025, 0.975])


def two_d(name: str) -> dict:
    y, n, X = load(name)
    mode, peak, cov = mode_and_cov(y, n, X)
    sd = float(np.sqrt(cov[0, 0]))
    b_box = (mode[0] - 12 * sd, mode[0] + 12 * sd)

    def f(s, b):
        return float(np.exp(log_joint(y, n, X, np.array([[b]]), np.array([s]))[0] - peak))

    start = time.time()
    value, err = integrate.dblquad(f, *b_box, *S_BOX, epsabs=0.0, epsrel=1e-10)
    seconds = time.time() - start
    bs = np.linspace(*b_box, 1201)
    ss = np.linspace(*S_BOX, 1201)
    B, S = np.meshgrid(bs, ss, indexing="ij")
    grid = np.exp(log_joint(y, n, X, B.reshape(-1, 1), S.ravel()) - peak).reshape(B.shape)
    trap = integrate.trapezoid(integrate.trapezoid(grid, ss, axis=1), bs)
    q_beta = _quantiles(bs, integrate.trapezoid(grid, ss, axis=1), PROBS)
    q_s = _quantiles(ss, integrate.trapezoid(grid, bs, axis=0), PROBS)
    return {
        "name": name,
        "formula": "",
        "k": int(y.size),
        "log_evidence": float(np.log(value) + peak),
        "log_evidence_trapezoid": float(np.log(trap) + peak),
        "dblquad_error_estimate": float(err / value),
        "dblquad_seconds": seconds,
        "mode_beta_logphi": mode.tolist(),
        "quantiles": {
            "probs": PROBS.tolist(),
            "intercept": q_beta.tolist(),
            "pooled_mean": expit(q_beta).tolist(),
            "phi": np.exp(q_s).tolist(),
        },
    }


def three_d(name: str, nodes: int = 161) -> dict:
    y, n, X = load(name)
    mode, peak, cov = mode_and_cov(y, n, X)
    p = X.shape[1]
    R = np.linalg.cholesky(cov[:p, :p])
    log_det = float(np.log(np.diag(R)).sum())
    u = np.linspace(-10.0, 10.0, nodes)
    ss = np.linspace(*S_BOX, nodes * 2 - 1)
    U0, U1, S = np.meshgrid(u, u, ss, indexing="ij")
    # beta = mode_beta + R u + slope (s - mode_s): sheared along the beta-s regression line
    slope = cov[:p, p] / cov[p, p]
    uu = np.stack([U0.ravel(), U1.ravel()], axis=1)
    beta = mode[:p] + uu @ R.T + np.outer(S.ravel() - mode[p], slope)
    logf = np.concatenate(
        [
            log_joint(y, n, X, bc, sc) - peak
            for bc, sc in zip(np.array_split(beta, 64), np.array_split(S.ravel(), 64), strict=True)
        ]
    ).reshape(U0.shape)
    vals = np.exp(logf)
    fine = integrate.trapezoid(integrate.trapezoid(integrate.trapezoid(vals, ss), u), u)
    coarse = integrate.trapezoid(
        integrate.trapezoid(integrate.trapezoid(vals[::2, ::2, ::2], ss[::2]), u[::2]), u[::2]
    )
    return {
        "name": name,
        "formula": "ethnicity",
        "k": int(y.size),
        "log_evidence": float(np.log(fine) + peak + log_det),
        "relative_change_every_other_node": float(abs(fine - coarse) / fine),
        "method": f"product trapezoid {nodes} x {nodes} x {2 * nodes - 1}, sheared standardized box",
        "mode_beta_logphi": mode.tolist(),
    }


def main() -> None:
    start = time.time()
    cases = [two_d("crr"), two_d("pritz1997"), three_d("debruin2009")]
    for case in cases:
        print(case["name"], case["log_evidence"], flush=True)
    result = {
        "priors": {"coefficients": "normal(0, 2.5)", "phi": "gamma(0.01, 0.01)"},
        "cases": cases,
        "seconds": time.time() - start,
        "script": "validation/evidence/bruteforce_betabinomial.py",
    }
    tmp = OUT.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=1) + "\n")
    tmp.replace(OUT)


if __name__ == "__main__":
    main()
