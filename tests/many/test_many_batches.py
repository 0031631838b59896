"""Workers that pay once (issue #22, item 7): batches sized from a measured per-task cost, the
same tables whatever the batches, workers forked with their modules loaded, and a multiverse
of frequentist methods that never imports scipy.stats (its import was the largest fixed cost
of the command)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bayesmeta.many import ChunkStore, SerialExecutor, run_tasks
from bayesmeta.many.executor import WARM_UP, preload_for
from bayesmeta.many.run import MAX_BATCH, PROBE_TASKS, BatchSizer, encoded_batch

SCHEMA = {"task": "str", "value": "float", "label": "str"}


def _square(context, batch):
    return [{"task": key, "value": float(x) ** 2 + context, "label": f"x{x}"} for key, x in batch]


def test_probe_batches_come_first_then_batches_of_the_target_time():
    sizer = BatchSizer(2, remaining=10_000, target=0.3, floor=0.05)
    assert not sizer.measured and sizer.next_size() == PROBE_TASKS
    assert BatchSizer(2, remaining=10).next_size() == 5  # a probe per worker, no more
    sizer.record(16, 0.016)  # 1 ms a task
    assert sizer.measured and sizer.next_size() == 300  # 0.3 s of work
    sizer.take(300)
    assert sizer.remaining == 9_700


def test_batches_shrink_towards_the_end_but_not_below_the_floor():
    sizer = BatchSizer(2, remaining=1_000, target=0.3, floor=0.05)
    sizer.record(100, 0.1)  # 1 ms a task
    assert sizer.next_size() == 125  # 1000 tasks / (4 batches x 2 workers)
    sizer.remaining = 100
    assert sizer.next_size() == 50  # 50 ms of work at least
    unknown = BatchSizer(2, target=0.3, floor=0.05)
    unknown.record(100, 0.1)
    assert unknown.next_size() == 300  # no end known: the target alone
    fast = BatchSizer(1, target=0.3)
    fast.record(1_000, 1e-6)
    assert fast.next_size() == MAX_BATCH
    slow = BatchSizer(1, target=0.3)
    slow.record(2, 20.0)  # 10 s a task (NUTS)
    assert slow.next_size() == 1


def test_a_worker_encodes_its_batch_as_the_store_types_it(tmp_path):
    import io

    import pandas as pd

    from bayesmeta.many.store import typed_frame

    chunk, seconds = encoded_batch(_square, SCHEMA, 1.0, [("a", 2), ("b", 3)])
    frame = pd.read_parquet(io.BytesIO(chunk))
    assert frame.equals(typed_frame(_square(1.0, [("a", 2), ("b", 3)]), SCHEMA))
    assert frame["value"].tolist() == [5.0, 10.0] and seconds >= 0
    assert encoded_batch(_square, SCHEMA, 1.0, [])[0] == b""  # no rows, no chunk


def test_measured_batches_give_the_same_table_as_fixed_ones(tmp_path):
    tasks = [(f"{i:04d}", i) for i in range(300)]
    tables, chunks = [], []
    for name, size in (("fixed", 7), ("measured", None)):
        store = ChunkStore(tmp_path / name, schema=SCHEMA)
        store.open(fingerprint={}, resume=False)
        ran = run_tasks(
            tasks,
            worker=_square,
            context=0.5,
            executor=SerialExecutor(),
            store=store,
            batch_size=size,
            total=len(tasks),
        )
        assert ran == 300
        chunks.append(len(store.chunks()))
        tables.append(store.table(sort_by=["task"]))
    assert chunks[0] == 43 and 2 <= chunks[1] < 43  # a probe of 16, then larger batches
    assert tables[0].equals(tables[1])
    assert tables[1]["value"].tolist() == [i * i + 0.5 for i in range(300)]


def test_multiverse_tables_identical_with_measured_batches(multiverse_spec, tmp_path):
    from bayesmeta.analysis.specfile import load_spec
    from bayesmeta.multiverse import run_multiverse

    spec = load_spec(multiverse_spec)
    files = {}
    for name, options in {
        "fixed7": {"workers": 1, "batch_size": 7},
        "pool2": {"workers": 2},
    }.items():
        out = tmp_path / name
        run_multiverse(spec, out=out, show_progress=False, **options)
        files[name] = [(out / f).read_bytes() for f in ("multiverse.csv", "multiverse.parquet")]
    assert files["fixed7"] == files["pool2"]  # serial, fixed batches; 2 workers, measured ones


def test_preloaded_modules_follow_the_methods():
    assert preload_for(["DL", "REML"]) == ("bayesmeta.many.pooled",)
    assert "bayesmeta.freq.glmm" in preload_for(["DL", "GLMM"])
    assert "bayesmeta.quad" in preload_for(["bayes"]) and "bayesmeta.quad" in WARM_UP
    assert not any("pymc" in m for m in preload_for(["nuts"]))


def _fresh(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_pool_workers_are_forked_with_their_modules_and_without_scipy_stats():
    code = """
