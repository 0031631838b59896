"""Fit the joint model: `fit_joint` (NUTS) -> :class:`~bayesmeta.joint.summary.JointResult`."""

from __future__ import annotations

from bayesmeta.errors import InputError
from bayesmeta.joint.decisions import Condition, Given, parse_conditions, parse_given
from bayesmeta.joint.nuts import sample_joint
from bayesmeta.joint.spec import JointSpec
from bayesmeta.joint.summary import JointResult, rate_map, summarize_joint
from bayesmeta.model.options import DEFAULT_SAMPLER, DEFAULT_SEED, TARGET_ACCEPT

__all__ = ["fit_joint"]


def fit_joint(
    spec: JointSpec,
    *,
    joint: tuple[str, ...] | list[str] = (),
    given: tuple[str, ...] | list[str] = (),
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
        The joint model (:func:`~bayesmeta.joint.spec.build_joint_model`).
    joint : sequence of str, optional
        ``--joint`` options, e.g. ``"orr>0.8,dead<0.25"`` (checked before sampling).
    given : sequence of str, optional
        ``--given`` options, e.g. ``"orr=0.9"`` or ``"orr=27/30"``.
    draws, tune, chains : int, optional
        Draws and tuning steps per chain, chains.
    seed : int, optional
        Random seed (sampling, new-study draws, Sobol points).
    sampler : str, optional
        ``"pymc"`` or ``"nutpie"``.
    target_accept : float, optional
        NUTS target acceptance rate.

    Returns
    -------
    JointResult
    """
    if sampler not in ("pymc", "nutpie"):
        raise InputError(f"--sampler: the joint model samples with pymc or nutpie, not '{sampler}'")
    mapping = rate_map(spec)
    conditions: tuple[tuple[Condition, ...], ...] = tuple(
        parse_conditions(text, spec.names) for text in joint
    )
    known: tuple[Given, ...] = tuple(parse_given(text, mapping) for text in given)
    sampled = sample_joint(
        spec,
        draws=draws,
        tune=tune,
        chains=chains,
        seed=seed,
        sampler=sampler,
        target_accept=target_accept,
    )
    result = summarize_joint(spec, sampled, conditions=conditions, given=known, seed=seed)
    result.sampling = {
        "draws": draws,
        "tune": tune,
        "chains": chains,
        "seed": seed,
        "sampler": sampler,
        "target_accept": target_accept,
    }
    return result
