"""Many analyses at once: one executor layer, per-task seeds, streamed results, a progress bar.

``make_executor`` gives a standard :class:`concurrent.futures.Executor` (serial in-process, a
local process pool, or a Dask cluster's executor); ``run_tasks`` sends batches of tasks to it
and streams the rows to a ``ChunkStore``, which a later run resumes; ``task_rng`` derives each
task's random numbers from the master seed and the task key, so results do not depend on the
executor or the number of workers. The multiverse and simulation commands are built on these.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from bayesmeta.many.executor import SerialExecutor, make_executor
    from bayesmeta.many.progress import Progress
    from bayesmeta.many.run import run_tasks
    from bayesmeta.many.store import ChunkStore
    from bayesmeta.many.tasks import batched, task_rng, task_seed

#: where each name lives: loaded on first use, so that importing one module of the package
#: (``bayesmeta.many.side``, forked before the CLI's heavy imports) does not load pandas
_HOMES = {
    "ChunkStore": "bayesmeta.many.store",
    "Progress": "bayesmeta.many.progress",
    "SerialExecutor": "bayesmeta.many.executor",
    "batched": "bayesmeta.many.tasks",
    "make_executor": "bayesmeta.many.executor",
    "run_tasks": "bayesmeta.many.run",
    "task_rng": "bayesmeta.many.tasks",
    "task_seed": "bayesmeta.many.tasks",
}


def __getattr__(name: str) -> Any:
    """Load a public name of the package from its module on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


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
