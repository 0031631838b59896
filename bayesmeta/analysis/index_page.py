"""The top of the index report: one figure of every analysis, then a compact table.

The figure (``index_forest.png``) draws every analysis's pooled rate by the paper, DL, GLMM and
the Bayesian model side by side, grouped by outcome, with each outcome's model-averaged rate.
The table has one short line per analysis (its name links to its report, where the details
are); a method that was refused says so in a few words, and the full reason follows the table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bayesmeta.analysis.blocks import Block, Bullets, Image, Paragraph, table
from bayesmeta.analysis.fitting import Fitted, overall

if TYPE_CHECKING:  # pragma: no cover
    from bayesmeta.plots.overview import OverviewRow

INDEX_FIGURE = "index_forest.png"


def short_refusal(method: str, error: str) -> str:
    """A refusal in a few words (``"not estimable: separation by antigen level CD30"``).

    Parameters
    ----------
    method : str
        The refused method (``GLMM``).
    error : str
        Its one-line error.

    Returns
    -------
    str
        The short reason; the full one is listed under the table.
    """
    found = re.search(r"(\w+) level\(s\) '([^']+)'", error)
    if found and "infinite" in error:
        more = " and more" if error.count("' (") > 1 else ""
        return f"not estimable: separation by {found.group(1)} level {found.group(2)}{more}"
    if "both events and non-events" in error:
        return "not estimable: no study with both events and non-events"
    return "not estimable (see below)"


def _estimates(fitted: Fitted) -> dict[str, Any]:
    from bayesmeta.plots.overview import Estimate

    out = {}
    paper = fitted.spec.paper
    if "estimate" in paper and "ci" in paper:
        out["paper"] = Estimate(float(paper["estimate"]), *map(float, paper["ci"]))
    for method in ("DL", "GLMM"):
        fit = fitted.baselines.get(method)
        if fit is not None:
            o = overall(fit)
            out[method] = Estimate(o.estimate, *o.ci)
    r = fitted.result.pooled_median
    out["Bayesian"] = Estimate(r.median, r.lo, r.hi)
    return out


def overview_rows(fitted: Sequence[Fitted], averagings: dict[str, Any]) -> list[OverviewRow]:
    """The rows of the index figure: each outcome's analyses, then its model-averaged rate.

    Parameters
    ----------
    fitted : sequence of Fitted
        The analyses, in the order of the spec files.
    averagings : dict
        Outcome -> its :class:`~bayesmeta.analysis.averaging.Averaging` (or None).

    Returns
    -------
    list of OverviewRow
    """
    from bayesmeta.plots.overview import Estimate, OverviewRow

    rows = []
    for outcome in dict.fromkeys(f.spec.outcome for f in fitted):
        for f in fitted:
            if f.spec.outcome == outcome:
                rows.append(OverviewRow(outcome, f.spec.name, _estimates(f)))
        averaging = averagings.get(outcome)
        if averaging is not None:
            iv = averaging.averaged["pooled_median"]
            rows.append(
                OverviewRow(
                    outcome, "model-averaged", {"Bayesian": Estimate(iv.median, iv.lo, iv.hi)}, True
                )
            )
    return rows


def index_figure_block() -> Image:
    """The index's figure as a report block (:func:`write_index_figure` writes the file).

    Returns
    -------
    Image
        ``index_forest.png`` with its alternative text.
    """
    alt = (
        "Pooled rate of every analysis, grouped by outcome: published, DerSimonian-Laird, GLMM "
        "and Bayesian estimates side by side with 95% intervals, and each outcome's "
        "model-averaged Bayesian rate"
    )
    return Image(INDEX_FIGURE, alt)


def write_index_figure(fitted: Sequence[Fitted], averagings: dict[str, Any], out: Path) -> None:
    """Write ``index_forest.png`` into ``out``.

    Parameters
    ----------
    fitted : sequence of Fitted
        The analyses.
    averagings : dict
        Outcome -> Averaging or None.
    out : Path
        The index's folder.

    Returns
    -------
    None
    """
    from bayesmeta.atomic import write_with
    from bayesmeta.plots.overview import overview_plot

    rows = overview_rows(fitted, averagings)
    if not rows:
        return
    figure = overview_plot(rows)
    write_with(out / INDEX_FIGURE, lambda tmp: figure.savefig(tmp, dpi=110, format="png"))


def _cell(fitted: Fitted, method: str) -> str:
    fit = fitted.baselines.get(method)
    if fit is None:
        error = fitted.baseline_errors.get(method)
        return short_refusal(method, error) if error else ""
    o = overall(fit)
    return _short(o.estimate, *o.ci)


def _short(estimate: float, lo: float, hi: float) -> str:
    """``23.6% [16.4, 32.8]``: a rate and its interval in one short cell."""
    return f"{100 * estimate:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]"


def _paper(fitted: Fitted) -> str:
    paper = fitted.spec.paper
    if "estimate" in paper and "ci" in paper:
        return _short(paper["estimate"], *paper["ci"])
    if paper.get("groups"):
        return "per level (in the report)"
    return "not analysed" if not paper else "none printed"


def compact_table(fitted: Sequence[Fitted]) -> list[Block]:
    """One short line per analysis; the name links to its report; refusals explained below.

    Parameters
    ----------
    fitted : sequence of Fitted
        The analyses.

    Returns
    -------
    list of Block
        The table (cells kept on one line), and the full reasons of any refusal.
    """
    rows = []
    reasons = []
    for f in fitted:
        r = f.result
        rows.append(
            [
                f"[{f.spec.name}]({f.spec.name}/report.html)",
                f.model.data.k,
                _paper(f),
                _cell(f, "DL"),
                _cell(f, "GLMM"),
                _short(r.pooled_median.median, r.pooled_median.lo, r.pooled_median.hi),
                ("exact" if not r.diagnostics.sampled else "ok") if r.diagnostics.ok else "WARNING",
            ]
        )
        reasons += [
            f"{f.spec.name}, {m}: {e.removeprefix(f'{m}: ')}" for m, e in f.baseline_errors.items()
        ]
    blocks: list[Block] = [
        table(
            ["analysis", "k", "paper", "DL", "GLMM", "Bayesian", "sampling"],
            rows,
            compact=True,
        )
    ]
    if reasons:
        blocks += [Paragraph("Methods refused, and why:"), Bullets(tuple(reasons))]
    return blocks
