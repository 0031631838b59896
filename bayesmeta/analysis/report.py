"""The report of one analysis, as document blocks (rendered by :mod:`bayesmeta.analysis.blocks`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from bayesmeta.analysis.blocks import Block, Bullets, Heading, Image, Paragraph, table
from bayesmeta.analysis.decision_report import decision_section
from bayesmeta.analysis.fitting import Fitted, overall


def num(value: Any, digits: int = 3) -> str:
    """A number for a table ('' when missing or not finite).

    Parameters
    ----------
    value : Any
        A number, or None.
    digits : int, optional
        Digits after the decimal point.

    Returns
    -------
    str
    """
    if value is None:
        return ""
    value = float(value)
    return f"{value:.{digits}f}" if math.isfinite(value) else ""


def pareto_k(value: float) -> str:
    """k to 3 decimals, rounded down so that a k below 0.7 never prints as 0.700.

    Parameters
    ----------
    value : float
        A number, or None.

    Returns
    -------
    str
    """
    return f"{math.floor(float(value) * 1000) / 1000:.3f}"


def rate(value: Any) -> str:
    """A rate as a percentage with one decimal (``''`` when missing or not finite).

    Parameters
    ----------
    value : float or None
        A rate in [0, 1].

    Returns
    -------
    str
        ``"58.2%"``.
    """
    return "" if value is None or not math.isfinite(float(value)) else f"{100 * float(value):.1f}%"


def span(lo: Any, hi: Any) -> str:
    """An interval of rates as text (``''`` when a bound is missing).

    Parameters
    ----------
    lo, hi : float or None
        Lower and upper bounds, rates in [0, 1].

    Returns
    -------
    str
        ``"43.0% to 72.1%"``.
    """
    if lo is None or hi is None:
        return ""
    return f"{rate(lo)} to {rate(hi)}"


def interval_text(iv: Any) -> str:
    """'58.2% (43.0% to 72.1%)' for an Interval-like object.

    Parameters
    ----------
    iv : Any
        An Interval or an object with ``median``, ``lo`` and ``hi``.

    Returns
    -------
    str
    """
    return "" if iv is None else f"{rate(iv.median)} ({span(iv.lo, iv.hi)})"


def pooled_rows(fitted: Fitted) -> list[list[str]]:
    """Rows of the pooled-rate table: Bayesian, each frequentist baseline, the paper.

    Parameters
    ----------
    fitted : Fitted
        The fitted spec (model, Bayesian result, draws and frequentist baselines).

    Returns
    -------
    list[list[str]]
    """
    r = fitted.result
    tau = (
        f"tau {num(r.tau.median, 2)} ({num(r.tau.lo, 2)} to {num(r.tau.hi, 2)})"
        if r.tau is not None
        else ""
    )
    engine = f"Bayesian ({r.engine})"
    rows = [
        [
            f"{engine}: pooled median rate expit(mu)",
            rate(r.pooled_median.median),
            span(r.pooled_median.lo, r.pooled_median.hi),
            span(r.new_study.lo, r.new_study.hi),
            tau,
            "",
        ],
        [
            f"{engine}: pooled mean rate E[expit(mu + u)]",
            rate(r.pooled_mean.median),
            span(r.pooled_mean.lo, r.pooled_mean.hi),
            "",
            "",
            "",
        ],
    ]
    for method, fit in fitted.baselines.items():
        o = overall(fit)
        pi = span(*o.pi) if o.pi else ""
        rows.append(
            [
                f"Frequentist {method} (logit)",
                rate(o.estimate),
                span(*o.ci),
                pi,
                f"tau^2 {num(o.tau2, 4)}",
                f"{num(o.i2, 0)}%",
            ]
        )
    for method, error in fitted.baseline_errors.items():
        rows.append([f"Frequentist {method}", "failed", error, "", "", ""])
    paper = fitted.spec.paper
    if "estimate" in paper or "ci" in paper:
        ci = paper.get("ci")
        rows.append(
            [
                f"Paper: {paper.get('source', '')}",
                rate(paper.get("estimate")),
                span(*ci) if ci else "",
                "",
                f"tau^2 {paper['tau2']}" if "tau2" in paper else "",
                f"{100 * paper['i2']:.0f}%" if "i2" in paper else "",
            ]
        )
    return rows


def level_section(fitted: Fitted) -> list[Block]:
    """Per-level rates (subgroup model): Bayesian, frequentist, paper; test of differences.

    Parameters
    ----------
    fitted : Fitted
        The fitted spec (model, Bayesian result, draws and frequentist baselines).

    Returns
    -------
    list[Block]
    """
    model, r = fitted.model, fitted.result
    if model.kind != "subgroup":
        return []
    counts = np.bincount(np.asarray(model.group_index()), minlength=len(model.groups))
    methods = [m for m, fit in fitted.baselines.items() if hasattr(fit, "groups")]
    paper_groups = fitted.spec.paper.get("groups", {})
    columns = ["level", "studies", "Bayesian rate (95% CrI)", "tau"] + [
        f"{m} (95% CI)" for m in methods
    ]
    if paper_groups:
        columns.append("paper")
    rows = []
    for level, count in zip(model.groups, counts, strict=True):
        level = str(level)
        tau = r.taus.get(level, r.tau)
        row = [
            level,
            int(count),
            interval_text(r.rates.get(level)),
            num(tau.median, 2) if tau is not None else "",
        ]
        for method in methods:
            fit = fitted.baselines[method].groups.get(level)
            row.append("" if fit is None else f"{rate(fit.estimate)} ({span(*fit.ci)})")
        if paper_groups:
            p = paper_groups.get(level, {})
            row.append(
                f"{rate(p['estimate'])} ({span(*p['ci'])})" if "estimate" in p and "ci" in p else ""
            )
        rows.append(row)
    blocks: list[Block] = [Heading(f"Rates by {model.by}"), table(columns, rows)]
    tests = [
        [f"Frequentist {m}", num(fit.q_between, 2), fit.df_between, num(fit.p_between, 4)]
        for m, fit in fitted.baselines.items()
        if hasattr(fit, "q_between")
    ]
    paper = fitted.spec.paper
    if "q_between" in paper:
        tests.append(
            [
                f"Paper: {paper.get('source', '')}",
                paper["q_between"],
                paper.get("df_between", ""),
                paper.get("p_between", ""),
            ]
        )
    if tests:
        blocks += [
            Paragraph("Test for subgroup differences:"),
            table(["source", "Q between", "df", "p"], tests),
        ]
    if r.contrasts:
        blocks.append(
            Paragraph(
                "Bayesian differences between levels (rate a - rate b) and the posterior probability that a is higher:"
            )
        )
        blocks.append(
            table(
                ["a", "b", "difference (95% CrI)", "P(a > b)"],
                [
                    [
                        c.a,
                        c.b,
                        f"{100 * c.median:+.1f} pts ({100 * c.lo:+.1f} to {100 * c.hi:+.1f})",
                        num(c.prob_a_greater, 3),
                    ]
                    for c in r.contrasts
                ],
            )
        )
    return blocks


def coefficient_section(fitted: Fitted) -> list[Block]:
    """Regression coefficients (logit scale): Bayesian beside each frequentist meta-regression.

    Parameters
    ----------
    fitted : Fitted
        The fitted spec (model, Bayesian result, draws and frequentist baselines).

    Returns
    -------
    list[Block]
    """
    r = fitted.result
    if not r.coefficients:
        return []
    methods = list(fitted.metaregs)
    columns = ["coefficient", "Bayesian median (95% CrI)"] + [f"{m} estimate (SE)" for m in methods]
    rows = []
    for name, iv in r.coefficients.items():
        row = [name, f"{num(iv.median)} ({num(iv.lo)} to {num(iv.hi)})"]
        for method in methods:
            c = fitted.metaregs[method].coefficients.get(name)
            row.append("" if c is None else f"{num(c.get('estimate'))} ({num(c.get('se'))})")
        rows.append(row)
    blocks: list[Block] = [Heading("Coefficients (logit scale)"), table(columns, rows)]
    tests = [
        [m, num(f.qm, 2), f.qm_df, num(f.qm_p, 4), num(f.tau2, 4)]
        for m, f in fitted.metaregs.items()
    ]
    if tests:
        blocks.append(Paragraph("Frequentist omnibus test of the moderators and residual tau^2:"))
        blocks.append(table(["method", "QM", "df", "p", "residual tau^2"], tests))
    return blocks


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
    items.append("Priors: " + "; ".join(f"{k} ~ {v}" for k, v in priors.items()))
    if fitted.result.engine == "quadrature":
        items.append(
            f"Engine: exact quadrature (deterministic); {s['chains']} x {s['draws']} draws resampled from the grid for plots and LOO (seed {s['seed']})"
        )
    else:
        items.append(
            f"Engine: NUTS ({s['sampler']}), {s['chains']} chains x {s['draws']} draws after {s['tune']} tuning steps, seed {s['seed']}"
        )
    items.append(
        f"Likelihood: events ~ Binomial(total, expit(eta + u)), u ~ Normal(0, tau) per study ({model.data.k} studies)"
    )
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
    if d.rhat_max is not None:
        items.append(
            f"max R-hat {d.rhat_max:.3f}; min bulk ESS {d.ess_bulk_min:.0f}; min tail ESS {d.ess_tail_min:.0f}; {d.divergences} divergent transitions"
        )
    else:
        items.append("exact engine: no Markov chain, so no R-hat, ESS or divergences")
    if d.engine_note:
        items.append(d.engine_note)
    problems = d.problems()
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
            f"Spec file `{spec.path}`; outcome `{spec.outcome}`: {data.k} studies, "
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
