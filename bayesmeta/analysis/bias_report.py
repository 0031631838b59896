"""The "Small-study effects" and "Influence" sections of every spec report.

Computed on the studies of the analysis pooled together (for subgroup and regression specs
too: small-study effects and influence concern the whole set of studies), on the logit scale
with the DerSimonian-Laird model: Egger's test (mixed-effects regression on the standard
error, metafor's ``regtest`` default), Peters' test (weighted regression on 1/n), Begg's rank
correlation, trim-and-fill (L0, side chosen as metafor), metafor's case-deletion table with
its influential flags, and the Bayesian counterpart (Pareto k of the analysis's own posterior;
the exact engine's leave-one-out pooled rate).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bayesmeta.analysis.blocks import Block, Heading, Image, Paragraph, table

#: Figures the sections show (written by the runner).
FUNNEL_FILE = "contour_funnel.png"
BAUJAT_FILE = "baujat.png"


@dataclass(frozen=True)
class BiasInfluence:
    """Small-study and influence results of one analysis (each None where it failed).

    Parameters
    ----------
    egger, peters, begg, trimfill, influence, bayes : object or None
        Results of :mod:`bayesmeta.freq.smallstudy`, :mod:`~bayesmeta.freq.ranktest`,
        :mod:`~bayesmeta.freq.trimfill`, :mod:`~bayesmeta.freq.influence` and
        :mod:`bayesmeta.analysis.bayes_influence`.
    errors : dict
        Why a piece is missing (one line each).
    """

    egger: Any = None
    peters: Any = None
    begg: Any = None
    trimfill: Any = None
    influence: Any = None
    bayes: Any = None
    errors: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields for ``summary.json``.

        Returns
        -------
        dict
        """
        out: dict[str, Any] = {}
        if self.egger is not None:
            out["egger"] = {"z": self.egger.statistic, "p": self.egger.p_value}
        if self.peters is not None:
            out["peters"] = {"t": self.peters.statistic, "p": self.peters.p_value}
        if self.begg is not None:
            out["begg"] = self.begg.to_dict()
        if self.trimfill is not None:
            out["trimfill"] = self.trimfill.to_dict()
        if self.influence is not None:
            out["influence"] = self.influence.to_dict()
        if self.bayes is not None:
            out["bayes_influence"] = self.bayes.to_dict()
        out["errors"] = dict(self.errors)
        return out


def compute(fitted: Any) -> BiasInfluence:
    """Every piece for one fitted spec; a piece that cannot be computed records why.

    Parameters
    ----------
    fitted : Fitted
        A fitted spec (:mod:`bayesmeta.analysis.fitting`).

    Returns
    -------
    BiasInfluence
    """
    from bayesmeta.analysis.bayes_influence import bayes_influence
    from bayesmeta.errors import BayesmetaError
    from bayesmeta.freq.influence import influence
    from bayesmeta.freq.ranktest import rank_test
    from bayesmeta.freq.smallstudy import egger, peters
    from bayesmeta.freq.trimfill import trim_fill

    data = fitted.model.data
    pieces = {
        "egger": lambda: egger(data, model="rma", method="DL"),
        "peters": lambda: peters(data, model="lm", method="DL"),
        "begg": lambda: rank_test(data),
        "trimfill": lambda: trim_fill(data, method="DL", estimator="L0"),
        "influence": lambda: influence(data, method="DL"),
        "bayes": lambda: bayes_influence(
            data, priors=fitted.model.priors, draws=fitted.draws, model=fitted.model
        ),
    }
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, make in pieces.items():
        try:
            values[name] = make()
        except BayesmetaError as error:
            errors[name] = str(error)
    return BiasInfluence(**values, errors=errors)


def _p(value: float) -> str:
    return f"{value:.3g}" if value >= 1e-4 else "<0.0001"


