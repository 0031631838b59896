"""The one executor layer: a standard :class:`concurrent.futures.Executor` for every back end.

``make_executor(workers=, scheduler=)`` is a context manager yielding

* ``workers=1``: :class:`SerialExecutor`, in this process (no pickling; easiest to debug);
* ``workers=N`` (default: every core): a :class:`~concurrent.futures.ProcessPoolExecutor`;
* ``scheduler="tcp://HOST:PORT"``: the executor of a ``distributed`` client connected to a
  running Dask scheduler (e.g. one started by dask-jobqueue on SLURM or PBS);
* ``scheduler="local:N"``: a Dask ``LocalCluster`` of N worker processes, one thread each.

Any code that takes an Executor (``run_tasks``, GOSH analyses, ...) runs on all of them.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from bayesmeta.errors import InputError
from bayesmeta.many.warm import (  # noqa: F401 (re-exported: the workers' warm-up)
    CHUNK_MODULES,
    WARM_UP,
    preload_for,
    warm_up,
    warm_up_plugin,
)

INSTALL_HINT = "the Dask back end needs the 'distributed' package: pip install 'bayesmeta[cluster]'"


class SerialExecutor(Executor):
    """An Executor that runs each call at once, in the calling process.

    Parameters
    ----------
    None

    Returns
    -------
    SerialExecutor
    """

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Run ``fn(*args, **kwargs)`` now; return a finished Future.

        Parameters
        ----------
        fn : callable
            The function.
        *args, **kwargs
            Its arguments.

        Returns
        -------
        concurrent.futures.Future
            Holding the result, or the exception raised (KeyboardInterrupt propagates).
        """
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # the caller sees it through future.result()
            future.set_exception(error)
        return future


def executor_slots(executor: Executor) -> int:
    """How many tasks the executor runs at once (Dask: its workers' threads now).

    Parameters
    ----------
    executor : concurrent.futures.Executor
        Any executor.

    Returns
    -------
    int
        At least 1 (a Dask cluster whose workers have not started yet counts as 1).
    """
    if isinstance(executor, SerialExecutor):
        return 1
    if isinstance(executor, ProcessPoolExecutor):
        return int(getattr(executor, "_max_workers", 1))
    client = getattr(executor, "_client", None)
    if client is not None:
        return max(1, sum(client.nthreads().values()))
    return default_workers()


def die_with_parent(parent: int) -> None:
    """End this process when ``parent`` ends, even by SIGKILL (no orphaned workers).

    On Linux the kernel sends SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``);
    a parent already gone before that call ends this process at once. Elsewhere, nothing.

    Parameters
    ----------
    parent : int
        The pid of the process that started this one.

    Returns
    -------
    None
    """
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
        except (OSError, AttributeError):  # no libc prctl: leave it to the executor
            return
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)


PR_SET_PDEATHSIG = 1
MAX_WORKERS_PER_CORE = 8  # local worker processes: more only exhaust memory


def _pool_worker_start(parent: int | None = None, modules: Sequence[str] = WARM_UP) -> None:
    """Pool workers leave Ctrl-C to the parent, which cancels the run and keeps what is done;
    they die with the parent; they import ``modules`` (nothing to do when forked from a parent
    that imported them)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        die_with_parent(parent)
    warm_up(modules)


def stop_workers(executor: Executor) -> None:
    """End a local pool's worker processes now, abandoning the tasks they run (an interrupted
    run does not wait for them; they write nothing, their parent does).

    Tasks not started are cancelled; any other executor (serial, Dask: its cluster is closed
    with the context of :func:`make_executor`) is left as it is.

    Parameters
    ----------
    executor : concurrent.futures.Executor
        From :func:`make_executor`.

    Returns
    -------
    None
    """
    if not isinstance(executor, ProcessPoolExecutor):
        return
    processes = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()


def default_workers() -> int:
    """The cores this process may use.

    Returns
    -------
    int
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def parse_scheduler(scheduler: str) -> tuple[str, Any]:
    """Split a ``--scheduler`` value into ("local", N) or ("address", "tcp://...").

    Parameters
    ----------
    scheduler : str
        ``local:N`` or a scheduler address such as ``tcp://10.0.0.5:8786``.

    Returns
    -------
    tuple
        The kind and its argument.

    Raises
    ------
    InputError
        Any other text.
    """
    if scheduler.startswith("local:"):
        count = scheduler.removeprefix("local:")
        if not count.isdigit() or int(count) < 1:
            raise InputError(f"--scheduler {scheduler}: expected local:N with N >= 1 workers")
        if int(count) > MAX_WORKERS_PER_CORE * default_workers():
            raise InputError(
                f"--scheduler {scheduler}: at most {MAX_WORKERS_PER_CORE} local workers per core "
                f"({MAX_WORKERS_PER_CORE * default_workers()} here)"
            )
        return "local", int(count)
    if "://" in scheduler and _address_ok(scheduler):
        return "address", scheduler
    raise InputError(
        f"--scheduler {scheduler}: expected a scheduler address (tcp://HOST:PORT, "
        f"{', '.join(f'{p}://' for p in PROTOCOLS[1:])}) or local:N"
    )


