"""The outputs of a multiverse: table (CSV, Parquet), summary.json, the specification curve,
report.md and report.html, staged then moved into the output folder together."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from bayesmeta.analysis.blocks import Block, Heading, Image, Paragraph, table, to_html, to_markdown
from bayesmeta.atomic import write_bytes, write_json, write_text
from bayesmeta.many.store import write_table
from bayesmeta.plots.spec_curve import FIGURE, spec_curve_png


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def report_blocks(
    summary: dict[str, Any], *, title: str, description: str, figure: str
) -> list[Block]:
    """The report's content.

    Parameters
    ----------
    summary : dict
        From :func:`bayesmeta.multiverse.summary.summarize` (plus ``run`` settings).
    title, description : str
        From the spec file.
    figure : str
        File name of the specification curve.

    Returns
    -------
    list of Block
    """
    s = summary
    blocks: list[Block] = [Heading(title, 1)]
    if description:
        blocks.append(Paragraph(description))
    blocks.append(
        Paragraph(
            f"{s['specifications']} specifications ({s['ok']} fitted, {s['skipped']} skipped, "
            f"{s['failed']} failed). Pooled median rate: median {_rate(s['median'])}, range "
            f"{_rate(s['min'])} to {_rate(s['max'])} (5% to 95%: {_rate(s['q05'])} to "
            f"{_rate(s['q95'])}). Share of estimates above {s['threshold']:g}: "
            f"{_rate(s['share_above'])}; share whose whole 95% interval is above it: "
            f"{_rate(s['share_ci_above'])}."
        )
    )
    if s["most_influential"]:
        blocks.append(
            Paragraph(
                f"The choice that moves the estimate most is {s['most_influential']}: the share of "
                "the variance of logit(estimate) each choice explains alone (eta squared), over "
                "the fitted specifications it applies to (choices with one option are left out):"
            )
        )
    blocks.append(
        table(
            ["choice", "options", "specifications", "variance share"],
            [[v["choice"], v["options"], v["rows"], f"{v['share']:.3f}"] for v in s["variance"]],
        )
    )
    blocks.append(Image(figure, "specification curve"))
    blocks.append(
        Paragraph(
            "Files: multiverse.csv and multiverse.parquet (one row per specification, every choice "
            "a column; status says why a specification was skipped or failed), summary.json."
        )
    )
    return blocks


def write_outputs(
    frame: pd.DataFrame,
    summary: dict[str, Any],
    *,
    columns: Sequence[str],
    staging: Path,
    out: Path,
    title: str,
    description: str,
    figure: Callable[[], bytes] | None = None,
) -> list[str]:
    """Write every output into ``staging``, then move them all into ``out``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The sorted table.
    summary : dict
        The summary.
    columns : sequence of str
        Choice columns (for the plot's panel).
    staging, out : Path
        Scratch folder (inside ``out``) and the output folder.
    title, description : str
        From the spec file.
    figure : callable, optional
        Returns the specification curve's PNG bytes, when the tables are written (e.g. drawn
        meanwhile in a side process: :func:`bayesmeta.many.side.deferred`). Default: draw it
        here with :func:`spec_curve_png`.

    Returns
    -------
    list of str
        The file names written.
    """
    from bayesmeta.analysis.json_values import json_ready

    staging.mkdir(parents=True, exist_ok=True)
    files = write_table(frame, staging, "multiverse")
    blocks = report_blocks(summary, title=title, description=description, figure=FIGURE)
    write_json(staging / "summary.json", json_ready(summary))
    write_text(staging / "report.md", to_markdown(blocks))
    write_text(staging / "report.html", to_html(blocks, title=title))
    if figure is None:
        threshold = summary["threshold"]
        png = spec_curve_png(frame, columns=columns, threshold=threshold, title=title)
    else:
        png = figure()
    write_bytes(staging / FIGURE, png)
    files += [FIGURE, "summary.json", "report.md", "report.html"]
    for name in files:
        os.replace(staging / name, out / name)
    return files
