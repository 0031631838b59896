"""The Bayesian fit of several outcomes: `fit_joint` (NUTS, then summaries and joint decisions).

It returns a :class:`~bayesmeta.joint.summary.JointResult`; the frequentist fit of the same model
is :mod:`bayesmeta.joint.freq`.
"""

from __future__ import annotations

from bayesmeta.errors import InputError
from bayesmeta.joint.nuts import sample_joint
from bayesmeta.joint.spec import JointSpec
from bayesmeta.joint.summary import JointResult, summarize_joint
from bayesmeta.model.options import (
    DEFAULT_SAMPLER,
    DEFAULT_SEED,
    TARGET_ACCEPT,
    NutsOptions,
    checked_counts,
    resolve_sampler,
)

__all__ = ["fit_joint"]


def fit_joint(
    spec: JointSpec,
    *,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    seed: int = DEFAULT_SEED,
    sampler: str = DEFAULT_SAMPLER,
    target_accept: float = TARGET_ACCEPT,
) -> JointResult:
    """Sample the joint model with NUTS and summarize it, with joint decisions.

    Parameters
    ----------
    spec : JointSpec
        The joint model with its decisions (:func:`~bayesmeta.joint.spec.build_joint_model`).
    draws, tune, chains : int, optional
        Draws and tuning steps per chain, chains.
    seed : int, optional
        Random seed (sampling, new-study draws, Sobol points).
    sampler : str, optional
        ``"auto"`` (nutpie where installed, else PyMC), ``"pymc"`` or ``"nutpie"``;
        ``result.sampling["sampler"]`` names the one that ran.
    target_accept : float, optional
        NUTS target acceptance rate.

    Returns
    -------
    JointResult
    """
    sampler = resolve_sampler(sampler)
    if sampler not in ("pymc", "nutpie"):
        raise InputError(f"--sampler: the joint model samples with pymc or nutpie, not '{sampler}'")
    settings = checked_counts(
        NutsOptions.given(
            draws=draws,
            tune=tune,
            chains=chains,
            seed=seed,
            sampler=sampler,
            target_accept=target_accept,
        )
    ).to_dict()
    sampled = sample_joint(spec, **settings)
    result = summarize_joint(spec, sampled, conditions=spec.conditions, given=spec.given, seed=seed)
    result.sampling = settings
    return result
