"""Performance measures with Monte Carlo standard errors (Morris, White & Crowther 2019,
Stat Med 38:2074, Table 6).

For ``n`` successful replicates with estimates ``e`` of a true value ``t``:

* bias = mean(e) - t, MCSE = sd(e) / sqrt(n);
* RMSE = sqrt(MSE), MSE = mean((e - t)^2), MCSE(MSE) = sqrt(sum(((e-t)^2 - MSE)^2) / (n (n-1))),
  MCSE(RMSE) = MCSE(MSE) / (2 RMSE) (delta method);
* coverage = share of intervals holding ``t``, MCSE = sqrt(c (1 - c) / n);
* mean width, MCSE = sd(width) / sqrt(n);
* failure rate (failed or non-converged fits among all replicates), MCSE = sqrt(f (1 - f) / N).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from bayesmeta.simulate.generate import true_mean, true_median
from bayesmeta.simulate.scenarios import Scenario

NAN = math.nan


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    n = len(values)
    if n == 0:
        return NAN, NAN
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else NAN


def _share_se(hits: np.ndarray) -> tuple[float, float]:
    n = len(hits)
    if n == 0:
        return NAN, NAN
    c = float(hits.mean())
    return c, math.sqrt(c * (1 - c) / n)


def performance(
    estimate: np.ndarray, lo: np.ndarray, hi: np.ndarray, truth: float | np.ndarray
) -> dict[str, float]:
    """Bias, RMSE, coverage and mean width, each with its MCSE.

    Parameters
    ----------
    estimate, lo, hi : numpy.ndarray
        Point estimates and interval bounds of the successful replicates.
    truth : float or numpy.ndarray
        The true value (per replicate for a new study's rate).

    Returns
    -------
    dict
        ``bias``, ``bias_mcse``, ``rmse``, ``rmse_mcse``, ``coverage``, ``coverage_mcse``,
        ``width``, ``width_mcse`` (NaN when the method does not estimate this target).
    """
    keys = ("bias", "rmse", "coverage", "width")
    out = {f"{k}{s}": NAN for k in keys for s in ("", "_mcse")}
    usable = np.isfinite(lo) & np.isfinite(hi)
    if not usable.any():
        return out
    truth = np.broadcast_to(np.asarray(truth, dtype=float), estimate.shape)[usable]
    e, lo, hi = estimate[usable], lo[usable], hi[usable]
    n = len(e)
    out["coverage"], out["coverage_mcse"] = _share_se((lo <= truth) & (truth <= hi))
    out["width"], out["width_mcse"] = _mean_se(hi - lo)
    if np.isfinite(e).all():
        error = e - truth
        out["bias"], out["bias_mcse"] = _mean_se(error)
        squared = error**2
        mse = float(squared.mean())
        out["rmse"] = math.sqrt(mse)
        if n > 1 and mse > 0:
            mse_se = math.sqrt(float(np.sum((squared - mse) ** 2)) / (n * (n - 1)))
            out["rmse_mcse"] = mse_se / (2 * out["rmse"])
    return out


def metrics_table(rows: pd.DataFrame, scenarios: Sequence[Scenario]) -> pd.DataFrame:
    """The metrics of every scenario, method and target.

    Parameters
    ----------
    rows : pandas.DataFrame
        One row per replicate and method (the simulation's replicates table).
    scenarios : sequence of Scenario
        The grid (the truths).

    Returns
    -------
    pandas.DataFrame
        Columns: scenario, k, sizes, mu, rate, tau, method, target ("median" rate expit(mu),
        "mean" rate, "new_study": the prediction interval against a new study's true rate),
        replicates, ok, failure_rate (+ _mcse), zero_share, then :func:`performance`'s.
    """
    records: list[dict[str, Any]] = []
    for scenario in scenarios:
        in_scenario = rows[rows["scenario"] == scenario.index]
        for method, group in in_scenario.groupby("method", sort=False):
            ok = group[group["status"] == "ok"]
            failure, failure_se = _share_se(group["status"].to_numpy() != "ok")
            base = {
                "scenario": scenario.index,
                "k": scenario.k,
                "sizes": scenario.sizes,
                "mu": scenario.mu,
                "rate": true_median(scenario),
                "tau": scenario.tau,
                "method": method,
                "replicates": len(group),
                "ok": len(ok),
                "failure_rate": failure,
                "failure_rate_mcse": failure_se,
                "zero_share": float(group["zero_share"].mean()),
            }
            targets = {
                "median": (ok["median"], ok["median_lo"], ok["median_hi"], true_median(scenario)),
                "mean": (ok["mean"], ok["mean_lo"], ok["mean_hi"], true_mean(scenario)),
                "new_study": (
                    np.full(len(ok), NAN),
                    ok["pi_lo"],
                    ok["pi_hi"],
                    ok["new_rate"].to_numpy(),
                ),
            }
            for target, (e, lo, hi, truth) in targets.items():
                measures = performance(
                    np.asarray(e, dtype=float),
                    np.asarray(lo, dtype=float),
                    np.asarray(hi, dtype=float),
                    truth,
                )
                records.append({**base, "target": target, **measures})
    return pd.DataFrame.from_records(records)
