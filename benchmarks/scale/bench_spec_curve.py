"""CPU seconds of the specification curve drawn in a fresh process, as the side process draws it.

Each repetition is a new Python process that imports what a multiverse's side process imports
(``bayesmeta.many.side.SPEC_CURVE_MODULES``), unpickles the result table (the side process
receives it through a pipe), then times ``spec_curve_png`` with ``time.process_time`` (user +
sys CPU of the process). Source trees are compared paired: the repetitions alternate between
them, so the load of a shared machine inflates each alike. A tree is a folder holding a
``bayesmeta`` package (a worktree, or ``git archive COMMIT bayesmeta | tar -x -C DIR``); it is
put first on ``sys.path``.

    python benchmarks/scale/bench_spec_curve.py --table /tmp/mv/multiverse.parquet \
        --tree before=/tmp/before --tree after=. --repeat 7

The table is the output of ``bayesmeta multiverse benchmarks/scale/scale_multiverse_1e4.toml
--sample 10000 --out /tmp/mv``. ``--head N`` keeps the table's first N rows (a small curve);
``--profile`` prints a cProfile of one drawing per tree instead.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile

CHILD = r"""
import sys, time, pickle, cProfile, pstats, io, hashlib
sys.path.insert(0, {root!r})
start = time.process_time()
from bayesmeta.many.side import SPEC_CURVE_MODULES
from bayesmeta.many.warm import warm_up
warm_up(SPEC_CURVE_MODULES)
from bayesmeta.plots.spec_curve import spec_curve_png
imported = time.process_time() - start
with open({table!r}, "rb") as handle:
    job = pickle.load(handle)
if {profile!r}:
    profiler = cProfile.Profile()
    profiler.enable()
start = time.process_time()
png = spec_curve_png(job["frame"], columns=job["columns"], threshold=job["threshold"], title=job["title"])
cpu = time.process_time() - start
if {profile!r}:
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
    print(out.getvalue(), file=sys.stderr)
import bayesmeta.plots.spec_curve as module
if {save!r}:
    open({save!r}, "wb").write(png)
print(json.dumps({{"cpu": cpu, "imports": imported, "bytes": len(png),
                  "sha": hashlib.sha256(png).hexdigest()[:12], "file": module.__file__}}))
"""


def main() -> None:
    """Run the paired repetitions and print min and median per tree."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--table", required=True, help="multiverse.parquet of a run")
    parser.add_argument("--tree", action="append", required=True, help="NAME=PATH")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--head", type=int, default=None)
    parser.add_argument(
        "--title", default="Objective response rate: 10^4 possible specifications (benchmark, #22)"
    )
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--save", default=None, help="write each tree's PNG to SAVE-NAME.png")
    args = parser.parse_args()
    import pandas as pd

    frame = pd.read_parquet(args.table)
    if args.head:
        frame = frame.head(args.head)
    columns = [
        c
        for c in ("filter_country", "filter_cancer_type", "min_total", "left_out", "method")
        + ("hartung_knapp", "mu_prior", "tau_prior")
        if c in frame.columns
    ]
    job = {"frame": frame, "columns": columns, "threshold": args.threshold, "title": args.title}
    trees = dict(item.split("=", 1) for item in args.tree)
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "job.pickle")
        with open(path, "wb") as handle:
            pickle.dump(job, handle)
        cpu: dict[str, list[float]] = {name: [] for name in trees}
        seen: dict[str, dict] = {}
        for _ in range(1 if args.profile else args.repeat):
            for name, root in trees.items():
                code = "import json\n" + CHILD.format(
                    root=os.path.abspath(root),
                    table=path,
                    profile=args.profile,
                    save=f"{args.save}-{name}.png" if args.save else None,
                )
                done = subprocess.run(
                    [sys.executable, "-c", code], capture_output=True, text=True, check=True
                )
                if args.profile:
                    print(f"== {name}\n{done.stderr}")
                result = json.loads(done.stdout.strip().splitlines()[-1])
                cpu[name].append(result["cpu"])
                seen[name] = result
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; rows {len(frame)}")
    for name, values in cpu.items():
        print(
            f"{name:>8}: min {min(values):.3f} median {statistics.median(values):.3f} CPU s "
            f"({', '.join(f'{v:.3f}' for v in values)}); PNG {seen[name]['bytes']} bytes "
            f"sha {seen[name]['sha']} ({seen[name]['file']})"
        )


if __name__ == "__main__":
    main()
