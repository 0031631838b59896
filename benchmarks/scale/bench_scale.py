"""Throughput and memory of the execution layer (issue 14).

Fits the 10^4-specification multiverse of ``scale_multiverse.toml`` (ORR, frequentist methods,
leave-one-out x country x minimum size) through the execution layer (``make_executor`` +
``run_tasks`` + the chunk store), serially, on a local pool of 2 workers and on a 2-worker Dask
LocalCluster, each in a fresh process, timing the executor's start-up apart from the fitting.
Then the whole ``bayesmeta multiverse`` command, serially, for 10^3 (``--sample 1000``) and 10^4
specifications, each in a fresh process: wall time and peak resident memory. Writes
``results.json`` beside this file and prints the README table.

    .venv/bin/python benchmarks/scale/bench_scale.py
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPEC = HERE / "scale_multiverse.toml"


def child(argv: list[str]) -> None:
    """Run the CLI in this process; print seconds, peak RSS and the summary as JSON."""
    import contextlib
    import io

    from bayesmeta.cli import main

    started = time.perf_counter()
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = main(argv)
    seconds = time.perf_counter() - started
    summary = json.loads(buffer.getvalue())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB (Linux: KiB)
    fitted = summary["ok"] + summary["failed"]
    print(
        json.dumps(
            {
                "status": status,
                "seconds": seconds,
                "peak_mib": peak,
                "specifications": summary["specifications"],
                "fits": fitted,
            }
        )
    )


def measure(label: str, extra: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        argv = ["multiverse", str(SPEC), "--out", folder, "--json", *extra]
        done = subprocess.run(
            [sys.executable, __file__, "--child", *argv],
            check=True,
            capture_output=True,
            text=True,
        )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["label"] = label
    result["load_average"] = os.getloadavg()[0]
    print(json.dumps(result), file=sys.stderr)
    return result


def layer(options: dict) -> None:
    """Time the execution layer alone: executor start-up, then fitting every specification."""
    from bayesmeta.analysis.multiverse_choices import size, specifications
    from bayesmeta.analysis.specfile import load_spec
    from bayesmeta.many import ChunkStore, make_executor, run_tasks
    from bayesmeta.many.tasks import default_batch
    from bayesmeta.multiverse.run import multiverse_data
    from bayesmeta.multiverse.specification import Context, run_batch, schema

    spec = load_spec(SPEC)
    multiverse = spec.multiverse
    data = multiverse_data(spec, multiverse)
    dims = multiverse.dimensions(data)
    covariates = [c for c, _ in multiverse.filters]
    context = Context.of(data, covariates=covariates, seed=1, min_studies=multiverse.min_studies)
    with tempfile.TemporaryDirectory() as folder:
        store = ChunkStore(Path(folder), schema=schema(multiverse.choice_columns()))
        store.open(fingerprint={}, resume=False)
        started = time.perf_counter()
        with make_executor(**options) as executor:
            ready = time.perf_counter()
            run_tasks(
                specifications(dims),
                worker=run_batch,
                context=context,
                executor=executor,
                store=store,
                batch_size=default_batch(size(dims)),
            )
            finished = time.perf_counter()
        table = store.table(sort_by=["task"])
    fits = int(table["status"].isin(["ok"]).sum() + table["status"].str.startswith("failed").sum())
    print(
        json.dumps(
            {
                "startup": ready - started,
                "seconds": finished - ready,
                "specifications": len(table),
                "fits": fits,
            }
        )
    )


def run_child(mode: str, argv: list[str]) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, mode, *argv], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    runs = []
    for label, options in (
        ("serial (--workers 1)", {"workers": 1}),
        ("local pool (--workers 2)", {"workers": 2}),
        ("Dask LocalCluster (--scheduler local:2)", {"scheduler": "local:2"}),
    ):
        result = run_child("--layer", [json.dumps(options)])
        result |= {"label": label, "load_average": os.getloadavg()[0]}
        result["fits_per_second"] = result["fits"] / result["seconds"]
        result["specifications_per_second"] = result["specifications"] / result["seconds"]
        print(json.dumps(result), file=sys.stderr)
        runs.append(result)
    memory = [
        measure(
            "whole command, serial, 10^3 specifications", ["--workers", "1", "--sample", "1000"]
        ),
        measure("whole command, serial, 10^4 specifications", ["--workers", "1"]),
    ]
    (HERE / "results.json").write_text(
        json.dumps({"throughput": runs, "memory": memory}, indent=2) + "\n"
    )
    print(
        "| executor | specifications | fits | start-up (s) | fitting (s) | fits/s | specifications/s | load average |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in runs:
        print(
            f"| {r['label']} | {r['specifications']} | {r['fits']} | {r['startup']:.1f} | "
            f"{r['seconds']:.1f} | {r['fits_per_second']:.0f} | "
            f"{r['specifications_per_second']:.0f} | {r['load_average']:.1f} |"
        )
    print()
    print("| run | specifications | wall time (s) | peak RSS of the process (MiB) |")
    print("|---|---|---|---|")
    for r in memory:
        print(
            f"| {r['label']} | {r['specifications']} | {r['seconds']:.1f} | {r['peak_mib']:.0f} |"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2:])
    elif sys.argv[1:2] == ["--layer"]:
        layer(json.loads(sys.argv[2]))
    else:
        main()
