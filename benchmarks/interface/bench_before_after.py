"""Before and after the engine interface (issue 19, and #22 item 2): ``bayesmeta run models`` and
a 72-fit sensitivity grid, side by side in one run.

The source of the *before* commit (default ``58c3304``, main before the change) is extracted with
``git archive`` into a temporary folder; every measurement is a fresh process of the same Python
(this venv) with ``PYTHONPATH`` pointing at one tree or the other, so the installed libraries are
the same. The two trees alternate within each repetition (which one goes first alternates too):
paired measurements, so load from other jobs on the machine hits both alike. Both run the spec
files of the before commit (the same inputs).

Workloads
---------
run_models
    ``python -m bayesmeta run models --out DIR`` on the 16 fitted specs (the multiverse specs are
    skipped by ``run``): every exact fit, its draws, LOO, comparison, averaging, reports and figures.
exact_fit
    CPU milliseconds of one exact random-intercept fit of the CRR outcome without one study (26
    studies; a different study left out in each of 13 fits, so no grid is reused), in-process
    after a warm-up: the fit alone, and the fit with its JSON (which reads the evidence's error
    and the Bayes factors).
sensitivity72
    :func:`bayesmeta.sensitivity.sensitivity` on the CRR outcome with ``what=("priors", "loo")``,
    4 tau families x 10 scales, 4 mu scales and 27 leave-one-out fits, plus the baseline: 72 exact
    random-intercept fits; the table (with its log Bayes factor column) is built, nothing written.

Writes ``results.json`` beside this file and prints the README table.

    .venv/bin/python benchmarks/interface/bench_before_after.py --reps 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

SENSITIVITY = """
import time
from bayesmeta.data import cart_outcome
from bayesmeta.sensitivity import sensitivity
scales = (0.1, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0)
started = time.perf_counter()
result = sensitivity(cart_outcome("crr"), what=("priors", "loo"), tau_scales=scales)
seconds = time.perf_counter() - started
bayes = result.table[result.table["engine"] == "quadrature"]
assert len(bayes) == 72, len(bayes)
print("FITS", len(bayes), "SECONDS", seconds)
"""


EXACT_FIT = """
import time
from bayesmeta.data import cart_outcome
from bayesmeta.bayes import build_model, fit
data = cart_outcome("crr")
fit(build_model(data))  # warm: imports, scipy set-up
# different data in every fit (one study left out, a different one for each fit and each
# label), so no grid of an earlier fit can be reused
cpu = {}
for label, read, studies in (("fit", False, data.studies[:13]), ("fit+json", True, data.studies[13:26])):
    started = time.process_time()
    for study in studies:
        result = fit(build_model(data.without(study, reason="benchmark")))
        if read:
            result.to_dict()
    cpu[label] = (time.process_time() - started) / len(studies)
print("FIT_MS", 1000 * cpu["fit"], "FIT_JSON_MS", 1000 * cpu["fit+json"])
"""


def extract(commit: str, into: Path) -> Path:
    """The package and spec files of ``commit`` in ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", commit, "bayesmeta", "models"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def measure(tree: Path, workload: str, models: Path) -> dict[str, float]:
    """Wall and CPU seconds of one workload in a fresh process on ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
    with tempfile.TemporaryDirectory() as out:
        if workload == "run_models":
            argv = [sys.executable, "-m", "bayesmeta", "run", str(models), "--out", out]
        elif workload == "exact_fit":
            argv = [sys.executable, "-c", EXACT_FIT]
        else:
            argv = [sys.executable, "-c", SENSITIVITY]
        before = os.times()
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=out)
        wall = time.perf_counter() - started
        after = os.times()
    if done.returncode != 0:
        raise RuntimeError(f"{workload} on {tree} failed:\n{done.stderr[-2000:]}")
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    found = {"wall": wall, "cpu": cpu, "load": os.getloadavg()[0]}
    if workload == "exact_fit":  # CPU ms per fit, measured inside the process
        words = done.stdout.split()
        found["fit_ms"] = float(words[words.index("FIT_MS") + 1])
        found["fit_json_ms"] = float(words[words.index("FIT_JSON_MS") + 1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="58c3304", help="commit of the before tree")
    parser.add_argument("--reps", type=int, default=3, help="paired repetitions per workload")
    parser.add_argument(
        "--workloads",
        nargs="+",
        default=["exact_fit", "sensitivity72", "run_models"],
        help="which to run",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        before = extract(args.before, Path(scratch))
        models = before / "models"
        trees = {"before": before, "after": REPO}
        runs: dict[str, dict[str, list]] = {}
        for workload in args.workloads:
            runs[workload] = {"before": [], "after": []}
            for rep in range(args.reps):
                order = ["before", "after"] if rep % 2 == 0 else ["after", "before"]
                for name in order:
                    result = measure(trees[name], workload, models)
                    runs[workload][name].append(result)
                    print(workload, rep, name, json.dumps(result), flush=True)
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    summary = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "before": args.before,
        "after": commit,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "runs": runs,
    }
    target = HERE / "results.json"
    if target.is_file():  # keep the workloads not run this time
        kept = json.loads(target.read_text(encoding="utf-8")).get("runs", {})
        summary["runs"] = {**kept, **runs}
    target.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(
        "| workload | before wall (s) | after wall (s) | before CPU (s) | after CPU (s) | CPU ratio |"
    )
    print("|---|---|---|---|---|---|")
    if "exact_fit" in summary["runs"]:
        pair = summary["runs"]["exact_fit"]
        for key in ("fit_ms", "fit_json_ms"):
            b = statistics.median(r[key] for r in pair["before"])
            a = statistics.median(r[key] for r in pair["after"])
            print(f"| exact_fit {key} (CPU ms per fit) | | | {b:.1f} | {a:.1f} | {a / b:.2f} |")
    for workload, pair in summary["runs"].items():
        med = {
            (n, k): statistics.median(r[k] for r in pair[n]) for n in pair for k in ("wall", "cpu")
        }
        print(
            f"| {workload} | {med['before', 'wall']:.1f} | {med['after', 'wall']:.1f} | "
            f"{med['before', 'cpu']:.1f} | {med['after', 'cpu']:.1f} | "
            f"{med['after', 'cpu'] / med['before', 'cpu']:.2f} |"
        )


if __name__ == "__main__":
    main()
