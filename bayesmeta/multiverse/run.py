"""Run a multiverse spec: enumerate (or sample) the specifications, fit them on an executor,
stream the rows to ``OUT/.progress``, then write the table, summary, plot and report."""

from __future__ import annotations

import contextlib
import dataclasses
import math
from pathlib import Path
from typing import Any

from bayesmeta.analysis.multiverse_choices import Multiverse, size, specifications
from bayesmeta.analysis.specfile import AnalysisSpec, read_frame
from bayesmeta.errors import InputError, SpecError
from bayesmeta.folders import claimed, writing
from bayesmeta.many import ChunkStore, Progress, make_executor, run_tasks
from bayesmeta.many.budget import check_budget, fit_seconds
from bayesmeta.many.executor import check_execution, preload_for
from bayesmeta.many.side import SPEC_CURVE_MODULES, SideProcess, deferred, side_process
from bayesmeta.many.store import run_fingerprint
from bayesmeta.multiverse.report import spec_curve_png, write_outputs
from bayesmeta.multiverse.specification import Context, run_batch, schema
from bayesmeta.multiverse.summary import summarize
from bayesmeta.plots.spec_curve import curve_columns

PROGRESS = ".progress"
RESUME_HINT = (
    "the finished rows are kept in {out}/.progress: the same command with --resume continues"
)


def multiverse_data(spec: AnalysisSpec, multiverse: Multiverse):
    """The outcome's studies, with the filter covariates and levels checked.

    Parameters
    ----------
    spec : AnalysisSpec
        A spec with a ``[multiverse]`` table.
    multiverse : Multiverse
        Its choices.

    Returns
    -------
    MetaData

    Raises
    ------
    SpecError
        A filter naming a covariate or level not in the data.
    """
    from bayesmeta.data import from_frame

    data = from_frame(
        read_frame(spec),
        events=spec.data["events"],
        total=spec.data["total"],
        study=spec.data["study"],
        outcome=spec.outcome,
    )
    for covariate, levels in multiverse.filters:
        where = f"{spec.path}: [multiverse] filters.{covariate}"
        if covariate not in data.covariates.columns:
            raise SpecError(f"{where}: covariate '{covariate}' is not in the data")
        present = set(data.covariates[covariate].dropna().astype(str))
        for level in levels:
            if level not in present:
                raise SpecError(f"{where}: level '{level}' is not in the data")
    return data


MAX_SUBSETS = 10_000_000  # subsets are enumerated in memory, --force or not


def check_multiverse_budget(spec: AnalysisSpec, data, *, sample: int | None, force: bool) -> None:
    """Refuse, before anything is enumerated, a multiverse above the resource limits.

    The count is an upper bound (every filter level x minimum size x study left out x
    analysis); the cost of each analysis is estimated at the number of studies in the data.

    Parameters
    ----------
    spec : AnalysisSpec
        With a ``[multiverse]`` table.
    data : MetaData
        Its studies.
    sample : int, optional
        The number of specifications sampled.
    force : bool
        ``--force``.

    Returns
    -------
    None

    Raises
    ------
    InputError
        Too many subsets to enumerate, or (without ``force``) above the limits of
        :func:`bayesmeta.many.budget.check_budget`.
    """
    multiverse = spec.multiverse
    subsets = math.prod(1 + len(levels) for _, levels in multiverse.filters)
    subsets *= len(multiverse.min_total) * ((1 + data.k) if multiverse.leave_one_out else 1)
    if subsets > MAX_SUBSETS:
        raise InputError(
            f"{spec.path}: [multiverse]: {subsets:,} subsets (filter levels x min_total x "
            f"studies left out), more than the {MAX_SUBSETS:,} that can be enumerated; use "
            "fewer filter levels or min_total values"
        )
    analyses = multiverse.analyses
    fits = subsets * len(analyses)
    fits = fits if sample is None else min(sample, fits)
    mean = sum(fit_seconds(a["method"], data.k) for a in analyses) / max(1, len(analyses))
    check_budget(
        what=f"{spec.path}: [multiverse]",
        fits=fits,
        seconds=fits * mean,
        force=force,
        hint="the choices or use --sample N",
    )


