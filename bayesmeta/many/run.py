"""Send batches of tasks to an executor and stream their rows to a :class:`ChunkStore`.

One task (one fit) takes milliseconds, so tasks travel in batches: one future per batch,
at most a few batches per worker in flight (memory stays flat however many tasks there are).
Without a fixed ``batch_size`` the batches are sized from a measured cost: the first batch of
each worker is a small probe, timed on the worker (CPU seconds); later batches hold as many
tasks as take about :data:`TARGET_SECONDS` at the cost measured so far, and shrink towards the
end so the workers finish together. The rows do not depend on the batches (each task's seed
comes from its key, and the final table is sorted by key). Each batch's rows are encoded as a
chunk on the worker, so the process that writes the chunks does little besides writing bytes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from itertools import islice
from typing import Any

from bayesmeta.many.executor import executor_slots
from bayesmeta.many.progress import Progress
from bayesmeta.many.store import ChunkStore, encode_chunk
from bayesmeta.many.tasks import batched

Worker = Callable[[Any, Sequence[tuple[str, Any]]], list[Mapping[str, Any]]]

#: tasks in each worker's first (probe) batch, timed to size the later ones
PROBE_TASKS = 16
#: seconds of work a sized batch aims at: far above the cost of a future and a chunk
#: (~1 ms on a local pool, a few ms on Dask, a few ms to write a chunk), short enough to
#: balance the workers and to lose little to an interruption
TARGET_SECONDS = 0.3
#: a batch near the end takes at least this long (shorter ones cost more than they balance)
MIN_SECONDS = 0.05
#: batches left for each worker before sized batches start to shrink
BATCHES_PER_WORKER = 4
MAX_BATCH = 4096


def encoded_batch(
    worker: Worker, schema: Mapping[str, str], context: Any, batch: Sequence[tuple[str, Any]]
) -> tuple[bytes, float]:
    """Run one batch on a worker: its rows encoded as a chunk, and the CPU seconds they took.

    Parameters
    ----------
    worker : callable
        ``worker(context, batch) -> rows``.
    schema : mapping of str to str
        The store's row schema (:func:`~bayesmeta.many.store.encode_chunk`).
    context : object
        Sent with the batch.
    batch : sequence of (key, payload)
        The tasks.

    Returns
    -------
    (bytes, float)
        The chunk (empty for no rows), and the CPU seconds of this process ``worker`` took
        (CPU, not wall-clock time: the same work measures the same on a busy machine).
    """
    started = time.process_time()
    rows = worker(context, batch)
    seconds = time.process_time() - started
    return (encode_chunk(rows, schema) if rows else b""), seconds


class BatchSizer:
    """Tasks per batch from the cost measured so far (see the module's docstring).

    Parameters
    ----------
    slots : int
        Tasks the executor runs at once.
    remaining : int, optional
        Tasks still to run, when known (batches then shrink towards the end).
    target, floor : float, optional
        Default :data:`TARGET_SECONDS`, :data:`MIN_SECONDS` (read when the sizer is made).
    """

    def __init__(
        self,
        slots: int,
        *,
        remaining: int | None = None,
        target: float | None = None,
        floor: float | None = None,
    ) -> None:
        self.slots = max(1, slots)
        self.remaining = remaining
        self.target = TARGET_SECONDS if target is None else target
        self.floor = MIN_SECONDS if floor is None else floor
        self.tasks, self.seconds = 0, 0.0

    @property
    def measured(self) -> bool:
        """Whether a batch has come back (until then only probe batches are sent)."""
        return self.tasks > 0

    def record(self, tasks: int, seconds: float) -> None:
        """Add a finished batch's measurement.

        Parameters
        ----------
        tasks : int
            Its tasks.
        seconds : float
            The time they took on the worker.
        """
        self.tasks += tasks
        self.seconds += max(seconds, 0.0)

    def next_size(self) -> int:
        """The size of the next batch.

        Returns
        -------
        int
            A probe (:data:`PROBE_TASKS`) until a batch is measured; then as many tasks as take
            ``target`` seconds, at most a 1/``BATCHES_PER_WORKER`` share of each worker's part
            of the tasks left, and never a batch shorter than ``floor`` seconds; 1 to
            :data:`MAX_BATCH`.
        """
        size = PROBE_TASKS
        if self.remaining is not None:
            size = min(size, math.ceil(max(self.remaining, 1) / self.slots))
        if self.measured:
            per_task = max(self.seconds / self.tasks, 1e-7)
            size = math.floor(self.target / per_task)
            if self.remaining is not None:
                share = math.ceil(self.remaining / (BATCHES_PER_WORKER * self.slots))
                size = min(size, max(share, math.ceil(self.floor / per_task)))
        return int(min(max(size, 1), MAX_BATCH))

    def take(self, tasks: int) -> None:
        """Count tasks sent.

        Parameters
        ----------
        tasks : int
            The batch's tasks.
        """
        if self.remaining is not None:
            self.remaining = max(0, self.remaining - tasks)


def run_tasks(
    tasks: Iterable[tuple[str, Any]],
    *,
    worker: Worker,
    context: Any,
    executor: Executor,
    store: ChunkStore,
    done: set[str] = frozenset(),
    batch_size: int | None = None,
    in_flight: int | None = None,
    progress: Progress | None = None,
    total: int | None = None,
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
    batch_size : int, optional
        Tasks per future. Default: sized from the measured cost of each task
        (:class:`BatchSizer`).
    in_flight : int, optional
        Batches submitted and not yet collected, at most (default: twice the executor's
        slots plus 2, re-read every few seconds as Dask workers join or leave; while the
        first probe batches run, one per slot).
    progress : Progress, optional
        Advanced after each batch.
    total : int, optional
        The number of tasks, ``done`` ones included (sized batches then shrink towards the
        end, so the workers finish together).

    Returns
    -------
    int
        Tasks run now.

    Raises
    ------
    KeyboardInterrupt
        After cancelling the batches not yet started; the chunks already written stay.
    """
    todo = iter((key, payload) for key, payload in tasks if key not in done)
    pending: dict[Future, int] = {}
    ran = 0
    checked, limit = 0.0, in_flight or 1
    remaining = None if total is None else max(0, total - len(done))
    sizer = BatchSizer(executor_slots(executor), remaining=remaining)

    def room() -> int:
        nonlocal checked, limit
        if in_flight is None and time.monotonic() - checked > 2.0:
            checked, limit = time.monotonic(), 2 * executor_slots(executor) + 2
        if batch_size is None and not sizer.measured:
            return min(limit, sizer.slots)  # the probes first: one per slot
        return limit

    def collect(futures: Iterable[Future]) -> None:
        nonlocal ran
        for future in futures:
            size = pending.pop(future)
            chunk, seconds = future.result()
            sizer.record(size, seconds)
            store.write_encoded(chunk)
            ran += size
            if progress is not None:
                progress.advance(size)

    def batches() -> Iterable[list[tuple[str, Any]]]:
        if batch_size is not None:
            yield from batched(todo, batch_size)
            return
        while batch := list(islice(todo, sizer.next_size())):
            sizer.take(len(batch))
            yield batch

    try:
        for batch in batches():
            future = executor.submit(encoded_batch, worker, store.schema, context, batch)
            pending[future] = len(batch)
            while len(pending) >= room():  # the next batch is sized after this wait
                finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                collect(finished)
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
