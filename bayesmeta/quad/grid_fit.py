"""``fit_quadrature``: the exact engine's entry point, returning a :class:`BayesResult`."""

from __future__ import annotations

from bayesmeta.errors import InputError
from bayesmeta.model.result import BayesResult, Diagnostics
from bayesmeta.model.spec import ModelSpec
from bayesmeta.quad.controls import Accuracy
from bayesmeta.quad.grid import PosteriorGrid, build_grid
from bayesmeta.quad.summaries import (
    mu_interval,
    new_study_interval,
    pooled_mean_interval,
    study_rates_frame,
    tau_interval,
)


def accuracy_from(accuracy: Accuracy | None, **overrides) -> Accuracy:
    """An :class:`Accuracy` from an optional base and keyword overrides (None keeps the base).

    Parameters
    ----------
    accuracy : Accuracy or None
        Accuracy controls (None: the defaults).
    **overrides
        Accuracy fields to change (None values are ignored).

    Returns
    -------
    Accuracy
    """
    base = accuracy or Accuracy()
    given = {key: value for key, value in overrides.items() if value is not None}
    if not given:
        return base
    fields = {**base.__dict__, **given}
    return Accuracy(**fields)


def check_supported(spec: ModelSpec) -> None:
    """Raise a clear InputError for models the exact engine cannot integrate.

    Every model kind is integrated (the meta-regression by :mod:`bayesmeta.quad.regression`);
    what :func:`bayesmeta.engines.supports` allows must stay what this accepts.

    Parameters
    ----------
    spec : ModelSpec
        The model.

    Returns
    -------
    None
    """
    if spec.kind not in ("random", "common", "subgroup", "regression"):
        raise InputError(f"the quadrature engine cannot fit a '{spec.kind}' model")


def posterior_grid(
    spec: ModelSpec,
    *,
    accuracy: Accuracy | None = None,
    n_mu: int | None = None,
    n_tau: int | None = None,
    n_gh: int | None = None,
    edge_tol: float | None = None,
) -> PosteriorGrid:
    """The posterior grid of a random-intercept or common-effect model.

    Parameters
    ----------
    spec : ModelSpec
        A "random" or "common" model.
    accuracy : Accuracy, optional
        Base accuracy controls; ``n_mu``, ``n_tau``, ``n_gh``, ``edge_tol`` override it.
    n_mu : int, optional
        Starting number of mu nodes (None: default).
    n_tau : int, optional
        Starting number of tau nodes (None: default).
    n_gh : int, optional
        Adaptive Gauss-Hermite nodes per study.
    edge_tol : float, optional
        Largest posterior mass allowed in the grid's outermost cells (None: default).

    Returns
    -------
    PosteriorGrid
        Nodes, normalised log masses, per-study log likelihoods and log p(y).
    """
    if spec.kind not in ("random", "common"):
        raise InputError(f"posterior_grid handles the random and common models, not '{spec.kind}'")
    acc = accuracy_from(accuracy, n_mu=n_mu, n_tau=n_tau, n_gh=n_gh, edge_tol=edge_tol)
    return build_grid(
        spec.data.events, spec.data.total, spec.priors, common=spec.kind == "common", accuracy=acc
    )


def _note(grids: list[PosteriorGrid], acc: Accuracy) -> str:
    nodes = " + ".join(f"{g.mu.size}x{g.v.size}" for g in grids)
    return (
        f"quadrature: adaptive Gauss-Hermite ({acc.n_gh} nodes per study), "
        f"grid {nodes} (mu x tau), edge mass < {acc.edge_tol:g}"
    )


def fit_quadrature(
    spec: ModelSpec,
    *,
    hdi: bool = False,
    accuracy: Accuracy | None = None,
    n_mu: int | None = None,
    n_tau: int | None = None,
    n_gh: int | None = None,
    edge_tol: float | None = None,
) -> BayesResult:
    """Fit any model kind by numerical integration.

    Random-intercept, common-effect and subgroup models on (mu, tau) grids; the meta-regression
    by nested adaptive quadrature over (beta, log tau)
    (:func:`bayesmeta.quad.regression.fit_regression_quadrature`; of the overrides below only
    ``n_gh`` applies to it).

    Parameters
    ----------
    spec : ModelSpec
        The model (from :func:`bayesmeta.bayes.build_model`).
    hdi : bool, default False
        Report 95% highest-density intervals instead of equal-tailed ones.
    accuracy : Accuracy, optional
        Accuracy controls; the keyword overrides below replace single fields.
    n_mu, n_tau, n_gh, edge_tol
        See :class:`Accuracy`.

    Returns
    -------
    BayesResult
        ``engine="quadrature"``; R-hat and ESS are None, divergences 0; ``log_evidence`` and
        ``log_evidence_error`` set.

    Raises
    ------
    InputError
        A posterior the grid cannot hold.
    """
    from dataclasses import replace

    from bayesmeta.quad.evidence import log_evidence_with_error

    check_supported(spec)
    if spec.kind == "regression":
        from bayesmeta.quad.regression import RegressionAccuracy, fit_regression_quadrature

        reg_acc = RegressionAccuracy(n_gh=n_gh) if n_gh is not None else None
        return fit_regression_quadrature(spec, hdi=hdi, accuracy=reg_acc)
    acc = accuracy_from(accuracy, n_mu=n_mu, n_tau=n_tau, n_gh=n_gh, edge_tol=edge_tol)
    value, error = log_evidence_with_error(spec, accuracy=acc)
    result = _fit(spec, acc, hdi=hdi)
    return replace(result, log_evidence=value, log_evidence_error=error)


def _fit(spec: ModelSpec, acc: Accuracy, *, hdi: bool) -> BayesResult:
    if spec.kind == "subgroup":
        from bayesmeta.quad.subgroup import fit_subgroup

        return fit_subgroup(spec, accuracy=acc, hdi=hdi, note=_note)
    grid = posterior_grid(spec, accuracy=acc)
    data = spec.data
    return BayesResult(
        engine="quadrature",
        model=describe(spec, acc, hdi=hdi),
        pooled_median=mu_interval(grid, n_fine=acc.n_fine, hdi=hdi),
        pooled_mean=pooled_mean_interval(grid, n_fine=acc.n_fine, hdi=hdi),
        new_study=new_study_interval(grid, n_fine=acc.n_fine, hdi=hdi),
        tau=None if grid.common else tau_interval(grid, n_fine=acc.n_fine, hdi=hdi),
        study_rates=study_rates_frame(grid, data.studies, data.events, data.total, hdi=hdi),
        diagnostics=diagnostics(_note([grid], acc)),
        excluded=data.excluded,
    )


def describe(spec: ModelSpec, acc: Accuracy, *, hdi: bool) -> dict:
    """``spec.describe()`` plus the interval kind and the accuracy controls used.

    Parameters
    ----------
    spec : ModelSpec
        The model specification.
    acc : Accuracy
        Accuracy controls.
    hdi : bool
        Highest-density intervals instead of equal-tailed ones.

    Returns
    -------
    dict
    """
    model = spec.describe()
    model["interval"] = "hdi" if hdi else "eti"
    model["quadrature"] = dict(acc.__dict__)
    return model


def diagnostics(note: str) -> Diagnostics:
    """Diagnostics of an exact fit: nothing sampled, nothing to fail.

    Parameters
    ----------
    note : str
        Text recorded in the diagnostics.

    Returns
    -------
    Diagnostics
    """
    return Diagnostics(
        rhat_max=None, ess_bulk_min=None, ess_tail_min=None, divergences=0, engine_note=note
    )
