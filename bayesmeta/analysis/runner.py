"""``bayesmeta run`` for one spec: fit, then write posterior, tables, figures and the report.

Output folder ``OUT/<name>/``::

    posterior.nc        InferenceData (NUTS draws, or draws resampled from the exact grid)
    summary.json        spec, Bayesian summary, baselines, paper numbers, exclusions, spec digest
    pooled.csv          the pooled-rate table of the report
    study_rates.csv     observed and shrunken study rates
    levels.csv          per-level rates (subgroup models)
    forest.png          forest plot: observed and shrunken rates, DL / GLMM / Bayesian diamonds
    subgroup_forest.png the same by level (subgroup models)
    pooled_posterior.png
    report.md, report.html

Every file is written atomically; the previous report and summary are removed first and written
last, so an interrupted run never leaves a report describing numbers that are not on disk.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bayesmeta.analysis.blocks import to_html, to_markdown
from bayesmeta.analysis.fitting import Fitted, fit_spec, overall
from bayesmeta.analysis.report import analysis_blocks, pooled_rows
from bayesmeta.analysis.specfile import AnalysisSpec
from bayesmeta.atomic import write_json, write_text, write_with
from bayesmeta.versions import stack_versions

REPORT_FILES = ("report.md", "report.html", "summary.json")


@dataclass(frozen=True)
class RunRecord:
    """What one run wrote."""

    spec: AnalysisSpec
    folder: Path
    summary: dict[str, Any]


def json_ready(value: Any) -> Any:
    """Plain JSON values: numpy scalars unwrapped, NaN and infinities as null."""
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
    """SHA-256 of the spec file's bytes (a saved run is reused only for the same spec)."""
    return hashlib.sha256(spec.path.read_bytes()).hexdigest()


def _save_png(figure, path: Path) -> None:
    write_with(path, lambda tmp: figure.savefig(tmp, dpi=110, format="png"))


def _figures(fitted: Fitted, folder: Path) -> list[tuple[str, str]]:
    """forest.png, subgroup_forest.png (subgroup models) and pooled_posterior.png."""
    from bayesmeta.plots import forest_plot, pooled_posterior_plot, subgroup_forest_plot

    spec, model = fitted.spec, fitted.model
    freq = {m: overall(f) for m, f in fitted.baselines.items() if m in ("DL", "GLMM")}
    made = []
    _save_png(
        forest_plot(model.data, bayes=fitted.result, freq=freq or None, title=spec.title),
        folder / "forest.png",
    )
    made.append(
        (
            "forest.png",
            "Forest plot: observed and shrunken study rates, pooled DL, GLMM and Bayesian estimates",
        )
    )
    if model.kind == "subgroup":
        groups = {
            m: f
            for m, f in fitted.baselines.items()
            if m in ("DL", "GLMM") and hasattr(f, "groups")
        }
        figure = subgroup_forest_plot(
            model.data, by=model.by, bayes=fitted.result, freq=groups or None, title=spec.title
        )
        _save_png(figure, folder / "subgroup_forest.png")
        made.append(
            (
                "subgroup_forest.png",
                f"Forest plot by {model.by}: per-level DL, GLMM and Bayesian rates",
            )
        )
    levels = _per_level(fitted)
    if levels:
        title = f"{spec.title}: rate of each level"
        figure = pooled_posterior_plot(levels, quantity="median", title=title)
        alt = f"Posterior of the median rate expit(mu) of each level of {model.by}"
    else:
        title = f"{spec.title}: pooled rate"
        figure = pooled_posterior_plot({spec.name: fitted.result}, quantity="both", title=title)
        alt = "Posterior of the pooled median and mean rate"
    _save_png(figure, folder / "pooled_posterior.png")
    made.append(("pooled_posterior.png", alt))
    return made


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


def summary_of(fitted: Fitted, *, digest: str, files: list[str]) -> dict[str, Any]:
    """The JSON summary of a run."""
    return {
        "spec": fitted.spec.to_dict(),
        "spec_digest": digest,
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
    """Write every output of a fitted spec under ``out/<name>/``."""
    import pandas as pd

    from bayesmeta.bayes import save

    folder = Path(out) / fitted.spec.name
    folder.mkdir(parents=True, exist_ok=True)
    for name in REPORT_FILES:
        (folder / name).unlink(missing_ok=True)
    files = ["posterior.nc"]
    save(fitted.result, folder / "posterior.nc")
    columns = ["estimate", "rate", "interval_95", "prediction_interval", "heterogeneity", "i2"]
    pooled = pd.DataFrame(pooled_rows(fitted), columns=columns)
    write_with(folder / "pooled.csv", lambda p: pooled.to_csv(p, index=False))
    write_with(
        folder / "study_rates.csv", lambda p: fitted.result.study_rates.to_csv(p, index=False)
    )
    files += ["pooled.csv", "study_rates.csv"]
    if fitted.result.rates:
        levels = _level_frame(fitted)
        write_with(folder / "levels.csv", lambda p: levels.to_csv(p, index=False))
        files.append("levels.csv")
    figures = _figures(fitted, folder)
    files += [path for path, _ in figures]
    files += list(REPORT_FILES)
    summary = json_ready(summary_of(fitted, digest=spec_digest(fitted.spec), files=files))
    blocks = analysis_blocks(fitted, figures=figures, files=files)
    write_json(folder / "summary.json", summary)
    write_text(folder / "report.md", to_markdown(blocks))
    write_text(folder / "report.html", to_html(blocks, title=fitted.spec.title))
    return RunRecord(spec=fitted.spec, folder=folder, summary=summary)


def run_spec(spec: AnalysisSpec, out: str | Path) -> tuple[Fitted, RunRecord]:
    """Fit one spec and write its outputs."""
    fitted = fit_spec(spec)
    return fitted, write_outputs(fitted, out)
