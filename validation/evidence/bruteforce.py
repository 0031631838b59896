"""Brute-force log marginal likelihoods log p(y) by nested adaptive scipy quadrature.

Independent of bayesmeta's exact engine (``bayesmeta.quad`` and ``bayesmeta.model.likelihood``
are not imported): every study's random effect is integrated by ``scipy.integrate.quad``
(around the integrand's mode, found by ``scipy.optimize``), then mu (and each level's mu), then
tau, each by its own ``quad``. Only the bundled counts come from bayesmeta (``cart_outcome``);
the priors are written out here (the package defaults, pinned in the JSON so the test can check
they are still the defaults).

    y_i | mu, tau ~ Binomial(n_i, expit(mu + tau z_i)), z_i ~ N(0, 1)
    p(y) = int p(tau) prod_g int p(mu_g) prod_{i in g} int Binom(y_i | n_i, .) phi(z) dz dmu_g dtau

(the random model has one group; separate tau: one such integral per level, multiplied; the
common-effect model: tau = 0). Binomial coefficients included.

Run (about 10 minutes on one core):

    .venv/bin/python validation/evidence/bruteforce.py

Writes ``validation/evidence/reference.json``:

    {"priors": {...}, "cases": [{"outcome", "model", "by", "separate_tau", "log_evidence",
    "quad_error"}, ...]}

``model`` is "random", "common" or "subgroup"; other model kinds add their own fields (the
regression cases come from ``bruteforce_regression.py`` in the same schema, with ``formula``).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
from scipy import integrate, optimize
from scipy.special import expit, gammaln, log_expit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

OUT = Path(__file__).with_name("reference.json")
PRIORS = {"mu": "normal(0, 2.5)", "tau": "halfnormal(1.5)"}
MU_SD = 2.5
TAU_SCALE = 1.5
#: tau beyond this has prior density below exp(-32) of its peak: nothing left to integrate
TAU_MAX = 8.0 * TAU_SCALE
OUTCOMES = {"orr": ("orr_events", "orr_total"), "crr": ("crr_events", "crr_total"),
            "death": ("dead_events", "dead_total")}  # fmt: skip
#: relative tolerance of the mu integrals (the tau integral uses 1e-5): 1e-5 in log p(y)
REL = 1e-6


def log_binom(y, n, eta):
    """log Binomial(y | n, expit(eta)), coefficient included (numpy, elementwise)."""
    coef = gammaln(n + 1) - gammaln(y + 1) - gammaln(n - y + 1)
    return coef + y * log_expit(eta) + (n - y) * log_expit(-eta)


#: Gauss-Legendre rule on [-12, 12] standardized scales of each study's integrand
LEGENDRE = np.polynomial.legendre.leggauss(80)


def _study_modes(y, n, mu: float, tau: float):
    """Mode and curvature scale of z -> log Binomial(y | n, expit(mu + tau z)) - z^2 / 2.

    The function is concave; its slope changes sign between tau (y - n) and tau y: bisection,
    then Newton steps inside the bracket.
    """
    lo, hi = tau * (y - n) - 1.0, tau * y + 1.0
    for _ in range(20):
        mid = 0.5 * (lo + hi)
        rising = tau * (y - n * expit(mu + tau * mid)) - mid > 0
        lo, hi = np.where(rising, mid, lo), np.where(rising, hi, mid)
    z = 0.5 * (lo + hi)
    for _ in range(6):
        p = expit(mu + tau * z)
        z = np.clip(z + (tau * (y - n * p) - z) / (tau * tau * n * p * (1 - p) + 1.0), lo, hi)
    p = expit(mu + tau * z)
    return z, 1.0 / np.sqrt(tau * tau * n * p * (1 - p) + 1.0)


def log_group(events, total, mu: float, tau: float, *, adaptive: bool = False) -> float:
    """sum_i log int Binomial(y_i | n_i, expit(mu + tau z)) phi(z) dz.

    Each study's integrand is centred at its mode and scaled by its curvature, then integrated
    over +-12 scales (beyond which a log-concave integrand of this curvature is below exp(-60))
    by an 80-point Gauss-Legendre rule, or with ``adaptive=True`` by
    ``scipy.integrate.quad_vec`` (used by :func:`self_check` to confirm the rule).
    """
    y, n = events, total
    if tau == 0.0:
        return float(np.sum(log_binom(y, n, mu)))

    def g(z):
        return log_binom(y, n, mu + tau * z) - 0.5 * z * z

    mode, width = _study_modes(y, n, mu, tau)
    top = g(mode)
    if adaptive:
        value, _ = integrate.quad_vec(
            lambda x: np.exp(g(mode + width * x) - top),
            -12.0,
            12.0,
            epsabs=0.0,
            epsrel=1e-12,
            norm="max",
            points=[0.0],
        )
    else:
        x, w = LEGENDRE
        x, w = 12.0 * x, 12.0 * w
        z = mode[:, None] + width[:, None] * x
        log_f = log_binom(y[:, None], n[:, None], mu + tau * z) - 0.5 * z * z - top[:, None]
        value = np.einsum("ij,j->i", np.exp(log_f), w)
    return float(np.sum(top + np.log(value * width) - 0.5 * math.log(2 * math.pi)))


def self_check(events, total) -> float:
    """Largest |Gauss-Legendre - adaptive quad_vec| of log_group over a spread of (mu, tau)."""
    worst = 0.0
    for mu in (-3.0, -1.0, 0.0, 1.5):
        for tau in (0.05, 0.5, 1.5, 4.0):
            fixed = log_group(events, total, mu, tau)
            adaptive = log_group(events, total, mu, tau, adaptive=True)
            worst = max(worst, abs(fixed - adaptive))
    return worst


_LAST_MODE: dict[int, float] = {}


def log_mu_integral(events, total, tau: float) -> tuple[float, float]:
    """log int Normal(mu | 0, 2.5) prod_i L_i(mu, tau) dmu, and quad's error estimate (relative).

    The mode (Brent, started from the previous call's mode for these studies) and curvature
    only centre and bound the range; ``quad`` does the integral.
    """

    def f(mu: float) -> float:
        return (
            -0.5 * (mu / MU_SD) ** 2
            - math.log(MU_SD * math.sqrt(2 * math.pi))
            + log_group(events, total, mu, tau)
        )

    key = id(events)
    start = _LAST_MODE.get(
        key, float(np.log((events.sum() + 0.5) / (total.sum() - events.sum() + 0.5)))
    )
    mode = optimize.minimize_scalar(lambda m: -f(m), bracket=(start - 0.3, start + 0.3),
                                    method="brent", tol=1e-6).x  # fmt: skip
    _LAST_MODE[key] = mode
    top = f(mode)
    h = 1e-3
    curvature = -(f(mode + h) - 2 * top + f(mode - h)) / h**2
    sd = 1.0 / math.sqrt(max(curvature, 1e-6))
    lo, hi = mode - 14.0 * sd, mode + 14.0 * sd
    value, err = integrate.quad(lambda m: math.exp(f(m) - top), lo, hi,
                                epsabs=0.0, epsrel=REL, limit=200)  # fmt: skip
    return top + math.log(value), err / value


def log_tau_integral(parts) -> tuple[float, float]:
    """log int HalfNormal(tau | 1.5) prod_g [mu_g integral at tau] dtau (``parts``: (events, total) per group)."""
    inner_errors: list[float] = []

    def f(tau: float) -> float:
        total = math.log(2.0 / (TAU_SCALE * math.sqrt(2 * math.pi))) - 0.5 * (tau / TAU_SCALE) ** 2
        for events, n in parts:
            value, rel = log_mu_integral(events, n, tau)
            total += value
            inner_errors.append(rel)
        return total

    grid = np.linspace(1e-3, TAU_MAX, 13)
    values = [f(t) for t in grid]
    top = max(values)
    peak = float(grid[int(np.argmax(values))])
    value, err = integrate.quad(lambda t: math.exp(f(t) - top), 0.0, TAU_MAX,
                                points=[peak], epsabs=0.0, epsrel=1e-5, limit=100)  # fmt: skip
    return top + math.log(value), err / value + max(inner_errors)


def cases(outcomes=tuple(OUTCOMES)):
    for outcome in outcomes:
        yield outcome, "random", None, False
        yield outcome, "common", None, False
        yield outcome, "subgroup", "cancer_type", True
        yield outcome, "subgroup", "cancer_type", False


def evidence(data, model: str, by: str | None, separate_tau: bool) -> tuple[float, float]:
    events = np.asarray(data.events, dtype=float)
    total = np.asarray(data.total, dtype=float)
    if model == "common":
        return log_mu_integral(events, total, 0.0)
    if model == "random":
        return log_tau_integral([(events, total)])
    labels = np.asarray(data.covariates[by], dtype=object)
    groups = [(events[labels == g], total[labels == g]) for g in sorted(set(labels))]
    if separate_tau:
        results = [log_tau_integral([group]) for group in groups]
        return sum(v for v, _ in results), sum(e for _, e in results)
    return log_tau_integral(groups)


def main(argv: list[str]) -> None:
    """``bruteforce.py [OUTCOME ...] [--out FILE]``: all outcomes into reference.json by default.

    Outcomes may be run in separate processes (``--out`` each to its own file); the pinned
    file is their ``cases`` lists concatenated (a flat list of cases, easy to extend).
    """
    import argparse

    from bayesmeta.data import cart_outcome

    parser = argparse.ArgumentParser()
    parser.add_argument("outcomes", nargs="*", default=list(OUTCOMES))
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    out = []
    for outcome, model, by, separate in cases(args.outcomes):
        data = cart_outcome(outcome)
        if by is not None:  # the model leaves out studies without the covariate, as build_model
            data = data.complete_for([by])
        value, rel = evidence(data, model, by, separate)
        check = self_check(np.asarray(data.events, float), np.asarray(data.total, float))
        row = {"outcome": outcome, "model": model, "by": by, "separate_tau": separate,
               "k": int(data.k), "log_evidence": value, "quad_error": rel,
               "study_rule_check": check}  # fmt: skip
        print(row, flush=True)
        out.append(row)
    Path(args.out).write_text(json.dumps({"priors": PRIORS, "cases": out}, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
