"""The README's quick start from a fresh clone, timed (issue 23: a report in under a minute).

A fresh ``git clone`` of this repository into a temporary folder, the README's install command
(``python3 -m venv .venv && .venv/bin/pip install -q -c requirements-lock.txt -e ".[dev]"``, timed
apart: it needs the package index or a warm pip cache), then every ``bayesmeta`` line of the
README's quick start in order, as a reader would run them after ``source .venv/bin/activate``.
Each line is timed by wall clock and CPU (user + system of the child); the load average is
recorded before and after, since the machine is shared. ``results.json`` holds the numbers.

    .venv/bin/python benchmarks/quickstart/bench_quickstart.py --repeat 3
    .venv/bin/python benchmarks/quickstart/bench_quickstart.py --clone /tmp/clone  # reuse one
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INSTALL = 'python3 -m venv .venv && .venv/bin/pip install -q -c requirements-lock.txt -e ".[dev]"'


def quick_start_lines(readme: str) -> list[str]:
    """The ``bayesmeta`` lines of the README's quick start, comments dropped."""
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0].split("\n---", 1)[0]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    return [
        line.split("#", 1)[0].strip()
        for line in block.splitlines()
        if line.startswith("bayesmeta ")
    ]


def timed(command: str, cwd: Path, env: dict) -> dict:
    """Run a shell command; wall and CPU seconds (its children's rusage)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, shell=True, cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"`{command}` exited {done.returncode}: {done.stderr.strip()[-400:]}")
    return {"command": command, "wall": round(wall, 2), "cpu": round(cpu, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clone", type=Path, help="an existing clone with its .venv (no install)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of the quick start (first: cold)"
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"))
    args = parser.parse_args()
    results: dict = {"load_before": os.getloadavg(), "cpus": os.cpu_count()}
    clone = args.clone
    if clone is None:
        clone = Path(tempfile.mkdtemp(prefix="bayesmeta-quickstart-")) / "bayesmeta"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        results["install"] = timed(INSTALL, clone, dict(os.environ))
    results["commit"] = subprocess.run(
        ["git", "-C", str(clone), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    env = {**os.environ, "PATH": f"{clone / '.venv/bin'}{os.pathsep}{os.environ['PATH']}"}
    env["VIRTUAL_ENV"] = str(clone / ".venv")
    lines = quick_start_lines((clone / "README.md").read_text(encoding="utf-8"))
    runs = []
    for _ in range(args.repeat):
        steps = [timed(" ".join(map(shlex.quote, shlex.split(line))), clone, env) for line in lines]
        runs.append({"steps": steps, "wall": round(sum(s["wall"] for s in steps), 2),
                     "cpu": round(sum(s["cpu"] for s in steps), 2)})  # fmt: skip
        reports = list((clone).glob("*/*/report.html"))
        assert reports, "the quick start wrote no report"
    results["runs"] = runs
    results["load_after"] = os.getloadavg()
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    for i, run in enumerate(runs):
        print(f"run {i + 1}: wall {run['wall']} s, CPU {run['cpu']} s")
        for step in run["steps"]:
            print(f"  {step['wall']:6.2f} s wall {step['cpu']:6.2f} s CPU  {step['command']}")
    print(f"load average {results['load_before']} -> {results['load_after']}")


if __name__ == "__main__":
    main()
