"""The output folder of an IPD analysis: tables, the within-trial forests and a report.

Written whole or not at all (:func:`bayesmeta.folders.replaced_folder`): result.json,
coefficients.csv (within/across table), differences.csv, naive.csv (pooled stratified rates and
risk ratios beside the one-stage odds ratios), within_trials.csv (each trial's own within-trial
estimate), no_within.csv, excluded.csv, forest/<modifier>.png and report.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bayesmeta.ipd.analysis import AGGREGATE_NOTE, IpdAnalysis
from bayesmeta.ipd.per_trial import within_trial_effects

KNOWN_FILES = frozenset(
    {
        "result.json",
        "coefficients.csv",
        "differences.csv",
        "naive.csv",
        "within_trials.csv",
        "no_within.csv",
        "excluded.csv",
        "forest",
        "report.md",
    }
)


def coefficient_table(analysis: IpdAnalysis) -> pd.DataFrame:
    """The within/across table: one row per modifier column.

    Parameters
    ----------
    analysis : IpdAnalysis

    Returns
    -------
    pandas.DataFrame
        modifier, within (estimate, lo, hi), across (estimate, lo, hi), difference and
        P(within < 0) (Bayes) or the difference's p-value (GLMM), on the log odds scale.
    """
    payload = analysis.to_dict()
    coef, diffs = payload["coefficients"], payload["differences"]
    point = "median" if analysis.bayes is not None else "estimate"
    rows = []
    for m in analysis.design.modifiers:
        row: dict[str, object] = {"modifier": m}
        for part in ("within", "across"):
            c = coef.get(f"{m}:{part}")
            if c is None:
                row.update({part: np.nan, f"{part}_lo": np.nan, f"{part}_hi": np.nan})
                continue
            lo, hi = (c["lo"], c["hi"]) if point == "median" else c["ci"]
            row.update({part: c[point], f"{part}_lo": lo, f"{part}_hi": hi})
        d = diffs.get(m)
        row["difference"] = np.nan if d is None else d[point]
        if analysis.bayes is not None:
            w = coef.get(f"{m}:within")
            row["p_within_negative"] = np.nan if w is None else w["prob_negative"]
            row["p_difference_negative"] = np.nan if d is None else d["prob_negative"]
        else:
            row["p_difference"] = np.nan if d is None else d["p"]
        rows.append(row)
    return pd.DataFrame(rows)


def _pooled(analysis: IpdAnalysis, modifier: str) -> dict[str, tuple[float, float, float]]:
    pooled = {}
    for part in ("within", "across"):
        name = f"{modifier}:{part}"
        if name not in analysis.design.columns:
            continue
        if analysis.bayes is not None:
            iv = analysis.bayes.coefficients[name]
            pooled[f"one-stage {part}"] = (iv.median, iv.lo, iv.hi)
        else:
            c = analysis.glmm.coefficients[name]
            pooled[f"one-stage {part}"] = (c["estimate"], *c["ci"])
    return pooled


def _markdown(frame: pd.DataFrame, digits: int = 3) -> str:
    shown = frame.copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(
                lambda v: "" if not np.isfinite(v) else f"{v:.{digits}g}"
            )
    header = "| " + " | ".join(map(str, shown.columns)) + " |"
    rule = "|" + "---|" * len(shown.columns)
    body = ["| " + " | ".join(map(str, row)) + " |" for row in shown.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def naive_table(analysis: IpdAnalysis) -> pd.DataFrame:
    """Every naive stratified table in one frame (a ``modifier`` column first).

    Parameters
    ----------
    analysis : IpdAnalysis

    Returns
    -------
    pandas.DataFrame
    """
    records = analysis.to_dict()["naive"]
    frames = [pd.DataFrame(rows).assign(modifier=m) for m, rows in records.items()]
    if not frames:
        return pd.DataFrame()
    frame = pd.concat(frames, ignore_index=True)
    return frame[["modifier", *[c for c in frame.columns if c != "modifier"]]]


def write_ipd_outputs(analysis: IpdAnalysis, folder: str | Path) -> None:
    """Write every output of ``analysis`` into ``folder`` (replaced whole or not at all).

    Parameters
    ----------
    analysis : IpdAnalysis
    folder : str or Path

    Returns
    -------
    None
    """
    from bayesmeta.atomic import write_json, write_tables, write_text, write_with
    from bayesmeta.folders import replaced_folder
    from bayesmeta.ipd.forest import within_forest
    from bayesmeta.versions import json_ready, with_versions

    payload = analysis.to_dict()
    design = analysis.design
    coefficients = coefficient_table(analysis)
    naive = naive_table(analysis)
    per_trial = {
        m: within_trial_effects(design, m) for m in design.modifiers if m not in design.trial_level
    }
    within = (
        pd.concat([t.assign(modifier=m) for m, t in per_trial.items()], ignore_index=True)
        if per_trial
        else pd.DataFrame()
    )
    no_within = pd.DataFrame(
        [{"modifier": m, "trial": t} for m, ts in design.no_within.items() for t in ts],
        columns=["modifier", "trial"],
    )
    excluded = pd.DataFrame(payload["excluded"], columns=["row", "trial", "source", "reason"])
    differences = pd.DataFrame(
        [
            {"modifier": m, **{k: v for k, v in d.items() if k != "ci"}}
            for m, d in payload["differences"].items()
        ]
    )
    with replaced_folder(folder, known=KNOWN_FILES) as temporary:
        write_json(temporary / "result.json", json_ready(with_versions(payload)))
        tables = {
            "coefficients": coefficients,
            "differences": differences,
            "naive": naive,
            "within_trials": within,
            "no_within": no_within,
            "excluded": excluded,
        }
        write_tables(temporary, tables)
        (temporary / "forest").mkdir()
        figures = []
        for m, table in per_trial.items():
            figure = within_forest(table, _pooled(analysis, m), modifier=m, note=analysis.data_note)
            safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in m)
            write_with(
                temporary / "forest" / f"{safe}.png",
                lambda path, fig=figure: fig.savefig(path, format="png"),
            )
            figures.append((m, f"forest/{safe}.png"))
        write_text(temporary / "report.md", _report(analysis, coefficients, naive, figures))


def _report(analysis, coefficients, naive, figures) -> str:
    design, data = analysis.design, analysis.design.data
    lines = ["# One-stage IPD meta-analysis", ""]
    if analysis.data_note:
        lines += [f"**{analysis.data_note}**", ""]
    lines += [
        f"Outcome `{data.outcome}`; modifiers `{design.formula}`; {data.k} trials,"
        f" {data.n_patients} patients in patient rows"
        + (f", {len(data.aggregate_trials)} aggregate trials" if data.aggregate_trials else "")
        + f"; {len(data.excluded)} rows left out (excluded.csv).",
        "",
        "Model: logit p_ij = alpha + u_i + sum_x (bW_x within_ij + bA_x across_i),"
        " within = x - trial mean, across = trial mean.",
        "",
    ]
    if analysis.bayes is not None:
        b = analysis.bayes
        lines += [
            f"Bayesian fit ({b.engine}); priors {b.priors.describe()};"
            f" tau {b.tau.median:.3g} [{b.tau.lo:.3g}, {b.tau.hi:.3g}].",
            "",
        ]
    else:
        g = analysis.glmm
        lines += [
            f"GLMM (adaptive Gauss-Hermite, 7 nodes); tau^2 {g.tau2:.3g}; log-likelihood"
            f" {g.loglik:.3f}; LRT of tau = 0: {g.lrt['statistic']:.2f} (p {g.lrt['p']:.2g}).",
            "",
        ]
    lines += [
        "## Within- and across-trial effects (log odds ratios)",
        "",
        _markdown(coefficients),
        "",
    ]
    if not naive.empty:
        lines += [
            "## Naive pooled stratified rates (patients pooled across trials) beside the one-stage odds ratios",
            "",
            _markdown(naive),
            "",
        ]
    lines += ["## Trials without within-trial information", ""]
    for m, trials in design.no_within.items():
        tail = " (trial-level modifier: across only)" if m in design.trial_level else ""
        lines.append(f"- `{m}`: {len(trials)} trial(s){tail}")
    if data.aggregate_trials:
        lines += ["", f"Aggregate data: {AGGREGATE_NOTE}."]
    lines += ["", "## Within-trial forests", ""]
    lines += [f"![{m}]({path})" for m, path in figures]
    return "\n".join(lines) + "\n"
