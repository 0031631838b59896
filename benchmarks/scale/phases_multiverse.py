"""CPU seconds of each phase of one ``multiverse`` run (issue #22, item 7): the parent's, by phase,
and its children's (pool workers, the side process), for the CPU accounting tables of README.md.

CPU seconds, not wall-clock: they pair well on a busy machine (run the trees or settings to
compare interleaved, several times, and compare medians). Each run is a fresh process:

    .venv/bin/python benchmarks/scale/phases_multiverse.py --workers 2 --sample 10000

prints one JSON line: the parent's CPU seconds at the end of each phase (imports; the head up to
the executor's start; the executor started; fitting done; executor closed; final table read;
summary; files written; end), ``children`` (CPU of the pool workers and the side process, waited
for), ``wall`` and the load average. To compare with another tree, run it with that tree first on
``PYTHONPATH`` from a folder outside this one.
"""

from __future__ import annotations

import time

STARTED_CPU, STARTED_WALL = time.process_time(), time.perf_counter()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
MARKS: list[tuple[str, float]] = []


def mark(name: str) -> None:
    MARKS.append((name, round(time.process_time() - STARTED_CPU, 3)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=int, default=10_000)
    parser.add_argument("--spec", default=str(HERE / "scale_multiverse_1e4.toml"))
    args = parser.parse_args()

    import bayesmeta.cli  # noqa: F401 (what the command imports first)

    with early_side(args.workers) as side:  # as the command forks it (if this tree does)
        phases(args, side)
    mark("end")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers and side, waited for
    print(
        json.dumps(
            {
                **dict(MARKS),
                "children": round(children.ru_utime + children.ru_stime, 3),
                "wall": round(time.perf_counter() - STARTED_WALL, 3),
                "load": os.getloadavg()[0],
                "workers": args.workers,
                "sample": args.sample,
            }
        )
    )


@contextlib.contextmanager
def early_side(workers: int):
    """The side process ``bayesmeta multiverse`` forks before its imports (since mvscale2); on an
    older tree (no such modules named), None: ``run_multiverse`` forks its own."""
    try:
        from bayesmeta.many.side import SPEC_CURVE_MODULES as FIGURE_MODULES
    except ImportError:
        try:  # mvscale2's trees named them in the CLI
            from bayesmeta.cli.multiverse import FIGURE_MODULES
        except ImportError:
            yield None
            return
    from bayesmeta.many.side import side_process

    mark("side forked")
    with side_process(workers=workers, modules=FIGURE_MODULES) as side:
        yield side


def phases(args: argparse.Namespace, side) -> None:
    import bayesmeta.multiverse.run as run
    from bayesmeta.analysis.specfile import load_spec

    mark("imports")
    make_executor, table, write_outputs = run.make_executor, run.ChunkStore.table, run.write_outputs

    @contextlib.contextmanager
    def timed_executor(**options):
        mark("head")
        with make_executor(**options) as executor:
            mark("executor started")
            yield executor
            mark("fitting")
        mark("executor closed")

    def timed_table(self, **options):
        frame = table(self, **options)
        mark("final table")
        return frame

    def timed_outputs(*positional, **options):
        mark("summary")
        files = write_outputs(*positional, **options)
        mark("files")
        return files

    run.make_executor, run.ChunkStore.table, run.write_outputs = (
        timed_executor,
        timed_table,
        timed_outputs,
    )
    spec = load_spec(args.spec)
    with tempfile.TemporaryDirectory() as folder:
        options = {} if side is None else {"side": side}
        run.run_multiverse(
            spec,
            out=folder,
            sample=args.sample,
            workers=args.workers,
            show_progress=False,
            **options,
        )


if __name__ == "__main__":
    main()
