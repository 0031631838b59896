"""PyTensor backend of the PyMC sampler: C (PyTensor's default) against NUMBA (bayesmeta's).

Whole ``bayesmeta fit cart_wu2025 --events orr_events --total orr_total --json`` processes
(random-intercept model, 4 chains x 1000 draws after 1000 tuning steps), in three setups:

- ``C, no BLAS``: PyTensor's default on a pip-only machine (``BAYESMETA_PYTENSOR_MODE=C``):
  C backend, and PyTensor warns that it could not link to a BLAS installation;
- ``C, scipy's OpenBLAS``: the C backend linked to the OpenBLAS that scipy's wheel ships
  (``blas__ldflags`` on ``scipy.libs/libscipy_openblas*.so``, its ``scipy_``-prefixed symbols
  mapped by ``-D`` defines), i.e. a BLAS from a pip wheel;
- ``NUMBA``: bayesmeta's choice (:mod:`bayesmeta.model.sampler_backend`), no BLAS, no C compiler.

Runs are interleaved (one of each setup per round) after one warm-up round that fills the
compile caches; wall time and CPU time (user + sys of the child) are reported, CPU time being
the fairer measure on a shared machine.

Usage: ``.venv/bin/python benchmarks/bayes/bench_backend.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytensor
import scipy

ROOT = Path(__file__).resolve().parents[2]
COMMAND = [sys.executable, "-m", "bayesmeta", "fit", "cart_wu2025"]
COMMAND += ["--events", "orr_events", "--total", "orr_total", "--json"]


def scipy_openblas_flags() -> str:
    libs = Path(scipy.__file__).parent.parent / "scipy.libs"
    library = next(libs.glob("libscipy_openblas*.so"))
    headers = Path(pytensor.__file__).parent / "tensor" / "blas_headers.py"
    names = sorted(set(re.findall(r"\b([a-z]+_)\(", headers.read_text())))
    defines = " ".join(f"-D{name}=scipy_{name}" for name in names)
    ldflags = f"-Wl\\,--no-as-needed {library} -Wl\\,-rpath\\,{libs}"
    return f"blas__ldflags={ldflags},gcc__cxxflags={defines}"


SETUPS = {
    "C, no BLAS": {"BAYESMETA_PYTENSOR_MODE": "C"},
    "C, scipy's OpenBLAS": {"BAYESMETA_PYTENSOR_MODE": "C", "PYTENSOR_FLAGS": None},
    "NUMBA": {"BAYESMETA_PYTENSOR_MODE": "NUMBA"},
}


def run_once(setup: str) -> tuple[float, float, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTENSOR", "BAYESMETA"))}
    env["PYTHONPATH"] = str(ROOT)
    for key, value in SETUPS[setup].items():
        env[key] = scipy_openblas_flags() if value is None else value
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(COMMAND, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    json.loads(done.stdout)
    return wall, cpu, done.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    times: dict[str, list[tuple[float, float]]] = {setup: [] for setup in SETUPS}
    stderr: dict[str, str] = {}
    for round_ in range(args.repeat + 1):
        for setup in SETUPS:
            wall, cpu, err = run_once(setup)
            stderr[setup] = err
            if round_:  # round 0 warms the compile caches
                times[setup].append((wall, cpu))
    load = os.getloadavg()[0]
    print(
        f"| setup | median wall s | median CPU s | runs (wall/CPU) | BLAS warning | (load {load:.1f})"
    )
    print("| --- | ---: | ---: | --- | --- |")
    for setup, runs in times.items():
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        shown = ", ".join(f"{w:.1f}/{c:.1f}" for w, c in runs)
        warned = "yes" if "could not link to a BLAS" in stderr[setup] else "no"
        print(
            f"| {setup} | {statistics.median(walls):.1f} | {statistics.median(cpus):.1f} | "
            f"{shown} | {warned} |"
        )


if __name__ == "__main__":
    main()
