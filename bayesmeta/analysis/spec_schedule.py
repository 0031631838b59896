"""In which order a ``bayesmeta run``'s tasks go to the workers (the results never change).

Each outcome's comparison reads only that outcome's fits, so it need not wait for every spec
of every outcome (the comparisons of a parallel run used to start together, after the last
spec's result had come back, been written, and every fit been sent out again). So here

- the specs go out outcome by outcome (in the order the outcomes first appear);
- a comparison goes out as soon as its outcome's specs are done, ahead of the specs waiting;
- no more tasks are given out than the workers run, plus one waiting in line (a freed worker
  does not wait for this process), so a ready comparison passes the specs not yet given out.

The caller still receives every result in the order of the spec files.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from typing import Any


def dispatch_order(outcomes: Sequence[str]) -> list[int]:
    """The order the specs are given to the workers: outcome by outcome (in the order the
    outcomes first appear), in the order of the spec files within one.

    Parameters
    ----------
    outcomes : sequence of str
        Each spec's outcome, in the order of the spec files.

    Returns
    -------
    list of int
        Indices into the specs.
    """
    first = {o: i for i, o in reversed(list(enumerate(outcomes)))}
    return sorted(range(len(outcomes)), key=lambda i: (first[outcomes[i]], i))


def run_scheduled(
    executor: Executor,
    capacity: int,
    specs: Sequence[tuple[Callable[..., Any], tuple]],
    order: Sequence[int],
    groups: Sequence[Sequence[int]],
    follow_up: Callable[[int, list[Any]], tuple[Callable[..., Any], tuple]],
    keep: Callable[[Any], Any] = lambda result: result,
) -> Iterator[tuple[str, int, Any]]:
    """Run the spec tasks and, as each group of them is done, its follow-up task.

    Parameters
    ----------
    executor : concurrent.futures.Executor
        From :func:`bayesmeta.many.make_executor`.
    capacity : int
        Tasks given out at most at any time: 1 on the serial executor (each runs when given
        out), else the tasks the executor runs at once plus one.
    specs : sequence of (function, args)
        The spec tasks (module-level functions: they are pickled).
    order : sequence of int
        The order the spec tasks are given out (:func:`dispatch_order`).
    groups : sequence of sequence of int
        Spec indices (in file order) whose results one follow-up task reads.
    follow_up : callable
        ``(group index, what ``keep`` kept of its specs' results, in file order) ->
        (function, args)``.
    keep : callable, optional
        What of a spec's result its group's follow-up reads (the rest is not held).

    Yields
    ------
    tuple
        ``("spec", index, result)`` in the order of the spec files (a result is held back
        until those before it are out), and ``("group", index, result)`` of each follow-up
        as it finishes. A task's exception is raised here; the tasks not started are then
        cancelled and a local pool's workers stopped.
    """
    from bayesmeta.many.executor import stop_workers

    waiting = deque(order)
    ready: deque[int] = deque()  # groups whose follow-up can go out
    running: dict[Future, tuple[str, int]] = {}
    results: dict[int, Any] = {}  # done, not yet out
    kept: dict[int, Any] = {}
    left = [len(g) for g in groups]
    group_of = {i: g for g, members in enumerate(groups) for i in members}
    written = 0
    try:
        while waiting or ready or running:
            while (waiting or ready) and len(running) < capacity:
                if ready:
                    g = ready.popleft()
                    function, args = follow_up(g, [kept[i] for i in groups[g]])
                    running[executor.submit(function, *args)] = ("group", g)
                else:
                    i = waiting.popleft()
                    function, args = specs[i]
                    running[executor.submit(function, *args)] = ("spec", i)
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in [f for f in running if f in done]:  # in the order given out
                kind, index = running.pop(future)
                result = future.result()
                if kind == "group":
                    yield kind, index, result
                    continue
                results[index] = result
                g = group_of.get(index)
                kept[index] = keep(result) if g is not None else None
                if g is not None:
                    left[g] -= 1
                    if left[g] == 0:
                        ready.append(g)
            while written in results:
                yield "spec", written, results.pop(written)
                written += 1
    except BaseException:
        for future in running:
            future.cancel()
        stop_workers(executor)
        raise