import json, sys
from bayesmeta.many import make_executor

import gc

def loaded():
    names = ("bayesmeta.freq.glmm", "scipy.stats", "pyarrow.parquet")
    return {**{m: m in sys.modules for m in names}, "frozen": gc.get_freeze_count()}

with make_executor(workers=2, preload=("bayesmeta.many.pooled", "bayesmeta.freq.glmm")) as pool:
    worker = pool.submit(loaded).result()
print(json.dumps({"parent": loaded(), "worker": worker}))
"""
    seen = _fresh(code)
    assert seen["parent"]["bayesmeta.freq.glmm"] and seen["worker"]["bayesmeta.freq.glmm"]
    assert not seen["worker"]["scipy.stats"] and not seen["parent"]["scipy.stats"]
    # the chunk encoder's Parquet writer comes with every pool (CHUNK_MODULES)
    assert seen["worker"]["pyarrow.parquet"]
    # forked with what was loaded frozen out of the collector's full passes; the parent's
    # objects are collected as usual again once the pool is closed
    assert seen["worker"]["frozen"] > 10_000 and seen["parent"]["frozen"] == 0


def test_dask_workers_import_their_modules_through_the_plugin_before_any_task():
    # a Dask worker is not forked from the parent: the worker plugin imports the modules on
    # every worker (a module no run's batches import, so only the plugin can have loaded it)
    code = """
import json, sys
import distributed
from bayesmeta.many import make_executor

def loaded():
    return "bayesmeta.freq.ranktest" in sys.modules

with make_executor(scheduler="local:2", preload=("bayesmeta.freq.ranktest",)) as executor:
    workers = distributed.default_client().run(loaded)
print(json.dumps({"parent": loaded(), "workers": sorted(workers.values())}))
"""
    seen = _fresh(code)
    assert seen == {"parent": False, "workers": [True, True]}


def test_reading_a_spec_and_drawing_the_curve_do_not_import_scipy_stats():
    code = """
import json, sys
import bayesmeta.analysis.specfile, bayesmeta.multiverse.run, bayesmeta.plots.spec_curve
import bayesmeta.many.pooled, bayesmeta.freq.glmm
print(json.dumps({"scipy.stats": "scipy.stats" in sys.modules}))
"""
    assert _fresh(code) == {"scipy.stats": False}


@pytest.mark.parametrize("name", ["forest_plot", "egger_line", "tau_prior_posterior_plot"])
def test_plots_package_still_exports_its_functions(name):
    import bayesmeta.plots

    assert name in bayesmeta.plots.__all__ and callable(getattr(bayesmeta.plots, name))
    assert name in dir(bayesmeta.plots)


@pytest.mark.parametrize("count", [0, 1, 2, 10, 64, 13_396])
def test_spread_order_visits_every_position_once_with_neighbours_apart(count):
    from bayesmeta.many.tasks import spread_order

    order = list(spread_order(count))
    assert sorted(order) == list(range(count)) and order == list(spread_order(count))
    if count >= 10:  # consecutive tasks come from far apart in key order
        assert min(abs(a - b) for a, b in zip(order, order[1:], strict=False)) > count // 4


def test_spread_specifications_are_the_same_ones_with_alike_ones_apart(multiverse_spec):
    from bayesmeta.analysis.multiverse_choices import specifications
    from bayesmeta.analysis.specfile import load_spec
    from bayesmeta.multiverse.run import multiverse_data

    spec = load_spec(multiverse_spec)
    dims = spec.multiverse.dimensions(multiverse_data(spec, spec.multiverse))
    for sample in (None, 40):
        keyed = list(specifications(dims, sample=sample, seed=2))
        spread = list(specifications(dims, sample=sample, seed=2, spread=True))
        assert sorted(spread) == keyed and spread != keyed

    def subsets(tasks):  # the studies' choices, the analysis apart
        return {(c["filter_region"], c["min_total"], c["left_out"]) for _, c in tasks[:8]}

    # a batch of 8: two subsets' 4 analyses each in key order, 8 subsets spread
    assert len(subsets(list(specifications(dims)))) == 2
    assert len(subsets(list(specifications(dims, spread=True)))) == 8