def run_multiverse(
    spec: AnalysisSpec,
    *,
    out: str | Path,
    sample: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    show_progress: bool | None = None,
    batch_size: int | None = None,
    force: bool = False,
    side: SideProcess | None = None,
) -> dict[str, Any]:
    """Run the multiverse of a spec file into ``out``.

    Parameters
    ----------
    spec : AnalysisSpec
        With a ``[multiverse]`` table (see :mod:`bayesmeta.analysis.multiverse_choices`).
    out : path
        Output folder; until the run is done it holds only ``.progress/`` (the chunks).
    sample : int, optional
        Fit a seeded random sample of this many specifications (default: the spec's
        ``sample``, else all).
    workers, scheduler
        See :func:`bayesmeta.many.make_executor`.
    resume : bool, default False
        Keep the rows of an interrupted run of the same spec, seed and sample.
    show_progress : bool, optional
        Progress bar on stderr (default: when stderr is a terminal).
    batch_size : int, optional
        Specifications per task sent to a worker. Default: sized from the measured cost of a
        task (:class:`bayesmeta.many.run.BatchSizer`: a probe batch per worker, then batches
        of about 0.3 s, shrinking towards the end so the workers finish together); the
        tables do not depend on it.
    force : bool, default False
        Run even above the resource limits (:mod:`bayesmeta.many.budget`).
    side : SideProcess, optional
        A side process started (and closed) by the caller, importing :data:`~bayesmeta.many.side.SPEC_CURVE_MODULES`:
        the CLI forks it before its own imports, so it loads matplotlib on the core this
        process leaves idle meanwhile. Default: one is forked here when the executor options
        call for it (:func:`bayesmeta.many.side.side_process`).

    Returns
    -------
    dict
        The summary, with ``files`` and ``ran`` (specifications fitted by this call).

    Raises
    ------
    InputError
        Above the resource limits without ``force``; a bad executor option.
    """
    check_execution(workers=workers, scheduler=scheduler)
    # first: the side process imports the figures' modules while this one starts the run
    if side is None:
        opened = side_process(workers=workers, scheduler=scheduler, modules=SPEC_CURVE_MODULES)
    else:
        opened = contextlib.nullcontext(side)
    with opened as side:
        multiverse: Multiverse = spec.multiverse
        data = multiverse_data(spec, multiverse)
        sample = sample if sample is not None else multiverse.sample
        seed = int(spec.sampler["seed"])
        check_multiverse_budget(spec, data, sample=sample, force=force)
        dims = multiverse.dimensions(data)
        total = size(dims) if sample is None else min(sample, size(dims))
        columns = multiverse.choice_columns()
        nuts = {k: spec.sampler[k] for k in ("draws", "tune", "chains", "sampler")}
        context = Context.of(
            data,
            covariates=[c for c, _ in multiverse.filters],
            seed=seed,
            min_studies=multiverse.min_studies,
            nuts=nuts,
        )
        out = Path(out)
        store = ChunkStore(out / PROGRESS / "chunks", schema=schema(columns))
        fingerprint = run_fingerprint(
            "multiverse",
            seed=seed,
            spec={"spec": spec.to_dict(), "multiverse": dataclasses.asdict(multiverse)},
            data=read_frame(spec).to_csv(index=False),
            sample=sample,
        )
        with claimed(out), writing(out, hint=RESUME_HINT.format(out=out)):
            # the executor first: a scheduler that cannot be reached leaves nothing in --out
            preload = preload_for(a["method"] for a in multiverse.analyses)
            with make_executor(workers=workers, scheduler=scheduler, preload=preload) as executor:
                done = store.open(fingerprint=fingerprint, resume=resume)
                progress = Progress(
                    total, done=len(done), enabled=show_progress, label="specifications"
                )
                ran = run_tasks(
                    specifications(dims, sample=sample, seed=seed, spread=True),
                    worker=run_batch,
                    context=context,
                    executor=executor,
                    store=store,
                    done=done,
                    batch_size=batch_size,
                    total=total,
                    progress=progress,
                )
                # before the workers are stopped (shutting them down, a Dask cluster's above
                # all, takes the time the side process needs to draw the figure)
                frame = store.table(sort_by=["task"])
                # drawn in the side process (if any) while this one writes the tables (a side
                # process reading the chunks itself gained nothing: the read is ~0.035 s either
                # way, the copy sent ~3 ms)
                figure = deferred(
                    side,
                    spec_curve_png,
                    curve_columns(frame, columns),  # plain arrays: the side has no pandas
                    columns=columns,
                    threshold=multiverse.threshold,
                    title=spec.title,
                )
            summary = summarize(frame, columns=columns, threshold=multiverse.threshold)
            summary["excluded"] = data.excluded_records()
            files = write_outputs(
                frame,
                summary,
                columns=columns,
                staging=out / PROGRESS / "final",
                out=out,
                title=spec.title,
                description=spec.description,
                figure=figure,
            )
            store.remove()
            (out / PROGRESS / "final").rmdir()
            (out / PROGRESS).rmdir()
    return {**summary, "files": files, "ran": ran}
