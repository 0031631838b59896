"""The report's decision section: Bayes factors and P(rate > X) tables of one fit."""

from __future__ import annotations

from typing import Any

from bayesmeta.analysis.blocks import Block, Heading, Paragraph, table

LABELS = {
    "pooled_median": "pooled rate expit(mu)",
    "pooled_mean": "mean rate E[expit(mu + u)]",
    "new_study": "new study",
}


def strength(log_bf: float) -> str:
    """Jeffreys' (Kass and Raftery 1995) wording of a Bayes factor's size.

    Parameters
    ----------
    log_bf : float
        Natural log of the Bayes factor.

    Returns
    -------
    str
        "negligible", "positive", "strong" or "very strong", for or against.
    """
    size = abs(log_bf)
    words = (
        "negligible" if size < 1.0 else "positive" if size < 3.0 else "strong" if size < 5.0
        else "very strong"
    )  # fmt: skip
    return words if words == "negligible" else f"{words} {'for' if log_bf > 0 else 'against'}"


def decision_section(result: Any) -> list[Block]:
    """Bayes factors (exact engine) and threshold probabilities of a fit.

    Parameters
    ----------
    result : BayesResult
        A fit, with ``bayes_factors`` and ``prob_above`` (either may be empty).

    Returns
    -------
    list of Block
        Nothing when the fit has neither.
    """
    blocks: list[Block] = []
    if result.bayes_factors:
        blocks += [
            Heading("Bayes factors"),
            Paragraph(
                "Each factor compares the model with a companion that differs in one respect, "
                "all other priors equal, from the exact log evidences; log BF > 0 favours the "
                "first. Bayes factors depend on the priors (see `bayesmeta sensitivity`), and "
                "answer which model is more probable, not which predicts the next study best "
                "(LOO, `bayesmeta compare`)."
            ),
            table(
                ["factor", "comparison", "log BF", "BF", "numerical error", "evidence"],
                [
                    [
                        name,
                        bf.against,
                        f"{bf.log_bf:.3f}",
                        f"{bf.bf:.3g}",
                        f"{bf.error:.1e}",
                        strength(bf.log_bf),
                    ]
                    for name, bf in result.bayes_factors.items()
                ],
            ),
        ]
    if result.prob_above:
        from bayesmeta.engines import declares

        exact = declares(result.engine, "rate_cdfs")
        rows = []
        for x, entry in result.prob_above.items():
            for name, label in LABELS.items():
                rows.append([x, label, f"{entry[name]:.4f}"])
            for level, p in entry.get("levels", {}).items():
                rows.append([x, f"rate[{level}]", f"{p:.4f}"])
        blocks += [
            Heading("Decision probabilities"),
            Paragraph(
                "Posterior probability that each rate exceeds the threshold X, "
                + (
                    "exact from the engine's posterior CDFs."
                    if exact
                    else "the share of posterior draws above X (Monte Carlo error applies)."
                )
            ),
            table(["threshold X", "rate", "P(rate > X)"], rows),
        ]
    return blocks


def averaging_blocks(averaging: Any) -> list[Block]:
    """The index's model-averaging section of one outcome.

    Parameters
    ----------
    averaging : Averaging
        From :func:`bayesmeta.analysis.averaging.average`.

    Returns
    -------
    list of Block
        Posterior model probabilities, averaged rates and inclusion Bayes factors.
    """
    payload = averaging.to_dict()
    blocks: list[Block] = [
        Paragraph(
            "Bayesian model averaging (equal prior model probabilities; exact log evidence): "
            "posterior model probabilities, the model-averaged rates (mixtures of the exact "
            "posteriors) and inclusion Bayes factors."
        ),
        table(
            ["model", "prior", "posterior", "log p(y)"],
            [
                [
                    m["name"],
                    f"{m['prior_prob']:.3f}",
                    f"{m['posterior_prob']:.3f}",
                    f"{m['log_evidence']:.3f}",
                ]
                for m in payload["models"]
            ],  # fmt: skip
        ),
    ]
    rows = [
        [label, f"{iv['median']:.3f} [{iv['lo']:.3f}, {iv['hi']:.3f}]"]
        for key, label in LABELS.items()
        for iv in [payload["averaged"][key]]
    ]
    for cov, levels in payload["averaged"].get("levels", {}).items():
        rows += [
            [f"rate[{cov}={lv}]", f"{iv['median']:.3f} [{iv['lo']:.3f}, {iv['hi']:.3f}]"]
            for lv, iv in levels.items()
        ]
    blocks.append(table(["model-averaged", "median [95% interval]"], rows))
    if payload["inclusion_bf"]:
        blocks.append(
            table(
                ["inclusion Bayes factor", "log BF", "evidence"],
                [
                    [name, f"{bf['log_bf']:.3f}", strength(bf["log_bf"])]
                    for name, bf in payload["inclusion_bf"].items()
                ],
            )
        )
    return blocks
