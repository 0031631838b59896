"""Run a joint spec file: fit through the engine boundary, write its folder whole (issue 20).

``OUT/<name>/``: ``result.json``, one CSV per table (:func:`bayesmeta.joint.tables.joint_tables`),
``posterior.nc``, ``pooled_rates.png``, ``correlations.png``, ``report.md`` and ``report.html``.
"""

from __future__ import annotations

import json
from pathlib import Path

from bayesmeta.analysis.joint_spec import JointAnalysisSpec, to_joint_model

__all__ = ["JOINT_RUN_FILES", "fit_joint_spec", "run_joint_spec"]

JOINT_RUN_FILES = frozenset(
    {
        "posterior.nc",
        "result.json",
        "pooled_rates.png",
        "correlations.png",
        "report.md",
        "report.html",
    }
    | {
        f"{name}.csv"
        for name in (
            "summary",
            "correlations",
            "joint",
            "conditional",
            "study_rates",
            "diagnostics",
            "excluded",
        )
    }
)
"""Every file a joint spec's folder may hold."""


def fit_joint_spec(spec: JointAnalysisSpec):
    """Fit a joint spec with the engine its ``[sampler] engine`` resolves to.

    Parameters
    ----------
    spec : JointAnalysisSpec
        The spec.

    Returns
    -------
    JointResult
    """
    import bayesmeta.joint  # noqa: F401  (registers the joint engine)
    from bayesmeta.engines import get_engine, resolve
    from bayesmeta.errors import SpecError
    from bayesmeta.model.engine_api import FitOptions
    from bayesmeta.model.options import NutsOptions

    model = to_joint_model(spec)
    engine = spec.sampler["engine"]
    try:
        name = resolve(model, "auto" if engine == "nuts" else engine)
    except Exception as error:  # an unknown engine or one that cannot fit it: one line
        raise SpecError(f"{spec.path}: [sampler] engine: {error}") from None
    s = spec.sampler
    nuts = NutsOptions(
        draws=s["draws"], tune=s["tune"], chains=s["chains"], seed=s["seed"], sampler=s["sampler"]
    )
    return get_engine(name).fit(model, FitOptions(nuts=nuts))


def run_joint_spec(spec: JointAnalysisSpec, out: str | Path):
    """Fit a joint spec and write ``out/<name>/`` whole (or not at all).

    Parameters
    ----------
    spec : JointAnalysisSpec
        The spec.
    out : str or Path
        The output folder of the run.

    Returns
    -------
    JointResult
    """
    import pandas as pd

    from bayesmeta.analysis.blocks import Heading, Paragraph, to_html, to_markdown
    from bayesmeta.analysis.joint_report import joint_blocks
    from bayesmeta.analysis.json_values import json_ready
    from bayesmeta.atomic import write_bytes, write_json, write_text, write_with
    from bayesmeta.folders import replaced_folder
    from bayesmeta.joint.draws import SUMMARY_ATTR
    from bayesmeta.joint.tables import joint_tables
    from bayesmeta.model.storage import netcdf_bytes
    from bayesmeta.plots.joint import correlation_matrix_plot, pooled_rates_panel
    from bayesmeta.versions import stack_versions

    result = fit_joint_spec(spec)
    payload = json_ready({**result.to_dict(), "versions": stack_versions()})
    payload["spec"] = {"name": spec.name, "title": spec.title, "path": str(spec.path)}
    figures = {"rates": "pooled_rates.png", "correlations": "correlations.png"}
    with replaced_folder(Path(out) / spec.name, known=JOINT_RUN_FILES) as folder:
        idata = result.idata.copy()
        idata.posterior.attrs[SUMMARY_ATTR] = json.dumps(payload)
        write_bytes(folder / "posterior.nc", netcdf_bytes(idata))
        write_json(folder / "result.json", payload)
        for name, records in joint_tables(payload).items():
            frame = pd.DataFrame(records)
            write_with(folder / f"{name}.csv", lambda p, f=frame: f.to_csv(p, index=False))
        for key, figure in (
            ("rates", pooled_rates_panel(payload)),
            ("correlations", correlation_matrix_plot(payload)),
        ):
            write_with(
                folder / figures[key], lambda p, f=figure: f.savefig(p, dpi=110, format="png")
            )
        blocks = [Heading(spec.title, level=1)]
        if spec.description:
            blocks.append(Paragraph(spec.description))
        blocks += joint_blocks(payload, figures=figures)
        write_text(folder / "report.md", to_markdown(blocks))
        write_text(folder / "report.html", to_html(blocks, title=spec.title))
    return result
