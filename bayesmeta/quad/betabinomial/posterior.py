"""The exact beta-binomial posterior over (beta, s = log phi) by nested adaptive quadrature.

The beta-binomial likelihood depends on each study's linear predictor and on one positive
parameter (phi), exactly the structure :mod:`bayesmeta.quad.regression` integrates for the
binomial-normal model (there the positive parameter is tau): :class:`BetaBinomialProblem`
supplies the study log likelihoods (closed form, :mod:`bayesmeta.model.betabinomial_forms`) and a
method-of-moments start for log phi; the joint mode, the Laplace-standardized beta | phi rules,
the log-phi grid extended until the marginal density is negligible, the log evidence and its
coarse twin are the regression engine's, unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesmeta.model import betabinomial_forms as bb
from bayesmeta.quad.regression.integrate import (
    RegressionAccuracy,
    RegressionPosterior,
    integrate,
)
from bayesmeta.quad.regression.posterior import LogDensity, RegressionProblem
from bayesmeta.quad.regression.priors import log_density

#: Intra-class correlations the method-of-moments start is clipped to.
ICC_START = (0.002, 0.9)


@dataclass(frozen=True)
class BetaBinomialProblem(RegressionProblem):
    """Counts, design and priors of a beta-binomial model; the positive parameter is phi.

    ``tau_logpdf`` (the inherited field) holds the log prior density of phi.

    Attributes
    ----------
    events, total : numpy.ndarray
        Counts, shape (k,).
    X : numpy.ndarray
        Design matrix, shape (k, p) (a column of ones without covariates).
    coef_logpdf : sequence of callables
        Log prior density of each coefficient.
    tau_logpdf : callable
        Log prior density of phi.
    n_gh : int
        Unused (the beta-binomial likelihood is closed form).
    """

    def study_rows(self, eta: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """log L_i(eta_i, phi), closed form.

        Parameters
        ----------
        eta : numpy.ndarray
            Linear predictors, shape (k, N).
        scale : numpy.ndarray
            phi, shape (N,).

        Returns
        -------
        numpy.ndarray
            Shape (k, N), binomial coefficients included.
        """
        return bb.study_loglik_rows(self.events, self.total, eta, scale)

    def start_s(self) -> float:
        """log phi from the method of moments (the spread of the observed rates beyond binomial).

        Returns
        -------
        float
        """
        y, n = self.events, self.total
        rate = (y + 0.5) / (n + 1.0)
        mean = float(np.sum(y) + 0.5) / float(np.sum(n) + 1.0)
        spread = float(np.mean((rate - mean) ** 2)) / (mean * (1.0 - mean))
        inv_n = float(np.mean(1.0 / n))
        rho = (spread - inv_n) / max(1.0 - inv_n, 1e-9)
        rho = float(np.clip(rho, *ICC_START))
        return float(np.log(1.0 / rho - 1.0))


def betabinomial_problem(
    events: np.ndarray,
    total: np.ndarray,
    X: np.ndarray,
    coef_priors,
    phi_prior,
) -> BetaBinomialProblem:
    """The numerical core's view of a beta-binomial model.

    Parameters
    ----------
    events, total : numpy.ndarray
        Counts, shape (k,).
    X : numpy.ndarray
        Design matrix (k, p).
    coef_priors : sequence of Prior
        Prior of each coefficient (column of ``X``).
    phi_prior : Prior
        Prior of phi.

    Returns
    -------
    BetaBinomialProblem
    """
    coef: list[LogDensity] = [log_density(prior) for prior in coef_priors]
    return BetaBinomialProblem(
        events=np.asarray(events, dtype=float),
        total=np.asarray(total, dtype=float),
        X=np.asarray(X, dtype=float),
        coef_logpdf=coef,
        tau_logpdf=log_density(phi_prior),
    )


def betabinomial_posterior(
    problem: BetaBinomialProblem, *, accuracy: RegressionAccuracy | None = None
) -> tuple[RegressionPosterior, RegressionPosterior]:
    """The posterior of (beta, phi) on quadrature nodes, and its coarse twin.

    Parameters
    ----------
    problem : BetaBinomialProblem
    accuracy : RegressionAccuracy, optional
        Accuracy controls (``tau`` of the result holds phi).

    Returns
    -------
    tuple of RegressionPosterior
        Fine and coarse posteriors; their log evidences differ by the numerical error.
    """
    return integrate(problem, accuracy=accuracy)
