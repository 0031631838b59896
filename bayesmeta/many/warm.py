"""What workers import before their first task.

A local pool's workers are forked from the parent after it imported the modules of the run's
methods (:func:`preload_for`), so they start warm at no cost; Dask workers import them through
a worker plugin (:func:`warm_up_plugin`), those joining later too. (While the workers fit, the
parent's side process imports what the run's figures need: ``bayesmeta.many.side``.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

#: what every worker's batches need whatever the methods: the chunk encoder's Parquet writer
#: (pandas loads it on first use: ~15 ms in each worker, and again in the parent reading the table)
CHUNK_MODULES = ("pyarrow.parquet",)
#: what a worker's batches import, by default (``bayesmeta.freq`` loads its names on first use,
#: so the modules themselves are named: the lean pooled rate, the GLMM and the exact engine);
#: numpy, scipy.special and pandas come with them
WARM_UP = (
    "bayesmeta.many.pooled",
    "bayesmeta.freq.glmm",
    "bayesmeta.quad",
)


def preload_for(methods: Iterable[str]) -> tuple[str, ...]:
    """The modules the workers of a run with these methods need (``make_executor(preload=)``).

    Parameters
    ----------
    methods : iterable of str
        Method names of a multiverse or simulation (``"DL"``, ``"DL-HK"``, ``"GLMM"``,
        ``"bayes"``, ``"nuts"``, ...).

    Returns
    -------
    tuple of str
        The pooled rate always; the GLMM and the exact engine when a method uses them (PyMC is
        never preloaded: NUTS imports it in each worker on its first fit).
    """
    methods = set(methods)
    modules = ["bayesmeta.many.pooled"]
    if "GLMM" in methods:
        modules.append("bayesmeta.freq.glmm")
    if methods & {"bayes", "nuts"}:
        modules += ["bayesmeta.engines", "bayesmeta.quad"]
    return tuple(modules)


def warm_up(modules: Sequence[str] = WARM_UP) -> None:
    """Import the numerical modules once per worker, before its first batch is timed.

    Parameters
    ----------
    modules : sequence of str, default :data:`WARM_UP`
        Module names.

    Returns
    -------
    None
    """
    import importlib

    for name in modules:
        importlib.import_module(name)


def warm_up_plugin(modules: Sequence[str] = WARM_UP) -> Any:
    """A Dask worker plugin that runs :func:`warm_up` on every worker, those joining later too.

    ``distributed`` is imported here (only ``--scheduler`` needs it); the plugin travels to the
    workers with cloudpickle.

    Parameters
    ----------
    modules : sequence of str, default :data:`WARM_UP`
        What each worker imports.

    Returns
    -------
    distributed.WorkerPlugin
    """
    from distributed import WorkerPlugin

    names = tuple(modules)

    class WarmUp(WorkerPlugin):
        name = "bayesmeta-warm-up"

        def setup(self, worker: Any) -> None:
            warm_up(names)

    return WarmUp()
