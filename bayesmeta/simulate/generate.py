"""One replicate's data, and the true values it is judged against."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from bayesmeta.simulate.scenarios import MAX_SIZE, Scenario, parse_sizes


@dataclass(frozen=True)
class Replicate:
    """Simulated studies of one meta-analysis.

    Attributes
    ----------
    events, total : numpy.ndarray
        Counts per study.
    new_rate : float
        The true rate of one new study of the same population (for prediction intervals).
    """

    events: np.ndarray
    total: np.ndarray
    new_rate: float


def draw_sizes(sizes: str, k: int, rng: np.random.Generator) -> np.ndarray:
    """Study sizes.

    Parameters
    ----------
    sizes : str
        Distribution (see :func:`~bayesmeta.simulate.scenarios.parse_sizes`).
    k : int
        Number of studies.
    rng : numpy.random.Generator
        The task's generator.

    Returns
    -------
    numpy.ndarray of int
    """
    family, params = parse_sizes(sizes)
    if family == "fixed":
        return np.full(k, int(round(params[0])))
    if family == "uniform":
        return rng.integers(int(params[0]), int(params[1]), endpoint=True, size=k)
    draws = np.exp(np.log(params[0]) + params[1] * rng.standard_normal(k))
    return np.clip(np.round(draws), 1, MAX_SIZE).astype(int)  # the rare far tail: MAX_SIZE


def draw_replicate(scenario: Scenario, rng: np.random.Generator) -> Replicate:
    """Draw sizes, study effects theta_i ~ N(mu, tau^2), events ~ Binomial(n_i, expit(theta_i)).

    Parameters
    ----------
    scenario : Scenario
        The truth.
    rng : numpy.random.Generator
        The task's generator (always consumed in the same order).

    Returns
    -------
    Replicate
    """
    total = draw_sizes(scenario.sizes, scenario.k, rng)
    theta = scenario.mu + scenario.tau * rng.standard_normal(scenario.k)
    events = rng.binomial(total, expit(theta))
    new_rate = float(expit(scenario.mu + scenario.tau * rng.standard_normal()))
    return Replicate(events=events, total=total, new_rate=new_rate)


def true_median(scenario: Scenario) -> float:
    """expit(mu): the median rate of the population of studies.

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    float
    """
    return float(expit(scenario.mu))


def true_mean(scenario: Scenario) -> float:
    """E[expit(mu + tau z)], z ~ N(0, 1): the mean rate (Gauss-Hermite, 80 nodes).

    Parameters
    ----------
    scenario : Scenario

    Returns
    -------
    float
    """
    nodes, weights = np.polynomial.hermite_e.hermegauss(80)
    values = expit(scenario.mu + scenario.tau * nodes)
    return float(np.sum(weights * values) / math.sqrt(2 * math.pi))
