"""Run NUTS on a :class:`ModelSpec` with PyMC, nutpie or numpyro; reuse compiled models.

Each sampler returns :class:`RawDraws`: free-variable arrays ``(chain, draw, ...)`` and the
divergence flags. Compiled samplers are cached in-process, keyed by the model structure
(:func:`bayesmeta.nuts.model.layout`); a refit that only changes data or prior parameters
swaps the ``pm.Data`` values and skips model building and compilation.
"""

from __future__ import annotations

import importlib.util
import logging
import math
import time
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.model.options import (  # noqa: F401 (TARGET_ACCEPT, resolve_sampler re-exported)
    NUTPIE_LOW_RANK,
    NUTPIE_SETTINGS,
    SAMPLERS,
    TARGET_ACCEPT,
    resolve_sampler,
)
from bayesmeta.model.sampler_backend import compile_mode, declare_no_blas, pytensor_mode, run_nutpie
from bayesmeta.model.spec import ModelSpec
from bayesmeta.nuts.model import Layout, build_pymc_model, layout

_CACHE_SIZE = 16
_cache: OrderedDict[tuple, object] = OrderedDict()


@dataclass(frozen=True)
class RawDraws:
    """Free-variable draws ``(chain, draw, ...)`` and divergence flags ``(chain, draw)``.

    Attributes
    ----------
    values : dict[str, numpy.ndarray]
        Draws by variable name, ``(chain, draw, ...)``.
    diverging : numpy.ndarray
        Divergence flags, ``(chain, draw)``.
    sampler : str
        NUTS implementation: ``"pymc"``, ``"nutpie"`` or ``"numpyro"``.
    seconds : float
        Wall-clock time of the sampling itself (tuning and draws; building and compiling the
        model excluded).
    """

    values: dict[str, np.ndarray]
    diverging: np.ndarray
    sampler: str
    seconds: float = math.nan


def check_sampler(sampler: str) -> None:
    """Raise InputError for an unknown sampler or one that is not installed.

    Parameters
    ----------
    sampler : str
        NUTS implementation: ``"auto"``, ``"pymc"``, ``"nutpie"`` or ``"numpyro"``.
    """
    if sampler not in SAMPLERS:
        raise InputError(f"unknown sampler '{sampler}' (choose from {', '.join(SAMPLERS)})")
    needed = {"nutpie": "nutpie", "numpyro": "numpyro"}.get(sampler)
    if needed and importlib.util.find_spec(needed) is None:
        raise InputError(f"sampler '{sampler}' is not installed (pip install {needed})")
    if sampler == "numpyro" and importlib.util.find_spec("jax") is None:
        raise InputError("sampler 'numpyro' needs jax, which is not installed (pip install jax)")


def clear_cache() -> None:
    """Forget every compiled model (tests and benchmarks of cold starts)."""
    _cache.clear()


def _remember(key: tuple, entry: object) -> None:
    _cache[key] = entry
    _cache.move_to_end(key)
    while len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)


def sample(
    spec: ModelSpec,
    *,
    draws: int,
    tune: int,
    chains: int,
    seed: int,
    sampler: str = "auto",
    target_accept: float = TARGET_ACCEPT,
) -> RawDraws:
    """Sample the posterior of ``spec`` with the chosen NUTS implementation.

    Parameters
    ----------
    spec : ModelSpec
        The model specification.
    draws : int
        Draws per chain.
    tune : int
        Tuning steps per chain.
    chains : int
        Number of chains.
    seed : int
        Random seed.
    sampler : str, optional
        NUTS implementation: ``"auto"`` (see :func:`resolve_sampler`), ``"pymc"``, ``"nutpie"``
        or ``"numpyro"``.
    target_accept : float, optional
        Target acceptance rate of NUTS.

    Returns
    -------
    RawDraws
        ``sampler`` names the implementation that ran; ``seconds`` its sampling time.
    """
    check_sampler(sampler)
    sampler = resolve_sampler(sampler)
    lay = layout(spec)
    if sampler == "nutpie":
        return _sample_nutpie(spec, lay, draws, tune, chains, seed, target_accept)
    if sampler == "numpyro":
        return _sample_numpyro(spec, lay, draws, tune, chains, seed, target_accept)
    return _sample_pymc(spec, lay, draws, tune, chains, seed, target_accept)


@contextmanager
def _quiet_pymc():
    """Silence PyMC's INFO progress messages ("Sequential sampling ...") while sampling."""
    logger = logging.getLogger("pymc")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def least_squares_start(lay: Layout) -> np.ndarray:
    """Coefficients of a regression fitted to the empirical logits (a sane starting point when
    numeric covariates are not centred: a jitter of +-1 on an age slope means logits of +-60).

    Parameters
    ----------
    lay : Layout
        The model's layout.

    Returns
    -------
    numpy.ndarray
    """
    y, n = lay.values["y_data"], lay.values["n_data"]
    logits = np.log((y + 0.5) / (n - y + 0.5))
    return lay.values["x_pinv"] @ logits


