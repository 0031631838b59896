"""NUTS against brms (Stan), warm and cold, paired: ESS per second and wall time on the same data.

Data: 35 studies simulated once from a fixed seed (sizes 20-150, logit rates ~ N(-0.5, 0.7)),
written to a CSV both sides read. Model: random-intercept binomial-logit, bayesmeta's default
priors (mu ~ normal(0, 2.5), tau ~ half-normal(1.5); brms: the same on Intercept and sd),
4 chains x 1000 draws after 1000 tuning steps.

Samplers (issue 22):

- ``default``: ``bayesmeta.bayes.fit(spec, engine="nuts")`` with no sampler named, the path the
  API and ``bayesmeta fit --engine nuts`` take (now ``"auto"``: nutpie with a low-rank modified
  mass matrix, ``model/options.py::NUTPIE_LOW_RANK``);
- ``nutpie-diag``: the same compiled nutpie model with nutpie's diagonal mass matrix (the
  setting before this change), for a paired before/after of the adaptation alone;
- ``pymc`` (``--with-pymc``): PyMC's own NUTS (the default before issue 22);
- ``brms``: ``update(fit, recompile = FALSE)`` in one long-lived R process fed over stdin.

Warm means compiled: each side compiles once, then refits. The repetitions are interleaved
(default, nutpie-diag, [pymc,] brms, default, ...) so every sampler sees the same machine load;
the 1-minute load average is recorded before every refit. ESS: the smaller bulk (and tail) ESS
of mu and tau (brms: b_Intercept and sd_study__Intercept); ESS per second divides it by the
wall time of the whole refit call (``fit(...)``, ``update(...)``).

Cold: ``--cold N`` whole ``bayesmeta fit DATA --engine nuts --json`` processes (import,
nutpie's numba compile, sampling, summaries), each timed from outside; the first-compile cost
is the process's wall time minus its sampling time.

Usage: ``.venv/bin/python benchmarks/bayes/bench_nuts_brms.py [--repeat 5] [--cold 2]``;
writes ``benchmarks/bayes/nuts_vs_brms.json`` and prints markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def simulated_data(k: int = 35) -> pd.DataFrame:
    rng = np.random.default_rng(35)
    total = rng.integers(20, 151, k)
    rate = 1 / (1 + np.exp(-rng.normal(-0.5, 0.7, k)))
    events = rng.binomial(total, rate)
    return pd.DataFrame({"study": [f"S{i:02d}" for i in range(k)], "y": events, "n": total})


def _ess(result) -> tuple[float, float]:
    import arviz as az

    posterior = result.idata.posterior[["mu", "tau"]]
    bulk = az.ess(posterior, method="bulk")
    tail = az.ess(posterior, method="tail")
    return (
        float(min(bulk[v].min() for v in bulk.data_vars)),
        float(min(tail[v].min() for v in tail.data_vars)),
    )


def python_refit(spec, variant: str, seed: int) -> dict:
    from bayesmeta.bayes import fit
    from bayesmeta.model.options import NUTPIE_LOW_RANK

    options = (
        {} if variant == "default" else {"sampler": "nutpie" if "nutpie" in variant else variant}
    )
    saved = dict(NUTPIE_LOW_RANK)
    if variant == "nutpie-diag":
        NUTPIE_LOW_RANK["low_rank_modified_mass_matrix"] = False
    load = os.getloadavg()[0]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            result = fit(spec, engine="nuts", seed=seed, **options)
            wall = time.perf_counter() - start
    finally:
        NUTPIE_LOW_RANK.clear()
        NUTPIE_LOW_RANK.update(saved)
    bulk, tail = _ess(result)
    return {
        "wall": wall,
        "load": load,
        "sampling_seconds": result.diagnostics.sampling_seconds,
        "ess_bulk_min": bulk,
        "ess_tail_min": tail,
        "rhat_max": result.diagnostics.rhat_max,
        "divergences": result.diagnostics.divergences,
        "sampler": result.model["sampler"],
    }


def cold_process(csv: Path, seed: int, sampler: str = "auto") -> dict:
    """One whole ``bayesmeta fit --engine nuts`` process, timed (wall and CPU)."""
    import resource
    import sys

    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "bayesmeta"),
            "fit",
            str(csv),
            "--events",
            "y",
            "--total",
            "n",
            "--engine",
            "nuts",
            "--seed",
            str(seed),
            "--sampler",
            sampler,
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    payload = json.loads(done.stdout)
    timing = payload["timing"]
    return {
        "wall": wall,
        "cpu": cpu,
        "load": load,
        "sampler": payload["model"]["sampler"],
        "sampling_seconds": timing["sampling_seconds"],
        "outside_sampling": wall - timing["sampling_seconds"],
        "ess_bulk_min": payload["diagnostics"]["ess_bulk_min"],
        "ess_bulk_per_second_of_sampling": timing["ess_bulk_per_second"],
    }


def _table(runs: dict, compile_times: dict) -> None:
    print(
        "| sampler | first fit (compile) s | warm wall s (median; runs) | min bulk ESS | "
        "bulk ESS/s (median) | min tail ESS | max R-hat | divergences |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for name, rows in runs.items():
        walls = [row["wall"] for row in rows]
        ess = statistics.median(row["ess_bulk_min"] for row in rows)
        rate = statistics.median(row["ess_bulk_min"] / row["wall"] for row in rows)
        tail = statistics.median(row["ess_tail_min"] for row in rows)
        rhat = max(row.get("rhat_max", float("nan")) for row in rows)
        div = sum(row["divergences"] for row in rows)
        print(
            f"| {name} | {compile_times[name]:.1f} | {statistics.median(walls):.2f} "
            f"({', '.join(f'{w:.2f}' for w in walls)}) | {ess:.0f} | {rate:.0f} | {tail:.0f} "
            f"| {rhat:.3f} | {div} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cold", type=int, default=2, help="whole `bayesmeta fit` processes")
    parser.add_argument("--cores", type=int, default=2, help="brms cores (nutpie: its threads)")
    parser.add_argument("--with-pymc", action="store_true", help="also PyMC's NUTS (slow)")
    parser.add_argument(
        "--cold-only",
        action="store_true",
        help="only the whole processes (default sampler, then --sampler pymc), into nuts_cold.json",
    )
    args = parser.parse_args()
    if args.cold_only:
        _cold_only(args.cold)
        return
    from bayesmeta.bayes import build_model
    from bayesmeta.data import from_frame

    frame = simulated_data()
    data = from_frame(frame, events="y", total="n", study="study", outcome="sim35")
    spec = build_model(data, kind="random")
    out: dict = {"load_start": os.getloadavg(), "cpus": os.cpu_count(), "k": len(frame)}
    variants = ["default", "nutpie-diag"] + (["pymc"] if args.with_pymc else [])
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "sim35.csv"
        frame.to_csv(csv, index=False)
        r = subprocess.Popen(
            [
                "nice",
                "-n",
                "0",
                "Rscript",
                str(HERE / "bench_nuts_brms.R"),
                str(csv),
                str(args.cores),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        compile_times = {}
        for variant in variants:  # first fit: compile (+ sample); nutpie-diag reuses it
            start = time.perf_counter()
            python_refit(spec, variant, seed=1)
            compile_times[variant] = time.perf_counter() - start
        ready = json.loads(r.stdout.readline())
        compile_times["brms"] = ready["compile_and_first_fit"]
        runs: dict[str, list[dict]] = {name: [] for name in [*variants, "brms"]}
        for rep in range(args.repeat):
            seed = 100 + rep
            for variant in variants:
                runs[variant].append(python_refit(spec, variant, seed))
            load = os.getloadavg()[0]
            r.stdin.write(f"{seed}\n")
            r.stdin.flush()
            runs["brms"].append({**json.loads(r.stdout.readline()), "load": load})
        r.stdin.close()
        r.wait()
        cold = [cold_process(csv, 100 + rep) for rep in range(args.cold)]
    out.update(first_fit_with_compile=compile_times, runs=runs, cold=cold, load_end=os.getloadavg())
    (HERE / "nuts_vs_brms.json").write_text(json.dumps(out, indent=1) + "\n")
    print(f"k = {out['k']}; load average {out['load_start'][0]:.1f} -> {out['load_end'][0]:.1f}")
    _table(runs, compile_times)
    print()
    print("| paired rep | load | default ESS/s | brms ESS/s | default wall s | brms wall s |")
    print("|---:|---:|---:|---:|---:|---:|")
    for i, (ours, theirs) in enumerate(zip(runs["default"], runs["brms"], strict=True)):
        print(
            f"| {i + 1} | {ours['load']:.1f} | {ours['ess_bulk_min'] / ours['wall']:.0f} | "
            f"{theirs['ess_bulk_min'] / theirs['wall']:.0f} | {ours['wall']:.2f} | "
            f"{theirs['wall']:.2f} |"
        )
    print()
    print(
        "| cold process | load | sampler | wall s | sampling s | outside sampling s | min bulk ESS |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|")
    for i, row in enumerate(cold):
        print(
            f"| {i + 1} | {row['load']:.1f} | {row['sampler']} | {row['wall']:.1f} | "
            f"{row['sampling_seconds']:.2f} | {row['outside_sampling']:.1f} | "
            f"{row['ess_bulk_min']:.0f} |"
        )


def _cold_only(repeat: int) -> None:
    frame = simulated_data()
    out: dict = {"load_start": os.getloadavg(), "cpus": os.cpu_count(), "k": len(frame)}
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "sim35.csv"
        frame.to_csv(csv, index=False)
        runs = []
        for rep in range(repeat):  # interleaved: default, pymc, default, pymc, ...
            for sampler in ("auto", "pymc"):
                runs.append(cold_process(csv, 100 + rep, sampler))
    out.update(runs=runs, load_end=os.getloadavg())
    (HERE / "nuts_cold.json").write_text(json.dumps(out, indent=1) + "\n")
    print(
        "| process | load | sampler | wall s | CPU s | sampling s | outside sampling s | min bulk ESS |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    for i, row in enumerate(runs):
        print(
            f"| {i + 1} | {row['load']:.1f} | {row['sampler']} | {row['wall']:.1f} | "
            f"{row['cpu']:.1f} | {row['sampling_seconds']:.2f} | {row['outside_sampling']:.1f} | "
            f"{row['ess_bulk_min']:.0f} |"
        )


if __name__ == "__main__":
    main()
