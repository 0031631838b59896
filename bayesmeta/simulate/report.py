"""The outputs of a simulation study: replicates and metrics tables (CSV, Parquet), a plot per
measure, summary.json and report.md/.html, staged then moved into the output folder together."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from bayesmeta.analysis.blocks import Block, Heading, Image, Paragraph, table, to_html, to_markdown
from bayesmeta.atomic import write_bytes, write_json, write_text
from bayesmeta.many.store import write_table
from bayesmeta.simulate.scenarios import Study


def _cell(value: float, se: float, digits: int = 3) -> str:
    if pd.isna(value):
        return ""
    return f"{value:.{digits}f} ({se:.{digits}f})" if pd.notna(se) else f"{value:.{digits}f}"


def report_blocks(metrics: pd.DataFrame, study: Study, *, figures: list[str]) -> list[Block]:
    """The report: one table per target, every number with its MCSE in brackets.

    Parameters
    ----------
    metrics : pandas.DataFrame
        The metrics table.
    study : Study
        The scenarios file.
    figures : list of str
        Plot file names.

    Returns
    -------
    list of Block
    """
    labels = {s.index: s.label for s in study.scenarios}
    blocks: list[Block] = [
        Heading(f"Simulation study: {study.path.name}", 1),
        Paragraph(
            f"{len(study.scenarios)} scenarios x {study.replicates} replicates x "
            f"{len(study.methods)} methods (master seed {study.seed}). Every number is followed "
            "by its Monte Carlo standard error in brackets (Morris, White & Crowther 2019). "
            "Metrics use the converged fits; failure_rate counts the others."
        ),
    ]
    titles = {
        "median": "Median rate expit(mu)",
        "mean": "Mean rate",
        "new_study": "Prediction interval: a new study's true rate",
    }
    for target, title in titles.items():
        part = metrics[(metrics["target"] == target) & metrics["coverage"].notna()]
        if len(part):
            blocks.append(Heading(title))
            blocks.append(
                table(
                    [
                        "scenario",
                        "method",
                        "coverage",
                        "bias",
                        "RMSE",
                        "width",
                        "failures",
                        "zero share",
                    ],
                    [
                        [
                            labels[r.scenario],
                            r.method,
                            _cell(r.coverage, r.coverage_mcse),
                            _cell(r.bias, r.bias_mcse, 4),
                            _cell(r.rmse, r.rmse_mcse, 4),
                            _cell(r.width, r.width_mcse),
                            _cell(r.failure_rate, r.failure_rate_mcse),
                            f"{r.zero_share:.2f}",
                        ]
                        for r in part.itertuples()
                    ],
                )
            )
    blocks += [Image(f, f.removesuffix(".png")) for f in figures]
    return blocks


def simulation_pngs(
    metrics: pd.DataFrame, *, labels: dict[int, str], level: float
) -> dict[str, bytes]:
    """The figure of each measure as PNG bytes, by file name (drawn here, or in a run's side
    process).

    Parameters
    ----------
    metrics : pandas.DataFrame
        The metrics table.
    labels : dict of int to str
        Scenario index -> label.
    level : float
        The intervals' level.

    Returns
    -------
    dict of str to bytes
        ``"<measure>.png"`` -> its bytes, in the order of ``plots.simulation.METRICS``.
    """
    from bayesmeta.plots.simulation import METRICS, simulation_plot

    pngs = {}
    for metric in METRICS:
        figure = simulation_plot(metrics, metric=metric, labels=labels, level=level)
        buffer = io.BytesIO()
        buffer.name = (
            f"{metric}.png"  # what the figure becomes (a file-like is named after its file)
        )
        figure.savefig(buffer, format="png")
        pngs[buffer.name] = buffer.getvalue()
    return pngs


def write_outputs(
    replicates: pd.DataFrame,
    metrics: pd.DataFrame,
    study: Study,
    *,
    staging: Path,
    out: Path,
    summary: dict[str, Any],
    figures: Callable[[], dict[str, bytes]] | None = None,
) -> list[str]:
    """Write everything into ``staging``, then move it all into ``out``.

    Parameters
    ----------
    replicates, metrics : pandas.DataFrame
        The sorted tables.
    study : Study
        The scenarios file.
    staging, out : Path
        Scratch folder (inside ``out``) and output folder.
    summary : dict
        JSON summary.
    figures : callable, optional
        Returns the figures' PNG bytes by file name, when the tables are written (e.g. drawn
        meanwhile in a side process: :func:`bayesmeta.many.side.deferred`). Default: draw
        them here with :func:`simulation_pngs`.

    Returns
    -------
    list of str
        File names written.
    """
    from bayesmeta.analysis.json_values import json_ready

    staging.mkdir(parents=True, exist_ok=True)
    files = write_table(replicates, staging, "replicates") + write_table(
        metrics, staging, "metrics"
    )
    if figures is None:
        labels = {s.index: s.label for s in study.scenarios}
        pngs = simulation_pngs(metrics, labels=labels, level=study.level)
    else:
        pngs = figures()
    for name, png in pngs.items():
        write_bytes(staging / name, png)
    blocks = report_blocks(metrics, study, figures=list(pngs))
    write_json(staging / "summary.json", json_ready(summary))
    write_text(staging / "report.md", to_markdown(blocks))
    write_text(staging / "report.html", to_html(blocks, title=f"Simulation {study.path.name}"))
    files += [*pngs, "summary.json", "report.md", "report.html"]
    for name in files:
        os.replace(staging / name, out / name)
    return files
