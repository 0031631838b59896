"""The frequentist multivariate GLMM of several outcomes, as lme4's ``glmer`` fits it.

``glmer(cbind(x, n - x) ~ 0 + outcome + (0 + outcome | study), family = binomial)``: maximum
likelihood by Laplace's method (:mod:`bayesmeta.joint.laplace`) over the fixed effects and the
log-Cholesky factor of the between-study covariance, BFGS then Newton polishing; standard
errors from the inverse of the observed information in (beta, covariance), the fixed-effect
block, as lme4's default (Hessian-based) ``vcov`` of a ``glmer`` fit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize
from scipy.special import expit
from scipy.stats import norm

from bayesmeta.data.metadata import Exclusion
from bayesmeta.errors import InputError
from bayesmeta.joint.data import JointData
from bayesmeta.joint.laplace import covariance_parts, laplace_loglik, n_covariance
from bayesmeta.joint.problem import JointProblem, joint_problem
from bayesmeta.plural import plural

__all__ = ["JointGlmmResult", "joint_glmm"]

_GRADIENT_STEP = 1e-5
_HESSIAN_STEP = 1e-3  # as freq/glmm_fit.py: rounding noise / step^2 stays ~1e-6


@dataclass(frozen=True)
class JointGlmmResult:
    """The multivariate GLMM fit.

    Attributes
    ----------
    names : tuple of str
        Outcomes.
    coefficient_names : tuple of str
        ``outcome:column`` per fixed effect.
    beta, vcov : numpy.ndarray
        Fixed effects (logit scale) and their covariance.
    sigma : numpy.ndarray
        Between-study covariance of the random effects.
    loglik : float
        Maximised Laplace log-likelihood (as ``logLik`` of a ``glmer`` fit).
    k, n_obs : int
        Studies and reported (study, outcome) cells.
    studies_per_outcome : tuple of int
        Studies reporting each outcome.
    level : float
        Confidence level of the Wald intervals.
    converged : bool
        Whether the gradient vanished at the reported optimum.
    excluded : tuple of Exclusion
        Studies left out, with the reason.
    """

    names: tuple[str, ...]
    coefficient_names: tuple[str, ...]
    beta: np.ndarray
    vcov: np.ndarray
    sigma: np.ndarray
    loglik: float
    k: int
    n_obs: int
    level: float
    converged: bool
    studies_per_outcome: tuple[int, ...] = ()
    excluded: tuple[Exclusion, ...] = field(default=())

    @property
    def taus(self) -> np.ndarray:
        """Between-study SDs of each outcome (logit scale)."""
        return np.sqrt(np.diag(self.sigma))

    @property
    def correlation(self) -> np.ndarray:
        """Correlation matrix of the random effects."""
        return self.sigma / np.outer(self.taus, self.taus)

    def to_dict(self) -> dict[str, Any]:
        """JSON payload: ``outcomes: {name: {mu, se, tau, ...}}``, ``correlations``, ``loglik``.

        Returns
        -------
        dict
        """
        z = norm.ppf(0.5 + self.level / 2)
        se = np.sqrt(np.diag(self.vcov))
        p = len(self.coefficient_names) // len(self.names)
        outcomes = {}
        for j, name in enumerate(self.names):
            i = j * p  # the outcome's intercept
            lo, hi = self.beta[i] - z * se[i], self.beta[i] + z * se[i]
            outcomes[name] = {
                "mu": float(self.beta[i]),
                "se": float(se[i]),
                "ci_lo": float(lo),
                "ci_hi": float(hi),
                "rate": float(expit(self.beta[i])),
                "rate_lo": float(expit(lo)),
                "rate_hi": float(expit(hi)),
                "tau": float(self.taus[j]),
                "k": self.studies_per_outcome[j] if self.studies_per_outcome else None,
            }
        correlations = {
            f"{a},{b}": float(self.correlation[i, j])
            for i, a in enumerate(self.names)
            for j, b in enumerate(self.names)
            if i < j
        }
        payload: dict[str, Any] = {
            "model": "multivariate GLMM (Laplace), glmer(cbind(x, n - x) ~ 0 + outcome + "
            "(0 + outcome | study))",
            "outcomes": outcomes,
            "correlations": correlations,
            "loglik": float(self.loglik),
            "k": self.k,
            "n_obs": self.n_obs,
            "level": self.level,
            "converged": self.converged,
            "excluded": [e.to_dict() for e in self.excluded],
        }
        if p > 1:
            payload["coefficients"] = {
                name: {"estimate": float(b), "se": float(s)}
                for name, b, s in zip(self.coefficient_names, self.beta, se, strict=True)
            }
        return payload


def joint_glmm(
    data: JointData, *, formula: str | None = None, level: float = 0.95
) -> JointGlmmResult:
    """Fit the multivariate binomial-logit GLMM by maximum (Laplace) likelihood.

    Parameters
    ----------
    data : JointData
        Several outcomes per study.
    formula : str, optional
        Study-level covariates, with coefficients per outcome (studies missing one are
        excluded and reported).
    level : float, default 0.95
        Confidence level of the Wald intervals.

    Returns
    -------
    JointGlmmResult

    Raises
    ------
    InputError
        When an outcome has fewer than two studies, or the fit does not converge.
    """
    if formula is not None:
        from bayesmeta.formula import parse_formula

        data = data.complete_for(parse_formula(formula).covariates)
    for name, count in data.counts().items():
        if name != "all" and count < 2:
            raise InputError(
                f"outcome '{name}': reported by {plural(count, 'study')}; the GLMM needs 2"
            )
    problem = joint_problem(data, formula=formula)
    params, loglik, converged = _maximise(problem)
    hessian = _hessian(params, problem)
    try:
        covariance = np.linalg.inv(-hessian)
    except np.linalg.LinAlgError:
        raise InputError("the multivariate GLMM's information matrix is singular") from None
    n_beta = problem.X.shape[1]
    sigma, _, _ = covariance_parts(params[n_beta:], problem.m)
    vcov = covariance[:n_beta, :n_beta]
    if np.any(np.diag(vcov) <= 0):
        converged = False
    return JointGlmmResult(
        names=problem.names,
        coefficient_names=problem.coefficient_names,
        beta=params[:n_beta],
        vcov=vcov,
        sigma=sigma,
        loglik=loglik,
        k=problem.k,
        n_obs=len(problem.events),
        level=level,
        converged=converged,
        studies_per_outcome=tuple(int(c) for c in data.reported.sum(axis=0)),
        excluded=data.excluded,
    )


def _start(problem: JointProblem) -> np.ndarray:
    beta = np.zeros(problem.X.shape[1])
    for j in range(problem.m):
        rows = problem.outcome == j
        x, n = problem.events[rows].sum(), problem.total[rows].sum()
        beta[j * problem.p] = np.log((x + 0.5) / (n - x + 0.5))
    theta = np.zeros(n_covariance(problem.m))
    rows, cols = np.tril_indices(problem.m)
    theta[rows == cols] = np.log(0.5)
    return np.concatenate([beta, theta])


def _loglik_function(problem: JointProblem):
    n_beta = problem.X.shape[1]
    modes: list[np.ndarray | None] = [None]

    def loglik(params: np.ndarray) -> float:
        value, b = laplace_loglik(params[:n_beta], params[n_beta:], problem, start=modes[0])
        if np.isfinite(value):
            modes[0] = b
        return value

    return loglik


def _gradient(f, params: np.ndarray, step: float) -> np.ndarray:
    out = np.empty_like(params)
    for i in range(len(params)):
        h = step * max(1.0, abs(params[i]))
        up, down = params.copy(), params.copy()
        up[i] += h
        down[i] -= h
        out[i] = (f(up) - f(down)) / (2 * h)
    return out


def _hessian_of(f, params: np.ndarray, step: float) -> np.ndarray:
    d = len(params)
    h = step * np.maximum(1.0, np.abs(params))
    out = np.empty((d, d))
    f0 = f(params)
    for i in range(d):
        for j in range(i, d):
            if i == j:
                up, down = params.copy(), params.copy()
                up[i] += h[i]
                down[i] -= h[i]
                out[i, i] = (f(up) - 2 * f0 + f(down)) / h[i] ** 2
                continue
            values = []
            for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                point = params.copy()
                point[i] += si * h[i]
                point[j] += sj * h[j]
                values.append(f(point))
            out[i, j] = out[j, i] = (values[0] - values[1] - values[2] + values[3]) / (
                4 * h[i] * h[j]
            )
    return out


def _maximise(problem: JointProblem) -> tuple[np.ndarray, float, bool]:
    loglik = _loglik_function(problem)

    def negative(params: np.ndarray) -> float:
        value = loglik(params)
        return 1e300 if not np.isfinite(value) else -value

    result = optimize.minimize(
        negative,
        _start(problem),
        jac=lambda p: _gradient(negative, p, _GRADIENT_STEP),
        method="BFGS",
        options={"gtol": 1e-6, "maxiter": 2000},
    )
    params = result.x
    # Newton polishing on the finite-difference Hessian: the optimum to ~1e-9
    for _ in range(10):
        gradient = _gradient(loglik, params, _GRADIENT_STEP)
        if np.max(np.abs(gradient)) < 1e-7:
            break
        hessian = _hessian_of(loglik, params, _HESSIAN_STEP)
        try:
            step = np.linalg.solve(hessian, -gradient)
        except np.linalg.LinAlgError:
            break
        if not np.isfinite(loglik(params + step)) or loglik(params + step) < loglik(params):
            break
        params = params + step
    gradient = _gradient(loglik, params, _GRADIENT_STEP)
    return params, float(loglik(params)), bool(np.max(np.abs(gradient)) < 1e-4)


def _hessian(params: np.ndarray, problem: JointProblem) -> np.ndarray:
    return _hessian_of(_loglik_function(problem), params, _HESSIAN_STEP)
