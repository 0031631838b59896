"""A side process for the last step of a parallel run: its figures, drawn beside the parent.

A parallel run ends in one process: the final table, the summary, the table files, the figures
and the report. Drawing and PNG-encoding a figure of 10^4 specifications is the largest part
of that (~0.5 CPU s), and matplotlib's import another ~0.4 s. With ``--workers N > 1`` or a
Dask cluster, :func:`side_process` forks one helper process when the run starts (while the
parent reads the spec and starts the workers, on a core that is otherwise idle); it imports
the figure modules there and then waits, without using a core, until the parent hands it a
figure to draw (:meth:`SideProcess.start`). The parent writes its tables meanwhile and then
collects the PNG bytes (:meth:`SideProcess.result`) and writes them itself: only the parent
writes files, into its staging folder, so the output folder is still replaced whole.

Run serially (``--workers 1``), or where processes are not forked, there is no side process:
:func:`deferred` draws in the calling process, at the moment the bytes are asked for, as
before. The figure's bytes are the same either way (same code, same matplotlib; the side
process is forked from the parent, so it has the parent's settings).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

#: signals blocked while the side process is forked, until it has its own handlers
FORK_BLOCKED = frozenset({signal.SIGTERM, signal.SIGINT})
#: what the side process imports when it starts, by default (matplotlib: ~0.4 s)
SIDE_MODULES = ("matplotlib.figure", "matplotlib.backends.backend_agg", "bayesmeta.plots.style")
#: what a multiverse's side process imports: the specification curve's modules (named here, in a
#: module without pandas, so the CLI can fork the process before its own imports)
SPEC_CURVE_MODULES = (
    "matplotlib.figure",
    "matplotlib.backends.backend_agg",
    "bayesmeta.plots.spec_curve",  # spec_curve_png, the job the side process runs
)


def _serve(connection: Any, parent: int, modules: tuple[str, ...]) -> None:
    """The side process: import ``modules``, then run each job sent until ``None`` arrives."""
    from bayesmeta.many.executor import die_with_parent
    from bayesmeta.many.warm import warm_up

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    # SIGTERM ends it at once: the handler inherited from the CLI raises an exception, which a
    # bare ``except`` in a module being imported can swallow (the process then lived on), or
    # which, raised before this line, printed a traceback. It was forked with both signals
    # blocked (SideProcess): one sent meanwhile is acted on now (SIGTERM: the default action).
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, FORK_BLOCKED)
    die_with_parent(parent)
    try:
        warm_up(modules)
    except Exception:  # noqa: S110 (a job that needs the module raises it, and it is sent back)
        pass
    while True:
        try:
            job = connection.recv()
        except EOFError:  # the parent closed its end
            return
        if job is None:
            return
        function, args, kwargs = job
        try:
            reply = (True, function(*args, **kwargs))
        except Exception as error:
            reply = (False, error)
        connection.send(reply)


class SideProcessGone(RuntimeError):
    """The side process ended before it could answer (killed, out of memory)."""


class SideProcess:
    """One forked helper process that runs one job at a time (see the module's docstring).

    Parameters
    ----------
    modules : sequence of str, default :data:`SIDE_MODULES`
        What it imports as it starts.
    """

    def __init__(self, modules: Sequence[str] = SIDE_MODULES) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self._connection, theirs = context.Pipe()
        self._process = context.Process(
            target=_serve,
            args=(theirs, os.getpid(), tuple(modules)),
            name="bayesmeta-side",
            daemon=True,
        )
        # forked with SIGTERM and SIGINT blocked: until the side process has left the CLI's
        # handlers (_serve), a SIGTERM (a failed run ending it at once) or Ctrl-C waits
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, FORK_BLOCKED)
        try:
            self._process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        theirs.close()
        self._busy = False

    def start(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
        """Send ``function(*args, **kwargs)`` to the side process; return at once.

        Parameters
        ----------
        function : callable
            A module-level function (it is pickled by name; the arguments are pickled).
        *args, **kwargs
            Its arguments.

        Returns
        -------
        None

        Raises
        ------
        RuntimeError
            A job is already running (collect it with :meth:`result` first);
            :class:`SideProcessGone` if the side process died.
        """
        if self._busy:
            raise RuntimeError("the side process runs one job at a time: collect its result")
        try:
            self._connection.send((function, args, kwargs))
        except OSError:  # BrokenPipeError: it is gone
            raise SideProcessGone(
                f"the side process ended (exit code {self._process.exitcode})"
            ) from None
        self._busy = True

    def result(self) -> Any:
        """Wait for the job sent by :meth:`start`; return what it returned.

        Returns
        -------
        object
            The function's return value.

        Raises
        ------
        Exception
            What the function raised, raised again here; :class:`SideProcessGone` if the side
            process died.
        """
        try:
            ok, value = self._connection.recv()
        except (EOFError, OSError):
            raise SideProcessGone(
                f"the side process ended (exit code {self._process.exitcode})"
            ) from None
        finally:
            self._busy = False
        if not ok:
            raise value
        return value

    def close(self, *, wait: bool = True) -> None:
        """End the side process.

        Parameters
        ----------
        wait : bool, default True
            Let it finish its start-up imports and leave; otherwise (or while it runs a job)
            end it at once.

        Returns
        -------
        None
        """
        if wait and not self._busy and self._process.is_alive():
            try:
                self._connection.send(None)
                self._process.join(timeout=5)
            except OSError:  # it is gone already
                pass
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)
        if self._process.is_alive():  # SIGTERM not acted on (it was forked a moment ago)
            self._process.kill()
        self._process.join()
        self._connection.close()


def side_wanted(*, workers: int | None, scheduler: str | None) -> bool:
    """Whether a run gets a side process: its fitting runs in other processes, and this one can
    fork (a side process that had to import everything anew would cost more than it saves).

    Parameters
    ----------
    workers : int, optional
        ``--workers`` (default: every core).
    scheduler : str, optional
        ``--scheduler``.

    Returns
    -------
    bool
    """
    import multiprocessing

    from bayesmeta.many.executor import default_workers

    if multiprocessing.get_start_method(allow_none=False) != "fork":
        return False
    # a daemonic process (a multiprocessing.Pool's worker) may not have children
    if multiprocessing.current_process().daemon:
        return False
    if scheduler is not None:
        return True
    return (default_workers() if workers is None else workers) > 1


@contextmanager
def side_process(
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    modules: Sequence[str] = SIDE_MODULES,
) -> Iterator[SideProcess | None]:
    """A side process for a run on these executor options, or None (see :func:`side_wanted`).

    Open it before the executor: a Dask client starts threads, and a process is not forked
    from a parent with threads running.

    Parameters
    ----------
    workers, scheduler
        The run's executor options (:func:`bayesmeta.many.make_executor`).
    modules : sequence of str, default :data:`SIDE_MODULES`
        What the side process imports as it starts (the figures' plotting modules).

    Returns
    -------
    context manager yielding SideProcess or None
        Closed (the process ended) when the block ends, however it ends.
    """
    if not side_wanted(workers=workers, scheduler=scheduler):
        yield None
        return
    side = SideProcess(modules)
    try:
        yield side
    except BaseException:
        side.close(wait=False)
        raise
    side.close()


def deferred(
    side: SideProcess | None, function: Callable[..., Any], /, *args: Any, **kwargs: Any
) -> Callable[[], Any]:
    """Start ``function(*args, **kwargs)`` in ``side`` now; or, without one, call it later here.

    Parameters
    ----------
    side : SideProcess or None
        From :func:`side_process`.
    function : callable
        A module-level function.
    *args, **kwargs
        Its arguments.

    Returns
    -------
    callable
        Returns the function's value when called (waiting for the side process if needed; if
        the side process is gone, it is called here instead: nothing fitted is lost to it).
    """

    def here() -> Any:
        return function(*args, **kwargs)

    if side is None:
        return here
    try:
        side.start(function, *args, **kwargs)
    except SideProcessGone:
        return here

    def there() -> Any:
        try:
            return side.result()
        except SideProcessGone:
            return here()

    return there
