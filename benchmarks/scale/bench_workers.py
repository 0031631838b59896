"""Serial against 2 workers against a 2-worker Dask LocalCluster, with a CPU-burn control
(issue #22, item 7), on 10^3 and 10^4 specifications of ``scale_multiverse_1e4.toml`` (13,396
possible specifications, frequentist methods: the run measures the execution layer):

* the whole ``bayesmeta multiverse ... --json --sample N`` command, each run in a fresh process;
* the execution layer alone (``make_executor`` + ``run_tasks`` + the chunk store, batches sized
  by ``BatchSizer``), in a fresh process: the executor's start-up and the fitting timed apart
  (``--no-layer`` skips it);

the configurations interleaved in each repetition. With ``--before DIR`` (a checkout of an earlier
commit, e.g. ``git worktree add --detach /tmp/before 58c3304``) the whole command of that tree runs
too, in the same repetitions, each configuration right after this tree's (same virtual environment;
the editable install's import hook removed and ``DIR`` first on ``sys.path``, checked): a paired
before/after. The execution layer is timed for this tree only (its functions differ between trees).

The control: a fixed pure-Python loop timed alone, then in two processes at once, before each
repetition and at the end. If the second core is idle the pair takes as long as one (ratio ~1);
on a saturated machine up to twice as long (ratio ~2): the speed-up two workers can show is at
most 2 / ratio.

Each run is appended, dated, with its controls, load average and commit, to
``results_workers.json`` (a list of runs; earlier runs are kept); the script prints the tables of
this run for the README.

    .venv/bin/python benchmarks/scale/bench_workers.py [--repeat 3] [--note "idle, after 14:15"]
    .venv/bin/python benchmarks/scale/bench_workers.py --repeat 3 --before /tmp/before
"""

from __future__ import annotations

import argparse
import datetime
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
RESULTS = HERE / "results_workers.json"
BURN = "s = 0\nfor i in range(12_000_000):\n    s += i * i\n"
CONFIGS = {
    "serial": ["--workers", "1"],
    "pool 2": ["--workers", "2"],
    "local:2": ["--scheduler", "local:2"],
}
OPTIONS = {"serial": {"workers": 1}, "pool 2": {"workers": 2}, "local:2": {"scheduler": "local:2"}}


def burn_control() -> dict:
    def timed(n: int) -> float:
        start = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(n)]
        for p in procs:
            p.wait()
        return time.perf_counter() - start

    one, two = timed(1), timed(2)
    return {"one": one, "two": two, "ratio": two / one, "load": os.getloadavg()[0]}


def _prelude(source: str) -> str:
    """Code that makes the bayesmeta of ``source`` the one imported (same virtual environment)."""
    return (
        "import runpy, sys\n"
        "sys.meta_path[:] = [f for f in sys.meta_path"
        " if not type(f).__module__.startswith('__editable__')]\n"
        f"sys.path.insert(0, {source!r})\n"
    )


def _from_tree(source: str) -> list[str]:
    """``python -c`` arguments that run the bayesmeta of ``source`` as ``python -m bayesmeta``."""
    run = "sys.argv[0] = 'bayesmeta'\nrunpy.run_module('bayesmeta', run_name='__main__')\n"
    return [sys.executable, "-c", _prelude(source) + run]