def _start(lay: Layout, point: dict, seed: int) -> dict:
    """Jittered start of one chain; regression coefficients start near least squares with a
    jitter of +-1 on the logit scale of each column's largest value (dispersed chains)."""
    if "beta_shift" in point:
        x = lay.values["x_data"]
        jitter = np.random.default_rng(seed).uniform(-1, 1, x.shape[1])
        scale = np.maximum(1.0, np.abs(x).max(axis=0))
        point = {**point, "beta_shift": least_squares_start(lay) + jitter / scale}
    return point


def _free_names(model) -> list[str]:
    return [rv.name for rv in model.free_RVs]


def _sample_pymc(spec, lay: Layout, draws, tune, chains, seed, target_accept) -> RawDraws:
    import pymc as pm
    from pymc.initial_point import make_initial_point_fn

    key = ("pymc", pytensor_mode(), target_accept, *lay.key)
    entry = _cache.get(key)
    if entry is None:
        model = build_pymc_model(spec, lay)
        with model, compile_mode():
            step = pm.NUTS(target_accept=target_accept)
        jitter = make_initial_point_fn(
            model=model, jitter_rvs=set(model.free_RVs), return_transformed=False
        )
        entry = (model, step, jitter)
    model, step, jitter = entry
    _remember(key, entry)
    pm.set_data(lay.values, model=model)
    seeds = np.random.SeedSequence(seed).generate_state(chains + 1)
    initvals = [_start(lay, jitter(int(s)), int(s)) for s in seeds[1:]]
    start = time.perf_counter()
    with model, _quiet_pymc(), compile_mode():
        trace = pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            cores=1,
            step=step,
            initvals=initvals,
            random_seed=int(seeds[0]),
            progressbar=False,
            compute_convergence_checks=False,
            return_inferencedata=False,
            discard_tuned_samples=True,
        )
    seconds = time.perf_counter() - start
    values = {
        name: np.stack(trace.get_values(name, combine=False, squeeze=False))
        for name in _free_names(model)
    }
    diverging = np.stack(trace.get_sampler_stats("diverging", combine=False, squeeze=False)).astype(
        bool
    )
    return RawDraws(values, diverging, "pymc", seconds)


def nutpie_settings(spec: ModelSpec) -> dict:
    """nutpie's settings for ``spec``: the low-rank modified mass matrix for models with one
    between-study SD, the diagonal one for subgroups with a tau per level (see
    :data:`bayesmeta.model.options.NUTPIE_LOW_RANK`).

    Parameters
    ----------
    spec : ModelSpec
        The model specification.

    Returns
    -------
    dict
        Keyword arguments of ``nutpie.sample``.
    """
    several_taus = spec.kind == "subgroup" and bool(spec.separate_tau)
    return {**NUTPIE_SETTINGS, **({} if several_taus else NUTPIE_LOW_RANK)}


def _sample_nutpie(spec, lay: Layout, draws, tune, chains, seed, target_accept) -> RawDraws:
    import nutpie
    import pymc as pm

    key = ("nutpie", *lay.key)
    compiled = _cache.get(key)
    if compiled is None:
        model = build_pymc_model(spec, lay)
        options = {}
        if "x_pinv" in lay.values:
            # least squares on the empirical logits, as a graph of the model's data: the
            # initial point follows the data of every refit (see below)
            y, n = model["y_data"], model["n_data"]
            logits = pm.math.log((y + 0.5) / (n - y + 0.5))
            options["initial_points"] = {"beta_shift": pm.math.dot(model["x_pinv"], logits)}
            options["jitter_rvs"] = {rv for rv in model.free_RVs if rv.name != "beta_shift"}
        declare_no_blas()  # nutpie compiles with numba: no PyTensor BLAS is linked
        compiled = (nutpie.compile_pymc_model(model, **options), _free_names(model), model)
    _remember(key, compiled)
    base, names, model = compiled
    # the initial points are computed by PyMC from the model's own data (a prior parameter
    # moves tau's start): set them too, so a cached model starts where a fresh compile would
    pm.set_data(lay.values, model=model)
    idata, seconds = run_nutpie(
        base.with_data(**lay.values),
        draws=draws,
        tune=tune,
        chains=chains,
        seed=seed,
        target_accept=target_accept,
        settings=nutpie_settings(spec),
    )
    values = {name: idata.posterior[name].to_numpy() for name in names}
    diverging = idata.sample_stats["diverging"].to_numpy().astype(bool)
    return RawDraws(values, diverging, "nutpie", seconds)


def _sample_numpyro(spec, lay: Layout, draws, tune, chains, seed, target_accept) -> RawDraws:
    import pymc as pm

    model = build_pymc_model(spec, lay)
    start = time.perf_counter()
    with model:
        idata = pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            random_seed=seed,
            nuts_sampler="numpyro",
            target_accept=target_accept,
            progressbar=False,
            compute_convergence_checks=False,
        )
    values = {name: idata.posterior[name].to_numpy() for name in _free_names(model)}
    diverging = idata.sample_stats["diverging"].to_numpy().astype(bool)
    return RawDraws(values, diverging, "numpyro", time.perf_counter() - start)
