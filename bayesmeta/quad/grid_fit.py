"""``fit_quadrature``: the exact engine's entry point, returning a :class:`BayesResult`."""

from __future__ import annotations

from bayesmeta.model.result import BayesResult
from bayesmeta.model.spec import ModelSpec
from bayesmeta.quad.controls import Accuracy
from bayesmeta.quad.notes import _note, describe, diagnostics  # noqa: F401 (re-exported)
from bayesmeta.quad.posterior import (  # noqa: F401 (re-exported)
    accuracy_from,
    check_supported,
    posterior_grid,
)
from bayesmeta.quad.summaries import (
    mu_interval,
    new_study_interval,
    pooled_mean_interval,
    study_rates_frame,
    tau_interval,
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
        ``engine="quadrature"``; R-hat and ESS are None, divergences 0; ``log_evidence`` set
        (the grid's own normalizing constant), ``log_evidence_error`` computed when first read
        (a refined grid); ``posterior`` the :class:`~bayesmeta.quad.posterior.ExactPosterior`.

    Raises
    ------
    InputError
        A posterior the grid cannot hold.
    """
    from bayesmeta.model.deferred import Deferred
    from bayesmeta.quad.evidence import evidence_error
    from bayesmeta.quad.posterior import ExactPosterior

    check_supported(spec)
    if spec.kind == "regression":
        from bayesmeta.quad.regression import RegressionAccuracy, fit_regression_quadrature

        reg_acc = RegressionAccuracy(n_gh=n_gh) if n_gh is not None else RegressionAccuracy()
        result = fit_regression_quadrature(spec, hdi=hdi, accuracy=reg_acc)
        return result.updated(posterior=ExactPosterior(spec, reg_acc))
    acc = accuracy_from(accuracy, n_mu=n_mu, n_tau=n_tau, n_gh=n_gh, edge_tol=edge_tol)
    result = _fit(spec, acc, hdi=hdi)
    return result.updated(
        log_evidence_error=Deferred(lambda: evidence_error(spec, accuracy=acc)),
        posterior=ExactPosterior(spec, acc),
    )


def _fit(spec: ModelSpec, acc: Accuracy, *, hdi: bool) -> BayesResult:
    if spec.kind == "subgroup":
        from bayesmeta.quad.groups import build_group_grids
        from bayesmeta.quad.subgroup import fit_subgroup

        result = fit_subgroup(spec, accuracy=acc, hdi=hdi, note=_note)
        value = build_group_grids(spec, accuracy=acc).log_marginal_likelihood
        return result.updated(log_evidence=float(value))
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
        log_evidence=float(grid.log_marginal_likelihood),
    )
