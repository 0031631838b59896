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

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bayesmeta.analysis import bias_report
from bayesmeta.analysis.blocks import to_html, to_markdown
from bayesmeta.analysis.fithash import HASH_ATTR, fit_hash
from bayesmeta.analysis.fitting import Fitted, fit_spec, overall
from bayesmeta.analysis.report import analysis_blocks
from bayesmeta.analysis.report_sections import pooled_rows
from bayesmeta.analysis.specfile import AnalysisSpec
from bayesmeta.atomic import write_bytes
from bayesmeta.data.outcome_words import outcome_words
from bayesmeta.folders import replaced_folder
from bayesmeta.versions import stack_versions

REPORT_FILES = ("report.md", "report.html", "summary.json")
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


def json_ready(value: Any) -> Any:
    """Plain JSON values: numpy scalars unwrapped, NaN and infinities as null.

    Parameters
    ----------
    value : Any
        Any JSON-like value (nested dicts and lists).

    Returns
    -------
    Any
    """
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def spec_digest(spec: AnalysisSpec) -> str:
    """SHA-256 of the spec file's bytes (a saved run is reused only for the same spec).

    Parameters
    ----------
    spec : AnalysisSpec
        The analysis spec.

    Returns
    -------
    str
    """
    return hashlib.sha256(spec.path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Rendered:
    """Every file of one spec's folder, in memory (rendered where it was fitted, written by
    the process that holds the output folder).

    Attributes
    ----------
    files : dict of str to bytes
        File name -> content, in the order they are written.
    summary : dict
        The JSON summary (``summary.json``).
    """

    files: dict[str, bytes]
    summary: dict[str, Any]


def png_bytes(figure, name: str) -> bytes:
    """A figure as PNG, at its own dpi (100: 800 pixels across an 8-inch forest plot).

    The figure is drawn once: a figure rendered already and unchanged since (the title-fitting
    pass of :func:`bayesmeta.plots.style.fit_titles` renders it) is encoded from its canvas as
    it is; any other is rendered first (layout and pixels in one draw). The bytes are those
    ``savefig(format="png")`` writes at the figure's dpi.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        A figure of :mod:`bayesmeta.plots`.
    name : str
        The file it becomes (the in-memory file's ``name``, for whoever inspects the save).

    Returns
    -------
    bytes
    """
    import io

    from matplotlib.image import imsave

    from bayesmeta.plots.style import is_rendered, render

    if not is_rendered(figure):
        render(figure)
    buffer = io.BytesIO()
    buffer.name = name
    # what savefig's PNG writer does after its draw (same metadata, same encoder)
    imsave(buffer, figure.canvas.buffer_rgba(), format="png", origin="upper", dpi=figure.dpi)
    return buffer.getvalue()


def _add_png(files: dict[str, bytes], name: str, figure) -> None:
    files[name] = png_bytes(figure, name)


def _figures(fitted: Fitted, files: dict[str, bytes]) -> list[tuple[str, str]]:
    """forest.png, subgroup_forest.png (subgroup models) and pooled_posterior.png."""
    from bayesmeta.plots import forest_plot, pooled_posterior_plot, subgroup_forest_plot

    spec, model = fitted.spec, fitted.model
    freq = {m: overall(f) for m, f in fitted.baselines.items() if m in ("DL", "GLMM")}
    made = []
    _add_png(
        files,
        "forest.png",
        forest_plot(model.data, bayes=fitted.result, freq=freq or None, title=spec.title),
    )
    made.append(
        (
            "forest.png",
            "Forest plot: observed and shrunken study rates, pooled DL, GLMM and Bayesian estimates",
        )
    )
    from bayesmeta.plots.drapery import drapery_plot

    _add_png(
        files,
        "drapery.png",
        drapery_plot(model.data, freq=freq.get("DL"), title=f"{spec.title}: drapery plot"),
    )
    made.append(("drapery.png", "Drapery plot: p-value functions of the studies and the DL pool"))
    if model.kind == "subgroup":
        groups = {
            m: f
            for m, f in fitted.baselines.items()
            if m in ("DL", "GLMM") and hasattr(f, "groups")
        }
        figure = subgroup_forest_plot(
            model.data, by=model.by, bayes=fitted.result, freq=groups or None, title=spec.title
        )
        _add_png(files, "subgroup_forest.png", figure)
        made.append(
            (
                "subgroup_forest.png",
                f"Forest plot by {model.by}: per-level DL, GLMM and Bayesian rates",
            )
        )
    levels = _per_level(fitted)
    cdfs = _exact_cdfs(fitted)
    rate = outcome_words(spec.outcome).rate
    if levels:
        title = f"{spec.title}: rate of each level"
        exact = {lv: {"median": c} for lv, c in cdfs.get("levels", {}).items()}
        figure = pooled_posterior_plot(
            levels, quantity="median", title=title, exact=exact, rate_label=rate
        )
        alt = f"Posterior of the median rate expit(mu) of each level of {model.by}"
    else:
        title = f"{spec.title}: pooled rate"
        exact = {}
        if cdfs:
            exact = {spec.name: {"median": cdfs["pooled_median"], "mean": cdfs["pooled_mean"]}}
        figure = pooled_posterior_plot(
            {spec.name: fitted.result}, quantity="both", title=title, exact=exact, rate_label=rate
        )
        alt = "Posterior of the pooled median and mean rate"
    if cdfs:
        alt += " (exact densities from the engine, no sampling)"
    _add_png(files, "pooled_posterior.png", figure)
    made.append(("pooled_posterior.png", alt))
    return made


def _exact_cdfs(fitted: Fitted) -> dict[str, Any]:
    """The exact engine's posterior CDFs of the fit's rates ({} for a sampled fit)."""
    from bayesmeta import engines

    if not engines.get_engine(fitted.result.engine).capabilities.rate_cdfs:
        return {}
    return engines.rate_cdfs(fitted.model)


def _per_level(fitted: Fitted) -> dict[str, Any]:
    """One result per level (its mu and tau draws) so the posterior plot shows every level."""
    import dataclasses

    import arviz as az

    idata = fitted.result.idata
    if (
        fitted.model.kind != "subgroup"
        or idata is None
        or "level" not in idata.posterior["mu"].dims
    ):
        return {}
    out = {}
    for level in idata.posterior["mu"].coords["level"].values:
        posterior = idata.posterior[["mu", "tau"]].sel(level=level)  # a shared tau has no level
        out[str(level)] = dataclasses.replace(
            fitted.result,
            idata=az.InferenceData(posterior=posterior),
            pooled_median=fitted.result.rates.get(str(level), fitted.result.pooled_median),
        )
    return out


def _level_frame(fitted: Fitted):
    import pandas as pd

    rows = []
    for level, iv in fitted.result.rates.items():
        row = {"level": level, "bayes_median": iv.median, "bayes_lo": iv.lo, "bayes_hi": iv.hi}
        for method, fit in fitted.baselines.items():
            group = getattr(fit, "groups", {}).get(level)
            if group is not None:
                row |= {
                    f"{method}_estimate": group.estimate,
                    f"{method}_lo": group.ci[0],
                    f"{method}_hi": group.ci[1],
                }
        rows.append(row)
    return pd.DataFrame(rows)


def summary_of(
    fitted: Fitted, *, digest: str, files: list[str], hashed: str = ""
) -> dict[str, Any]:
    """The JSON summary of a run (before :func:`json_ready`; the bias report is added later).

    Parameters
    ----------
    fitted : Fitted
        The fitted spec (model, Bayesian result, baselines and meta-regressions).
    digest : str
        SHA-256 of the spec file's bytes (:func:`spec_digest`).
    files : list of str
        Names of the files written in the spec's folder.
    hashed : str, optional
        Fit hash of spec, data and software (:func:`bayesmeta.analysis.fithash.fit_hash`).

    Returns
    -------
    dict
        Keys ``spec``, ``spec_digest``, ``fit_hash``, ``bayes``, ``baselines``,
        ``metaregressions``, ``baseline_errors``, ``paper``, ``excluded``, ``files`` and
        ``versions``.
    """
    return {
        "spec": fitted.spec.to_dict(),
        "spec_digest": digest,
        "fit_hash": hashed,
        "bayes": fitted.result.to_dict(),
        "baselines": {m: f.to_dict() for m, f in fitted.baselines.items()},
        "metaregressions": {m: f.to_dict() for m, f in fitted.metaregs.items()},
        "baseline_errors": dict(fitted.baseline_errors),
        "paper": dict(fitted.spec.paper),
        "excluded": fitted.model.data.excluded_records(),
        "files": files,
        "versions": stack_versions(),
    }


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


def _csv(frame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def render_outputs(fitted: Fitted) -> Rendered:
    """Every file of a fitted spec's folder, in memory: nothing touches the disk.

    The InferenceData of an exact fit (its resampled draws) is built here, where it is saved
    as ``posterior.nc``, and nowhere else.

    Parameters
    ----------
    fitted : Fitted
        The fitted spec.

    Returns
    -------
    Rendered
    """
    import json

    import pandas as pd

    from bayesmeta.model.storage import posterior_bytes

    hashed = fit_hash(fitted.spec)
    fitted = with_inference_data(fitted)
    files: dict[str, bytes] = {
        "posterior.nc": posterior_bytes(fitted.result, attrs={HASH_ATTR: hashed})
    }
    columns = ["estimate", "rate", "interval_95", "prediction_interval", "heterogeneity", "i2"]
    files["pooled.csv"] = _csv(pd.DataFrame(pooled_rows(fitted), columns=columns))
    files["study_rates.csv"] = _csv(fitted.result.study_rates)
    if fitted.result.rates:
        files["levels.csv"] = _csv(_level_frame(fitted))
    figures = _figures(fitted, files)
    bias = bias_report.compute(fitted)
    for name, figure in bias_report.figures(fitted, bias).items():
        _add_png(files, name, figure)
    names = [*files, *REPORT_FILES]
    summary = summary_of(fitted, digest=spec_digest(fitted.spec), files=names, hashed=hashed)
    summary["bias_influence"] = bias.to_dict()
    summary = json_ready(summary)
    blocks = analysis_blocks(fitted, figures=figures, files=names, bias=bias)
    # as atomic.write_json and write_text write them
    files["summary.json"] = (json.dumps(summary, indent=2, allow_nan=False) + "\n").encode()
    files["report.md"] = to_markdown(blocks).encode("utf-8")
    files["report.html"] = to_html(blocks, title=fitted.spec.title).encode("utf-8")
    return Rendered(files=files, summary=summary)


def with_inference_data(fitted: Fitted) -> Fitted:
    """``fitted`` with its result's InferenceData (built from an exact fit's draws if absent).

    Parameters
    ----------
    fitted : Fitted
        The fitted spec.

    Returns
    -------
    Fitted
    """
    import dataclasses

    from bayesmeta.analysis.draws import to_idata

    if fitted.result.idata is not None or fitted.params is None:
        return fitted
    idata = to_idata(fitted.model, fitted.draws, fitted.params, attrs={"spec": fitted.spec.name})
    return dataclasses.replace(fitted, result=fitted.result.updated(idata=idata))


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
