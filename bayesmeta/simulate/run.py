"""Run a simulation study: scenarios x replicates (tasks) x methods, on any executor."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bayesmeta.folders import claimed, writing
from bayesmeta.many import ChunkStore, Progress, make_executor, run_tasks
from bayesmeta.many.budget import check_budget, fit_seconds
from bayesmeta.many.executor import check_execution, preload_for
from bayesmeta.many.side import deferred, side_process
from bayesmeta.many.store import run_fingerprint
from bayesmeta.simulate.metrics import metrics_table
from bayesmeta.simulate.report import simulation_pngs, write_outputs
from bayesmeta.simulate.scenarios import Scenario, Study
from bayesmeta.simulate.worker import SCHEMA, Context, run_batch, task_key

PROGRESS = ".progress"
RESUME_HINT = (
    "the finished rows are kept in {out}/.progress: the same command with --resume continues"
)


def replicate_tasks(study: Study) -> Iterator[tuple[str, tuple[Scenario, int]]]:
    """Every replicate of every scenario, as (key, (scenario, replicate)), in key order.

    Parameters
    ----------
    study : Study
        The scenarios file.

    Returns
    -------
    iterator
    """
    for scenario in study.scenarios:
        for replicate in range(study.replicates):
            yield task_key(scenario.index, replicate), (scenario, replicate)


def run_simulation(
    study: Study,
    *,
    out: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    show_progress: bool | None = None,
    batch_size: int | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Run a simulation study into ``out``.

    Parameters
    ----------
    study : Study
        From :func:`bayesmeta.simulate.scenarios.read_study`.
    out : path
        Output folder; until the run is done it holds only ``.progress/``.
    workers, scheduler
        See :func:`bayesmeta.many.make_executor`.
    resume : bool, default False
        Keep the replicates of an interrupted run of the same file.
    show_progress : bool, optional
        Progress bar (default: when stderr is a terminal).
    batch_size : int, optional
        Replicates per task sent to a worker. Default: sized from the measured cost of a
        task (:class:`bayesmeta.many.run.BatchSizer`: a probe batch per worker, then batches
        of about 0.3 s, shrinking towards the end so the workers finish together); the
        tables do not depend on it.
    force : bool, default False
        Run even above the resource limits (:mod:`bayesmeta.many.budget`).

    Returns
    -------
    dict
        ``scenarios``, ``replicates``, ``methods``, ``fits``, ``ran`` (replicates run by this
        call), ``files`` and ``metrics`` (the metrics table as records).

    Raises
    ------
    InputError
        Above the resource limits without ``force``; a bad executor option.
    """
    check_execution(workers=workers, scheduler=scheduler)
    per_replicate = sum(fit_seconds(m, s.k) for s in study.scenarios for m in study.methods)
    check_budget(
        what=str(study.path),
        fits=study.replicates * len(study.scenarios) * len(study.methods),
        seconds=study.replicates * per_replicate,
        force=force,
        hint="replicates, the [grid] or the methods",
    )
    out = Path(out)
    store = ChunkStore(out / PROGRESS / "chunks", schema=SCHEMA)
    fingerprint = run_fingerprint(
        "simulate", seed=study.seed, spec={**dataclasses.asdict(study), "path": study.path.name}
    )
    total = len(study.scenarios) * study.replicates
    context = Context(
        seed=study.seed,
        methods=study.methods,
        level=study.level,
        priors=study.priors,
        nuts=study.nuts,
    )
    # the side process draws the figures while this one writes the tables (many/side.py)
    figures = ("matplotlib.figure", "matplotlib.backends.backend_agg", "bayesmeta.plots.simulation")
    with (
        side_process(workers=workers, scheduler=scheduler, modules=figures) as side,
        claimed(out),
        writing(out, hint=RESUME_HINT.format(out=out)),
    ):
        # the executor first: a scheduler that cannot be reached leaves nothing in --out
        preload = preload_for(study.methods)
        with make_executor(workers=workers, scheduler=scheduler, preload=preload) as executor:
            done = store.open(fingerprint=fingerprint, resume=resume)
            progress = Progress(total, done=len(done), enabled=show_progress, label="replicates")
            ran = run_tasks(
                replicate_tasks(study),
                worker=run_batch,
                context=context,
                executor=executor,
                store=store,
                done=done,
                batch_size=batch_size,
                total=total,
                progress=progress,
            )
        replicates = store.table(sort_by=["task", "method"])
        metrics = metrics_table(replicates, study.scenarios)
        labels = {s.index: s.label for s in study.scenarios}
        pngs = deferred(side, simulation_pngs, metrics, labels=labels, level=study.level)
        summary = {
            "scenarios": len(study.scenarios),
            "replicates": study.replicates,
            "methods": list(study.methods),
            "fits": len(replicates),
        }
        files = write_outputs(
            replicates,
            metrics,
            study,
            staging=out / PROGRESS / "final",
            out=out,
            summary={**summary, "metrics": metrics.to_dict("records")},
            figures=pngs,
        )
        store.remove()
        (out / PROGRESS / "final").rmdir()
        (out / PROGRESS).rmdir()
    return {**summary, "ran": ran, "files": files, "metrics": metrics.to_dict("records")}
