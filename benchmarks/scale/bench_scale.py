"""Throughput and memory of the execution layer (issue 14).

Runs the 10^4-specification multiverse of ``scale_multiverse.toml`` (ORR, frequentist methods,
leave-one-out x filters x sizes) through ``bayesmeta multiverse``: serially, on a local pool of
2 workers, and on a 2-worker Dask LocalCluster; then the peak resident memory of serial runs of
10^3 (``--sample 1000``) and 10^4 specifications, each in a fresh process. Writes
``results.json`` beside this file and prints the README table.

    .venv/bin/python benchmarks/scale/bench_scale.py
"""

from __future__ import annotations

import json
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
    result["fits_per_second"] = result["fits"] / result["seconds"]
    result["specifications_per_second"] = result["specifications"] / result["seconds"]
    print(json.dumps(result), file=sys.stderr)
    return result


def main() -> None:
    runs = [
        measure("serial (--workers 1)", ["--workers", "1"]),
        measure("local pool (--workers 2)", ["--workers", "2"]),
        measure("Dask LocalCluster (--scheduler local:2)", ["--scheduler", "local:2"]),
        measure(
            "serial, 10^3 specifications (--sample 1000)", ["--workers", "1", "--sample", "1000"]
        ),
    ]
    (HERE / "results.json").write_text(json.dumps(runs, indent=2) + "\n")
    print("| run | specifications | fits | seconds | fits/s | peak RSS of the main process (MiB) |")
    print("|---|---|---|---|---|---|")
    for r in runs:
        print(
            f"| {r['label']} | {r['specifications']} | {r['fits']} | {r['seconds']:.1f} | "
            f"{r['fits_per_second']:.0f} | {r['peak_mib']:.0f} |"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2:])
    else:
        main()
