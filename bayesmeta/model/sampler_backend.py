"""How every NUTS path compiles and runs its sampler: PyTensor's NUMBA backend, the one nutpie call.

The NUTS engine (``bayesmeta/nuts/``: univariate, beta-binomial, one-stage IPD) and the joint
model (``bayesmeta/joint/``) both sample here; the joint model may not import the engine (the
layers of ARCHITECTURE.md), so what they share lives in this layer below both.

PyTensor's backend: NUMBA, which needs no C compiler and no BLAS.

PyTensor's default C backend compiles the model with the system's C++ compiler and looks for a
system BLAS to link; a pip-only installation has none, so PyTensor warns that it "could not link
to a BLAS installation" (and, without g++, falls back to slow Python code). The NUMBA backend
compiles with numba (a PyTensor dependency, installed from wheels) and calls no PyTensor BLAS
at all, so bayesmeta compiles its samplers in NUMBA mode and tells PyTensor that no BLAS is to
be linked, unless the user configured one (``PYTENSOR_FLAGS`` or ``.pytensorrc``). The two
backends were measured against each other in ``benchmarks/bayes/bench_backend.py``.

``BAYESMETA_PYTENSOR_MODE=C`` selects PyTensor's C backend instead (benchmarks, debugging).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

MODES = ("NUMBA", "C")


def pytensor_mode() -> str:
    """The backend the samplers compile with: ``NUMBA`` unless ``BAYESMETA_PYTENSOR_MODE=C``.

    Returns
    -------
    str
        ``"NUMBA"`` or ``"C"``.
    """
    mode = os.environ.get("BAYESMETA_PYTENSOR_MODE", "NUMBA").upper()
    return mode if mode in MODES else "NUMBA"


def declare_no_blas() -> None:
    """Tell PyTensor to link no BLAS, unless the user configured one or it was already chosen.

    PyTensor decides ``blas__ldflags`` lazily, on first use, by searching the system and
    warning when it finds nothing; a graph rewrite reads it even in NUMBA mode.

    Returns
    -------
    None
    """
    from pytensor import config

    param = config._config_var_dict.get("blas__ldflags")
    if param is None or hasattr(param, "val"):
        return  # already decided (by the user, or by an earlier compile)
    try:
        config.fetch_val_for_key("blas__ldflags")
    except KeyError:
        config.blas__ldflags = ""


@contextmanager
def compile_mode() -> Iterator[str]:
    """Compile everything inside in the sampler's backend (see :func:`pytensor_mode`).

    Returns
    -------
    contextmanager
        Yields the mode name.
    """
    mode = pytensor_mode()
    if mode == "C":
        yield mode
        return
    import pytensor

    declare_no_blas()
    with pytensor.config.change_flags(mode=mode):
        yield mode


def run_nutpie(
    compiled: Any,
    *,
    draws: int,
    tune: int,
    chains: int,
    seed: int,
    target_accept: float,
    settings: dict[str, Any],
) -> tuple[Any, float]:
    """Sample a compiled nutpie model: its InferenceData and the sampling seconds.

    Parameters
    ----------
    compiled : nutpie compiled model
        From ``nutpie.compile_pymc_model`` (with its data set).
    draws, tune, chains, seed : int
        Kept draws and tuning steps per chain, chains, random seed.
    target_accept : float
        Target acceptance rate.
    settings : dict
        Further ``nutpie.sample`` options (the mass matrix:
        :func:`bayesmeta.nuts.sampling.nutpie_settings`, or
        :data:`bayesmeta.model.options.NUTPIE_SETTINGS`).

    Returns
    -------
    idata : arviz.InferenceData
    seconds : float
        Wall time of the sampling alone (no compile).
    """
    import nutpie

    start = time.perf_counter()
    idata = nutpie.sample(
        compiled,
        draws=draws,
        tune=tune,
        chains=chains,
        seed=seed,
        cores=min(chains, os.cpu_count() or 1),  # threads; results do not depend on it
        progress_bar=False,
        target_accept=target_accept,
        **settings,
    )
    return idata, time.perf_counter() - start
