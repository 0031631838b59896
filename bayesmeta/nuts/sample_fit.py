"""``fit_nuts``: sample a :class:`ModelSpec` with NUTS and summarize the draws."""

from __future__ import annotations

import dataclasses

from bayesmeta.errors import InputError
from bayesmeta.model.options import DEFAULT_SAMPLER, DEFAULT_SEED, NutsOptions, checked_counts
from bayesmeta.model.result import BayesResult
from bayesmeta.model.spec import ModelSpec


def checked_options(nuts: NutsOptions) -> NutsOptions:
    """:func:`~bayesmeta.model.options.checked_counts`, and the sampler known and installed: the
    settings checked as every NUTS path checks them (one line naming the setting).

    Parameters
    ----------
    nuts : NutsOptions
        The settings asked for.

    Returns
    -------
    NutsOptions
        As :func:`~bayesmeta.model.options.checked_counts` returns them.

    Raises
    ------
    InputError
        A bad count or target acceptance, or a sampler unknown or not installed.
    """
    from bayesmeta.nuts.sampling import check_sampler

    checked = checked_counts(nuts)
    check_sampler(checked.sampler)
    return checked


def fit_nuts(
    spec: ModelSpec,
    *,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    seed: int = DEFAULT_SEED,
    sampler: str = DEFAULT_SAMPLER,
    hdi: bool = False,
    target_accept: float | None = None,
) -> BayesResult:
    """Fit a Bayesian model by NUTS and summarize it (use :func:`bayesmeta.engines.fit`).

    Parameters
    ----------
    spec : ModelSpec
        From :func:`bayesmeta.bayes.build_model`.
    draws, tune, chains : int
        Kept draws and tuning steps per chain, number of chains (NUTS only).
    seed : int
        Random seed; the same seed gives identical numbers.
    sampler : {"auto", "pymc", "nutpie", "numpyro"}
        NUTS implementation (nutpie and numpyro when installed); "auto": nutpie where
        installed, else PyMC. ``result.model["sampler"]`` names the one that ran.
    hdi : bool
        Highest-density instead of equal-tailed 95% intervals.
    target_accept : float, optional
        NUTS target acceptance (default :data:`bayesmeta.nuts.sampling.TARGET_ACCEPT`).

    Returns
    -------
    BayesResult
        ``engine="nuts"``, with the labelled InferenceData in ``idata`` and the sampling
        time and ESS per second in ``diagnostics.timing()``.

    Warns
    -----
    ConvergenceWarning
        When R-hat > 1.01, bulk or tail ESS < 400, or any divergence.
    """
    if not isinstance(spec, ModelSpec):
        raise InputError(f"fit expects a ModelSpec from build_model, got {type(spec).__name__}")
    from bayesmeta.nuts.draws import to_inference_data
    from bayesmeta.nuts.sampling import resolve_sampler, sample
    from bayesmeta.nuts.summarize import summarize

    nuts = checked_options(
        NutsOptions.given(
            draws=draws,
            tune=tune,
            chains=chains,
            seed=seed,
            sampler=sampler,
            target_accept=target_accept,
        )
    )
    raw = sample(spec, **nuts.to_dict())
    ran = dataclasses.replace(nuts, sampler=resolve_sampler(nuts.sampler))
    # recorded: the sampler that ran first, the other settings, then the kind of interval
    settings = {"sampler": ran.sampler, **ran.to_dict(), "interval": "hdi" if hdi else "eti"}
    idata = to_inference_data(spec, raw, attrs={"bayesmeta_model": str(spec.describe())})
    result = summarize(spec, idata, hdi=hdi, seed=nuts.seed, settings=settings)
    result.diagnostics = dataclasses.replace(result.diagnostics, sampling_seconds=raw.seconds)
    return result
