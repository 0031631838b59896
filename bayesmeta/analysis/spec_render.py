"""Every file of one spec's folder rendered in memory (posterior, tables, figures, summary and
reports), where the spec was fitted: nothing touches the disk, so any executor's worker can
render and the process holding the output folder writes (:mod:`bayesmeta.analysis.runner`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bayesmeta.analysis import bias_report
from bayesmeta.analysis.blocks import to_html, to_markdown
from bayesmeta.analysis.fithash import HASH_ATTR, fit_hash
from bayesmeta.analysis.fitting import Fitted
from bayesmeta.analysis.json_values import json_ready
from bayesmeta.analysis.report import analysis_blocks
from bayesmeta.analysis.report_sections import pooled_rows
from bayesmeta.analysis.spec_figures import add_png, spec_figures
from bayesmeta.analysis.spec_summary import level_frame, spec_digest, summary_of

REPORT_FILES = ("report.md", "report.html", "summary.json")
"""The files rendered last (they list the others)."""


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
        files["levels.csv"] = _csv(level_frame(fitted))
    figures = spec_figures(fitted, files)
    bias = bias_report.compute(fitted)
    for name, figure in bias_report.figures(fitted, bias).items():
        add_png(files, name, figure)
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
