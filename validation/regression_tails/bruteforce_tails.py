"""Brute-force posteriors of sparse and zero-event one-factor meta-regressions (issue 24, defect 19).

Independent of bayesmeta: numpy/scipy only. The model is the exact engine's regression
``y_i ~ Binomial(n_i, expit(b_0 + b_{g(i)} + tau z_i))``, ``z_i ~ N(0, 1)``, treatment coding
of one factor with levels ``L0 < L1 < ...`` (``L0`` the reference), default priors
``b_0 ~ N(0, 2.5)`` (mu prior), ``b_j ~ N(0, 2.5)`` (beta prior), ``tau ~ HalfNormal(1.5)``.

Method: every level's cell mean ``eta_j = b_0 + b_j`` lives on one uniform lattice ``E`` (spacing
``h``) and s = log tau on a uniform grid. For every study, ``L_i(eta, tau)`` is integrated over the
study's logit ``theta`` on a 121-node trapezoid spanning +-12 curvature scales around the
integrand's own mode (Newton; spectrally accurate for these smooth, rapidly decaying integrands);
the level tables ``T_j(eta, s) = sum_{i in j} log L_i`` follow. Given (b_0, s) the levels are
independent, so the joint density of (b_0, s) is ``prior * exp(T_0(b_0)) * prod_j G_j(b_0)`` with
``G_j(b_0) = sum_m exp(T_j(E_m)) pi(E_m - b_0) h`` (a correlation on the lattice, by matrix
product), and the marginals of ``b_j`` and of ``eta_j`` are correlations of lattice vectors too.
No Gaussian approximation anywhere: sums on a lattice wide enough that the density at its edges
is below 1e-12 of its peak (checked; below the s box the density decays as e^s, integrated
exactly). Quantiles: a cubic spline of the marginal log density on a 16x finer grid, integrated by
the trapezoid rule.
The same run at twice the spacing (h and ds doubled) gives the error estimate stored per data set.

Usage (repository root): ``.venv/bin/python validation/regression_tails/bruteforce_tails.py``
writes ``bruteforce_tails.json`` beside this file (about a minute per data set).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.special import gammaln, logsumexp

OUT = Path(os.environ.get("BRUTEFORCE_OUT", Path(__file__).with_name("bruteforce_tails.json")))
PROBS = (0.025, 0.5, 0.975)
SD_MU = SD_BETA = 2.5
SD_TAU = 1.5
ETA_BOX = (-32.0, 14.0)
#: a level where every patient had the event reaches high logits instead
ETA_BOXES = {"all_events_level": (-20.0, 32.0)}
S_BOX = (-10.0, 3.0)
N_THETA = 121


def datasets() -> dict[str, dict]:
    """The six data sets: (level, events, total) per study, generated from fixed seeds."""
    out = {}
    # the audit's pattern: a level with 1 event in 489 patients over 5 studies
    rng = np.random.default_rng(20261206)
    a_n = rng.integers(40, 160, 7)
    a_y = rng.binomial(a_n, 0.32)
    b_n = rng.integers(30, 120, 6)
    b_y = rng.binomial(b_n, 0.12)
    c_n = np.array([88, 103, 97, 110, 91])  # 489 patients
    c_y = np.array([0, 1, 0, 0, 0])
    out["one_event_in_489"] = _table(["A", "B", "C"], [(a_y, a_n), (b_y, b_n), (c_y, c_n)])
    # a level with no event at all in 4 studies
    rng = np.random.default_rng(11)
    a_n = rng.integers(20, 90, 8)
    out["zero_event_level"] = _table(
        ["A", "B"],
        [(rng.binomial(a_n, 0.25), a_n), (np.zeros(4, int), np.array([23, 41, 57, 35]))],
    )
    # everything rare: many zero studies in three levels
    rng = np.random.default_rng(12)
    cells = []
    for rate, k in ((0.02, 6), (0.01, 5), (0.005, 5)):
        n = rng.integers(30, 200, k)
        cells.append((rng.binomial(n, rate), n))
    out["rare_everywhere"] = _table(["A", "B", "C"], cells)
    # one level of a single study with 0/25
    rng = np.random.default_rng(13)
    a_n, b_n = rng.integers(25, 100, 6), rng.integers(25, 100, 5)
    out["single_zero_study"] = _table(
        ["A", "B", "C"],
        [(rng.binomial(a_n, 0.4), a_n), (rng.binomial(b_n, 0.2), b_n), ([0], [25])],
    )
    # the mirror image: a level where every patient had the event
    rng = np.random.default_rng(14)
    a_n = rng.integers(20, 80, 7)
    out["all_events_level"] = _table(
        ["A", "B"], [(rng.binomial(a_n, 0.6), a_n), ([31, 18, 44], [31, 18, 44])]
    )
    # four levels (a Smolyak grid in the engine): one at zero events, one with a single event
    rng = np.random.default_rng(15)
    cells = []
    for rate, k in ((0.3, 6), (0.15, 5)):
        n = rng.integers(30, 120, k)
        cells.append((rng.binomial(n, rate), n))
    cells.append(([0, 0, 0], [40, 62, 33]))
    cells.append(([1, 0, 0, 0], [70, 45, 58, 81]))
    out["four_levels_sparse"] = _table(["A", "B", "C", "D"], cells)
    return out


def _table(levels, cells) -> dict:
    rows = {"level": [], "events": [], "total": []}
    for level, (y, n) in zip(levels, cells, strict=True):
        rows["level"] += [level] * len(n)
        rows["events"] += [int(v) for v in y]
        rows["total"] += [int(v) for v in n]
    return rows


def _log_binom(y, n, theta):
    """log Binom(y | n, expit(theta)), stable for any theta."""
    coef = gammaln(n + 1) - gammaln(y + 1) - gammaln(n - y + 1)
    log_p = -np.logaddexp(0.0, -theta)
    log_q = -np.logaddexp(0.0, theta)
    return coef + y * log_p + (n - y) * log_q


def study_table(y: float, n: float, eta: np.ndarray, tau: np.ndarray) -> np.ndarray:
    """log integral Binom(y | n, expit(theta)) N(theta; eta, tau) d theta, shape (S, E)."""
    eta = eta[None, :]
    tau = tau[:, None]
    theta = np.broadcast_to(eta, (tau.shape[0], eta.shape[1])).copy()
    for _ in range(60):  # mode of the integrand in theta (log-concave)
        p = 1.0 / (1.0 + np.exp(-theta))
        grad = y - n * p - (theta - eta) / tau**2
        curv = n * p * (1 - p) + 1.0 / tau**2
        step = np.clip(grad / curv, -2.0, 2.0)
        theta += step
        if np.abs(step).max() < 1e-10:
            break
    p = 1.0 / (1.0 + np.exp(-theta))
    scale = 1.0 / np.sqrt(n * p * (1 - p) + 1.0 / tau**2)
    x = np.linspace(-12.0, 12.0, N_THETA)
    out = np.empty(theta.shape)
    for r in range(theta.shape[0]):  # one tau row at a time keeps memory small
        t = theta[r][:, None] + scale[r][:, None] * x[None, :]
        logf = (
            _log_binom(y, n, t)
            - 0.5 * ((t - eta[0][:, None]) / tau[r]) ** 2
            - np.log(tau[r])
            - 0.5 * np.log(2 * np.pi)
        )
        top = logf.max(axis=1)
        vals = np.exp(logf - top[:, None])
        integral = (vals.sum(axis=1) - 0.5 * (vals[:, 0] + vals[:, -1])) * (x[1] - x[0])
        out[r] = np.log(integral) + top + np.log(scale[r])
    return out


def _norm_logpdf(x, sd):
    return -0.5 * (x / sd) ** 2 - np.log(sd) - 0.5 * np.log(2 * np.pi)


def _quantiles(
    grid: np.ndarray, log_density: np.ndarray, *, left_rate: float | None = None
) -> tuple[list[float], float, float]:
    """Quantiles, mean and SD; ``left_rate``: the density decays as exp(rate x) below the grid."""
    d = np.exp(log_density - log_density.max())
    assert d[-1] < 1e-12, "density not negligible at the lattice edge"
    assert left_rate is not None or d[0] < 1e-12, "density not negligible at the lattice edge"
    start = d[0] / left_rate if left_rate else 0.0
    # the CDF between lattice points: the log density by a cubic spline on a 16x finer grid
    fine = np.linspace(grid[0], grid[-1], 16 * (grid.size - 1) + 1)
    with np.errstate(divide="ignore"):
        log_d = np.log(np.maximum(d, 1e-300))
    dens = np.exp(CubicSpline(grid, log_d)(fine))
    dens[~np.isfinite(dens)] = 0.0
    cdf = start + np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(fine))])
    grid = fine
    mass = cdf[-1]
    cdf /= mass
    w = dens / dens.sum()
    mean = float(np.sum(w * grid))
    sd = float(np.sqrt(np.sum(w * (grid - mean) ** 2)))
    return [float(np.interp(q, cdf, grid)) for q in PROBS], mean, sd


def posterior(data: dict, *, h: float, ds: float, box=ETA_BOX) -> dict:
    """Quantiles of every coefficient, level logit and tau, and the log evidence."""
    level = np.array(data["level"])
    y = np.array(data["events"], float)
    n = np.array(data["total"], float)
    levels = sorted(set(level))
    E = np.arange(box[0], box[1] + h / 2, h)
    S = np.arange(S_BOX[0], S_BOX[1] + ds / 2, ds)
    tau = np.exp(S)
    tables = [
        sum(study_table(y[i], n[i], E, tau) for i in np.flatnonzero(level == lv)) for lv in levels
    ]  # each (S, E)
    M = E.size
    diffs = h * np.arange(-(M - 1), M)  # b_j on the lattice of differences
    log_pi_b = _norm_logpdf(diffs, SD_BETA)
    log_prior_s = np.log(2.0) + _norm_logpdf(tau, SD_TAU) + S  # halfnormal, Jacobian e^s
    # G_j(b0_n) = h sum_m exp(T_j(E_m)) pi(E_m - E_n): K[n, m] = pi((m - n) h)
    idx = np.arange(M)
    K = np.exp(log_pi_b[(idx[None, :] - idx[:, None]) + M - 1])
    log_G = []
    for T in tables[1:]:
        top = T.max(axis=1, keepdims=True)
        G = np.exp(T - top) @ K.T * h
        with np.errstate(divide="ignore"):
            log_G.append(np.log(G) + top)
    log_joint = (
        _norm_logpdf(E, SD_MU)[None, :] + log_prior_s[:, None] + tables[0] + sum(log_G)
    )  # (S, E) over (s, b0)
    log_cell = log_joint + np.log(h) + np.log(ds)
    # below S_BOX[0] the likelihood has reached its tau = 0 limit and the prior of s decays
    # as e^s: the tail integrates to the density at the edge (trapezoid's half cell removed)
    log_cell[0] += np.log(0.5 + 1.0 / ds)
    log_z = float(logsumexp(log_cell))
    out = {"log_evidence": log_z, "quantiles": {}}
    w = np.exp(log_cell - log_z)
    q, mean, sd = _quantiles(E, np.log(w.sum(axis=0)))
    out["quantiles"]["coef intercept"] = {"q": q, "mean": mean, "sd": sd}
    out["quantiles"][f"eta {levels[0]}"] = out["quantiles"]["coef intercept"]
    marginal_s = w.sum(axis=1)
    marginal_s[0] /= 0.5 + 1.0 / ds
    q, mean, sd = _quantiles(S, np.log(marginal_s), left_rate=1.0)
    out["quantiles"]["log tau"] = {"q": q, "mean": mean, "sd": sd}
    for j, lv in enumerate(levels[1:]):
        T = tables[j + 1]
        rest = w / np.exp(log_G[j] - log_G[j].max(axis=1, keepdims=True))  # (S, E)
        scale_rest = log_G[j].max(axis=1)
        top = T.max(axis=1, keepdims=True)
        B = np.exp(T - top)
        # marginal of b_j = d h: sum_s sum_n rest[s, n] B[s, n + d] pi(d h) e^{top - scale}
        factor = np.exp(top[:, 0] - scale_rest)
        corr = sum(
            np.correlate(B[i], rest[i] * factor[i], mode="full") for i in range(S.size)
        )  # index d + M - 1
        with np.errstate(divide="ignore"):
            log_b = np.log(np.maximum(corr, 0)) + log_pi_b
        q, mean, sd = _quantiles(diffs, log_b)
        out["quantiles"][f"coef {lv}"] = {"q": q, "mean": mean, "sd": sd}
        # marginal of eta_j = E_m: sum_s B[s, m] sum_n rest[s, n] pi(E_m - E_n)
        eta_m = np.sum(B * ((rest * factor[:, None]) @ K), axis=0)
        with np.errstate(divide="ignore"):
            q, mean, sd = _quantiles(E, np.log(np.maximum(eta_m, 0)))
        out["quantiles"][f"eta {lv}"] = {"q": q, "mean": mean, "sd": sd}
    return out


def main() -> None:
    only = sys.argv[1:]
    sets = datasets()
    result = {
        "model": "events ~ level (treatment coding), priors normal(0, 2.5) x p, halfnormal(1.5)",
        "probs": list(PROBS),
        "method": __doc__.split("\n\n")[2].replace("\n", " "),
        "script": "validation/regression_tails/bruteforce_tails.py",
        "datasets": {},
    }
    if OUT.exists() and only:
        result = json.loads(OUT.read_text())
    for name, data in sets.items():
        if only and name not in only:
            continue
        start = time.time()
        box = ETA_BOXES.get(name, ETA_BOX)
        fine = posterior(data, h=0.02, ds=0.05, box=box)
        coarse = posterior(data, h=0.04, ds=0.1, box=box)
        err = {
            key: max(
                abs(a - b) / fine["quantiles"][key]["sd"]
                for a, b in zip(
                    fine["quantiles"][key]["q"], coarse["quantiles"][key]["q"], strict=True
                )
            )
            for key in fine["quantiles"]
        }
        result["datasets"][name] = {
            "data": data,
            **fine,
            "check_vs_double_spacing": {
                "log_evidence": abs(fine["log_evidence"] - coarse["log_evidence"]),
                "quantile_in_sd": err,
            },
            "seconds": round(time.time() - start, 1),
        }
        print(name, json.dumps(result["datasets"][name]["check_vs_double_spacing"]), flush=True)
        OUT.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
