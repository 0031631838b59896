"""Prior predictive simulation in numpy (the same priors both engines use; no PyMC needed)."""

from __future__ import annotations

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.model.options import DEFAULT_SEED
from bayesmeta.model.spec import ModelSpec
from bayesmeta.nuts.model import layout
from bayesmeta.nuts.sampling import RawDraws


def prior_draws(
    spec: ModelSpec, *, draws: int, chains: int = 1, seed: int = DEFAULT_SEED
) -> RawDraws:
    """Free-variable draws ``(chain, draw, ...)`` from the prior (named as the PyMC model's).

    Parameters
    ----------
    spec : ModelSpec
        The model specification.
    draws : int
        Draws per chain.
    chains : int, optional
        Number of chains.
    seed : int, optional
        Random seed.

    Returns
    -------
    RawDraws
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7]))
    shape = (chains, draws)
    priors = spec.priors
    values: dict[str, np.ndarray] = {}
    if spec.kind in ("random", "common"):
        values["mu"] = priors.mu.sample(rng, shape)
    elif spec.kind == "subgroup":
        values["mu"] = priors.mu.sample(rng, shape + (len(spec.groups),))
    else:
        lay = layout(spec)
        if lay.mean_columns:
            values["b_mean"] = priors.mu.sample(rng, shape + (len(lay.mean_columns),))
        if lay.slope_columns:
            values["b_slope"] = priors.beta.sample(rng, shape + (len(lay.slope_columns),))
    if spec.kind != "common":
        tau_shape = shape + ((len(spec.groups),) if spec.separate_tau else ())
        values["tau"] = priors.tau.sample(rng, tau_shape)
        values["z"] = rng.standard_normal(shape + (spec.data.k,))
    return RawDraws(values, np.zeros(shape, dtype=bool), "prior")


def prior_predictive(spec: ModelSpec, *, draws: int = 1000, seed: int = DEFAULT_SEED):
    """Simulate parameters and data sets from the prior.

    Parameters
    ----------
    spec : ModelSpec
        The model; its studies' totals ``n`` are kept fixed.
    draws : int
        Number of simulated data sets.
    seed : int
        Random seed (same seed, same draws).

    Returns
    -------
    arviz.InferenceData
        Groups ``prior`` (parameters, ``eta``, ``tau_study``, ``theta`` as in a fit),
        ``prior_predictive`` (``y`` [study]), ``observed_data`` and ``constant_data``.
    """
    import arviz as az

    from bayesmeta.nuts.draws import to_inference_data

    if isinstance(draws, bool) or int(draws) != draws or draws < 1:
        raise InputError(f"draws must be a whole number >= 1, got {draws!r}")
    raw = prior_draws(spec, draws=int(draws), seed=seed)
    fake = to_inference_data(spec, raw)
    theta = fake.posterior["theta"].to_numpy()
    rng = np.random.default_rng(np.random.SeedSequence([seed, 8]))
    y = rng.binomial(np.asarray(spec.data.total), theta)
    prior = {name: fake.posterior[name].to_numpy() for name in fake.posterior.data_vars}
    dims = {name: list(fake.posterior[name].dims[2:]) for name in fake.posterior.data_vars}
    coords = {name: fake.posterior.coords[name].to_numpy().tolist() for name in dims_names(dims)}
    return az.from_dict(
        prior=prior,
        prior_predictive={"y": y},
        observed_data={"y": np.asarray(spec.data.events)},
        constant_data={"n": np.asarray(spec.data.total)},
        coords=coords,
        dims={**dims, "y": ["study"], "n": ["study"]},
    )


def dims_names(dims: dict[str, list[str]]) -> set[str]:
    """Every dimension name used in ``dims``.

    Parameters
    ----------
    dims : dict[str, list[str]]
        Variable name -> its dimension names.

    Returns
    -------
    set[str]
    """
    return {d for names in dims.values() for d in names}
