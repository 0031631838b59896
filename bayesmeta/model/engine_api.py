"""The contract between the engine boundary and the engines: capabilities, options, protocol.

An engine (the exact quadrature engine in :mod:`bayesmeta.quad.engine`, NUTS in
:mod:`bayesmeta.nuts.engine`, or one registered later with
:func:`bayesmeta.engines.register_engine`) is an object with a ``name``, declared
:class:`Capabilities` and a ``fit``; :mod:`bayesmeta.engines` resolves ``auto`` from the
declarations alone and refuses, in one line, what no engine declares. Optional methods
(``draws``, ``loo``, ``rate_cdfs``, ``log_evidence_with_error``) exist when the capability is
declared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from bayesmeta.model.options import NutsOptions

if TYPE_CHECKING:
    from bayesmeta.model.result import BayesResult
    from bayesmeta.model.spec import ModelSpec


@dataclass(frozen=True)
class Capabilities:
    """What an engine can do, declared once.

    Attributes
    ----------
    likelihoods : frozenset of str
        Likelihood names it fits (:mod:`bayesmeta.model.likelihoods`).
    structures : frozenset of str
        Structure names it fits (:mod:`bayesmeta.model.structures`).
    exact : bool
        Deterministic (no Monte Carlo error); ``auto`` prefers exact engines.
    log_evidence : bool
        Its results carry log p(y), its error and Bayes factors.
    exact_loo : bool
        Exact leave-one-study-out predictive densities (``loo``).
    rate_cdfs : bool
        Exact posterior CDFs of the rates (``rate_cdfs``).
    thresholds : bool
        P(rate > X) in ``prob_above``.
    benchmark : bool
        The one-sided Bayes factor of the pooled rate against a benchmark.
    draws : bool
        Posterior draws of (eta, tau_study) for LOO, plots and saved posteriors (``draws``).
    """

    likelihoods: frozenset[str]
    structures: frozenset[str]
    exact: bool = False
    log_evidence: bool = False
    exact_loo: bool = False
    rate_cdfs: bool = False
    thresholds: bool = True
    benchmark: bool = False
    draws: bool = True

    def covers(self, spec: ModelSpec) -> bool:
        """Whether both the spec's likelihood and its structure are declared.

        Parameters
        ----------
        spec : ModelSpec
            The model.

        Returns
        -------
        bool
        """
        return spec.likelihood.name in self.likelihoods and spec.kind in self.structures


@dataclass(frozen=True)
class FitOptions:
    """What every engine's ``fit`` receives.

    Attributes
    ----------
    hdi : bool
        Highest-density instead of equal-tailed 95% intervals.
    thresholds : tuple of float
        Rates X for ``prob_above``.
    benchmark : float or None
        Rate B of the one-sided Bayes factor (engines declaring ``benchmark``).
    nuts : NutsOptions
        Sampler settings (sampling engines; exact engines ignore them).
    """

    hdi: bool = False
    thresholds: tuple[float, ...] = ()
    benchmark: float | None = None
    nuts: NutsOptions = field(default_factory=NutsOptions)


@runtime_checkable
class Engine(Protocol):
    """An engine: a name, declared capabilities, and ``fit``.

    Parameters
    ----------
    *args, **kwargs
        Not used: a protocol is not instantiated (engines are instances of their own classes).

    Attributes
    ----------
    name : str
        Its name in ``engine=`` arguments, spec files, the CLI and ``result.engine``.
    capabilities : Capabilities
        What it declares it can do.
    """

    name: str
    capabilities: Capabilities

    def supports(self, spec: ModelSpec) -> bool:
        """Whether it fits ``spec`` (usually ``capabilities.covers(spec)``)."""
        ...

    def fit(self, spec: ModelSpec, options: FitOptions) -> BayesResult:
        """Fit and summarize ``spec``; ``result.engine`` is :attr:`name`."""
        ...


class DeclaredEngine:
    """Base of an engine whose ``supports`` is its declared :class:`Capabilities`.

    Subclasses set ``name`` and ``capabilities`` and define ``fit``.

    Attributes
    ----------
    name : str
        Its name in ``engine=`` arguments.
    capabilities : Capabilities
        What it declares it can do.
    """

    name: str
    capabilities: Capabilities

    def supports(self, spec: ModelSpec) -> bool:
        """Whether the declared capabilities cover ``spec``.

        Parameters
        ----------
        spec : ModelSpec
            The model.

        Returns
        -------
        bool
        """
        return self.capabilities.covers(spec)


def optional_method(engine: Any, capability: str, method: str) -> Any:
    """The engine's ``method`` when it declares ``capability`` (else None).

    Parameters
    ----------
    engine : Engine
        A registered engine.
    capability : str
        A :class:`Capabilities` flag, e.g. ``"exact_loo"``.
    method : str
        The method implementing it, e.g. ``"loo"``.

    Returns
    -------
    callable or None
    """
    if not getattr(engine.capabilities, capability, False):
        return None
    return getattr(engine, method, None)