def imported_from(source: str | None) -> str:
    """Where the bayesmeta that a command of ``source`` (None: this tree) imports lives."""
    check = "import bayesmeta\nprint(bayesmeta.__file__)\n"
    code = check if source is None else _prelude(source) + check
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def command(sample: int, extra: list[str], *, source: str | None = None) -> float:
    with tempfile.TemporaryDirectory() as folder:
        start_argv = [sys.executable, "-m", "bayesmeta"] if source is None else _from_tree(source)
        argv = [
            *start_argv,
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


def layer_child(options: dict, sample: int) -> None:
    """In a fresh process: the execution layer alone on ``sample`` specifications."""
    from bayesmeta.analysis.multiverse_choices import size, specifications
    from bayesmeta.analysis.specfile import load_spec
    from bayesmeta.many import ChunkStore, make_executor, run_tasks
    from bayesmeta.many.executor import preload_for
    from bayesmeta.multiverse.run import multiverse_data
    from bayesmeta.multiverse.specification import Context, run_batch, schema

    spec = load_spec(SPEC)
    multiverse = spec.multiverse
    data = multiverse_data(spec, multiverse)
    dims = multiverse.dimensions(data)
    context = Context.of(
        data,
        covariates=[c for c, _ in multiverse.filters],
        seed=1,
        min_studies=multiverse.min_studies,
    )
    total = min(sample, size(dims))
    with tempfile.TemporaryDirectory() as folder:
        store = ChunkStore(Path(folder), schema=schema(multiverse.choice_columns()))
        store.open(fingerprint={}, resume=False)
        preload = preload_for(a["method"] for a in multiverse.analyses)
        started = time.perf_counter()
        with make_executor(**options, preload=preload) as executor:
            ready = time.perf_counter()
            run_tasks(
                specifications(dims, sample=sample, seed=1, spread=True),
                worker=run_batch,
                context=context,
                executor=executor,
                store=store,
                total=total,
            )
            finished = time.perf_counter()
        chunks = len(store.chunks())
    print(json.dumps({"startup": ready - started, "fitting": finished - ready, "chunks": chunks}))


def layer(name: str, sample: int) -> dict:
    argv = [sys.executable, __file__, "--layer-child", json.dumps(OPTIONS[name]), str(sample)]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip() or "unknown"


def load_results() -> list[dict]:
    if not RESULTS.exists():
        return []
    earlier = json.loads(RESULTS.read_text())
    return earlier if isinstance(earlier, list) else [earlier]  # the first format: one run


def tables(run: dict) -> str:
    ratios = [c["ratio"] for c in run["controls"]]
    lines = [
        f"{run['date']} (commit {run['commit']}; load average {run['controls'][0]['load']:.1f}); "
        f"CPU-burn control, 2 processes / 1: {', '.join(f'{r:.2f}' for r in ratios)} "
        "(1 = idle second core, 2 = none)",
        "",
        "Whole command (s; median, then each run):",
        "",
        "| specifications | serial s | pool 2 s | local:2 s | serial / pool | serial / local:2 |",
        "|---:|---|---|---|---:|---:|",
    ]
    for sample, rows in run["whole"].items():
        med = {n: statistics.median(v) for n, v in rows.items()}
        cell = {n: f"{med[n]:.2f} ({', '.join(f'{x:.2f}' for x in v)})" for n, v in rows.items()}
        lines.append(
            f"| {int(sample):,} | {cell['serial']} | {cell['pool 2']} | {cell['local:2']} | "
            f"{med['serial'] / med['pool 2']:.2f} | {med['serial'] / med['local:2']:.2f} |"
        )
    if run.get("layer"):
        lines += [
            "",
            "Execution layer alone (fitting s, executor start-up apart; median):",
            "",
            "| specifications | serial | pool 2 (start-up) | local:2 (start-up) | serial / pool "
            "| serial / local:2 |",
            "|---:|---|---|---|---:|---:|",
        ]
        for sample, rows in run["layer"].items():
            fit = {n: statistics.median(r["fitting"] for r in v) for n, v in rows.items()}
            up = {n: statistics.median(r["startup"] for r in v) for n, v in rows.items()}
            lines.append(
                f"| {int(sample):,} | {fit['serial']:.2f} | {fit['pool 2']:.2f} "
                f"({up['pool 2']:.2f}) | {fit['local:2']:.2f} ({up['local:2']:.2f}) | "
                f"{fit['serial'] / fit['pool 2']:.2f} | {fit['serial'] / fit['local:2']:.2f} |"
            )
    if run.get("before"):
        before = run["before"]
        lines += [
            "",
            f"Whole command, paired: before = {before['commit']} ({before['dir']}), after = "
            f"{run['commit']}, interleaved in the same repetitions (s; median, then each run):",
            "",
            "| specifications | configuration | before s | after s | after / before |",
            "|---:|---|---|---|---:|",
        ]
        for sample, rows in before["whole"].items():
            for name, runs in rows.items():
                after = run["whole"][sample][name]
                b, a = statistics.median(runs), statistics.median(after)
                lines.append(
                    f"| {int(sample):,} | {name} | {b:.2f} ({', '.join(f'{x:.2f}' for x in runs)}) "
                    f"| {a:.2f} ({', '.join(f'{x:.2f}' for x in after)}) | {a / b:.2f} |"
                )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--no-layer", action="store_true", help="the whole command only")
    parser.add_argument("--note", default="", help="kept with the run (e.g. who else was busy)")
    parser.add_argument(
        "--before", help="a checkout of an earlier commit: its whole command, paired with this one"
    )
    parser.add_argument("--layer-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.layer_child:
        layer_child(json.loads(args.layer_child[0]), int(args.layer_child[1]))
        return
    now = datetime.datetime.now(datetime.UTC)
    run: dict = {
        "date": now.strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit(),
        "note": args.note,
        "repeat": args.repeat,
        "controls": [],
        "whole": {},
        "layer": {},
    }
    if args.before:
        source = str(Path(args.before).resolve())
        found = imported_from(source)
        assert found.startswith(source + os.sep), found  # the before tree, not this one
        assert imported_from(None).startswith(str(HERE.parents[1]) + os.sep)
        before_commit = subprocess.run(
            ["git", "-C", source, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        run["before"] = {"dir": source, "commit": before_commit or "unknown", "whole": {}}
    for sample in args.sizes:
        whole: dict[str, list[float]] = {name: [] for name in CONFIGS}
        alone: dict[str, list[dict]] = {name: [] for name in CONFIGS}
        paired: dict[str, list[float]] = {name: [] for name in CONFIGS}
        for rep in range(args.repeat):
            run["controls"].append(burn_control())
            for name, extra in CONFIGS.items():
                if args.before and rep % 2:  # which tree goes first alternates
                    paired[name].append(command(sample, extra, source=run["before"]["dir"]))
                whole[name].append(command(sample, extra))
                if args.before and not rep % 2:
                    paired[name].append(command(sample, extra, source=run["before"]["dir"]))
                if not args.no_layer:
                    alone[name].append(layer(name, sample))
        run["whole"][str(sample)] = whole
        if args.before:
            run["before"]["whole"][str(sample)] = paired
        if not args.no_layer:
            run["layer"][str(sample)] = alone
    run["controls"].append(burn_control())
    RESULTS.write_text(json.dumps([*load_results(), run], indent=1) + "\n")
    print(tables(run))


if __name__ == "__main__":
    main()
