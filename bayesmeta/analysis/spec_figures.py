"""The figures of one spec's folder as PNG bytes: forest, drapery, subgroup forest and pooled
posterior plots (the bias and influence figures are :mod:`bayesmeta.analysis.bias_report`'s),
each drawn once and encoded from its canvas."""

from __future__ import annotations

from typing import Any

from bayesmeta.analysis.fitting import Fitted, overall
from bayesmeta.data.outcome_words import outcome_words


def png_bytes(figure, name: str) -> bytes:
    """A figure as PNG, at its own dpi (100: 800 pixels across an 8-inch forest plot).

    The figure is drawn once: a figure rendered already and unchanged since (the title-fitting
    pass of :func:`bayesmeta.plots.style.fit_titles` renders it) is encoded from its canvas as
    it is; any other is rendered first (layout and pixels in one draw). The bytes are those
    ``savefig(format="png")`` writes at the figure's dpi.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        A figure of :mod:`bayesmeta.plots`.
    name : str
        The file it becomes (the in-memory file's ``name``, for whoever inspects the save).

    Returns
    -------
    bytes
    """
    import io

    from matplotlib.image import imsave

    from bayesmeta.plots.style import is_rendered, render

    if not is_rendered(figure):
        render(figure)
    buffer = io.BytesIO()
    buffer.name = name
    # what savefig's PNG writer does after its draw (same metadata, same encoder)
    imsave(buffer, figure.canvas.buffer_rgba(), format="png", origin="upper", dpi=figure.dpi)
    return buffer.getvalue()


def add_png(files: dict[str, bytes], name: str, figure) -> None:
    """Add ``figure`` as PNG to the in-memory files under ``name`` (:func:`png_bytes`).

    Parameters
    ----------
    files : dict of str to bytes
        File name -> content.
    name : str
        The file name.
    figure : matplotlib.figure.Figure
        The figure.

    Returns
    -------
    None
    """
    files[name] = png_bytes(figure, name)


def spec_figures(fitted: Fitted, files: dict[str, bytes]) -> list[tuple[str, str]]:
    """forest.png, drapery.png, subgroup_forest.png (subgroup models) and pooled_posterior.png.

    Parameters
    ----------
    fitted : Fitted
        The fitted spec.
    files : dict of str to bytes
        The folder's files in memory: each figure's PNG is added under its name.

    Returns
    -------
    list of tuple
        ``(file name, alternative text)`` of each figure, in the order drawn.
    """
    from bayesmeta.plots import forest_plot, pooled_posterior_plot, subgroup_forest_plot

    spec, model = fitted.spec, fitted.model
    freq = {m: overall(f) for m, f in fitted.baselines.items() if m in ("DL", "GLMM")}
    made = []
    add_png(
        files,
        "forest.png",
        forest_plot(model.data, bayes=fitted.result, freq=freq or None, title=spec.title),
    )
    made.append(
        (
            "forest.png",
            "Forest plot: observed and shrunken study rates, pooled DL, GLMM and Bayesian estimates",
        )
    )
    from bayesmeta.plots.drapery import drapery_plot

    add_png(
        files,
        "drapery.png",
        drapery_plot(model.data, freq=freq.get("DL"), title=f"{spec.title}: drapery plot"),
    )
    made.append(("drapery.png", "Drapery plot: p-value functions of the studies and the DL pool"))
    if model.kind == "subgroup":
        groups = {
            m: f
            for m, f in fitted.baselines.items()
            if m in ("DL", "GLMM") and hasattr(f, "groups")
        }
        figure = subgroup_forest_plot(
            model.data, by=model.by, bayes=fitted.result, freq=groups or None, title=spec.title
        )
        add_png(files, "subgroup_forest.png", figure)
        made.append(
            (
                "subgroup_forest.png",
                f"Forest plot by {model.by}: per-level DL, GLMM and Bayesian rates",
            )
        )
    levels = _per_level(fitted)
    cdfs = _exact_cdfs(fitted)
    rate = outcome_words(spec.outcome).rate
    if levels:
        title = f"{spec.title}: rate of each level"
        exact = {lv: {"median": c} for lv, c in cdfs.get("levels", {}).items()}
        figure = pooled_posterior_plot(
            levels, quantity="median", title=title, exact=exact, rate_label=rate
        )
        alt = f"Posterior of the median rate expit(mu) of each level of {model.by}"
    else:
        title = f"{spec.title}: pooled rate"
        exact = {}
        if cdfs:
            exact = {spec.name: {"median": cdfs["pooled_median"], "mean": cdfs["pooled_mean"]}}
        figure = pooled_posterior_plot(
            {spec.name: fitted.result}, quantity="both", title=title, exact=exact, rate_label=rate
        )
        alt = "Posterior of the pooled median and mean rate"
    if cdfs:
        alt += " (exact densities from the engine, no sampling)"
    add_png(files, "pooled_posterior.png", figure)
    made.append(("pooled_posterior.png", alt))
    return made


def _exact_cdfs(fitted: Fitted) -> dict[str, Any]:
    """The exact engine's posterior CDFs of the fit's rates ({} for a sampled fit)."""
    from bayesmeta import engines

    if not engines.get_engine(fitted.result.engine).capabilities.rate_cdfs:
        return {}
    return engines.rate_cdfs(fitted.model)


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
