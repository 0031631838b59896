"""Decisions on several outcomes at once: ``--joint "orr>0.8,dead<0.25"`` and ``--given``.

``P(pooled ORR > 0.8 and pooled death < 0.25)`` is the share of posterior draws meeting every
condition. For a new study the probability is Rao-Blackwellized: per draw, the probability
that a new study's effects ``u ~ MVN(0, Sigma)`` meet the conditions, by 1024 scrambled-Sobol
points (deterministic for the seed), then averaged over the draws; its Monte Carlo SE comes
from the draws' effective sample size.

``--given "orr=0.9"`` predicts a new study's other rates given its true ORR (per draw, the
conditional normal of the other effects); ``--given "orr=27/30"`` given its observed counts
(per draw, the new study's ORR effect resampled from 256 prior draws weighted by the binomial
likelihood, then the others from the conditional normal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logit
from scipy.stats import binom

from bayesmeta.errors import InputError
from bayesmeta.joint.rates import RateMap, qmc_normal

__all__ = [
    "Condition",
    "Given",
    "conditional_effects",
    "new_study_probability",
    "parse_conditions",
    "parse_given",
    "pooled_indicator",
]

_CONDITION = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*([<>])\s*([^<>]+?)\s*$")
_QMC_POINTS = 1024
_SIR_POINTS = 256


@dataclass(frozen=True)
class Condition:
    """One condition on a rate: ``outcome > threshold`` or ``outcome < threshold``.

    Attributes
    ----------
    outcome : str
        The outcome.
    above : bool
        ``>`` (True) or ``<``.
    threshold : float
        A rate in (0, 1).
    """

    outcome: str
    above: bool
    threshold: float

    def __str__(self) -> str:
        return f"{self.outcome}{'>' if self.above else '<'}{self.threshold:g}"

    def holds(self, rates: np.ndarray) -> np.ndarray:
        """Whether rates meet the condition (elementwise).

        Parameters
        ----------
        rates : numpy.ndarray
            Rates of ``outcome``.

        Returns
        -------
        numpy.ndarray
        """
        return rates > self.threshold if self.above else rates < self.threshold


def _rate(text: str, flag: str, item: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{flag}: '{item}' needs a rate between 0 and 1, got '{text}'") from None
    if not 0 < value < 1:
        raise InputError(f"{flag}: '{item}' needs a rate strictly between 0 and 1, got {value:g}")
    return value


def parse_conditions(text: str, names: tuple[str, ...]) -> tuple[Condition, ...]:
    """Parse ``"orr>0.8,dead<0.25"`` (all conditions must hold together).

    Parameters
    ----------
    text : str
        Comma-separated conditions.
    names : tuple of str
        The model's outcomes.

    Returns
    -------
    tuple of Condition

    Raises
    ------
    InputError
        One line naming ``--joint`` and the condition at fault.
    """
    conditions = []
    for item in str(text).split(","):
        match = _CONDITION.match(item)
        if not match:
            raise InputError(f"--joint: cannot read '{item.strip()}' (expected e.g. 'orr>0.8')")
        name, op, value = match.groups()
        if name not in names:
            raise InputError(f"--joint: '{name}' is not one of the outcomes ({', '.join(names)})")
        conditions.append(Condition(name, op == ">", _rate(value, "--joint", item.strip())))
    return tuple(conditions)


@dataclass(frozen=True)
class Given:
    """What is known of a new study: one outcome's true rate, or its observed counts.

    Attributes
    ----------
    outcome : str
        The outcome observed.
    rate : float or None
        Its true rate (``orr=0.9``).
    events, total : int or None
        Its counts (``orr=27/30``).
    """

    outcome: str
    rate: float | None = None
    events: int | None = None
    total: int | None = None

    def __str__(self) -> str:
        if self.rate is not None:
            return f"{self.outcome}={self.rate:g}"
        return f"{self.outcome}={self.events}/{self.total}"


def parse_given(text: str, rate_map: RateMap) -> Given:
    """Parse ``--given "orr=0.9"`` or ``"orr=27/30"``.

    Parameters
    ----------
    text : str
        The option's value.
    rate_map : RateMap
        The model's outcomes (a nested inner outcome, a product of two rates, cannot be given).

    Returns
    -------
    Given

    Raises
    ------
    InputError
        One line naming ``--given``.
    """
    name, sep, value = (part.strip() for part in str(text).partition("="))
    if not sep or not value:
        raise InputError(f"--given: cannot read '{text}' (expected 'orr=0.9' or 'orr=27/30')")
    if name not in rate_map.names:
        raise InputError(
            f"--given: '{name}' is not one of the outcomes ({', '.join(rate_map.names)})"
        )
    if not rate_map.is_direct(name):
        raise InputError(
            f"--given: '{name}' is nested (a product of two rates); give the outer outcome"
        )
    if "/" in value:
        events_text, _, total_text = value.partition("/")
        try:
            events, total = int(events_text), int(total_text)
        except ValueError:
            raise InputError(f"--given: '{text}' needs whole counts events/total") from None
        if total < 1 or not 0 <= events <= total:
            raise InputError(f"--given: '{text}' needs 0 <= events <= total and total >= 1")
        return Given(name, events=events, total=total)
    return Given(name, rate=_rate(value, "--given", text))


def pooled_indicator(
    rates: np.ndarray, conditions: tuple[Condition, ...], names: tuple[str, ...]
) -> np.ndarray:
    """Per draw, whether the pooled rates meet every condition (0.0 or 1.0).

    Parameters
    ----------
    rates : numpy.ndarray
        Pooled rates ``(S, outcomes)``.
    conditions : tuple of Condition
        The conditions.
    names : tuple of str
        Outcomes of the columns.

    Returns
    -------
    numpy.ndarray
    """
    ok = np.ones(rates.shape[0], dtype=bool)
    for c in conditions:
        ok &= c.holds(rates[:, names.index(c.outcome)])
    return ok.astype(float)


def new_study_probability(
    eta: np.ndarray,
    chol: np.ndarray,
    conditions: tuple[Condition, ...],
    rate_map: RateMap,
    *,
    seed: int,
) -> np.ndarray:
    """Per draw, P(a new study's rates meet every condition | the draw's parameters).

    Parameters
    ----------
    eta : numpy.ndarray
        Latent linear predictors ``(S, L)``.
    chol : numpy.ndarray
        Cholesky factors ``(S, L, L)``.
    conditions : tuple of Condition
        The conditions.
    rate_map : RateMap
        Reported outcomes.
    seed : int
        Seed of the scrambled Sobol points.

    Returns
    -------
    numpy.ndarray
        ``(S,)`` probabilities.
    """
    z = qmc_normal(_QMC_POINTS, eta.shape[1], seed=seed)
    out = np.empty(eta.shape[0])
    for start in range(0, eta.shape[0], 256):
        block = slice(start, start + 256)
        u = np.einsum("sij,nj->sni", chol[block], z)
        rates = rate_map.rates(eta[block, None, :] + u)
        ok = np.ones(rates.shape[:2], dtype=bool)
        for c in conditions:
            ok &= c.holds(rates[..., rate_map.names.index(c.outcome)])
        out[block] = ok.mean(axis=1)
    return out


def conditional_effects(
    eta: np.ndarray, chol: np.ndarray, given: Given, rate_map: RateMap, *, seed: int
) -> np.ndarray:
    """One draw per posterior draw of a new study's effects given what is known of it.

    Parameters
    ----------
    eta : numpy.ndarray
        Latent linear predictors ``(S, L)``.
    chol : numpy.ndarray
        Cholesky factors ``(S, L, L)``.
    given : Given
        The known rate or counts.
    rate_map : RateMap
        Reported outcomes.
    seed : int
        Random seed.

    Returns
    -------
    numpy.ndarray
        ``(S, L)`` effects (the given outcome's coordinate fixed or resampled).
    """
    rng = np.random.default_rng(seed)
    a = rate_map.latent_of(given.outcome)
    sigma = np.einsum("sij,skj->sik", chol, chol)
    S, L = eta.shape
    var_a = sigma[:, a, a]
    if given.rate is not None:
        u_a = logit(given.rate) - eta[:, a]
    else:
        prior = rng.standard_normal((S, _SIR_POINTS)) * np.sqrt(var_a)[:, None]
        loglik = binom.logpmf(given.events, given.total, expit(eta[:, a, None] + prior))
        weights = np.exp(loglik - loglik.max(axis=1, keepdims=True))
        weights /= weights.sum(axis=1, keepdims=True)
        pick = (weights.cumsum(axis=1) < rng.random((S, 1))).sum(axis=1)
        u_a = prior[np.arange(S), np.minimum(pick, _SIR_POINTS - 1)]
    others = [j for j in range(L) if j != a]
    cross = sigma[:, others, a]  # (S, L-1)
    mean = cross * (u_a / var_a)[:, None]
    cov = (
        sigma[:, others][:, :, others]
        - np.einsum("si,sj->sij", cross, cross) / var_a[:, None, None]
    )
    jitter = 1e-12 * np.eye(len(others))
    chol_c = np.linalg.cholesky(cov + jitter)
    u = np.empty((S, L))
    u[:, a] = u_a
    u[:, others] = mean + np.einsum("sij,sj->si", chol_c, rng.standard_normal((S, len(others))))
    return u
