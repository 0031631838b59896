"""Send batches of tasks to an executor and stream their rows to a :class:`ChunkStore`.

One task (one fit) takes milliseconds, so tasks travel in batches: one future per batch,
at most a few batches per worker in flight (memory stays flat however many tasks there are).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from typing import Any

from bayesmeta.many.executor import executor_slots
from bayesmeta.many.progress import Progress
from bayesmeta.many.store import ChunkStore
from bayesmeta.many.tasks import batched

Worker = Callable[[Any, Sequence[tuple[str, Any]]], list[Mapping[str, Any]]]


def run_tasks(
    tasks: Iterable[tuple[str, Any]],
    *,
    worker: Worker,
    context: Any,
    executor: Executor,
    store: ChunkStore,
    done: set[str] = frozenset(),
    batch_size: int = 32,
    in_flight: int | None = None,
    progress: Progress | None = None,
) -> int:
    """Run every task not yet done; write each finished batch's rows as one chunk.

    Parameters
    ----------
    tasks : iterable of (key, payload)
        Consumed lazily, in a fixed order (keys unique).
    worker : callable
        ``worker(context, batch) -> rows``: a module-level function (it is pickled), run on
        the executor; it must catch the failures of single fits and report them as rows.
    context : object
        What every batch needs (the data, the settings); sent with each batch.
    executor : concurrent.futures.Executor
        From :func:`~bayesmeta.many.executor.make_executor`, or any other.
    store : ChunkStore
        Opened store.
    done : set of str
        Keys to skip (done by an earlier, interrupted run).
    batch_size : int, default 32
        Tasks per future.
    in_flight : int, optional
        Batches submitted and not yet collected, at most (default: twice the executor's
        slots plus 2, re-read every few seconds as Dask workers join or leave).
    progress : Progress, optional
        Advanced after each batch.

    Returns
    -------
    int
        Tasks run now.

    Raises
    ------
    KeyboardInterrupt
        After cancelling the batches not yet started; the chunks already written stay.
    """
    todo = ((key, payload) for key, payload in tasks if key not in done)
    pending: dict[Future, int] = {}
    ran = 0
    checked, limit = 0.0, in_flight or 1

    def room() -> int:
        nonlocal checked, limit
        if in_flight is None and time.monotonic() - checked > 2.0:
            checked, limit = time.monotonic(), 2 * executor_slots(executor) + 2
        return limit

    def collect(futures: Iterable[Future]) -> None:
        nonlocal ran
        for future in futures:
            size = pending.pop(future)
            store.write(future.result())
            ran += size
            if progress is not None:
                progress.advance(size)

    try:
        for batch in batched(todo, batch_size):
            while len(pending) >= room():
                finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                collect(finished)
            pending[executor.submit(worker, context, batch)] = len(batch)
        while pending:
            finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            collect(finished)
    except BaseException:
        for future in pending:
            future.cancel()
        raise
    finally:
        if progress is not None:
            progress.close()
    return ran
