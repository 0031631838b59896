"""The PyTensor backend of the PyMC sampler: NUMBA, which needs no C compiler and no BLAS.

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
from collections.abc import Iterator
from contextlib import contextmanager

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
