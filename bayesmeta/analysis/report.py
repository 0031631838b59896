"""The report of one analysis, as document blocks (rendered by :mod:`bayesmeta.analysis.blocks`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bayesmeta.analysis.blocks import Block, Bullets, Heading, Image, Paragraph, table
from bayesmeta.analysis.decision_report import decision_section
from bayesmeta.analysis.fitting import Fitted
from bayesmeta.analysis.report_format import rate, span
from bayesmeta.analysis.report_sections import coefficient_section, level_section, pooled_rows
from bayesmeta.plural import plural


def _engine_line(engine: str, s: dict) -> str:
    from bayesmeta.engines import declares

    if declares(engine, "exact"):
        return f"Engine: exact {engine} (deterministic); {s['chains']} x {s['draws']} draws resampled from the grid for plots and LOO (seed {s['seed']})"
    label = "NUTS" if engine == "nuts" else engine
    return f"Engine: {label} ({s['sampler']}), {s['chains']} chains x {s['draws']} draws after {s['tune']} tuning steps, seed {s['seed']}"


def model_bullets(fitted: Fitted) -> list[str]:
    """The report's description of the model: kind, covariates, priors, engine and data.

    Parameters
    ----------
    fitted : Fitted
        The fitted spec.

    Returns
    -------
    list of str
        One bullet each.
    """
    spec, model = fitted.spec, fitted.model
    s = spec.sampler
    items = [f"Kind: {model.kind}"]
    if model.by:
        items.append(
            f"Grouping covariate: `{model.by}` ("
            + (
                "a separate between-study SD per level"
                if model.separate_tau
                else "one between-study SD shared by the levels"
            )
            + ")"
        )
    if model.formula:
        items.append(f"Formula: `{model.formula}`")
    priors = model.priors.to_dict()
    if model.kind != "regression":
        priors.pop("beta")
    if model.kind == "common":
        priors.pop("tau")
    priors = model.likelihood.report_priors(priors)
    items.append("Priors: " + "; ".join(f"{k} ~ {v}" for k, v in priors.items()))
    items.append(_engine_line(fitted.result.engine, s))
    items.append(f"Likelihood: {model.likelihood.formula_text} ({plural(model.data.k, 'study')})")
    line = evidence_line(fitted.result)
    if line:
        items.append(line)
    return items


def evidence_line(result) -> str:
    """The report's line on log p(y) (exact engine), or "" when the engine gives none.

    Parameters
    ----------
    result : BayesResult
        The Bayesian result; its ``log_evidence`` and ``log_evidence_error`` are read.

    Returns
    -------
    str
        "Log evidence log p(y) = ..." with the numerical error when known, or "" when
        ``result.log_evidence`` is None (NUTS).
    """
    if result.log_evidence is None:
        return ""
    error = result.log_evidence_error
    return (
        f"Log evidence log p(y) = {result.log_evidence:.3f}"
        + ("" if error is None else f" (numerical error {error:.1e})")
        + ", binomial coefficients included"
    )


def diagnostics_bullets(fitted: Fitted) -> list[str]:
    """The report's diagnostics: R-hat, ESS and divergences (NUTS) or the exact engine's note.

    Parameters
    ----------
    fitted : Fitted
        The fitted spec.

    Returns
    -------
    list of str
        One bullet each.
    """
    d = fitted.result.diagnostics
    items = []
    if d.sampled:
        items.append(
            f"max R-hat {d.rhat_max:.3f}; min bulk ESS {d.ess_bulk_min:.0f}; min tail ESS {d.ess_tail_min:.0f}; {d.divergences} divergent transitions"
        )
    else:
        items.append("Exact (no sampling): no Markov chain, so no R-hat, ESS or divergences")
    if d.engine_note:
        items.append(d.engine_note)
    problems = d.problems()
    if d.sampled:
        items.append("all checks passed" if not problems else "WARNING: " + "; ".join(problems))
    return items


def analysis_blocks(
    fitted: Fitted,
    *,
    figures: Sequence[tuple[str, str]] = (),
    files: Sequence[str] = (),
    bias: Any = None,
) -> list[Block]:
    """Every section of one analysis's report.

    Parameters
    ----------
    fitted : Fitted
        The fitted spec.
    figures : sequence of (path, alt)
        Figures of the "Figures" section.
    files : sequence of str
        Files written beside the report.
    bias : BiasInfluence, optional
        Small-study and influence results (computed here when omitted).

    Returns
    -------
    list of Block
    """
    from bayesmeta.analysis import bias_report

    spec, model, r = fitted.spec, fitted.model, fitted.result
    data = model.data
    blocks: list[Block] = [Heading(spec.title, 1)]
    if spec.description:
        blocks.append(Paragraph(spec.description))
    blocks.append(
        Paragraph(
            f"Spec file `{spec.path}`; outcome `{spec.outcome}`: {plural(data.k, 'study')}, "
            f"{int(np.sum(data.events))} events among {int(np.sum(data.total))} patients."
        )
    )
    blocks += [Heading("Model"), Bullets(tuple(model_bullets(fitted)))]
    blocks.append(Heading("Studies excluded"))
    if data.excluded:
        blocks.append(table(["study", "reason"], [[e.study, e.reason] for e in data.excluded]))
    else:
        blocks.append(Paragraph("None: every study in the data is in the analysis."))
    blocks += [Heading("Diagnostics"), Bullets(tuple(diagnostics_bullets(fitted)))]
    blocks.append(Heading("Pooled rate"))
    blocks.append(
        Paragraph(
            "The pooled median rate expit(mu) is the rate of the median study (what metafor and meta report); "
            "the pooled mean rate averages over the between-study distribution. Frequentist rows use the "
            "logit transformation; the GLMM is what the paper's numbers are (meta::metaprop's default)."
            + (
                ""
                if fitted.model.likelihood.name == "binomial"
                else f" The Bayesian rows here use the {fitted.model.likelihood.name} likelihood: "
                f"{fitted.model.likelihood.formula_text}."
            )
        )
    )
    blocks.append(
        table(
            ["estimate", "rate", "95% interval", "prediction interval", "heterogeneity", "I^2"],
            pooled_rows(fitted),
        )
    )
    if spec.paper.get("note"):
        blocks.append(Paragraph(f"Paper: {spec.paper['note']}."))
    blocks += level_section(fitted)
    blocks += coefficient_section(fitted)
    blocks += decision_section(fitted.result)
    bias = bias if bias is not None else bias_report.compute(fitted)
    written = set(files) | {path for path, _ in figures}
    blocks += bias_report.small_study_blocks(bias, figure=bias_report.FUNNEL_FILE in written)
    blocks += bias_report.influence_blocks(bias, figure=bias_report.BAUJAT_FILE in written)
    if figures:
        blocks.append(Heading("Figures"))
        blocks += [Image(path, alt) for path, alt in figures]
    blocks.append(Heading("Studies"))
    blocks.append(
        table(
            ["study", "events / total", "observed", "shrunken rate (95% CrI)"],
            [
                [
                    row["study"],
                    f"{int(row['events'])} / {int(row['total'])}",
                    rate(row["observed"]),
                    f"{rate(row['median'])} ({span(row['lo'], row['hi'])})",
                ]
                for row in r.study_rates.to_dict(orient="records")
            ],
        )
    )
    if files:
        blocks += [Heading("Files"), Bullets(tuple(f"`{f}`" for f in files))]
    blocks += software_section()
    return blocks


def software_section() -> list[Block]:
    """The software stack the report was computed with (``versions`` of the JSON outputs).

    Returns
    -------
    list of Block
        A heading and one line of ``name version`` pairs.
    """
    from bayesmeta.versions import stack_versions

    line = ", ".join(f"{name} {version}" for name, version in stack_versions().items())
    return [Heading("Software"), Paragraph(f"Computed with {line}.")]
