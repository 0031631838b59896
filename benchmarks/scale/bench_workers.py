"""Serial against 2 workers against a 2-worker Dask LocalCluster, with a CPU-burn control
(issue #22): the whole ``bayesmeta multiverse`` command on 10^3 and 10^4 specifications of
``scale_multiverse_1e4.toml`` (13,396 possible specifications, frequentist methods: the run
measures the execution layer), each in a fresh process, the configurations interleaved per
repetition.

The control: a fixed pure-Python loop timed alone, then in two processes at once. If the second
core is idle the pair takes as long as one (ratio ~1); on a saturated machine up to twice as long
(ratio ~2): the speed-up two workers can show is at most 2 / ratio.

    .venv/bin/python benchmarks/scale/bench_workers.py [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPEC = HERE / "scale_multiverse_1e4.toml"
BURN = "s = 0\nfor i in range(12_000_000):\n    s += i * i\n"


def burn_control() -> dict:
    def timed(n: int) -> float:
        start = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(n)]
        for p in procs:
            p.wait()
        return time.perf_counter() - start

    one, two = timed(1), timed(2)
    return {"one": one, "two": two, "ratio": two / one, "load": os.getloadavg()[0]}


def command(sample: int, extra: list[str]) -> float:
    with tempfile.TemporaryDirectory() as folder:
        argv = [
            sys.executable,
            "-m",
            "bayesmeta",
            "multiverse",
            str(SPEC),
            "--out",
            folder,
            "--json",
            "--sample",
            str(sample),
            *extra,
        ]
        start = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        summary = json.loads(done.stdout)
        assert summary["specifications"] == sample
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    configs = {
        "serial": ["--workers", "1"],
        "pool 2": ["--workers", "2"],
        "local:2": ["--scheduler", "local:2"],
    }
    out: dict = {"runs": {}, "controls": []}
    for sample in (1000, 10000):
        rows: dict[str, list[float]] = {name: [] for name in configs}
        for _ in range(args.repeat):
            out["controls"].append(burn_control())
            for name, extra in configs.items():
                rows[name].append(command(sample, extra))
        out["runs"][str(sample)] = rows
    out["controls"].append(burn_control())
    (HERE / "results_workers.json").write_text(json.dumps(out, indent=1) + "\n")
    ratios = [c["ratio"] for c in out["controls"]]
    print(
        f"CPU-burn control: 2 processes / 1 = {', '.join(f'{r:.2f}' for r in ratios)} "
        f"(1 = idle second core, 2 = none); load {out['controls'][0]['load']:.1f}"
    )
    print("| specifications | serial s | pool 2 s | local:2 s | serial / pool | serial / local:2 |")
    print("|---:|---|---|---|---:|---:|")
    for sample, rows in out["runs"].items():
        med = {n: statistics.median(v) for n, v in rows.items()}
        cell = {n: f"{med[n]:.1f} ({', '.join(f'{x:.1f}' for x in v)})" for n, v in rows.items()}
        print(
            f"| {sample} | {cell['serial']} | {cell['pool 2']} | {cell['local:2']} | "
            f"{med['serial'] / med['pool 2']:.2f} | {med['serial'] / med['local:2']:.2f} |"
        )


if __name__ == "__main__":
    main()
