"""The enumerations and defaults every layer shares, each defined once.

Engines and their resolution live in :mod:`bayesmeta.engines`; model kinds in
:mod:`bayesmeta.model.spec`; frequentist methods in :mod:`bayesmeta.freq.rma`. This module
holds the options both engines and the front ends (CLI, spec files, sensitivity) read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: NUTS implementations (nutpie and numpyro when installed); "auto" is the fastest installed.
SAMPLERS: tuple[str, ...] = ("auto", "pymc", "nutpie", "numpyro")
#: The NUTS implementation used unless another is asked for. "auto" (nutpie where installed:
#: ~8x PyMC's ESS per second warm, 3x brms's) is not yet the default: at the default seed it
#: gives max R-hat 1.013 on the crr random-intercept model (tests/bayes/test_bayes_brms.py).
DEFAULT_SAMPLER = "pymc"
#: The random seed of every fit, resampling and simulation unless another is given.
DEFAULT_SEED = 20251121
#: Default NUTS target acceptance: 0.95 keeps every bundled analysis free of divergences
#: (the non-centered model of the death outcome, with tau near 0 for some subgroups, needs it).
TARGET_ACCEPT = 0.95


@dataclass(frozen=True)
class NutsOptions:
    """Every NUTS setting and its default, defined once.

    The CLI, spec files, sensitivity, multiverse and simulate read their defaults from here
    (a front end may choose a lighter preset, e.g. :data:`NUTS_LIGHT`, but names it).

    Attributes
    ----------
    draws : int
        Kept draws per chain.
    tune : int
        Tuning steps per chain.
    chains : int
        Number of chains.
    seed : int
        Random seed; the same seed gives identical numbers.
    sampler : str
        NUTS implementation, one of :data:`SAMPLERS`.
    target_accept : float
        Target acceptance rate.
    """

    draws: int = 1000
    tune: int = 1000
    chains: int = 4
    seed: int = DEFAULT_SEED
    sampler: str = DEFAULT_SAMPLER
    target_accept: float = TARGET_ACCEPT

    def to_dict(self) -> dict[str, Any]:
        """The settings as keyword arguments.

        Returns
        -------
        dict
        """
        return dict(self.__dict__)


#: The lighter preset of spec files and sensitivity analyses: 2 chains of 1000 draws after 1000
#: tuning steps.
NUTS_LIGHT = NutsOptions(chains=2)
#: The preset of the ``nuts`` method of simulation studies (one fit per replicate): 2 chains of
#: 500 draws after 500 tuning steps.
NUTS_SIMULATION = NutsOptions(draws=500, tune=500, chains=2)
