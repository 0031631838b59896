"""The enumerations and defaults every layer shares, each defined once.

Engines and their resolution live in :mod:`bayesmeta.engines`; model kinds in
:mod:`bayesmeta.model.spec`; frequentist methods in :mod:`bayesmeta.freq.rma`. This module
holds the options both engines and the front ends (CLI, spec files, sensitivity) read.
"""

from __future__ import annotations

#: NUTS implementations (nutpie and numpyro when installed); "auto" is the fastest installed.
SAMPLERS: tuple[str, ...] = ("auto", "pymc", "nutpie", "numpyro")
#: The NUTS implementation used unless another is asked for: "auto" = nutpie where installed
#: (its Rust sampler on a numba-compiled model: ~15x PyMC's per warm fit), else PyMC.
DEFAULT_SAMPLER = "auto"
#: The random seed of every fit, resampling and simulation unless another is given.
DEFAULT_SEED = 20251121
#: Default NUTS target acceptance: 0.95 keeps every bundled analysis free of divergences
#: (the non-centered model of the death outcome, with tau near 0 for some subgroups, needs it).
TARGET_ACCEPT = 0.95
