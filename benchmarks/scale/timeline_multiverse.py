"""CPU seconds of one whole ``bayesmeta multiverse`` command, by process and phase (issue #22, item 7):
the parent, the side process (its imports, its figure) and the pool workers, with the moment
(wall-clock, from the start) of each event, to reason about the critical path on two cores.

The command runs as the console script does (``bayesmeta.cli.entry``), in this process; the
functions that mark the phases are wrapped as their modules are imported, so nothing is imported
earlier than the command itself would. Events are appended to a JSON-lines file (every process
writes its own lines), then summarized as one JSON line:

    cd /tmp && .venv/bin/python benchmarks/scale/timeline_multiverse.py --log /tmp/t.jsonl \\
        -- multiverse benchmarks/scale/scale_multiverse_1e4.toml --sample 10000 --workers 2 \\
        --json --out /tmp/t-out

``parent_head`` is the parent's CPU until the workers are started; ``side_imports`` what the side
process spent importing, ``side_forked_at`` the parent's CPU when it was forked (before the
command's imports since mvscale2, after them before); ``side_figure`` its figure; ``workers`` the
pool's CPU (its batches, and what it took between them). To compare trees, run this script with a
tree first on ``PYTHONPATH``, interleaved, several times (CPU seconds pair well under load; the wall
times do not).
"""

from __future__ import annotations

import time

T0 = time.time()

import contextlib  # noqa: E402
import importlib.abc  # noqa: E402
import importlib.machinery  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

LOG = ""


def event(what: str) -> None:
    with open(LOG, "a") as file:
        row = {"pid": os.getpid(), "t": time.time() - T0, "cpu": time.process_time(), "what": what}
        file.write(json.dumps(row) + "\n")


def patch_run() -> None:
    import bayesmeta.many.run as many_run
    import bayesmeta.multiverse.run as run

    encoded = many_run.encoded_batch

    def encoded_batch(worker, schema, context, batch):  # pickled by name: runs in the workers
        event("batch start")
        result = encoded(worker, schema, context, batch)
        event("batch end")
        return result

    encoded_batch.__module__, encoded_batch.__qualname__ = many_run.__name__, "encoded_batch"
    many_run.encoded_batch = encoded_batch
    make_executor, table = run.make_executor, run.ChunkStore.table

    @contextlib.contextmanager
    def timed_executor(**options):
        with make_executor(**options) as executor:
            event("executor started")
            yield executor
            event("fitting done")
        event("executor closed")

    def timed_table(self, **options):
        frame = table(self, **options)
        event("table read")
        return frame

    run.make_executor, run.ChunkStore.table = timed_executor, timed_table


def patch_side() -> None:
    import bayesmeta.many.side as side
    import bayesmeta.many.warm as warm

    serve, start = side._serve, side.SideProcess.__init__
    warm_up = warm.warm_up

    def _serve(connection, parent, modules):  # the side process: after its imports, its exit
        def timed_warm_up(names):
            warm_up(names)
            event("side imported")

        warm.warm_up = timed_warm_up
        try:
            serve(connection, parent, modules)
        finally:
            event("side exit")

    def forked(self, *args, **kwargs):
        event("side forked")
        start(self, *args, **kwargs)

    side._serve, side.SideProcess.__init__ = _serve, forked


PATCHES = {"bayesmeta.multiverse.run": patch_run, "bayesmeta.many.side": patch_side}


class PatchOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name not in PATCHES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            PATCHES[name]()

        spec.loader.exec_module = exec_module
        return spec


def summary(path: str) -> dict:
    rows = [json.loads(line) for line in open(path)]
    parent = rows[0]["pid"]

    def at(what, pid=parent):
        return next(r for r in rows if r["pid"] == pid and r["what"] == what)

    side = next((r["pid"] for r in rows if r["what"] == "side imported"), None)
    workers = {r["pid"] for r in rows if r["what"] == "batch end" and r["pid"] != parent}
    result = {
        "parent_head": at("executor started")["cpu"],
        "parent_fitting": at("fitting done")["cpu"] - at("executor started")["cpu"],
        "parent_total": at("end")["cpu"],
        "workers": sum(max(r["cpu"] for r in rows if r["pid"] == w) for w in workers),
        "wall": at("end")["t"],
    }
    if side is not None:
        result |= {
            "side_forked_at": at("side forked")["cpu"],
            "side_imports": at("side imported", side)["cpu"],
            "side_figure": at("side exit", side)["cpu"] - at("side imported", side)["cpu"],
        }
    return {k: round(v, 3) for k, v in result.items()} | {"load": os.getloadavg()[0]}


def main() -> None:
    global LOG
    arguments = sys.argv[1:]
    if arguments[:1] != ["--log"] or "--" not in arguments:
        sys.exit("usage: timeline_multiverse.py --log FILE -- multiverse SPEC [options]")
    LOG = os.path.abspath(arguments[1])
    open(LOG, "w").close()
    event("start")
    sys.meta_path.insert(0, PatchOnImport())
    import bayesmeta.cli

    sys.argv = ["bayesmeta", *arguments[arguments.index("--") + 1 :]]
    with contextlib.redirect_stdout(open(os.devnull, "w")):
        try:
            bayesmeta.cli.main()
        finally:
            event("end")
    print(json.dumps(summary(LOG)))


if __name__ == "__main__":
    main()
