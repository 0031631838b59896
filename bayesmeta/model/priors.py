"""Priors given as strings (``"normal(0, 2.5)"``, ``"halfnormal(1.5)"``), with numpy densities.

One :class:`Prior` serves both engines: :meth:`Prior.logpdf` (scipy) for the quadrature
engine and prior predictive checks, :meth:`Prior.to_pymc` for NUTS.

Families
--------
Location parameters (mu, beta): ``normal(m, s)``, ``student_t(nu, m, s)``.
Scale parameters (tau): ``halfnormal(s)``, ``halfcauchy(s)``, ``halfstudentt(nu, s)`` (also
written ``halft(nu, s)``), ``exponential(rate)``, ``uniform(lo, hi)``, ``lognormal(m, s)`` (log tau
~ normal(m, s)), ``halflogistic(s)`` and ``invgamma(a, b)``, an inverse-gamma prior on tau^2 (the
classic conjugate-style choice; its density in tau is ``2 tau InvGamma(tau^2; a, b)``).

Heterogeneity priors move the Bayes factors much more than the posteriors: a prior that puts
mass near tau = 0 (halfnormal, halfcauchy, exponential) keeps the common-effect model in reach,
one that vanishes there (lognormal, invgamma) does not. No named presets: the published
empirical heterogeneity priors (Turner et al. 2015, Stat Med 34:984; Rhodes et al. 2015; the
half-normal scales of Roever et al. 2021, Res Synth Methods 12:448) are for log odds ratios or
standardized mean differences between arms, not for logit proportions of single arms, so none
gives numbers for this package's tau.

Defaults (see :data:`DEFAULT_PRIORS`) are weakly informative on the logit scale:
mu ~ normal(0, 2.5) puts 95% of its mass on rates between 0.7% and 99.3%; beta ~ normal(0, 2.5)
allows odds ratios up to ~130 between levels; tau ~ halfnormal(1.5) has its median at tau = 1.0
and P(tau > 3) = 4.6%, wide enough for the heterogeneity seen in single-arm rates (the CAR-T death
outcome has a GLMM tau of 1.6) while ruling out absurd between-study spreads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.model.prior_families import (  # noqa: F401 (re-exported)
    PRIOR_FAMILIES,
    _HalfT,
    _SqrtInvGamma,
    log_density_pt,
    positive_with_logp,
)

if TYPE_CHECKING:  # pragma: no cover
    from scipy import stats

#: family -> (parameter names, role), a view of :data:`PRIOR_FAMILIES` (the one table).
FAMILIES: dict[str, tuple[tuple[str, ...], str]] = {
    name: (family.params, family.role) for name, family in PRIOR_FAMILIES.items()
}

_PATTERN = re.compile(r"^\s*([a-z_]+)\s*\((.*)\)\s*$")


@dataclass(frozen=True)
class Prior:
    """A parsed prior: family name and its parameters, in the order of the string.

    Attributes
    ----------
    family : str
        Family name, e.g. ``"halfnormal"``.
    params : tuple[float, ...]
        The family's parameters, in the order of its string form.
    """

    family: str
    params: tuple[float, ...]

    def __str__(self) -> str:
        return f"{self.family}({', '.join(f'{p:g}' for p in self.params)})"

    @property
    def role(self) -> str:
        return PRIOR_FAMILIES[self.family].role

    def distribution(self) -> stats.rv_continuous:
        """The frozen scipy distribution (from :data:`PRIOR_FAMILIES`)."""
        return PRIOR_FAMILIES[self.family].scipy(self.params)

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        """Log density at ``x`` (``-inf`` outside the support)."""
        return self.distribution().logpdf(np.asarray(x, dtype=float))

    def ppf(self, q: np.ndarray) -> np.ndarray:
        """Quantile function."""
        return self.distribution().ppf(np.asarray(q, dtype=float))

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        """Draws for prior predictive simulation."""
        return self.distribution().rvs(size=size, random_state=rng)

    def to_pymc(self, name: str, **kwargs):
        """Create the PyMC random variable ``name`` inside the current model context."""
        distribution, options = PRIOR_FAMILIES[self.family].pymc(self.params)
        return distribution(name, **options, **kwargs)


def parse_prior(text: str | Prior, *, role: str, name: str = "prior") -> Prior:
    """Parse a prior string and check it suits ``role`` ("location" or "scale").

    Parameters
    ----------
    text : str or Prior
        A prior string such as ``"normal(0, 2.5)"``, or a Prior (returned checked).
    role : str
        ``"location"`` (mu, beta) or ``"scale"`` (tau).
    name : str, optional
        What the prior is for, named in error messages.

    Returns
    -------
    Prior

    Raises
    ------
    InputError
        Unknown family, wrong number of parameters, non-numeric or invalid values
        (non-positive scale, ``uniform`` with lo >= hi or lo < 0 for tau).
    """
    if isinstance(text, Prior):
        prior = text
    else:
        match = _PATTERN.match(str(text))
        if not match:
            raise InputError(f"{name}: cannot read prior '{text}' (expected e.g. 'normal(0, 2.5)')")
        family, inside = match.group(1), match.group(2)
        if family not in PRIOR_FAMILIES:
            raise InputError(
                f"{name}: unknown prior family '{family}' (known: {', '.join(PRIOR_FAMILIES)})"
            )
        try:
            params = tuple(float(v) for v in inside.split(",")) if inside.strip() else ()
        except ValueError:
            raise InputError(f"{name}: prior '{text}' has a non-numeric parameter") from None
        expected = PRIOR_FAMILIES[family].params
        if len(params) != len(expected):
            raise InputError(
                f"{name}: {family} takes {len(expected)} parameter(s) ({', '.join(expected)}), got {len(params)}"
            )
        prior = Prior(family, params)
    if prior.role != role:
        allowed = ", ".join(f for f, fam in PRIOR_FAMILIES.items() if fam.role == role)
        raise InputError(f"{name}: '{prior.family}' is not a {role} prior (use one of: {allowed})")
    _check_values(prior, name)
    return prior


def _check_values(prior: Prior, name: str) -> None:
    if not all(np.isfinite(prior.params)):
        raise InputError(f"{name}: prior {prior} has a non-finite parameter")
    family = PRIOR_FAMILIES[prior.family]
    if any(prior.params[i] <= 0 for i in family.positive):
        raise InputError(f"{name}: prior {prior} needs positive scale and degrees of freedom")
    problem = family.check(prior.params) if family.check else None
    if problem:
        raise InputError(f"{name}: prior {prior} {problem}")


@dataclass(frozen=True)
class Priors:
    """The priors of one model: ``mu`` (intercept / group means), ``beta`` (slopes), ``tau``.

    Attributes
    ----------
    mu : Prior
        Prior of mu, the mean study effect (logit scale), and of cell means.
    beta : Prior
        Prior of the regression slopes.
    tau : Prior
        Prior of tau, the between-study standard deviation (logit scale).
    """

    mu: Prior
    beta: Prior
    tau: Prior

    @classmethod
    def from_strings(
        cls,
        *,
        mu: str | Prior | None = None,
        beta: str | Prior | None = None,
        tau: str | Prior | None = None,
    ) -> Priors:
        """Parse user strings; ``None`` keeps the default for that parameter (an empty string
        is an error, not the default)."""

        def chosen(value: str | Prior | None, default: Prior) -> str | Prior:
            return default if value is None else value

        return cls(
            mu=parse_prior(chosen(mu, DEFAULT_PRIORS.mu), role="location", name="mu prior"),
            beta=parse_prior(chosen(beta, DEFAULT_PRIORS.beta), role="location", name="beta prior"),
            tau=parse_prior(chosen(tau, DEFAULT_PRIORS.tau), role="scale", name="tau prior"),
        )

    def to_dict(self) -> dict[str, str]:
        return {"mu": str(self.mu), "beta": str(self.beta), "tau": str(self.tau)}


DEFAULT_PRIORS = Priors(
    mu=Prior("normal", (0.0, 2.5)),
    beta=Prior("normal", (0.0, 2.5)),
    tau=Prior("halfnormal", (1.5,)),
)
