"""Turn a validated spec into a model, fit it, and run its frequentist baselines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bayesmeta.analysis.draws import StudyDraws, from_idata, from_quadrature, to_idata
from bayesmeta.analysis.specfile import AnalysisSpec, read_frame
from bayesmeta.data.metadata import MetaData
from bayesmeta.errors import BayesmetaError, SpecError
from bayesmeta.model.engine_api import FitOptions
from bayesmeta.model.options import NutsOptions
from bayesmeta.model.result import BayesResult
from bayesmeta.model.spec import ModelSpec


@dataclass
class Fitted:
    """A spec, its model, the Bayesian result with draws, and the frequentist baselines.

    Attributes
    ----------
    spec : AnalysisSpec
        The analysis spec.
    model : ModelSpec
        The model specification built from the spec.
    result : BayesResult
        The Bayesian result.
    draws : StudyDraws
        Draws of ``eta`` and ``tau`` per study (for LOO).
    baselines : dict[str, Any], optional
        Frequentist fits by method name.
    baseline_errors : dict[str, str], optional
        Method name -> the one-line error of a baseline that could not be fitted.
    metaregs : dict[str, Any], optional
        Frequentist meta-regressions by method name (regression specs).
    params : dict or None, optional
        An exact fit's resampled draws of the named parameters (``mu``, ``tau``, ``beta``):
        its InferenceData is built from them and ``draws`` only where it is saved
        (:func:`bayesmeta.analysis.spec_render.with_inference_data`). None for a sampled fit, whose
        result carries its InferenceData.
    """

    spec: AnalysisSpec
    model: ModelSpec
    result: BayesResult
    draws: StudyDraws
    baselines: dict[str, Any] = field(default_factory=dict)
    baseline_errors: dict[str, str] = field(default_factory=dict)
    metaregs: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] | None = None


def to_model(spec: AnalysisSpec, *, data: MetaData | None = None) -> ModelSpec:
    """Validated data and the :class:`ModelSpec` of a spec (errors name the spec file).

    Parameters
    ----------
    spec : AnalysisSpec
    data : MetaData, optional
        Use these studies instead of the spec's data source (e.g. the spec's own data with
        some studies left out, see :mod:`bayesmeta.analysis.shared_studies`); their ``excluded``
        records are kept.

    Returns
    -------
    ModelSpec
    """
    from bayesmeta.data import from_frame
    from bayesmeta.engines import get_engine, resolve
    from bayesmeta.model.likelihoods import likelihood_named
    from bayesmeta.model.spec import build_model

    try:
        if data is None:
            data = from_frame(
                read_frame(spec),
                events=spec.data["events"],
                total=spec.data["total"],
                study=spec.data["study"],
                outcome=spec.outcome,
            )
        model = build_model(
            data,
            kind=spec.model["kind"],
            formula=spec.model.get("formula"),
            by=spec.model.get("by"),
            separate_tau=spec.model["separate_tau"],
            mu_prior=spec.priors.get("mu"),
            beta_prior=spec.priors.get("beta"),
            tau_prior=spec.priors.get("tau"),
            reference=spec.model["reference"],
            likelihood=likelihood_named(spec.model.get("likelihood", "binomial")).with_priors(
                phi=spec.priors.get("phi")
            ),
        )
    except SpecError:
        raise
    except BayesmetaError as error:
        raise SpecError(f"{spec.path}: {error}") from None
    try:
        engine = get_engine(resolve(model, spec.sampler["engine"]))
    except BayesmetaError as error:
        raise SpecError(f"{spec.path}: [sampler] engine: {error}") from None
    if spec.decisions["benchmark"] is not None and not engine.capabilities.benchmark:
        raise SpecError(
            f"{spec.path}: [decisions] benchmark: the one-sided Bayes factor needs the exact "
            f"engine, and a '{model.kind}' model is fitted by {engine.name}"
        )
    return model


def engine_of(spec: AnalysisSpec, model: ModelSpec) -> str:
    """The engine that fits ``model`` under the spec's ``[sampler] engine``.

    Parameters
    ----------
    spec : AnalysisSpec
        The analysis spec; its ``[sampler] engine`` is "auto" or an engine name.
    model : ModelSpec
        The model specification built from the spec.

    Returns
    -------
    str
        The engine's name, as resolved by :func:`bayesmeta.engines.resolve` (which decides
        once per model and choice: :func:`to_model` already did).
    """
    from bayesmeta.engines import resolve

    return resolve(model, spec.sampler["engine"])


def fit_options(spec: AnalysisSpec) -> FitOptions:
    """The spec's ``[sampler]`` and ``[decisions]`` as the engines' options.

    Parameters
    ----------
    spec : AnalysisSpec
        The analysis spec.

    Returns
    -------
    FitOptions
    """
    settings = spec.sampler
    nuts = NutsOptions(
        draws=settings["draws"],
        tune=settings["tune"],
        chains=settings["chains"],
        seed=settings["seed"],
        sampler=settings["sampler"],
    )
    return FitOptions(
        thresholds=tuple(spec.decisions["thresholds"]),
        benchmark=spec.decisions["benchmark"],
        nuts=nuts,
    )


def fit_bayes(spec: AnalysisSpec, model: ModelSpec) -> tuple[BayesResult, StudyDraws]:
    """Fit with the spec's engine; the result always carries an InferenceData.

    An exact engine's result gets draws resampled from its posterior (see
    :mod:`bayesmeta.analysis.draws`), so every result can be saved, plotted and compared alike;
    a sampling engine's result carries its own draws.

    Parameters
    ----------
    spec : AnalysisSpec
        The analysis spec.
    model : ModelSpec
        The model specification built from the spec.

    Returns
    -------
    tuple[BayesResult, StudyDraws]
    """
    result, draws, params = _fit_with_draws(spec, model)
    if params is None:
        return result, draws
    return result.updated(idata=to_idata(model, draws, params, attrs={"spec": spec.name})), draws


def _fit_with_draws(
    spec: AnalysisSpec, model: ModelSpec
) -> tuple[BayesResult, StudyDraws, dict | None]:
    """The fit, its study draws and, for an exact fit, its resampled parameter draws (no
    InferenceData is built for an exact fit: see :func:`fit_bayes`)."""
    from bayesmeta.engines import fit, get_engine

    name = engine_of(spec, model)
    result = fit(model, engine=name, options=fit_options(spec))
    if result.idata is not None:
        return result, from_idata(model, result.idata), None
    if not get_engine(name).capabilities.exact:
        raise SpecError(f"{spec.path}: the {name} engine returned no posterior draws")
    settings = spec.sampler
    draws, params = from_quadrature(
        model, chains=settings["chains"], draws=settings["draws"], seed=settings["seed"]
    )
    return result, draws, params


def posterior_draws(spec: AnalysisSpec, model: ModelSpec) -> StudyDraws:
    """Only the study draws LOO needs (an exact engine skips its summaries).

    Parameters
    ----------
    spec : AnalysisSpec
        The analysis spec.
    model : ModelSpec
        The model specification built from the spec.

    Returns
    -------
    StudyDraws
    """
    from bayesmeta.engines import get_engine

    settings = spec.sampler
    if get_engine(engine_of(spec, model)).capabilities.exact:
        draws, _params = from_quadrature(
            model, chains=settings["chains"], draws=settings["draws"], seed=settings["seed"]
        )
        return draws
    return fit_bayes(spec, model)[1]


def fit_baselines(spec: AnalysisSpec, model: ModelSpec) -> tuple[dict[str, Any], dict[str, str]]:
    """Frequentist fits named in the spec (per level too for subgroup models).

    A method that fails (e.g. the GLMM on a level with a single study) is reported in the
    second dictionary instead of stopping the analysis.

    Parameters
    ----------
    spec : AnalysisSpec
        The analysis spec.
    model : ModelSpec
        The model specification built from the spec.

    Returns
    -------
    tuple[dict[str, Any], dict[str, str]]
    """
    from bayesmeta import freq

    fits: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for method in spec.baselines:
        try:
            if model.kind == "subgroup":
                tau2 = "separate" if model.separate_tau else "common"
                fits[method] = freq.subgroup(model.data, by=model.by, method=method, tau2=tau2)
            else:
                fits[method] = freq.rma(model.data, method=method)
        except BayesmetaError as error:
            errors[method] = str(error)
        except (ArithmeticError, ValueError) as error:  # numerical failure of one baseline
            errors[method] = f"{type(error).__name__}: {error}"
    return fits, errors


def fit_metaregs(spec: AnalysisSpec, model: ModelSpec, errors: dict[str, str]) -> dict[str, Any]:
    """Frequentist meta-regressions (regression specs), one per baseline method.

    Parameters
    ----------
    spec : AnalysisSpec
        The analysis spec.
    model : ModelSpec
        The model specification built from the spec.
    errors : dict[str, str]
        Filled with method name -> error for the meta-regressions that fail.

    Returns
    -------
    dict[str, Any]
    """
    from bayesmeta import freq

    if model.kind != "regression":
        return {}
    fits = {}
    for method in spec.baselines:
        try:
            fits[method] = freq.metareg(
                model.data, formula=model.formula, method=method, reference=dict(model.reference)
            )
        except BayesmetaError as error:
            errors[f"{method} meta-regression"] = str(error)
        except (ArithmeticError, ValueError) as error:
            errors[f"{method} meta-regression"] = f"{type(error).__name__}: {error}"
    return fits


def fit_spec(spec: AnalysisSpec) -> Fitted:
    """Model, Bayesian fit with draws, and frequentist baselines of one spec.

    An exact fit's InferenceData is not built here (``Fitted.params`` keeps what it needs):
    only the writer of ``posterior.nc`` builds it.

    Parameters
    ----------
    spec : AnalysisSpec
        The analysis spec.

    Returns
    -------
    Fitted
    """
    model = to_model(spec)
    result, draws, params = _fit_with_draws(spec, model)
    baselines, errors = fit_baselines(spec, model)
    metaregs = fit_metaregs(spec, model, errors)
    return Fitted(
        spec=spec,
        model=model,
        result=result,
        draws=draws,
        baselines=baselines,
        baseline_errors=errors,
        metaregs=metaregs,
        params=params,
    )


def overall(fit: Any) -> Any:
    """The pooled (all studies) FreqResult of a baseline, subgroup or not.

    Parameters
    ----------
    fit : Any
        A frequentist baseline: a FreqResult or a SubgroupResult.

    Returns
    -------
    Any
    """
    return getattr(fit, "overall", fit)
