"""The enumerations and defaults every layer shares, each defined once.

Engines and their resolution live in :mod:`bayesmeta.engines`; model kinds in
:mod:`bayesmeta.model.spec`; frequentist methods in :mod:`bayesmeta.freq.rma`. This module
holds the options both engines and the front ends (CLI, spec files, sensitivity) read.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from dataclasses import dataclass
from typing import Any

#: NUTS implementations (nutpie and numpyro when installed); "auto" is the fastest installed.
SAMPLERS: tuple[str, ...] = ("auto", "pymc", "nutpie", "numpyro")
#: The NUTS implementation used unless another is asked for: "auto", the fastest installed
#: (:func:`resolve_sampler`: nutpie, a core dependency, else PyMC). Results name the sampler
#: that ran (``model["sampler"]``). Measured in ``benchmarks/bayes/nuts_vs_brms.md``.
DEFAULT_SAMPLER = "auto"
#: nutpie's settings beside draws, tune, chains, seed and target acceptance (every model):
#: warm-up draws are not kept.
NUTPIE_SETTINGS: dict[str, Any] = {"save_warmup": False}
#: nutpie's low-rank modified mass matrix, used for the models with one between-study SD
#: (random, common, regression, subgroups with a shared tau; ``nuts/sampling.py``). It learns the
#: posterior correlation of mu (or the intercept) with tau and the study effects, which a
#: diagonal mass matrix (PyMC's, nutpie's default) cannot: on the CAR-T random-intercept models
#: the bulk ESS of mu goes from ~600 to ~7000 of 4000 draws and the smallest bulk ESS from ~600
#: to ~1700, so max R-hat stays well below 1.01 at default settings. Subgroups with one tau per
#: level keep the diagonal one: there a level's tau near 0 limits sampling, which a linear
#: correction does not help, and the low-rank matrix gave a lower tail ESS (orr by cancer type:
#: 301-520 against 713-975). Measured in ``benchmarks/bayes/nutpie_settings.md``.
NUTPIE_LOW_RANK: dict[str, Any] = {"low_rank_modified_mass_matrix": True}
#: The random seed of every fit, resampling and simulation unless another is given.
DEFAULT_SEED = 20251121
#: Default NUTS target acceptance: 0.95 keeps every bundled analysis free of divergences
#: (the non-centered model of the death outcome, with tau near 0 for some subgroups, needs it).
TARGET_ACCEPT = 0.95


def resolve_sampler(sampler: str) -> str:
    """The NUTS implementation ``sampler`` names: ``"auto"`` is nutpie where installed, else PyMC.

    Parameters
    ----------
    sampler : str
        ``"auto"``, ``"pymc"``, ``"nutpie"`` or ``"numpyro"``.

    Returns
    -------
    str
        A concrete sampler.
    """
    if sampler == "auto":
        return "nutpie" if importlib.util.find_spec("nutpie") is not None else "pymc"
    return sampler


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

    @classmethod
    def given(cls, **settings: Any) -> NutsOptions:
        """The settings given (not None), each other one at its default.

        Parameters
        ----------
        **settings
            ``draws``, ``tune``, ``chains``, ``seed``, ``sampler``, ``target_accept``; None
            keeps the default.

        Returns
        -------
        NutsOptions
        """
        return cls(**{key: value for key, value in settings.items() if value is not None})

    def to_dict(self) -> dict[str, Any]:
        """The settings as keyword arguments (also what a result records in ``sampling``).

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
#: The target acceptance of the one-stage IPD model (``nuts/ipd.py``), lower than
#: :data:`TARGET_ACCEPT`: measured on its NUTS path (nutpie, 4 x 1000 draws), 0.95 gave a lower
#: ESS at more CPU and no fewer divergences (none at either): on the bundled random-slope model
#: (bridging + age) the smallest bulk ESS 602-892 against 1007-1113 and tail ESS 463-950
#: against 1046-1693 over 6 seeds (R-hat 1.0101 and 1.0123 in two); on ``validation/ipd``
#: 2 of 8 seeds gave a tail ESS of tau below 500 (0 of 8 at 0.9).
#: ``benchmarks/bayes/ipd_target_accept.md``.
IPD_TARGET_ACCEPT = 0.9
#: The IPD model's NUTS settings: every default of :class:`NutsOptions` but the target
#: acceptance (:data:`IPD_TARGET_ACCEPT`).
NUTS_IPD = NutsOptions(target_accept=IPD_TARGET_ACCEPT)


def _whole(name: str, value: Any, *, minimum: int) -> int:
    if isinstance(value, bool) or int(value) != value or value < minimum:
        from bayesmeta.errors import InputError

        raise InputError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def checked_counts(nuts: NutsOptions) -> NutsOptions:
    """NUTS settings with their counts and target acceptance checked (one line naming the setting).

    Parameters
    ----------
    nuts : NutsOptions
        The settings asked for.

    Returns
    -------
    NutsOptions
        The same settings, counts as ``int`` and the target acceptance as ``float``.

    Raises
    ------
    InputError
        A count that is not a whole number (draws, chains >= 1; tune, seed >= 0), or a target
        acceptance outside [0.5, 1).
    """
    checked = dataclasses.replace(
        nuts,
        draws=_whole("draws", nuts.draws, minimum=1),
        tune=_whole("tune", nuts.tune, minimum=0),
        chains=_whole("chains", nuts.chains, minimum=1),
        seed=_whole("seed", nuts.seed, minimum=0),
        target_accept=float(nuts.target_accept),
    )
    if not 0.5 <= checked.target_accept < 1.0:
        from bayesmeta.errors import InputError

        raise InputError(f"target_accept must be in [0.5, 1), got {checked.target_accept}")
    return checked