def small_study_blocks(bi: BiasInfluence, *, figure: bool = True) -> list[Block]:
    """The "Small-study effects" section.

    Parameters
    ----------
    bi : BiasInfluence
        From :func:`compute`.
    figure : bool
        Show the contour-enhanced funnel plot.

    Returns
    -------
    list of Block
    """
    blocks: list[Block] = [
        Heading("Small-study effects"),
        Paragraph(
            "All studies of the analysis, logit scale, DerSimonian-Laird. Egger's test regresses "
            "the effects on their standard errors (mixed-effects model, metafor's regtest "
            "default), Peters' test on 1/n (weighted least squares, t-test), Begg's test is "
            "Kendall's rank correlation of standardised effects and variances; trim-and-fill "
            "(L0) imputes the studies missing on the side metafor chooses."
        ),
    ]
    rows = []
    if bi.egger is not None:
        rows.append(
            [
                "Egger's regression, mixed-effects (metafor's regtest)",
                f"z = {bi.egger.statistic:.2f}",
                _p(bi.egger.p_value),
            ]
        )
    if bi.peters is not None:
        rows.append(["Peters' test", f"t = {bi.peters.statistic:.2f}", _p(bi.peters.p_value)])
    if bi.begg is not None:
        rows.append(["Begg's rank correlation", f"tau = {bi.begg.tau:.3f}", _p(bi.begg.p_value)])
    if rows:
        blocks.append(table(["test", "statistic", "p"], rows))
    tf = bi.trimfill
    if tf is not None:
        blocks.append(
            table(
                ["trim-and-fill", "k0 (side)", "adjusted rate (95% CI)", "mu (logit)", "tau^2"],
                [
                    [
                        f"{tf.estimator}, {tf.method}",
                        f"{tf.k0} ({tf.side})",
                        f"{100 * tf.estimate:.1f}% ({100 * tf.ci[0]:.1f}% to {100 * tf.ci[1]:.1f}%)",
                        f"{tf.mu:.3f}",
                        f"{tf.tau2:.4f}",
                    ]
                ],
            )
        )
    for name in ("egger", "peters", "begg", "trimfill"):
        if name in bi.errors:
            blocks.append(Paragraph(f"{name}: not computed ({bi.errors[name]})."))
    if figure:
        blocks.append(
            Image(
                FUNNEL_FILE,
                "Contour-enhanced funnel plot (p > 0.10, 0.05, 0.01 regions) with the studies "
                "trim-and-fill fills as open circles",
            )
        )
    return blocks


def influence_blocks(bi: BiasInfluence, *, figure: bool = True) -> list[Block]:
    """The "Influence" section: metafor's table, the Baujat plot, the Bayesian counterpart.

    Parameters
    ----------
    bi : BiasInfluence
        From :func:`compute`.
    figure : bool
        Show the Baujat plot.

    Returns
    -------
    list of Block
    """
    blocks: list[Block] = [Heading("Influence")]
    inf, b = bi.influence, bi.bayes
    if inf is None:
        blocks.append(Paragraph(f"Not computed ({bi.errors.get('influence', 'no result')})."))
        return blocks
    blocks.append(
        Paragraph(
            "Case deletion (DerSimonian-Laird, logit scale; metafor's influence()): "
            "studentized residual, DFFITS, Cook's distance, covariance ratio, hat value and "
            "tau^2 without the study. * marks metafor's influential studies (|DFFITS| > "
            "3 sqrt(1/(k-1)), Cook's D above the chi2(1) median, hat > 3/k or |DFBETAS| > 1). "
            "Bayesian: the Pareto k of the study (PSIS-LOO on at most 4000 of the analysis's "
            "draws; k > 0.7: leaving it out changes the posterior too much for importance "
            "sampling) and the exact engine's pooled median "
            "rate without it (random-intercept model, the spec's priors)."
        )
    )
    columns = ["study", "rstudent", "DFFITS", "Cook's D", "cov.r", "hat", "tau^2 del.", "inf."]
    if b is not None:
        columns += ["Pareto k", "Bayes rate without (shift)"]
    rows = []
    for i, study in enumerate(inf.studies):
        row = [
            study,
            f"{inf.rstudent[i]:.2f}",
            f"{inf.dffits[i]:.2f}",
            f"{inf.cook_d[i]:.3f}",
            f"{inf.cov_r[i]:.3f}",
            f"{inf.hat[i]:.3f}",
            f"{inf.tau2_del[i]:.4f}",
            "*" if inf.influential is not None and inf.influential[i] else "",
        ]
        if b is not None:
            k = "" if b.pareto_k is None else f"{np.floor(b.pareto_k[i] * 1000) / 1000:.3f}"
            row += [k, f"{100 * b.without[i].median:.1f}% ({100 * b.shift[i]:+.1f} pts)"]
        rows.append(row)
    blocks.append(table(columns, rows))
    if b is not None:
        blocks.append(
            Paragraph(
                f"Bayesian pooled median rate with every study: {100 * b.pooled.median:.1f}%."
            )
        )
    elif "bayes" in bi.errors:
        blocks.append(Paragraph(f"Bayesian influence not computed ({bi.errors['bayes']})."))
    if figure:
        blocks.append(
            Image(BAUJAT_FILE, "Baujat plot: contribution to heterogeneity against influence")
        )
    return blocks


def figures(fitted: Any, bi: BiasInfluence) -> dict[str, Any]:
    """The section's figures by file name (contour funnel, Baujat).

    Parameters
    ----------
    fitted : Fitted
        The fitted spec.
    bi : BiasInfluence
        From :func:`compute`.

    Returns
    -------
    dict
        File name -> matplotlib Figure.
    """
    from bayesmeta.plots.baujat import baujat_plot
    from bayesmeta.plots.contour_funnel import contour_funnel_plot

    data, title = fitted.model.data, fitted.spec.title
    out = {FUNNEL_FILE: contour_funnel_plot(data, trimfill=bi.trimfill, title=title)}
    if data.k >= 3:
        out[BAUJAT_FILE] = baujat_plot(data, title=f"{title}: Baujat plot")
    return out
