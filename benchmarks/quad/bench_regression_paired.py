"""Paired before/after timing of the exact meta-regression (issue 22 item 3, issue 24 defect 19).

Each repetition runs the same fits in two fresh processes, one per code version (``--before`` a
checkout of the earlier commit, ``--after`` this tree), alternating which goes first, and
records the CPU time (``time.process_time``) of ``fit_regression_quadrature`` on a new spec
(the posterior cache does not help) after one warm-up fit: p = 2, 4, 6, 8 coefficients on the
CAR-T orr outcome (k = 22, 22, 22, 18), and the sparse data set ``one_event_in_489`` of
``validation/regression_tails`` (p = 3, k = 18; refined after, not before). Medians over the
repetitions; the log evidence error each version reports is recorded beside.

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
# the tree given by BENCH_TREE, not the editable install's finder (which outranks PYTHONPATH)
sys.meta_path = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path.insert(0, sys.argv[2])
import json, time, warnings
import pandas as pd
warnings.simplefilter("ignore")
from bayesmeta.data import cart_outcome
from bayesmeta.data.reader import from_frame
from bayesmeta.model.spec import build_model
from bayesmeta.quad.regression import fit_regression_quadrature
FORMULAS = {2: "age_median", 4: "cancer_type + age_median",
            6: "cancer_type + country + age_median + year",
            8: "cancer_type + country + age_median + year + phase"}
orr = cart_outcome("orr")
sparse = json.loads(open(sys.argv[1]).read())["datasets"]["one_event_in_489"]["data"]
frame = pd.DataFrame({"study": [f"s{i}" for i in range(len(sparse["level"]))], **sparse})
sparse_data = from_frame(frame, events="events", total="total")
cases = {f"p={p}": (orr, f) for p, f in FORMULAS.items()}
cases["sparse p=3"] = (sparse_data, "level")
out = {}
for name, (data, formula) in cases.items():
    fit_regression_quadrature(build_model(data, formula=formula))
    spec = build_model(data, formula=formula)
    spec.design
    start = time.process_time()
    result = fit_regression_quadrature(spec)
    out[name] = {"cpu_ms": 1000 * (time.process_time() - start),
                 "log_evidence_error": float(result.log_evidence_error)}
import bayesmeta
out["module"] = bayesmeta.__file__
print(json.dumps(out))
"""


def run(tree: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1"}
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
    runs = {"before": [], "after": []}
    for rep in range(args.reps):
        order = ("before", "after") if rep % 2 == 0 else ("after", "before")
        for which in order:
            runs[which].append(run(args.before if which == "before" else ROOT))
    table = {}
    for which, results in runs.items():
        table[which] = {
            case: {
                "cpu_ms_median": statistics.median(r[case]["cpu_ms"] for r in results),
                "cpu_ms_all": [round(r[case]["cpu_ms"], 1) for r in results],
                "log_evidence_error": results[0][case]["log_evidence_error"],
            }
            for case in results[0]
        }
    load = os.getloadavg()
    payload = {"reps": args.reps, "loadavg_at_end": load, "results": table}
    (HERE / "results_regression_paired.json").write_text(json.dumps(payload, indent=1) + "\n")
    print("| case | before (ms CPU) | after (ms CPU) | log evidence error before / after |")
    print("|---|---|---|---|")
    for case in table["after"]:
        b, a = table["before"][case], table["after"][case]
        print(
            f"| {case} | {b['cpu_ms_median']:.0f} | {a['cpu_ms_median']:.0f} | "
            f"{b['log_evidence_error']:.1e} / {a['log_evidence_error']:.1e} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