PROTOCOLS = ("tcp", "tls", "ucx", "ws", "wss")


def _address_ok(address: str) -> bool:
    """A Dask address: a known protocol, a host, and a port number if one is given."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(address)
        port = parts.port  # raises ValueError on a port out of range or not a number
    except ValueError:  # also an unbalanced IPv6 bracket
        return False
    return parts.scheme in PROTOCOLS and bool(parts.hostname) and (port is None or port > 0)


def check_execution(*, workers: int | None = None, scheduler: str | None = None) -> None:
    """Validate ``workers`` and ``scheduler`` before anything is written.

    Parameters
    ----------
    workers : int, optional
        At least 1; not together with ``scheduler``.
    scheduler : str, optional
        See :func:`parse_scheduler`.

    Returns
    -------
    None

    Raises
    ------
    InputError
        A bad value, or ``distributed`` missing for a scheduler.
    """
    if scheduler is not None:
        if workers is not None:
            raise InputError("--workers: not used with --scheduler (the cluster has its workers)")
        parse_scheduler(scheduler)
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise InputError(INSTALL_HINT) from None
    elif workers is not None and workers < 1:
        raise InputError(f"--workers {workers}: expected at least 1")
    elif workers is not None and workers > MAX_WORKERS_PER_CORE * default_workers():
        raise InputError(
            f"--workers {workers}: at most {MAX_WORKERS_PER_CORE} per core "
            f"({MAX_WORKERS_PER_CORE * default_workers()} here; a cluster: --scheduler)"
        )


@contextmanager
def make_executor(
    *, workers: int | None = None, scheduler: str | None = None, preload: Sequence[str] = WARM_UP
) -> Iterator[Executor]:
    """Open the executor of a run, and close it (and any cluster it started) afterwards.

    Parameters
    ----------
    workers : int, optional
        Local worker processes (default: every core; 1 runs serially in this process).
        Refused together with ``scheduler`` (by :func:`check_execution`).
    scheduler : str, optional
        ``tcp://HOST:PORT`` (connect to a Dask scheduler) or ``local:N`` (start a
        ``LocalCluster`` with N single-threaded worker processes).
    preload : sequence of str, default :data:`WARM_UP`
        Modules every worker imports once, before its first task (:func:`preload_for` names
        those of a run's methods; :data:`~bayesmeta.many.warm.CHUNK_MODULES` come with them). A
        local pool forked from this process imports them here first, so its workers start with
        them at no cost, and freezes what is loaded by then out of the garbage collector
        (``gc.freeze``, undone when the pool is closed): the workers' full collections then
        skip it and do not write to the memory pages they share with this process. Dask
        workers import them through a worker plugin (those joining later too); the serial
        executor imports nothing ahead.

    Returns
    -------
    context manager yielding concurrent.futures.Executor
        Its ``submit`` returns standard ``concurrent.futures.Future`` objects.

    Raises
    ------
    InputError
        A bad ``workers`` or ``scheduler`` value, or ``distributed`` not installed.
    """
    preload = (*CHUNK_MODULES, *preload)
    if scheduler is not None:
        kind, value = parse_scheduler(scheduler)
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise InputError(INSTALL_HINT) from None
        if kind == "local":
            with (
                LocalCluster(
                    n_workers=value,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                ) as cluster,
                Client(cluster) as client,
            ):
                client.register_plugin(warm_up_plugin(preload))
                yield client.get_executor(pure=False)
            return
        try:
            client = Client(value, timeout="20s")
        except Exception as error:  # OSError, TimeoutError, ValueError from the comm layer
            reason = " ".join(str(error).split()) or type(error).__name__
            raise InputError(f"--scheduler {value}: cannot connect ({reason})") from None
        with client:
            client.register_plugin(
                warm_up_plugin(preload)
            )  # every worker, and those that join later
            yield client.get_executor(pure=False)
        return
    check_execution(workers=workers)
    count = default_workers() if workers is None else workers
    if count == 1:
        yield SerialExecutor()
        return
    import gc
    import multiprocessing

    context = multiprocessing.get_context()
    frozen = False
    if context.get_start_method() == "fork":
        warm_up(preload)  # the workers are forked with these modules loaded: no cost to them
        # and with them out of the collector's full passes: each worker's first full collection
        # walked (and wrote to) every object inherited (~0.07 CPU s each, for 10^4 fits)
        frozen = gc.get_freeze_count() == 0
        if frozen:
            gc.freeze()
    pool = ProcessPoolExecutor(
        max_workers=count,
        mp_context=context,
        initializer=_pool_worker_start,
        initargs=(os.getpid(), tuple(preload)),
    )
    try:
        pool.submit(os.getpid).result()  # every worker forked now, before any thread starts here
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if frozen:
            gc.unfreeze()
