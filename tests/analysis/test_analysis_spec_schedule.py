"""The order `bayesmeta run` gives out its tasks (analysis/spec_schedule.py): outcome by outcome,
each comparison as soon as its outcome's specs are done (not after every spec of every outcome),
results still in the order of the spec files; and the objects loaded before the tasks kept out
of the garbage collector's full passes while they run (spec_tasks.collected_apart)."""

from __future__ import annotations

import sys
from concurrent.futures import Future

import pytest

from bayesmeta.analysis.spec_schedule import dispatch_order, run_scheduled
from bayesmeta.many.executor import SerialExecutor


def test_outcome_by_outcome_in_file_order():
    outcomes = ["crr", "orr", "crr", "death", "orr", "crr"]
    assert dispatch_order(outcomes) == [0, 2, 5, 1, 4, 3]


class Recording(SerialExecutor):
    """Runs each call at once and records what was given out."""

    def __init__(self) -> None:
        self.given: list[str] = []

    def submit(self, fn, /, *args, **kwargs) -> Future:
        self.given.append(args[0])
        return super().submit(fn, *args, **kwargs)


def _spec(name: str) -> str:
    return f"done {name}"


def _compare(name: str, done: list[str]) -> str:
    return f"{name}: " + ", ".join(done)


def test_a_comparison_goes_out_as_soon_as_its_outcome_is_done_results_in_file_order():
    names = ["a1", "b1", "a2", "b2"]  # file order; outcome a = specs 0, 2; b = 1, 3
    groups = [[0, 2], [1, 3]]
    executor = Recording()
    order = dispatch_order(["a", "b", "a", "b"])
    out = list(
        run_scheduled(
            executor,
            1,
            [(_spec, (n,)) for n in names],
            order,
            groups,
            lambda g, kept: (_compare, ("ab"[g], kept)),
        )
    )
    # a's comparison before b's specs, not after every spec
    assert executor.given == ["a1", "a2", "a", "b1", "b2", "b"]
    assert [(kind, index) for kind, index, _ in out if kind == "spec"] == [
        ("spec", 0),
        ("spec", 1),
        ("spec", 2),
        ("spec", 3),
    ]
    comparisons = {index: result for kind, index, result in out if kind == "group"}
    assert comparisons == {0: "a: done a1, done a2", 1: "b: done b1, done b2"}


class Lazy(SerialExecutor):
    """Gives back unfinished futures; ``finish_one`` (the scheduler's ``wait``) runs the oldest."""

    def __init__(self) -> None:
        self.calls: dict[Future, tuple] = {}
        self.most = 0

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        self.calls[future] = (fn, args)
        self.most = max(self.most, sum(not f.done() for f in self.calls))
        return future

    def finish_one(self, futures, return_when):
        oldest = next(f for f in futures if not f.done())
        fn, args = self.calls[oldest]
        oldest.set_result(fn(*args))
        return {oldest}, {f for f in futures if f is not oldest}


@pytest.mark.parametrize("capacity", [1, 3])
def test_no_more_tasks_given_out_than_the_capacity(monkeypatch, capacity):
    from bayesmeta.analysis import spec_schedule

    executor = Lazy()
    monkeypatch.setattr(spec_schedule, "wait", executor.finish_one)
    tasks = [(_spec, (f"s{i}",)) for i in range(7)]
    out = list(run_scheduled(executor, capacity, tasks, [6, 5, 4, 3, 2, 1, 0], [], None))
    assert executor.most == capacity
    assert [result for _kind, _index, result in out] == [f"done s{i}" for i in range(7)]


def _fails(name: str) -> str:
    raise ValueError(f"{name} failed")


def test_a_failed_task_is_raised_and_nothing_after_it_is_given_out():
    executor = Recording()
    tasks = [(_spec, ("x",)), (_fails, ("y",)), (_spec, ("z",))]
    with pytest.raises(ValueError, match="y failed"):
        list(run_scheduled(executor, 1, tasks, [0, 1, 2], [], None))
    assert executor.given == ["x", "y"]


def test_what_is_loaded_before_the_tasks_is_frozen_while_they_run():
    import gc

    from bayesmeta.analysis.spec_tasks import collected_apart

    assert gc.get_freeze_count() == 0
    with collected_apart():
        assert "arviz" in sys.modules  # what the tasks import, imported first
        assert gc.get_freeze_count() > 10_000  # numpy, pandas, matplotlib, ArviZ ...
    assert gc.get_freeze_count() == 0  # collected again afterwards
    gc.freeze()  # frozen by someone else: left to them
    try:
        with collected_apart():
            pass
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_pool_workers_are_forked_with_it_frozen():
    import gc
    import multiprocessing

    from bayesmeta.analysis.spec_tasks import collected_apart
    from bayesmeta.many.executor import make_executor

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("workers are forked only where fork is the start method")
    with collected_apart(), make_executor(workers=2) as pool:
        assert pool.submit(gc.get_freeze_count).result() > 10_000
