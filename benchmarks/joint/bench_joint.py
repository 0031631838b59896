"""The joint model of the CAR-T data (orr, crr, dead): bayesmeta's NUTS against brms, side by side.

Both at the defaults: 4 chains x 1000 draws after 1000 tuning steps, the same priors. For each:
the first fit (model built and compiled, then sampled) and a warm refit on new counts (one count
changed; bayesmeta reuses the compiled nutpie model through ``pm.Data``, brms calls
``update(newdata = ...)``). Wall-clock and CPU seconds; the machine's load is recorded, since
wall-clock times on a shared machine mean little without it.

Usage (from the repository root)::

    Rscript benchmarks/joint/bench_brms_joint.R > /tmp/brms_joint.json
    .venv/bin/python benchmarks/joint/bench_joint.py --brms /tmp/brms_joint.json

Writes ``benchmarks/joint/results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bayesmeta.data import load_cart_wu2025  # noqa: E402
from bayesmeta.joint.bayes_fit import fit_joint  # noqa: E402
from bayesmeta.joint.spec import build_joint_model  # noqa: E402
from bayesmeta.joint.wide_table import joint_from_frame  # noqa: E402


def timed(spec, **options) -> dict:
    """Wall-clock and CPU seconds of one fit, with its diagnostics."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fit_joint(spec, **options)
    return {
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "divergences": result.diagnostics.divergences,
        "ess_bulk_min": result.diagnostics.ess_bulk_min,
        "orr_pooled_median": result.outcomes["orr"]["pooled_median"].median,
    }


def main() -> None:
    """Time the fits and write results.json."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--brms", help="JSON printed by bench_brms_joint.R")
    args = parser.parse_args()
    frame = load_cart_wu2025()
    spec = build_joint_model(joint_from_frame(frame, outcomes="orr,crr,dead"))
    changed = frame.copy()
    changed.loc[0, "orr_events"] -= 1  # as the brms script: one count changed, same structure
    spec2 = build_joint_model(joint_from_frame(changed, outcomes="orr,crr,dead"))
    defaults = {"draws": 1000, "tune": 1000, "chains": 4}
    record = {
        "load_average_before": os.getloadavg(),
        "bayesmeta_nutpie": {
            "first_fit_with_compile": timed(spec, sampler="nutpie", seed=1, **defaults),
            "refit_warm": timed(spec2, sampler="nutpie", seed=2, **defaults),
        },
        "load_average_after": os.getloadavg(),
        "cpu_count": os.cpu_count(),
    }
    if args.brms:
        record["brms"] = json.loads(Path(args.brms).read_text())
    out = Path(__file__).with_name("results.json")
    out.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
