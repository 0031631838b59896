"""The log posterior of a meta-regression in (beta, s = log tau), and its modes.

``log p(beta, s | y) + const = sum_i log L_i(x_i' beta, e^s) + sum_j log pi_j(beta_j)
+ log p_tau(e^s) + s`` (the last term is the Jacobian of tau = e^s). Gradients and Hessians use
the structure of the model: each study's log likelihood depends on (eta_i, s) only, so its
derivatives are central differences in two variables per study, and
``d2/dbeta2 = X' diag(l_eta,eta) X``. The priors are any callables returning log densities
(differentiated numerically), so every prior family of :mod:`bayesmeta.model.priors` works.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bayesmeta.quad.regression.likelihood import study_loglik_rows

LogDensity = Callable[[np.ndarray], np.ndarray]
#: Central-difference steps in eta and in s.
H_ETA = 1e-3
H_S = 1e-3


@dataclass(frozen=True)
class RegressionProblem:
    """Data, design and priors of one meta-regression as plain arrays and callables.

    Attributes
    ----------
    events, total : numpy.ndarray
        Counts, shape (k,).
    X : numpy.ndarray
        Design matrix, shape (k, p).
    coef_logpdf : sequence of callables
        Log prior density of each coefficient (vectorized over arrays).
    tau_logpdf : callable
        Log prior density of tau (on tau, not log tau).
    n_gh : int
        Gauss-Hermite nodes per study.
    """

    events: np.ndarray
    total: np.ndarray
    X: np.ndarray
    coef_logpdf: Sequence[LogDensity]
    tau_logpdf: LogDensity
    n_gh: int = 10

    @property
    def p(self) -> int:
        """Number of coefficients.

        Returns
        -------
        int
        """
        return self.X.shape[1]

    def loglik(self, beta: np.ndarray, s: np.ndarray) -> np.ndarray:
        """sum_i log L_i, the study effects integrated out.

        Parameters
        ----------
        beta : numpy.ndarray
            Coefficients, shape (N, p).
        s : numpy.ndarray
            log tau, shape (N,).

        Returns
        -------
        numpy.ndarray
            Shape (N,).
        """
        beta = np.atleast_2d(np.asarray(beta, float))
        eta = np.einsum("kp,np->kn", self.X, beta)  # einsum: no threaded BLAS
        return self.study_rows(eta, np.exp(s)).sum(axis=0)

    def study_rows(self, eta: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """log L_i(eta_i, scale) of every study at every point: the one place the likelihood
        enters (a subclass with another likelihood, e.g. beta-binomial with scale = phi,
        overrides it and reuses the integration unchanged).

        Parameters
        ----------
        eta : numpy.ndarray
            Linear predictors, shape (k, N).
        scale : numpy.ndarray
            The positive parameter e^s (here tau), shape (N,).

        Returns
        -------
        numpy.ndarray
            Shape (k, N), binomial coefficients included.
        """
        return study_loglik_rows(self.events, self.total, eta, scale, n_gh=self.n_gh)

    def start_s(self) -> float:
        """Where the mode search starts in s = log(scale): tau = 0.5.

        Returns
        -------
        float
        """
        return float(np.log(0.5))

    def log_prior_beta(self, beta: np.ndarray) -> np.ndarray:
        """sum_j log pi_j(beta_j).

        Parameters
        ----------
        beta : numpy.ndarray
            Shape (N, p).

        Returns
        -------
        numpy.ndarray
            Shape (N,).
        """
        beta = np.atleast_2d(beta)
        values = _coef_logpdf(self.coef_logpdf, beta)
        out = values[..., 0].copy()
        for j in range(1, values.shape[-1]):  # column by column: the order of the former sum
            out += values[..., j]
        return out

    def log_prior_s(self, s: np.ndarray) -> np.ndarray:
        """log p_tau(e^s) + s (the Jacobian of tau = e^s included).

        Parameters
        ----------
        s : numpy.ndarray
            log tau.

        Returns
        -------
        numpy.ndarray
            Same shape as ``s``.
        """
        s = np.asarray(s, float)
        return self.tau_logpdf(np.exp(s)) + s

    def log_post(self, beta: np.ndarray, s: np.ndarray) -> np.ndarray:
        """Unnormalised log posterior density in (beta

        Parameters
        ----------
        beta : numpy.ndarray
            Coefficients, shape (N, p).
        s : numpy.ndarray
            log tau, shape (N,).

        Returns
        -------
        numpy.ndarray
            Shape (N,).
        """
        return self.loglik(beta, s) + self.log_prior_beta(beta) + self.log_prior_s(s)

    def log_post_nodes(
        self, beta: np.ndarray, s: np.ndarray, *, mask: np.ndarray | None = None
    ) -> np.ndarray:
        """:meth:`log_post` at Q points per log-tau node: ``beta[t, q]`` with ``s[t]``.

        The binomial-normal likelihood is interpolated in each study's linear predictor per
        log-tau node (:func:`~bayesmeta.quad.regression.eta_interp.along_eta`: exact to 1e-9,
        else evaluated directly); a subclass with another likelihood is evaluated pointwise.

        Parameters
        ----------
        beta : numpy.ndarray
            Coefficients, shape (T, Q, p).
        s : numpy.ndarray
            log tau, shape (T,).
        mask : numpy.ndarray, optional
            The points to evaluate, shape (T, Q) (-inf elsewhere); all by default.

        Returns
        -------
        numpy.ndarray
            Shape (T, Q).
        """
        T, Q, p = beta.shape
        binomial = (
            type(self).loglik is RegressionProblem.loglik
            and type(self).study_rows is RegressionProblem.study_rows
        )
        if not binomial:
            if mask is None:
                return self.log_post(beta.reshape(T * Q, p), np.repeat(s, Q)).reshape(T, Q)
            out = np.full((T, Q), -np.inf)
            out[mask] = self.log_post(beta[mask], np.broadcast_to(s[:, None], (T, Q))[mask])
            return out
        from bayesmeta.quad.regression.eta_interp import along_eta

        eta = np.einsum("kp,tqp->ktq", self.X, beta)

        def rows_func(index: np.ndarray):
            events, total = self.events[index], self.total[index]
            return lambda e, t: study_loglik_rows(events, total, e, t, n_gh=self.n_gh)

        rows = along_eta(self.study_rows, eta, np.exp(s), mask=mask, rows_func=rows_func)
        prior = self.log_prior_beta(beta.reshape(T * Q, p)).reshape(T, Q)
        out = rows.sum(axis=0) + prior + self.log_prior_s(s)[:, None]
        return out if mask is None else np.where(mask, out, -np.inf)

    def patterns(self) -> np.ndarray:
        """The linear predictors whose skewness given tau is checked (and refined if strong):
        the distinct design rows.

        Returns
        -------
        numpy.ndarray
            Shape (U, p), read-only (computed once per problem: ``np.unique`` of rows costs
            ~0.07 ms and an integration asks 2-3 times).
        """
        rows = self.__dict__.get("_patterns")
        if rows is None:
            rows = np.unique(self.X, axis=0)
            rows.flags.writeable = False
            object.__setattr__(self, "_patterns", rows)  # a cache, not a field (frozen class)
        return rows

    def conditional_derivs(
        self, beta: np.ndarray, s: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:func:`conditional_derivs` of this problem (a subclass may derive them otherwise).

        Parameters
        ----------
        beta : numpy.ndarray
            Shape (T, p).
        s : numpy.ndarray
            Shape (T,).

        Returns
        -------
        tuple of numpy.ndarray
            Values (T,), gradients (T, p), Hessians (T, p, p).
        """
        return conditional_derivs(self, beta, s)

    def joint_derivs(self, theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """:func:`joint_derivs` of this problem (a subclass may derive them otherwise).

        Parameters
        ----------
        theta : numpy.ndarray
            Shape (p + 1,).

        Returns
        -------
        tuple
            Value, gradient (p + 1,) and Hessian (p + 1, p + 1).
        """
        return joint_derivs(self, theta)


def _coef_logpdf(coef_logpdf: Sequence[LogDensity], beta: np.ndarray) -> np.ndarray:
    """Each coefficient's log prior density at ``beta[..., j]``, shape of ``beta``: one call per
    distinct density (a regression has two, the mu and the beta prior), not per coefficient.
    The densities are elementwise, so the numbers are those of one call per column."""
    out = np.empty(beta.shape)
    groups: dict[int, tuple[LogDensity, list[int]]] = {}
    for j, f in enumerate(coef_logpdf):
        groups.setdefault(id(f), (f, []))[1].append(j)
    for f, columns in groups.values():
        if len(columns) == 1:
            out[..., columns[0]] = f(beta[..., columns[0]])
        else:
            out[..., columns] = f(beta[..., columns])
    return out


def _prior_derivs(problem: RegressionProblem, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and second derivatives of each coefficient's log prior, shape (N, p) each."""
    return _prior_terms(problem, beta)[:2]


def _prior_terms(problem: RegressionProblem, beta: np.ndarray):
    """:func:`_prior_derivs` and :meth:`RegressionProblem.log_prior_beta` from one call of the
    densities (elementwise: the numbers of separate calls)."""
    h = 1e-4
    up, mid, down = _coef_logpdf(problem.coef_logpdf, np.stack([beta + h, beta, beta - h]))
    d1 = (up - down) / (2 * h)
    d2 = (up - 2 * mid + down) / (h * h)
    value = mid[..., 0].copy()
    for j in range(1, mid.shape[-1]):  # column by column, as log_prior_beta
        value += mid[..., j]
    return d1, d2, value


def conditional_derivs(
    problem: RegressionProblem, beta: np.ndarray, s: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Value, gradient and Hessian in beta of the log posterior at (beta_t, s_t), t = 1..T.

    Parameters
    ----------
    problem : RegressionProblem
    beta : numpy.ndarray
        Shape (T, p).
    s : numpy.ndarray
        Shape (T,).

    Returns
    -------
    tuple of numpy.ndarray
        Values (T,), gradients (T, p), Hessians (T, p, p).
    """
    X, T = problem.X, beta.shape[0]
    eta = np.einsum("kp,tp->kt", X, beta)
    tau = np.exp(s)
    rows = problem.study_rows(
        np.concatenate([eta - H_ETA, eta, eta + H_ETA], axis=1), np.concatenate([tau, tau, tau])
    )
    down, mid, up = rows[:, :T], rows[:, T : 2 * T], rows[:, 2 * T :]
    d1 = (up - down) / (2 * H_ETA)
    d2 = (up - 2 * mid + down) / (H_ETA * H_ETA)
    if type(problem).log_prior_beta is RegressionProblem.log_prior_beta:
        p1, p2, prior = _prior_terms(problem, beta)
    else:
        (p1, p2), prior = _prior_derivs(problem, beta), problem.log_prior_beta(beta)
    value = mid.sum(axis=0) + prior + problem.log_prior_s(s)
    grad = np.einsum("kt,kp->tp", d1, X) + p1
    # sum_k (d2 x_p) x_q: the products of the three-operand einsum, a third of its time
    hess = np.einsum("ktp,kq->tpq", d2[:, :, None] * X[:, None, :], X)
    diagonal = np.einsum("tpp->tp", hess)  # a writeable view of the diagonals
    diagonal += p2
    return value, grad, hess


def joint_derivs(
    problem: RegressionProblem, theta: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """Value, gradient and Hessian of the log posterior in theta = (beta, s).

    Parameters
    ----------
    problem : RegressionProblem
    theta : numpy.ndarray
        Shape (p + 1,).

    Returns
    -------
    tuple
        Value (float), gradient (p + 1,) and Hessian (p + 1, p + 1).
    """
    X, p = problem.X, problem.p
    beta, s = theta[:p], theta[p]
    eta = np.einsum("kp,p->k", X, beta)
    offsets = [(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1)]
    etas = np.stack([eta + a * H_ETA for a, _ in offsets], axis=1)
    taus = np.exp(np.array([s + b * H_S for _, b in offsets]))
    rows = problem.study_rows(etas, taus)
    f = {o: rows[:, i] for i, o in enumerate(offsets)}
    l_e = (f[1, 0] - f[-1, 0]) / (2 * H_ETA)
    l_s = (f[0, 1] - f[0, -1]) / (2 * H_S)
    l_ee = (f[1, 0] - 2 * f[0, 0] + f[-1, 0]) / H_ETA**2
    l_ss = (f[0, 1] - 2 * f[0, 0] + f[0, -1]) / H_S**2
    l_es = (f[1, 1] - f[1, -1] - f[-1, 1] + f[-1, -1]) / (4 * H_ETA * H_S)
    if type(problem).log_prior_beta is RegressionProblem.log_prior_beta:
        p1, p2, prior = _prior_terms(problem, beta[None])
    else:
        (p1, p2), prior = _prior_derivs(problem, beta[None]), problem.log_prior_beta(beta[None])
    ps = problem.log_prior_s(np.array([s - H_S, s, s + H_S]))
    value = float(f[0, 0].sum() + prior[0] + ps[1])
    grad = np.concatenate(
        [np.einsum("kp,k->p", X, l_e) + p1[0], [l_s.sum() + (ps[2] - ps[0]) / (2 * H_S)]]
    )
    hess = np.empty((p + 1, p + 1))
    hess[:p, :p] = np.einsum("k,kp,kq->pq", l_ee, X, X) + np.diag(p2[0])
    hess[:p, p] = hess[p, :p] = np.einsum("kp,k->p", X, l_es)
    hess[p, p] = l_ss.sum() + (ps[2] - 2 * ps[1] + ps[0]) / H_S**2
    return value, grad, hess
