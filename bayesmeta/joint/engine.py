"""The joint model's NUTS engine, registered with :mod:`bayesmeta.engines` (issue 19's protocol).

``engines.resolve(spec)`` picks it for a :class:`~bayesmeta.joint.spec.JointSpec` (its likelihood
``joint_binomial`` is declared by no built-in engine); ``get_engine("joint_nuts").fit(spec,
options)`` samples with the :class:`~bayesmeta.model.engine_api.FitOptions`' NUTS settings and
the spec's own decisions (``--joint``, ``--given``).
"""

from __future__ import annotations

from typing import Any

from bayesmeta.model.engine_api import Capabilities, DeclaredEngine, FitOptions

__all__ = ["ENGINE", "JointNutsEngine", "register"]


class JointNutsEngine(DeclaredEngine):
    """NUTS (PyMC or nutpie) for the joint model of several outcomes.

    Attributes
    ----------
    name : str
        ``"joint_nuts"``.
    capabilities : Capabilities
        The joint likelihood with the random and regression structures; not exact, no
        evidence, no P(rate > X) thresholds (``--joint`` gives joint probabilities instead).
    """

    name = "joint_nuts"
    capabilities = Capabilities(
        likelihoods=frozenset({"joint_binomial"}),
        structures=frozenset({"random", "regression"}),
        thresholds=False,
        draws=False,
    )

    def fit(self, spec: Any, options: FitOptions) -> Any:
        """Sample and summarize the joint model.

        Parameters
        ----------
        spec : JointSpec
            The model (with its decisions).
        options : FitOptions
            ``options.nuts`` holds draws, tune, chains, seed, sampler, target_accept.

        Returns
        -------
        JointResult
        """
        from bayesmeta.errors import InputError
        from bayesmeta.joint.bayes_fit import fit_joint

        if options.hdi:
            raise InputError("--hdi: the joint model reports equal-tailed intervals")
        nuts = options.nuts
        return fit_joint(
            spec,
            draws=nuts.draws,
            tune=nuts.tune,
            chains=nuts.chains,
            seed=nuts.seed,
            sampler=nuts.sampler,
            target_accept=nuts.target_accept,
        )


ENGINE = JointNutsEngine()


def register() -> None:
    """Register the joint likelihood and engine (idempotent).

    Returns
    -------
    None
    """
    from bayesmeta.engines import engine_names, register_engine
    from bayesmeta.joint.likelihood import JOINT_BINOMIAL
    from bayesmeta.model.likelihoods import LIKELIHOODS, register_likelihood

    if JOINT_BINOMIAL.name not in LIKELIHOODS:
        register_likelihood(JOINT_BINOMIAL)
    if ENGINE.name not in engine_names():
        register_engine(ENGINE)
