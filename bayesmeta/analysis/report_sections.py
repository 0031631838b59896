"""Report sections of one analysis: pooled estimates, per-level results, regression coefficients."""

from __future__ import annotations

import numpy as np

from bayesmeta.analysis.blocks import Block, Heading, Paragraph, table
from bayesmeta.analysis.fitting import Fitted, overall
from bayesmeta.analysis.report_format import interval_text, num, rate, span


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
        else "; ".join(
            f"{name} {num(iv.median, 2)} ({num(iv.lo, 2)} to {num(iv.hi, 2)})"
            for name, iv in r.parameters.items()
        )
    )
    engine = f"Bayesian ({r.engine})"
    likelihood = fitted.model.likelihood
    rows = [
        [
            f"{engine}: "
            + (
                likelihood.median_label_average
                if r.rates or r.coefficients
                else likelihood.median_label
            ),
            rate(r.pooled_median.median),
            span(r.pooled_median.lo, r.pooled_median.hi),
            span(r.new_study.lo, r.new_study.hi),
            tau,
            "",
        ],
        [
            f"{engine}: {likelihood.mean_label}",
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
        # a refusal (the ML estimate is infinite) is not a failure: say what it is, then why
        refused = "infinite" in error or "not estimable" in error or "both events" in error
        why = error.removeprefix(f"{method}: ")
        rows.append([f"Frequentist {method}", "not estimable" if refused else "failed", why])
        rows[-1] += ["", "", ""]
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
