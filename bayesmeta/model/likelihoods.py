"""Likelihoods as objects: what a study's data say about its rate, and the registry of them.

A :class:`~bayesmeta.model.spec.ModelSpec` pairs one likelihood with one structure
(:mod:`bayesmeta.model.structures`). A likelihood declares its name, the data shape it reads
(:mod:`bayesmeta.data.outcomes`), the structures it combines with, and its own parameters and
their prior roles; engines declare which likelihood names they fit
(:class:`bayesmeta.model.engine_api.Capabilities`). A new likelihood is a subclass registered with
:func:`register_likelihood`.

Likelihoods
-----------
binomial
    y_i ~ Binomial(n_i, expit(eta_i + u_i)), u_i ~ Normal(0, tau): the binomial-logit-normal
    model (eta_i from the structure; u_i = 0 in the common-effect structure).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from bayesmeta.errors import InputError


@dataclass(frozen=True)
class Likelihood:
    """Base class of the likelihoods (subclasses are frozen dataclasses).

    Attributes
    ----------
    name : str
        The name in ``build_model(likelihood=...)``, spec files, the CLI and the JSON.
    data_shape : str
        The :mod:`bayesmeta.data.outcomes` shape it reads (``"binomial"``).
    structures : frozenset of str
        Structure names it combines with (:mod:`bayesmeta.model.structures`).
    """

    name: ClassVar[str] = ""
    data_shape: ClassVar[str] = "binomial"
    structures: ClassVar[frozenset[str]] = frozenset()

    def parameters(self) -> tuple[str, ...]:
        """Its own parameters beyond the structure's (e.g. ``("phi",)``); none by default.

        Returns
        -------
        tuple of str
        """
        return ()

    def prior_roles(self) -> dict[str, str]:
        """The prior role of each own parameter (see :mod:`bayesmeta.model.prior_families`).

        Returns
        -------
        dict of str to str
        """
        return {}

    def observations(self, data: Any) -> Any:
        """The data shape this likelihood reads from a study table.

        Parameters
        ----------
        data : MetaData
            The study table of the spec.

        Returns
        -------
        BinomialCounts
            For the binomial data shape.
        """
        return data.counts

    def check(self, data: Any, structure: Any) -> None:
        """Raise a one-line InputError when this likelihood cannot be used here.

        Parameters
        ----------
        data : MetaData
            The study table.
        structure : Structure
            The structure it is combined with.

        Returns
        -------
        None
        """
        if structure.name not in self.structures:
            allowed = ", ".join(sorted(self.structures))
            raise InputError(
                f"the {self.name} likelihood does not combine with the '{structure.name}' "
                f"model (choose from {allowed})"
            )

    #: How reports write the model (after "Likelihood: "), the pooled median-study rate and the
    #: pooled mean rate.
    formula_text: ClassVar[str] = (
        "events ~ Binomial(total, expit(eta + u)), u ~ Normal(0, tau) per study"
    )
    median_label: ClassVar[str] = "pooled median rate expit(mu)"
    median_label_average: ClassVar[str] = "pooled median rate at the average study"
    mean_label: ClassVar[str] = "pooled mean rate E[expit(mu + u)]"

    def report_priors(self, priors: dict[str, str]) -> dict[str, str]:
        """The priors a report lists, from the spec's ``Priors.to_dict()`` (unchanged here).

        Parameters
        ----------
        priors : dict of str to str
            Parameter -> prior string.

        Returns
        -------
        dict of str to str
        """
        return priors

    #: Name of the per-study draws of its positive parameter in an InferenceData (the
    #: between-study SD for the binomial-logit-normal likelihood).
    scale_name: ClassVar[str] = "tau_study"

    def study_loglik(self, events: Any, total: Any, eta: Any, scale: Any) -> Any:
        """log p(y_i | eta_i, scale_i) per draw: what LOO, model comparison and saved posteriors
        use (binomial-logit-normal: the study effect integrated out by adaptive Gauss-Hermite).

        Parameters
        ----------
        events, total : numpy.ndarray
            Shape (k,).
        eta, scale : numpy.ndarray
            Shape (..., k): each study's linear predictor and positive parameter per draw.

        Returns
        -------
        numpy.ndarray
            Shape (..., k), binomial coefficients included.
        """
        from bayesmeta.model.likelihood import integrated_loglik

        return integrated_loglik(events, total, eta, scale)

    def with_priors(self, **priors: Any) -> Likelihood:
        """A copy with its own parameters' priors set (``None`` keeps the default).

        Parameters
        ----------
        **priors : str, Prior or None
            One per own parameter (:meth:`parameters`); this base has none.

        Returns
        -------
        Likelihood

        Raises
        ------
        InputError
            A prior for a parameter the likelihood does not have.
        """
        given = sorted(name for name, value in priors.items() if value is not None)
        if given:
            raise InputError(f"the {self.name} likelihood has no parameter '{given[0]}'")
        return self

    def implementation(self, engine: str) -> str | None:
        """The module that implements this likelihood for ``engine``, or None when the engine's
        own code does (the built-in binomial). An engine that declares the likelihood delegates
        ``fit``, ``draws``, ``loo``, ``rate_cdfs`` and ``log_evidence_with_error`` to it.

        Parameters
        ----------
        engine : str
            An engine name.

        Returns
        -------
        str or None
            A module path.
        """
        return None

    def describe(self) -> dict[str, Any]:
        """JSON-ready description.

        Returns
        -------
        dict
        """
        return {"likelihood": self.name}


@dataclass(frozen=True)
class BinomialLogitNormal(Likelihood):
    """The binomial likelihood with logit-normal study effects (the package's original model)."""

    name: ClassVar[str] = "binomial"
    data_shape: ClassVar[str] = "binomial"
    structures: ClassVar[frozenset[str]] = frozenset({"common", "random", "subgroup", "regression"})


#: The default likelihood.
BINOMIAL = BinomialLogitNormal()

#: name -> likelihood; filled by :func:`register_likelihood`.
LIKELIHOODS: dict[str, Likelihood] = {}


def register_likelihood(likelihood: Likelihood, *, replace: bool = False) -> Likelihood:
    """Make a likelihood known by name (``build_model(likelihood=name)``, spec files, CLI).

    Parameters
    ----------
    likelihood : Likelihood
        An instance.
    replace : bool, default False
        Allow replacing one of the same name.

    Returns
    -------
    Likelihood
        ``likelihood``.

    Raises
    ------
    ValueError
        The name is taken and ``replace`` is False.
    """
    if likelihood.name in LIKELIHOODS and not replace:
        raise ValueError(f"likelihood '{likelihood.name}' is already registered")
    LIKELIHOODS[likelihood.name] = likelihood
    return likelihood


def likelihood_named(name: str | Likelihood) -> Likelihood:
    """The registered likelihood called ``name`` (a Likelihood is returned as is).

    Parameters
    ----------
    name : str or Likelihood
        A likelihood name, e.g. ``"binomial"``.

    Returns
    -------
    Likelihood

    Raises
    ------
    InputError
        An unknown name.
    """
    if isinstance(name, Likelihood):
        return name
    if name not in LIKELIHOODS:
        load_builtin_likelihoods()
    if name not in LIKELIHOODS:
        raise InputError(f"unknown likelihood '{name}' (choose from {', '.join(LIKELIHOODS)})")
    return LIKELIHOODS[name]


register_likelihood(BINOMIAL)

#: Modules of the built-in likelihoods defined outside this file; each registers itself when
#: imported, which happens on the first lookup by name (a plugin list, so that this module, which
#: they import for the base class, does not import them back).
BUILTIN_MODULES: tuple[str, ...] = ("bayesmeta.model.betabinomial",)


def load_builtin_likelihoods() -> None:
    """Import the modules of :data:`BUILTIN_MODULES` (each registers its likelihood once).

    Returns
    -------
    None
    """
    import importlib

    for module in BUILTIN_MODULES:
        importlib.import_module(module)
