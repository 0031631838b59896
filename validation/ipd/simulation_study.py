"""Simulation study: the one-stage within-trial estimator vs the naive pooled comparison.

500 replicates per scenario, on the ``many`` layer (``make_executor``; per-replicate seeds from
``task_rng``). Each replicate simulates 30 trials of 10-40 patients with a binary modifier x:

    logit p_ij = a0 + u_i + delta s_i + bW x_ij,   u_i ~ N(0, 0.5^2),
    P(x_ij = 1) = expit(-0.3 + s_i),               s_i ~ N(0, 1) (a trial's severity)

bW = -0.5 (the within-trial log odds ratio). "within != across": delta = -0.8, so trials that use
x more also respond less for other reasons (ecological confounding; the across-trial slope differs
from bW). "within = across": delta = 0, the trial means carry only x's own effect.

Estimators of bW: the one-stage GLMM within-trial coefficient (:func:`bayesmeta.ipd.glmm.fit_ipd_glmm`,
7-node AGQ, Wald 95% CI) and the naive crude pooled log odds ratio of the stratified 2x2 table
(patients pooled across trials, Wald CI), which is what the stratified rates of an IPD paper give.
Reported: bias, empirical SE, coverage of the 95% interval, each with its Monte Carlo SE (Morris,
White & Crowther 2019). Writes ``docs/guide/ipd_simulation.csv`` and
``docs/guide/img/ipd_simulation.png``.

Usage (repository root): .venv/bin/python validation/ipd/simulation_study.py [replicates] [workers]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

MASTER_SEED = 20261206
BW = -0.5
SCENARIOS = {"within != across": -0.8, "within = across": 0.0}
Z95 = 1.959963984540054


def simulate(rng: np.random.Generator, delta: float) -> pd.DataFrame:
    """One replicate's grouped rows: trial, x, events, total."""
    rows = []
    for i in range(30):
        n = int(rng.integers(10, 41))
        s = rng.normal()
        x = (rng.random(n) < expit(-0.3 + s)).astype(int)
        logit = -0.2 + rng.normal(0, 0.5) + delta * s + BW * x
        y = (rng.random(n) < expit(logit)).astype(int)
        for level in (0, 1):
            at = x == level
            if at.any():
                rows.append(
                    {
                        "trial": f"T{i}",
                        "x": level,
                        "events": int(y[at].sum()),
                        "total": int(at.sum()),
                    }
                )
    return pd.DataFrame(rows)


def one_replicate(task: tuple[str, float]) -> dict:
    """Estimates of one replicate (run on a worker)."""
    from bayesmeta.data.patients import patients_from_frame
    from bayesmeta.errors import InputError
    from bayesmeta.ipd.glmm import fit_ipd_glmm
    from bayesmeta.ipd.within_across import ipd_design
    from bayesmeta.many.tasks import task_rng

    key, delta = task
    frame = simulate(task_rng(MASTER_SEED, key), delta)
    out = {"key": key, "scenario": key.split("/")[0]}
    try:
        fit = fit_ipd_glmm(
            ipd_design(
                patients_from_frame(frame, trial="trial", events="events", total="total"), "x"
            )
        )
        c = fit.coefficients["x:within"]
        out.update(glmm=c["estimate"], glmm_lo=c["ci"][0], glmm_hi=c["ci"][1])
    except InputError as error:
        out.update(glmm=np.nan, glmm_lo=np.nan, glmm_hi=np.nan, failure=str(error))
    table = frame.groupby("x")[["events", "total"]].sum()
    a, n1 = table.loc[1, "events"] + 0.5, table.loc[1, "total"] + 1.0
    c0, n0 = table.loc[0, "events"] + 0.5, table.loc[0, "total"] + 1.0
    log_or = np.log(a / (n1 - a)) - np.log(c0 / (n0 - c0))
    se = np.sqrt(1 / a + 1 / (n1 - a) + 1 / c0 + 1 / (n0 - c0))
    out.update(naive=log_or, naive_lo=log_or - Z95 * se, naive_hi=log_or + Z95 * se)
    out["naive_rr"] = float((a / n1) / (c0 / n0))
    return out


def metrics(results: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for scenario, group in results.groupby("scenario", sort=False):
        for method, label in (
            ("glmm", "one-stage within (GLMM)"),
            ("naive", "naive pooled log OR"),
        ):
            est = group[method].dropna()
            n = len(est)
            cover = ((group[f"{method}_lo"] <= BW) & (BW <= group[f"{method}_hi"]))[est.index]
            p = float(cover.mean())
            rows.append(
                {
                    "scenario": scenario,
                    "estimator": label,
                    "replicates": n,
                    "failures": int(len(group) - n),
                    "bias": float(est.mean() - BW),
                    "bias_mcse": float(est.std(ddof=1) / np.sqrt(n)),
                    "emp_se": float(est.std(ddof=1)),
                    "coverage": p,
                    "coverage_mcse": float(np.sqrt(p * (1 - p) / n)),
                }
            )
    return pd.DataFrame(rows)


def plot(results: pd.DataFrame, path: Path) -> None:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 3.2), layout="constrained")
    axes = figure.subplots(1, 2, sharey=True)
    for ax, (scenario, group) in zip(axes, results.groupby("scenario", sort=False), strict=True):
        data = [group["glmm"].dropna(), group["naive"].dropna()]
        ax.boxplot(data, tick_labels=["one-stage\nwithin", "naive\npooled"], showfliers=False)
        ax.axhline(BW, color="#b2182b", ls="--", lw=1, label=f"true within log OR {BW}")
        ax.set_title(scenario)
        ax.set_ylabel("estimate of the within-trial log OR")
        ax.legend(loc="lower right", fontsize=7, frameon=False)
    figure.suptitle("SIMULATION STUDY, 500 replicates per scenario", fontsize=9)
    figure.savefig(path, dpi=120)


def main(replicates: int = 500, workers: int = 2) -> pd.DataFrame:
    from bayesmeta.many.executor import make_executor

    tasks = [
        (f"{name}/{r:04d}", delta) for name, delta in SCENARIOS.items() for r in range(replicates)
    ]
    with make_executor(workers=workers) as executor:
        results = pd.DataFrame(list(executor.map(one_replicate, tasks, chunksize=25)))
    table = metrics(results)
    table.to_csv(ROOT / "docs" / "guide" / "ipd_simulation.csv", index=False, float_format="%.4f")
    plot(results, ROOT / "docs" / "guide" / "img" / "ipd_simulation.png")
    print(table.to_string(index=False))
    return table


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
