"""Many analyses at once: one executor layer, per-task seeds, streamed results, a progress bar.

``make_executor`` gives a standard :class:`concurrent.futures.Executor` (serial in-process, a
local process pool, or a Dask cluster's executor); ``run_tasks`` sends batches of tasks to it
and streams the rows to a ``ChunkStore``, which a later run resumes; ``task_rng`` derives each
task's random numbers from the master seed and the task key, so results do not depend on the
executor or the number of workers. The multiverse and simulation commands are built on these.
"""

from bayesmeta.many.executor import SerialExecutor, make_executor
from bayesmeta.many.progress import Progress
from bayesmeta.many.run import run_tasks
from bayesmeta.many.store import ChunkStore
from bayesmeta.many.tasks import batched, task_rng, task_seed

__all__ = [
    "ChunkStore",
    "Progress",
    "SerialExecutor",
    "batched",
    "make_executor",
    "run_tasks",
    "task_rng",
    "task_seed",
]
