"""Brute-force posterior probabilities P(rate > X | y) by nested adaptive scipy quadrature.

The independent reference of ``prob_above`` (issue 12). Like ``bruteforce.py`` (whose study-level
rule ``log_group`` it reuses; that rule shares no code with bayesmeta), nothing of bayesmeta's
engine is imported: only the bundled counts. For the random-intercept model with the default
priors (mu ~ normal(0, 2.5), tau ~ halfnormal(1.5)), for each tau

    Z(tau) = int p(mu) L(mu, tau) dmu                      (``quad``)
    A(tau) = int_{mu > logit X} p(mu) L(mu, tau) dmu        pooled_median: expit(mu) > X
    C(tau) = int_{mu > m*(tau)} p(mu) L(mu, tau) dmu        pooled_mean: E[expit(mu + tau z)] > X,
                                                            m*(tau) by brentq on a quad mean
    N(tau) = int Phi((mu - logit X) / tau) p(mu) L dmu      new_study: expit(mu + tau z) > X

then ``scipy.integrate.quad_vec`` integrates p(tau) [Z, A, C, N](tau) over tau (adaptive, vector
valued) and P = [A, C, N] / Z. The common-effect model is tau = 0. The subgroup model with one
(common) tau gives each level's P(expit(mu_g) > X): per tau, each level's Z_g and A_g, and the
tau integrand is p(tau) prod_g Z_g times A_h / Z_h for each level h.

Also writes the one-sided Bayes factor of ``expit(mu) > B`` (``pooled_vs_benchmark``) for the
random models: posterior odds over prior odds, the prior mass from the normal CDF.

Run (a few minutes; one case per process is possible with ``--only``):

    .venv/bin/python validation/evidence/bruteforce_threshold.py

Writes ``validation/evidence/threshold.json``.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
from scipy import integrate, optimize, stats
from scipy.special import expit, logit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from bruteforce import MU_SD, OUTCOMES, TAU_MAX, TAU_SCALE, log_group  # noqa: E402

OUT = HERE / "threshold.json"
REL = 1e-7
#: (outcome, model, by, threshold): thresholds near each outcome's pooled rate, so that
#: P(rate > X) is far from 0 and 1 and a wrong tail shows
CASES = [
    ("orr", "random", None, 0.8),
    ("crr", "random", None, 0.5),
    ("death", "random", None, 0.2),
    ("orr", "common", None, 0.85),
    ("orr", "subgroup", "cancer_type", 0.8),
    ("crr", "subgroup", "cancer_type", 0.5),
]


def log_prior_mu(mu: float) -> float:
    return -0.5 * (mu / MU_SD) ** 2 - math.log(MU_SD * math.sqrt(2 * math.pi))


def log_prior_tau(tau: float) -> float:
    return math.log(2.0 / (TAU_SCALE * math.sqrt(2 * math.pi))) - 0.5 * (tau / TAU_SCALE) ** 2


def logistic_normal_mean(mu: float, tau: float) -> float:
    """E[expit(mu + tau z)], z ~ N(0, 1), by adaptive quad."""
    if tau == 0.0:
        return float(expit(mu))
    value, _ = integrate.quad(
        lambda z: expit(mu + tau * z) * math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi),
        -40.0,
        40.0,
        epsabs=1e-13,
        epsrel=1e-12,
        limit=200,
        points=[-mu / tau if abs(mu / tau) < 40 else 0.0],
    )
    return value


def _mode_box(events, total, tau: float) -> tuple[float, float, float]:
    def f(mu: float) -> float:
        return log_prior_mu(mu) + log_group(events, total, mu, tau)

    start = float(np.log((events.sum() + 0.5) / (total.sum() - events.sum() + 0.5)))
    mode = optimize.minimize_scalar(
        lambda m: -f(m), bracket=(start - 0.3, start + 0.3), method="brent", tol=1e-8
    ).x
    top = f(mode)
    h = 1e-3
    curvature = -(f(mode + h) - 2 * top + f(mode - h)) / h**2
    sd = 1.0 / math.sqrt(max(curvature, 1e-6))
    return mode - 16.0 * sd, mode + 16.0 * sd, top


def _integral(g, lo: float, hi: float, *, at: float | None = None) -> float:
    if hi <= lo:
        return 0.0
    points = [at] if at is not None and lo < at < hi else None
    value, _ = integrate.quad(g, lo, hi, epsabs=0.0, epsrel=REL, limit=400, points=points)
    return value


def mu_integrals(events, total, tau: float, x: float, *, full: bool) -> tuple[float, np.ndarray]:
    """log Z(tau) and [A, C, N] / Z at this tau (only A / Z unless ``full``)."""
    lo, hi, top = _mode_box(events, total, tau)

    def g(mu: float) -> float:
        return math.exp(log_prior_mu(mu) + log_group(events, total, mu, tau) - top)

    z = _integral(g, lo, hi)
    m0 = float(logit(x))
    a = _integral(g, max(m0, lo), hi) if m0 < hi else 0.0
    if not full:
        return top + math.log(z), np.array([a / z])
    if tau > 0:
        star = optimize.brentq(lambda m: logistic_normal_mean(m, tau) - x, -40, 40, xtol=1e-12)
        c = _integral(g, max(star, lo), hi) if star < hi else 0.0
        n = _integral(lambda m: g(m) * stats.norm.cdf((m - m0) / tau), lo, hi, at=m0)
    else:
        c, n = a, a
    return top + math.log(z), np.array([a, c, n]) / z


def tau_integral(parts, x: float, *, full: bool) -> np.ndarray:
    """P(.. > x | y) for the quantities of ``mu_integrals`` (one group) or per level (several)."""

    def log_parts(tau: float):
        values = [mu_integrals(e, n, tau, x, full=full) for e, n in parts]
        log_z = log_prior_tau(tau) + sum(v for v, _ in values)
        ratios = np.concatenate([r for _, r in values])
        return log_z, ratios

    grid = np.linspace(1e-3, TAU_MAX, 25)
    tops = [log_parts(t)[0] for t in grid]
    top = max(tops)
    peak = float(grid[int(np.argmax(tops))])

    def integrand(tau: float) -> np.ndarray:
        log_z, ratios = log_parts(max(tau, 1e-9))
        weight = math.exp(log_z - top)
        return weight * np.concatenate([[1.0], ratios])

    value, _ = integrate.quad_vec(
        integrand, 0.0, TAU_MAX, epsabs=0.0, epsrel=1e-7, points=[peak], limit=200
    )
    return value[1:] / value[0]


def one_sided_log_bf(post_above: float, prior_above: float) -> float:
    return math.log(post_above / (1 - post_above)) - math.log(prior_above / (1 - prior_above))


def run(outcome: str, model: str, by: str | None, x: float) -> dict:
    from bayesmeta.data import cart_outcome

    data = cart_outcome(outcome)
    if by is not None:
        data = data.complete_for([by])
    events = np.asarray(data.events, dtype=float)
    total = np.asarray(data.total, dtype=float)
    row: dict = {"outcome": outcome, "model": model, "by": by, "threshold": x, "k": int(data.k)}
    if model == "common":
        _, ratios = mu_integrals(events, total, 0.0, x, full=True)
        row["prob_above"] = {"pooled_median": float(ratios[0])}
        return row
    if model == "random":
        probs = tau_integral([(events, total)], x, full=True)
        row["prob_above"] = dict(
            zip(("pooled_median", "pooled_mean", "new_study"), map(float, probs), strict=False)
        )
        prior_above = float(stats.norm.sf(logit(x), loc=0.0, scale=MU_SD))
        row["prior_above"] = prior_above
        row["pooled_vs_benchmark_log_bf"] = one_sided_log_bf(float(probs[0]), prior_above)
        return row
    labels = np.asarray(data.covariates[by], dtype=object)
    levels = sorted(set(labels))
    parts = [(events[labels == g], total[labels == g]) for g in levels]
    probs = tau_integral(parts, x, full=False)
    row["prob_above"] = {"levels": dict(zip(levels, map(float, probs), strict=False))}
    return row


def main(argv: list[str]) -> None:
    """``bruteforce_threshold.py [--only I ...] [--out FILE]``."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--only", type=int, nargs="*", default=None)
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    chosen = CASES if args.only is None else [CASES[i] for i in args.only]
    rows = []
    for case in chosen:
        row = run(*case)
        print(row, flush=True)
        rows.append(row)
    priors = {"mu": f"normal(0, {MU_SD:g})", "tau": f"halfnormal({TAU_SCALE:g})"}
    Path(args.out).write_text(json.dumps({"priors": priors, "cases": rows}, indent=1) + "\n")


if __name__ == "__main__":
    assert set(OUTCOMES) >= {c[0] for c in CASES}
    main(sys.argv[1:])
