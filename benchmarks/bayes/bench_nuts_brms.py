"""NUTS against brms (Stan), warm, paired: ESS per second and wall time on the same data.

Data: 35 studies simulated once from a fixed seed (sizes 20-150, logit rates ~ N(-0.5, 0.7)),
written to a CSV both sides read. Model: random-intercept binomial-logit, bayesmeta's default
priors (mu ~ normal(0, 2.5), tau ~ half-normal(1.5); brms: the same on Intercept and sd),
4 chains x 1000 draws after 1000 tuning steps.

Warm means compiled: brms compiles once (``brm``), then refits with ``update(recompile =
FALSE)`` in one long-lived R process fed over stdin; bayesmeta compiles once per sampler in this
process, then refits with ``bayesmeta.bayes.fit`` (the compiled-model cache). The repetitions
are interleaved (nutpie, pymc, brms, nutpie, ...) so every sampler sees the same machine load.
ESS: the smaller bulk (and tail) ESS of mu and tau (brms: b_Intercept and sd_study__Intercept);
ESS per second divides it by the wall time of the whole refit call.

Usage: ``.venv/bin/python benchmarks/bayes/bench_nuts_brms.py [--repeat 3] [--cores 2]``;
writes ``benchmarks/bayes/nuts_vs_brms.json`` and prints a markdown table.
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


def python_refit(spec, sampler: str, seed: int) -> dict:
    from bayesmeta.bayes import fit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        result = fit(spec, engine="nuts", sampler=sampler, seed=seed)
        wall = time.perf_counter() - start
    bulk, tail = _ess(result)
    return {
        "wall": wall,
        "sampling_seconds": result.diagnostics.sampling_seconds,
        "ess_bulk_min": bulk,
        "ess_tail_min": tail,
        "divergences": result.diagnostics.divergences,
        "sampler": result.model["sampler"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cores", type=int, default=2, help="brms cores (nutpie: its threads)")
    args = parser.parse_args()
    from bayesmeta.bayes import build_model
    from bayesmeta.data import from_frame

    frame = simulated_data()
    data = from_frame(frame, events="y", total="n", study="study", outcome="sim35")
    spec = build_model(data, kind="random")
    out: dict = {"load_start": os.getloadavg(), "cpus": os.cpu_count(), "k": len(frame)}
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
        for sampler in ("nutpie", "pymc"):  # first fit: compile (+ sample)
            start = time.perf_counter()
            python_refit(spec, sampler, seed=1)
            compile_times[sampler] = time.perf_counter() - start
        ready = json.loads(r.stdout.readline())
        compile_times["brms"] = ready["compile_and_first_fit"]
        runs: dict[str, list[dict]] = {"nutpie": [], "pymc": [], "brms": []}
        for rep in range(args.repeat):
            seed = 100 + rep
            runs["nutpie"].append(python_refit(spec, "nutpie", seed))
            runs["pymc"].append(python_refit(spec, "pymc", seed))
            r.stdin.write(f"{seed}\n")
            r.stdin.flush()
            runs["brms"].append(json.loads(r.stdout.readline()))
        r.stdin.close()
        r.wait()
    out.update(first_fit_with_compile=compile_times, runs=runs, load_end=os.getloadavg())
    (HERE / "nuts_vs_brms.json").write_text(json.dumps(out, indent=1) + "\n")
    print(f"k = {out['k']}; load average {out['load_start'][0]:.1f} -> {out['load_end'][0]:.1f}")
    print(
        "| sampler | first fit (compile) s | warm wall s (median, runs) | min bulk ESS | "
        "bulk ESS/s | min tail ESS | divergences |"
    )
    print("|---|---:|---|---:|---:|---:|---:|")
    for name, rows in runs.items():
        walls = [row["wall"] for row in rows]
        ess = statistics.median(row["ess_bulk_min"] for row in rows)
        rate = statistics.median(row["ess_bulk_min"] / row["wall"] for row in rows)
        tail = statistics.median(row["ess_tail_min"] for row in rows)
        div = sum(row["divergences"] for row in rows)
        print(
            f"| {name} | {compile_times[name]:.1f} | {statistics.median(walls):.2f} "
            f"({', '.join(f'{w:.2f}' for w in walls)}) | {ess:.0f} | {rate:.0f} | {tail:.0f} "
            f"| {div} |"
        )


if __name__ == "__main__":
    main()
