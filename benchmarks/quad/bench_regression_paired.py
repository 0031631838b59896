"""Paired before/after timing of the exact meta-regression (issue 22 item 3; issue 24 defect 19).

Each repetition runs the same fits in two fresh processes, one per code version (``--before`` a
checkout of the earlier commit, ``--after`` this tree), alternating which goes first, and
records the CPU time (``time.process_time``) of each fit on a new spec (the posterior cache does
not help) after one warm-up fit of the same case:

- ``fit``: ``bayesmeta.quad.fit_quadrature`` (every summary and the log evidence; the Bayes
  factors are deferred and not read);
- ``fit + BF``: the same plus ``decide`` and reading every Bayes factor with its error, as the
  JSON output does (for a regression: one drop-one-covariate refit per covariate);
- ``fit + prob_above``: the fit plus ``decide`` with two thresholds (``--prob-above``: the rate
  CDFs on the fine grid).

Cases: p = 2, 4, 6, 8 coefficients on the CAR-T orr outcome (k = 22, 22, 22, 18), the
random-intercept model on it (k = 24), and the sparse data set ``one_event_in_489`` of
``validation/regression_tails`` (p = 3, k = 18, a refined rule). The machine is shared (2 cores,
other developers' jobs), so the table reports the minimum over repetitions (the least disturbed
run) beside the median; the load average is recorded at the start and the end.

Usage: ``.venv/bin/python benchmarks/quad/bench_regression_paired.py --before DIR [--reps 5]``
(``git worktree add --detach DIR <commit>`` makes DIR); writes ``results_regression_paired.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHILD = r"""
import sys
# the tree given on the command line, not the editable install's finder (which outranks PYTHONPATH)
sys.meta_path = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path.insert(0, sys.argv[2])
import json, time, warnings
import pandas as pd
warnings.simplefilter("ignore")
from bayesmeta.data import cart_outcome
from bayesmeta.data.reader import from_frame
from bayesmeta.model.spec import build_model
from bayesmeta.quad import fit_quadrature
from bayesmeta.quad.decisions import decide
FORMULAS = {2: "age_median", 4: "cancer_type + age_median",
            6: "cancer_type + country + age_median + year",
            8: "cancer_type + country + age_median + year + phase"}
orr = cart_outcome("orr")
sparse = json.loads(open(sys.argv[1]).read())["datasets"]["one_event_in_489"]["data"]
frame = pd.DataFrame({"study": [f"s{i}" for i in range(len(sparse["level"]))], **sparse})
sparse_data = from_frame(frame, events="events", total="total")
cases = {f"p={p}": (orr, f) for p, f in FORMULAS.items()}
cases["random intercept"] = (orr, None)
cases["sparse p=3"] = (sparse_data, "level")

def run(data, formula, extra):
    spec = build_model(data, formula=formula) if formula else build_model(data)
    spec.design if formula else None
    start = time.process_time()
    result = fit_quadrature(spec)
    if extra == " + BF":
        result = decide(spec, result)
        [(b.log_bf, b.error) for b in result.bayes_factors.values()]
    if extra == " + prob_above":
        result = decide(spec, result, thresholds=(0.5, 0.8))
    return 1000 * (time.process_time() - start), result

out = {}
for name, (data, formula) in cases.items():
    for extra in ("", " + BF", " + prob_above"):
        run(data, formula, extra)  # warm-up
        ms, result = run(data, formula, extra)
        out[f"{name}{extra}"] = {
            "cpu_ms": ms, "log_evidence_error": float(result.log_evidence_error)}
import bayesmeta
out["module"] = bayesmeta.__file__
print(json.dumps(out))
"""


def run(tree: Path) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    ref = ROOT / "validation" / "regression_tails" / "bruteforce_tails.json"
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(ref), str(tree)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out.pop("module").startswith(str(tree)), "the child imported another tree"
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", required=True, type=Path)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    load_start = os.getloadavg()
    runs = {"before": [], "after": []}
    for rep in range(args.reps):
        order = ("before", "after") if rep % 2 == 0 else ("after", "before")
        for which in order:
            runs[which].append(run(args.before.resolve() if which == "before" else ROOT))
    table = {}
    for which, results in runs.items():
        table[which] = {
            case: {
                "cpu_ms_min": min(r[case]["cpu_ms"] for r in results),
                "cpu_ms_median": statistics.median(r[case]["cpu_ms"] for r in results),
                "cpu_ms_all": [round(r[case]["cpu_ms"], 1) for r in results],
                "log_evidence_error": results[0][case]["log_evidence_error"],
            }
            for case in results[0]
        }
    payload = {
        "reps": args.reps,
        "loadavg_at_start": load_start,
        "loadavg_at_end": os.getloadavg(),
        "results": table,
    }
    (HERE / "results_regression_paired.json").write_text(json.dumps(payload, indent=1) + "\n")
    print(
        "| case | before: min (median) ms CPU | after: min (median) ms CPU | after / before (min) |"
    )
    print("|---|---|---|---|")
    for case in table["after"]:
        b, a = table["before"][case], table["after"][case]
        print(
            f"| {case} | {b['cpu_ms_min']:.0f} ({b['cpu_ms_median']:.0f}) | "
            f"{a['cpu_ms_min']:.0f} ({a['cpu_ms_median']:.0f}) | "
            f"{a['cpu_ms_min'] / b['cpu_ms_min']:.2f} |"
        )
    print(f"load average at start {load_start}, at end {payload['loadavg_at_end']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
