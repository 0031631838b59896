"""The specs of a ``bayesmeta run`` as tasks on a :mod:`bayesmeta.many` executor.

A task fits one spec and renders every file of its folder in memory (posterior, tables,
figures, reports), with its leave-one-study-out result when the comparison will read it. Only
the calling process touches the disk: it writes each spec's folder whole
(:func:`bayesmeta.analysis.runner.write_rendered`), in the order of the spec files, as the
tasks finish. The comparison of each outcome's models is a task too. The same functions run
on every executor (serial in this process, a process pool, a Dask cluster), so the files are
the same bytes whichever runs them; an interrupted run stops the pool's workers at once
(they have written nothing).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bayesmeta.analysis.fitting import Fitted, fit_spec
from bayesmeta.analysis.outcome_comparison import OutcomeComparison, compare_outcome, study_sets
from bayesmeta.analysis.spec_render import Rendered, render_outputs
from bayesmeta.analysis.specfile import AnalysisSpec

#: what a spec's task imports: a pool forked from this process starts with them loaded (this
#: process draws the index figure and reads the fits too)
PRELOAD = (
    "bayesmeta.quad",
    "bayesmeta.freq.glmm",
    "bayesmeta.analysis.runner",
    "bayesmeta.analysis.spec_render",
    "bayesmeta.analysis.outcome_comparison",
    "bayesmeta.analysis.bayes_influence",
    "bayesmeta.bayes",
    "bayesmeta.model.storage",
    "bayesmeta.freq.subgroup",
    "bayesmeta.freq.metareg",
    "bayesmeta.freq.trimfill",
    "bayesmeta.freq.influence",
    "bayesmeta.plots.forest",
    "bayesmeta.plots.subgroup",
    "bayesmeta.plots.posterior",
    "bayesmeta.plots.drapery",
    "bayesmeta.plots.contour_funnel",
    "bayesmeta.plots.baujat",
    "arviz",
    "h5netcdf",
    "matplotlib.figure",
    "matplotlib.backends.backend_agg",
    "PIL.PngImagePlugin",
)


def preload() -> tuple[str, ...]:
    """:data:`PRELOAD`, and ``distributed`` where installed: xarray imports it (over a hundred
    modules) whenever it writes a NetCDF file, so once here rather than in every worker.

    Returns
    -------
    tuple of str
    """
    from importlib.util import find_spec

    cluster = ("distributed", "dask.array") if find_spec("distributed") is not None else ()
    return PRELOAD + cluster


@dataclass(frozen=True)
class SpecDone:
    """What a spec's task sends back.

    Attributes
    ----------
    fitted : Fitted
        The fit, without what only its own folder needed (the InferenceData and the engine's
        posterior object: the model's grids stay with the process that fitted it).
    rendered : Rendered
        Every file of the spec's folder.
    loo : LooResult or None
        Its leave-one-study-out result (when asked for).
    warnings : list of tuple
        ``(message, category, filename, lineno)`` of the warnings the task raised, issued again
        by the caller.
    """

    fitted: Fitted
    rendered: Rendered
    loo: Any
    warnings: list[tuple[str, type, str, int]]


def fit_and_render(spec: AnalysisSpec, with_loo: bool) -> SpecDone:
    """Fit one spec and render its folder in memory (a task: runs on any executor).

    Parameters
    ----------
    spec : AnalysisSpec
        The spec.
    with_loo : bool
        Also compute its leave-one-study-out result (:func:`bayesmeta.analysis.comparison.loo_of`).

    Returns
    -------
    SpecDone
    """
    with recorded() as caught:
        fitted = fit_spec(spec)
        rendered = render_outputs(fitted)
        loo = None
        if with_loo:
            from bayesmeta.analysis.comparison import loo_of

            loo = loo_of(spec, model=fitted.model, draws=fitted.draws)
    light = dataclasses.replace(
        fitted, result=fitted.result.updated(idata=None, posterior=None), params=None
    )
    return SpecDone(light, rendered, loo, caught)


def compare_task(outcome: str, fitted: Sequence[Fitted], loos: dict[str, Any]) -> tuple:
    """One outcome's comparison (a task), with the warnings it raised.

    Parameters
    ----------
    outcome : str
        The outcome.
    fitted : sequence of Fitted
        Its specs' fits.
    loos : dict
        Spec name -> leave-one-study-out result already computed.

    Returns
    -------
    tuple
        The :class:`~bayesmeta.analysis.outcome_comparison.OutcomeComparison` and the warnings.
    """
    with recorded() as caught:
        comparison = compare_outcome(outcome, fitted, loos=loos)
    return comparison, caught


@contextmanager
def recorded() -> Iterator[list[tuple[str, type, str, int]]]:
    """Record the warnings of a block as plain tuples (they travel back from any worker).

    Yields
    ------
    list of tuple
        Filled with ``(message, category, filename, lineno)`` when the block ends.
    """
    out: list[tuple[str, type, str, int]] = []
    with warnings.catch_warnings(record=True) as caught:
        yield out
    out += [(str(w.message), w.category, w.filename, w.lineno) for w in caught]


@contextmanager
def collected_apart() -> Iterator[None]:
    """Import what the tasks need, then keep it out of the garbage collector's full passes while
    the tasks run (``gc.freeze``; unfrozen when they are done).

    Everything loaded by then (numpy, pandas, scipy, matplotlib, ArviZ: hundreds of thousands
    of objects) lives until the process ends, yet every full collection walked all of it again:
    ~0.1-0.25 s each, about a dozen times a run. Workers forked meanwhile inherit it frozen
    (their collections skip it, and do not write to the pages they share with this process).
    Nothing changes when the caller froze objects already.

    Yields
    ------
    None
    """
    import gc

    from bayesmeta.many.warm import warm_up

    warm_up(preload())
    mine = gc.get_freeze_count() == 0
    if mine:
        gc.freeze()
    try:
        yield
    finally:
        if mine:
            gc.unfreeze()


def reissue(caught: Sequence[tuple[str, type, str, int]]) -> None:
    """Issue again, in this process, the warnings a task recorded.

    Parameters
    ----------
    caught : sequence of tuple
        From :func:`recorded`.

    Returns
    -------
    None
    """
    for message, category, filename, lineno in caught:
        warnings.warn_explicit(message, category, filename, lineno)


def run_specs(
    specs: Sequence[AnalysisSpec],
    out: str | Path,
    *,
    show_progress: bool | None = None,
    workers: int | None = 1,
    scheduler: str | None = None,
) -> tuple[list[Fitted], list[OutcomeComparison]]:
    """Fit and write every spec, then (several specs) compare each outcome's models.

    The caller holds ``out`` (checked and locked) and writes the index.

    Parameters
    ----------
    specs : sequence of AnalysisSpec
        Single-analysis specs, names unique.
    out : str or Path
        Output folder; each spec's folder ``out/<name>/`` is written here, replaced whole.
    show_progress : bool or None, default None
        A progress bar of the specs on stderr (None: when stderr is a terminal).
    workers : int or None, default 1
        Local worker processes (None: every core; never more than there are specs).
    scheduler : str, optional
        A Dask scheduler address or ``local:N``.

    Returns
    -------
    fitted : list of Fitted
        In the order of ``specs``.
    comparisons : list of OutcomeComparison
        One per outcome (in the order the outcomes first appear); empty for one spec.
    """
    from bayesmeta.analysis.fitting import to_model
    from bayesmeta.analysis.runner import write_rendered
    from bayesmeta.analysis.spec_schedule import dispatch_order, run_scheduled
    from bayesmeta.many.executor import (
        SerialExecutor,
        default_workers,
        executor_slots,
        make_executor,
    )
    from bayesmeta.many.progress import Progress

    models = [to_model(spec) for spec in specs]
    outcomes: dict[str, list[int]] = {}  # outcome -> its specs (file order), first seen first
    for i, spec in enumerate(specs):
        outcomes.setdefault(spec.outcome, []).append(i)
    compared: set[str] = set()  # the specs whose leave-one-out the comparisons read
    if len(specs) > 1:
        for members in outcomes.values():
            main = study_sets(members, lambda i: models[i].data.studies)[1]
            compared |= {specs[i].name for i in main} if len(main) > 1 else set()
    groups = list(outcomes.values()) if len(specs) > 1 else []
    if scheduler is None:  # no more processes than specs; one: in this process
        workers = max(1, min(len(specs), default_workers() if workers is None else workers))
    with (
        collected_apart(),
        make_executor(workers=workers, scheduler=scheduler, preload=preload()) as executor,
    ):
        serial = isinstance(executor, SerialExecutor)
        order = dispatch_order([spec.outcome for spec in specs])
        names = list(outcomes)

        def comparison_of(g: int, kept: list[tuple[Fitted, Any]]) -> tuple:
            loos = {f.spec.name: loo for f, loo in kept if loo is not None}
            return compare_task, (names[g], [f for f, _loo in kept], loos)

        progress = Progress(len(specs), enabled=show_progress, label="specs")
        fitted: list[Fitted] = []
        compared_outcomes: dict[int, tuple] = {}
        tasks = run_scheduled(
            executor,
            1 if serial else executor_slots(executor) + 1,
            [(fit_and_render, (spec, spec.name in compared)) for spec in specs],
            order,
            groups,
            comparison_of,
            keep=lambda task: (task.fitted, task.loo),
        )
        with closing(tasks):
            for kind, index, task in tasks:
                if kind == "group":
                    compared_outcomes[index] = task
                    continue
                reissue(task.warnings)
                write_rendered(specs[index], task.rendered, out)
                fitted.append(task.fitted)
                progress.advance(1)
        progress.close()
    comparisons = []
    for g in range(len(groups)):  # in the order the outcomes first appear
        comparison, caught = compared_outcomes[g]
        reissue(caught)
        comparisons.append(comparison)
    return fitted, comparisons
