"""``bayesmeta compare``: LOO of each spec (fitted, or reloaded from a run folder) and the ranking.

By default the specs must use the same studies (elpd is a sum over studies). With
``common_studies=True`` (``--common-studies``) every model is refitted on the studies all of
them use (:mod:`bayesmeta.analysis.shared_studies`); the studies left out are recorded in each model's
``excluded`` and in the output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bayesmeta.analysis.compare import Row, check_same_studies, compare_loo
from bayesmeta.analysis.draws import StudyDraws, from_idata
from bayesmeta.analysis.exact import nuts_exact, quadrature_exact
from bayesmeta.analysis.fitting import engine_of, posterior_draws, to_model
from bayesmeta.analysis.loo import LooResult, integrated_loo
from bayesmeta.analysis.shared_studies import restrict_to_common
from bayesmeta.analysis.specfile import AnalysisSpec
from bayesmeta.engines import can
from bayesmeta.errors import InputError
from bayesmeta.model.spec import ModelSpec


@dataclass(frozen=True)
class Comparison:
    """Ranked rows and the per-model LOO details.

    Attributes
    ----------
    rows : list of Row
        Best first; ``Row.k`` is the number of studies compared.
    loos : list of LooResult
    common_studies : bool
        Whether the models were restricted to the studies they all use.
    left_out : dict
        Model name -> studies it used that the comparison leaves out (``common_studies`` only).
    excluded : dict
        Model name -> its ``excluded`` records (study, reason) as compared.
    posterior_prob : dict
        Model name -> posterior model probability from the exact log evidence with equal prior
        probabilities (empty when a model has no exact evidence, e.g. one fitted by NUTS only).
    """

    rows: list[Row]
    loos: list[LooResult]
    common_studies: bool = False
    left_out: dict[str, tuple[str, ...]] = field(default_factory=dict)
    excluded: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    posterior_prob: dict[str, float] = field(default_factory=dict)

    @property
    def k(self) -> int:
        """Number of studies the comparison is on."""
        return self.rows[0].k

    @property
    def all_left_out(self) -> list[str]:
        """Every study some model used and the comparison leaves out, sorted."""
        return sorted({s for studies in self.left_out.values() for s in studies})

    def to_list(self) -> list[dict]:
        """The ``--json`` output: one row per model, best first.

        Besides the ranking, each row has ``k`` (studies compared), ``common_studies``,
        ``left_out`` (this model's studies left out of the comparison, sorted) and ``excluded``
        (every study the model does not use, with the reason).
        """
        details = {loo.name: loo for loo in self.loos}
        out = []
        for row in self.rows:
            loo = details[row.name]
            out.append(
                row.to_dict()
                | {
                    "pareto_k_max_before_refit": loo.k_max_before_refit,
                    "n_k_above_0.7_before_refit": int((loo.pareto_k > 0.7).sum()),
                    "common_studies": self.common_studies,
                    "left_out": sorted(self.left_out.get(row.name, ())),
                    "excluded": list(self.excluded.get(row.name, [])),
                    "posterior_prob": self.posterior_prob.get(row.name),
                }
            )
        return out


def reload_draws(spec: AnalysisSpec, model: ModelSpec, out: str | Path) -> StudyDraws | None:
    """Draws saved by ``bayesmeta run`` for this very spec, data and software, or None.

    A saved posterior is reused only when its fit hash (:mod:`bayesmeta.analysis.fithash`:
    spec, data, versions) matches and it has ``model``'s studies (not, e.g., when ``model`` is
    restricted to the studies common to compared models). An unreadable file (truncated,
    corrupt) is reported with a warning and refitted.

    Parameters
    ----------
    spec : AnalysisSpec
        The analysis spec; its name gives the folder ``out/<name>/posterior.nc``.
    model : ModelSpec
        The model the draws must belong to (its studies are compared with the saved ones).
    out : str or Path
        Folder of an earlier ``bayesmeta run``.

    Returns
    -------
    StudyDraws or None
        The saved draws of ``eta`` and ``tau`` per study, or None when there is no saved file,
        it is unreadable, its fit hash differs or its studies are not ``model``'s.
    """
    import warnings

    from bayesmeta.analysis.fithash import HASH_ATTR, fit_hash

    path = Path(out) / spec.name / "posterior.nc"
    if not path.is_file():
        return None
    import arviz as az

    try:
        idata = az.from_netcdf(path)
        saved = idata.posterior.attrs.get(HASH_ATTR)
        studies = tuple(idata.posterior["eta"].coords["study"].values)
    except (OSError, ValueError, KeyError, AttributeError, RuntimeError) as error:
        warnings.warn(
            f"{path}: unreadable saved fit ({type(error).__name__}: truncated or corrupt); "
            f"refitting {spec.name}",
            UserWarning,
            stacklevel=2,
        )
        return None
    if saved != fit_hash(spec) or studies != model.data.studies:
        return None
    return from_idata(model, idata)


def exact_refit(spec: AnalysisSpec, model: ModelSpec):
    """The exact leave-one-out function for a model (quadrature where possible, else NUTS).

    Parameters
    ----------
    spec : AnalysisSpec
        The analysis spec; its ``[sampler]`` settings (draws, tune, chains, seed, sampler) are
        used for NUTS refits.
    model : ModelSpec
        The model specification built from the spec.

    Returns
    -------
    Callable[[str], float]
        ``exact(study)``, the log predictive density log p(y_i | y_-i) of the left-out study:
        :func:`~bayesmeta.analysis.exact.quadrature_exact` when the exact engine supports the
        model, else :func:`~bayesmeta.analysis.exact.nuts_exact`.
    """
    if can(model, "exact_loo"):
        return quadrature_exact(model)
    s = spec.sampler
    return nuts_exact(
        model,
        engine=engine_of(spec, model),
        draws=s["draws"],
        tune=s["tune"],
        chains=s["chains"],
        seed=s["seed"],
        sampler=s["sampler"],
    )


def loo_of(
    spec: AnalysisSpec,
    *,
    model: ModelSpec | None = None,
    draws: StudyDraws | None = None,
    out: str | Path | None = None,
) -> LooResult:
    """Integrated-likelihood PSIS-LOO of one spec, refitting exactly where Pareto k > 0.7.

    Parameters
    ----------
    spec : AnalysisSpec
        The analysis spec (its file names the saved run).
    model : ModelSpec, optional
        The model specification built from the spec.
    draws : StudyDraws, optional
        Draws of ``eta`` and ``tau`` per study (None: taken from a fit or a saved run).
    out : str or Path, optional
        Folder of an earlier ``bayesmeta run`` to reload fits from (None: fit anew).

    Returns
    -------
    LooResult
    """
    model = model or to_model(spec)
    if draws is None and out is not None:
        draws = reload_draws(spec, model, out)
    if draws is None:
        draws = posterior_draws(spec, model)
    return integrated_loo(
        spec.name,
        draws.studies,
        draws.events,
        draws.total,
        draws.eta,
        draws.tau,
        exact=exact_refit(spec, model),
        likelihood=model.likelihood,
        # the draws' own log likelihood (computed once, kept with them) when it is this model's
        loglik=draws.loglik() if draws.likelihood == model.likelihood else None,
    )


def check_same_outcome(specs: Sequence[AnalysisSpec]) -> None:
    """Refuse to rank models of different outcomes (their elpd are of different data).

    Parameters
    ----------
    specs : sequence of AnalysisSpec
        The compared specs.

    Returns
    -------
    None

    Raises
    ------
    InputError
        One line naming each model and its outcome.
    """

    def outcome(spec: AnalysisSpec) -> tuple[str, str, str]:
        return (spec.outcome, spec.data["events"], spec.data["total"])

    if len({outcome(spec) for spec in specs}) > 1:
        named = ", ".join(f"{spec.name} ('{spec.outcome}')" for spec in specs)
        raise InputError(
            f"models of different outcomes cannot be compared: {named}; elpd is a sum over one "
            "outcome's data"
        )


def compare_models(
    specs: Sequence[AnalysisSpec],
    models: Sequence[ModelSpec],
    *,
    draws: Sequence[StudyDraws | None] | None = None,
    out: str | Path | None = None,
    common_studies: bool = False,
) -> Comparison:
    """Rank already built models of ``specs`` by elpd_loo.

    Parameters
    ----------
    specs, models : sequence
        Same order; names must be unique.
    draws : sequence, optional
        In-memory posterior draws of each model (None: reload from ``out`` or fit). Draws of a
        model that ``common_studies`` restricts are not used.
    out : path, optional
        Folder of an earlier ``bayesmeta run``; a saved fit is reused only for the same spec
        file and the same studies.
    common_studies : bool
        Refit every model on the studies all of them use instead of refusing different studies.

    Returns
    -------
    Comparison

    Raises
    ------
    InputError
        Models of different outcomes; different studies without ``common_studies`` (the
        message suggests ``--common-studies``).
    """
    check_same_outcome(specs)
    draws = list(draws) if draws is not None else [None] * len(specs)
    if common_studies:
        restricted = restrict_to_common(specs, models)
        draws = [
            d if new is old else None
            for d, new, old in zip(draws, restricted.models, models, strict=True)
        ]
        models, left_out = restricted.models, restricted.left_out
    else:
        try:
            check_same_studies(
                [(spec.name, model.data.studies) for spec, model in zip(specs, models, strict=True)]
            )
        except InputError as error:
            raise InputError(
                f"{error}; use --common-studies (Python: common_studies=True) to refit every "
                "model on the studies they all use"
            ) from None
        left_out = {}
    loos = [
        loo_of(spec, model=model, draws=d, out=out)
        for spec, model, d in zip(specs, models, draws, strict=True)
    ]
    return Comparison(
        posterior_prob=posterior_probs([spec.name for spec in specs], models),
        rows=compare_loo(loos),
        loos=loos,
        common_studies=common_studies,
        left_out=left_out,
        excluded={
            spec.name: model.data.excluded_records()
            for spec, model in zip(specs, models, strict=True)
        },
    )


def compare_specs(
    specs: Sequence[AnalysisSpec],
    *,
    out: str | Path | None = None,
    common_studies: bool = False,
) -> Comparison:
    """Rank specs by elpd_loo (the function behind ``bayesmeta compare``).

    Without ``common_studies`` the specs must use the same studies (else InputError); with it,
    every model is refitted on the studies all of them use and the others are recorded in each
    model's ``excluded`` (see :func:`compare_models`).

    Parameters
    ----------
    specs : Sequence[AnalysisSpec]
        The spec files to compare (at least two).
    out : str or Path, optional
        Folder of an earlier ``bayesmeta run`` to reload fits from (None: fit anew).
    common_studies : bool, optional
        Refit every model on the studies all of them use instead of refusing models fitted on
        different studies.

    Returns
    -------
    Comparison
    """
    models = [to_model(spec) for spec in specs]
    return compare_models(specs, models, out=out, common_studies=common_studies)


def posterior_probs(names: Sequence[str], models: Sequence[ModelSpec]) -> dict[str, float]:
    """Posterior model probabilities (equal priors) from the exact log evidence, by name.

    Parameters
    ----------
    names : sequence of str
        Model names.
    models : sequence of ModelSpec
        The models as compared (same studies).

    Returns
    -------
    dict of str to float
        Empty when any model is not supported by the exact engine (no log evidence).
    """
    from bayesmeta.analysis.averaging import posterior_probabilities
    from bayesmeta.engines import log_evidence_with_error

    if not all(can(model, "log_evidence") for model in models):
        return {}
    log_z = [log_evidence_with_error(model)[0] for model in models]
    probs = posterior_probabilities(log_z, [1.0 / len(models)] * len(models))
    return {name: float(p) for name, p in zip(names, probs, strict=True)}
