"""``bayesmeta run`` for one spec: fit, then write posterior, tables, figures and the report.

Output folder ``OUT/<name>/``::

    posterior.nc        InferenceData (NUTS draws, or draws resampled from the exact grid)
    summary.json        spec, Bayesian summary, baselines, paper numbers, exclusions, spec digest
    pooled.csv          the pooled-rate table of the report
    study_rates.csv     observed and shrunken study rates
    levels.csv          per-level rates (subgroup models)
    forest.png          forest plot: observed and shrunken rates, DL / GLMM / Bayesian diamonds
    drapery.png         p-value functions of the studies and the DL pool, beside the forest plot
    contour_funnel.png  contour-enhanced funnel plot with trim-and-fill's filled studies
    baujat.png          Baujat plot (influence section)
    subgroup_forest.png the same by level (subgroup models)
    pooled_posterior.png
    report.md, report.html

The folder is written whole (:func:`bayesmeta.folders.replaced_folder`): into a sibling temporary
folder that replaces the previous one only when every file is written, so the folder never mixes
two runs' files nor keeps an earlier model's (``levels.csv`` of a subgroup model rerun as a
random-intercept model), and an interrupted run leaves the previous folder as it was.
``posterior.nc`` and ``summary.json`` carry the fit hash (:mod:`bayesmeta.analysis.fithash`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bayesmeta.analysis import bias_report
from bayesmeta.analysis.fitting import Fitted, fit_spec
from bayesmeta.analysis.spec_render import REPORT_FILES, Rendered, render_outputs
from bayesmeta.analysis.specfile import AnalysisSpec
from bayesmeta.atomic import write_bytes
from bayesmeta.folders import replaced_folder

KNOWN_FILES = frozenset(
    {
        "posterior.nc",
        "pooled.csv",
        "study_rates.csv",
        "levels.csv",
        "forest.png",
        "drapery.png",
        bias_report.FUNNEL_FILE,
        bias_report.BAUJAT_FILE,
        "subgroup_forest.png",
        "pooled_posterior.png",
        *REPORT_FILES,
    }
)
"""Every file a run writes (an earlier release's folder holding only these is replaced)."""


@dataclass(frozen=True)
class RunRecord:
    """What one run wrote.

    Attributes
    ----------
    spec : AnalysisSpec
        The spec that was run.
    folder : Path
        The spec's output folder.
    summary : dict
        The JSON summary written as ``summary.json``.
    """

    spec: AnalysisSpec
    folder: Path
    summary: dict[str, Any]


def write_outputs(fitted: Fitted, out: str | Path) -> RunRecord:
    """Write every output of a fitted spec as the folder ``out/<name>/``, replaced whole.

    The folder holds ``posterior.nc``, ``pooled.csv``, ``study_rates.csv`` (``levels.csv`` for
    subgroup models), the figures, the bias and influence figures, ``summary.json``,
    ``report.md`` and ``report.html``.

    Parameters
    ----------
    fitted : Fitted
        The fitted spec.
    out : str or Path
        Output folder; the spec's files go to ``out/<name>/``.

    Returns
    -------
    RunRecord
        The spec, its folder and the JSON summary written.
    """
    return write_rendered(fitted.spec, render_outputs(fitted), out)


def write_rendered(spec: AnalysisSpec, rendered: Rendered, out: str | Path) -> RunRecord:
    """Write a spec's rendered files as the folder ``out/<name>/``, replaced whole.

    Parameters
    ----------
    spec : AnalysisSpec
        The spec that was fitted.
    rendered : Rendered
        Its files (:func:`render_outputs`).
    out : str or Path
        Output folder; the spec's files go to ``out/<name>/``.

    Returns
    -------
    RunRecord
        The spec, its folder and the JSON summary written.
    """
    target = Path(out) / spec.name
    with replaced_folder(target, known=KNOWN_FILES) as folder:
        for name, content in rendered.files.items():
            write_bytes(folder / name, content)
    return RunRecord(spec=spec, folder=target, summary=rendered.summary)


def run_spec(spec: AnalysisSpec, out: str | Path) -> tuple[Fitted, RunRecord]:
    """Fit one spec and write its outputs.

    Parameters
    ----------
    spec : AnalysisSpec
        The analysis spec.
    out : str or Path
        Output folder (each spec gets ``out/<name>/``).

    Returns
    -------
    tuple[Fitted, RunRecord]
    """
    fitted = fit_spec(spec)
    return fitted, write_outputs(fitted, out)
