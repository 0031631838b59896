"""Meta-regression whose studies have many rows sharing one random effect (one-stage IPD).

Trial g owns rows ``starts[g]:starts[g + 1]`` (patients, covariate patterns, or an aggregate
trial's single row), each with its own linear predictor ``eta_r = x_r' beta``; the trial's
likelihood is ``L_g = int prod_r Binom(y_r | n_r, expit(eta_r + tau z)) phi(z) dz``, integrated by
adaptive Gauss-Hermite quadrature centred at the mode of the integrand (as
:mod:`bayesmeta.quad.regression.likelihood` does for one row per study). With one row per trial
the two agree.

A trial's log likelihood now depends on a vector of linear predictors, so the structured
two-variable finite differences of :mod:`bayesmeta.quad.regression.posterior` do not apply; the
derivatives are exact for the quadrature rule instead. With posterior node weights ``pi_k`` of
trial g, scores ``s_rk = y_r - n_r p_rk`` and ``w_rk = n_r p_rk (1 - p_rk)``, and ``a_rk`` the
derivative of ``eta_rk = x_r' beta + e^s z_k`` in theta = (beta, s):

    grad = sum_k pi_k v_k,   v_k = sum_r s_rk a_rk
    hess = sum_k pi_k (-sum_r w_rk a_rk a_rk' + e_s e_s' sum_r s_rk e^s z_k) + Cov_pi(v)

The nested integration (:mod:`bayesmeta.quad.regression.integrate`) then runs unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from bayesmeta.model.likelihood import hermite_rule, log_binom_coef
from bayesmeta.quad.regression.posterior import H_S, RegressionProblem, _prior_derivs

#: Largest rows x points x nodes block evaluated at once (memory bound, ~160 MB of float64).
MAX_BLOCK = 20_000_000


def _kernel(y, n, eta):
    return y * eta - n * (np.maximum(eta, 0.0) + np.log1p(np.exp(-np.abs(eta))))


def _modes(y, n, starts, sizes, eta, tau):
    """Mode z* of each trial's integrand and sigma = 1 / sqrt(curvature), shape (G, N)."""
    sum_y = np.add.reduceat(y, starts)[:, None]
    sum_n = np.add.reduceat(n, starts)[:, None]
    lo = np.broadcast_to(tau * (sum_y - sum_n) - 1.0, (len(starts), eta.shape[1])).copy()
    hi = np.broadcast_to(tau * sum_y + 1.0, lo.shape).copy()
    z = np.zeros(lo.shape)
    y_col, n_col = y[:, None], n[:, None]
    for _ in range(100):
        p = expit(eta + tau * np.repeat(z, sizes, axis=0))
        grad = tau * (sum_y - np.add.reduceat(n_col * p, starts)) - z
        curv = tau * tau * np.add.reduceat(n_col * p * (1 - p), starts) + 1.0
        lo = np.where(grad > 0, z, lo)
        hi = np.where(grad > 0, hi, z)
        step = grad / curv
        done = np.abs(step) <= 1e-10 * (1 + np.abs(z))
        if done.all():
            z = z + step
            break
        proposal = z + step
        outside = ((proposal <= lo) | (proposal >= hi)) & ~done
        z = np.where(outside, 0.5 * (lo + hi), proposal)
    del y_col
    p = expit(eta + tau * np.repeat(z, sizes, axis=0))
    curv = tau * tau * np.add.reduceat(n_col * p * (1 - p), starts) + 1.0
    return z, 1.0 / np.sqrt(curv)


@dataclass(frozen=True)
class NodeState:
    """Quadrature state of every trial at N points.

    Attributes
    ----------
    loglik : numpy.ndarray
        log L_g, shape (G, N).
    z : numpy.ndarray
        Nodes of each trial's effect, shape (G, N, K).
    weight : numpy.ndarray
        Posterior weights of the nodes (sum to one over K), shape (G, N, K).
    prob : numpy.ndarray
        Event probability of each row at each node, shape (R, N, K).
    """

    loglik: np.ndarray
    z: np.ndarray
    weight: np.ndarray
    prob: np.ndarray


def trial_nodes(
    events: np.ndarray,
    total: np.ndarray,
    starts: np.ndarray,
    eta: np.ndarray,
    tau: np.ndarray,
    *,
    n_gh: int = 10,
) -> NodeState:
    """Per-trial log likelihoods at N points and the quadrature state behind them.

    Parameters
    ----------
    events, total : numpy.ndarray
        Counts per row (rows sorted by trial), shape (R,).
    starts : numpy.ndarray
        First row of each trial, shape (G,).
    eta : numpy.ndarray
        Linear predictors, shape (R, N).
    tau : numpy.ndarray
        Between-trial SD at each point, shape (N,), positive.
    n_gh : int
        Gauss-Hermite nodes per trial.

    Returns
    -------
    NodeState
    """
    y = np.asarray(events, float)
    n = np.asarray(total, float)
    sizes = np.diff(np.append(starts, len(y)))
    tau = np.asarray(tau, float)[None, :]
    z0, sigma = _modes(y, n, starts, sizes, eta, tau)
    x, w = hermite_rule(n_gh)
    z = z0[..., None] + sigma[..., None] * x  # (G, N, K)
    lin = eta[..., None] + tau[..., None] * np.repeat(z, sizes, axis=0)  # (R, N, K)
    rows = _kernel(y[:, None, None], n[:, None, None], lin)
    h = np.add.reduceat(rows, starts, axis=0) - 0.5 * z * z + 0.5 * x * x + np.log(w)
    top = h.max(axis=-1, keepdims=True)
    mass = np.exp(h - top)
    total_mass = mass.sum(axis=-1)
    const = np.add.reduceat(log_binom_coef(y, n), starts)[:, None]
    loglik = np.log(total_mass) + top[..., 0] + np.log(sigma) + const
    return NodeState(loglik, z, mass / total_mass[..., None], expit(lin))


def trial_loglik(
    events: np.ndarray,
    total: np.ndarray,
    starts: np.ndarray,
    eta: np.ndarray,
    tau: np.ndarray,
    *,
    n_gh: int = 10,
) -> np.ndarray:
    """log L_g at N points (binomial coefficients included), evaluated in memory-bounded blocks.

    Parameters
    ----------
    events, total : numpy.ndarray
        Counts per row (rows sorted by trial).
    starts : numpy.ndarray
        First row of each trial.
    eta : numpy.ndarray
        Linear predictors, shape (R, N).
    tau : numpy.ndarray
        Between-trial SD at each point, shape (N,).
    n_gh : int
        Gauss-Hermite nodes per trial.

    Returns
    -------
    numpy.ndarray
        Shape (G, N).
    """
    R, N = eta.shape
    block = max(1, MAX_BLOCK // max(1, R * n_gh))
    parts = [
        trial_nodes(
            events, total, starts, eta[:, i : i + block], tau[i : i + block], n_gh=n_gh
        ).loglik
        for i in range(0, N, block)
    ]
    return np.concatenate(parts, axis=1)


@dataclass(frozen=True)
class GroupedRegressionProblem(RegressionProblem):
    """A :class:`RegressionProblem` whose studies (trials) have several rows.

    ``events``, ``total`` and ``X`` are per row, sorted by trial; ``starts`` gives each trial's
    first row.

    Attributes
    ----------
    events, total : numpy.ndarray
        Counts per row, shape (R,).
    X : numpy.ndarray
        Design, shape (R, p).
    coef_logpdf : sequence of callables
        Log prior density of each coefficient.
    tau_logpdf : callable
        Log prior density of tau.
    n_gh : int
        Gauss-Hermite nodes per trial.
    starts : numpy.ndarray
        First row of each trial.
    """

    starts: np.ndarray | None = None

    def loglik(self, beta: np.ndarray, s: np.ndarray) -> np.ndarray:
        """sum_g log L_g, the trial effects integrated out.

        Parameters
        ----------
        beta : numpy.ndarray
            Shape (N, p).
        s : numpy.ndarray
            log tau, shape (N,).

        Returns
        -------
        numpy.ndarray
            Shape (N,).
        """
        beta = np.atleast_2d(np.asarray(beta, float))
        eta = np.einsum("rp,np->rn", self.X, beta)
        tau = np.exp(np.broadcast_to(np.asarray(s, float), (beta.shape[0],)))
        return trial_loglik(self.events, self.total, self.starts, eta, tau, n_gh=self.n_gh).sum(
            axis=0
        )

    def patterns(self) -> np.ndarray:
        """The directions checked for skewness: each coefficient (a patient's design row is
        one of hundreds; the study-level rule of checking every distinct row would cost a
        log-posterior line per patient).

        Returns
        -------
        numpy.ndarray
            The identity, shape (p, p).
        """
        return np.eye(self.p)

    def _scores(self, beta: np.ndarray, s: np.ndarray):
        eta = np.einsum("rp,tp->rt", self.X, beta)
        state = trial_nodes(self.events, self.total, self.starts, eta, np.exp(s), n_gh=self.n_gh)
        y = np.asarray(self.events, float)[:, None, None]
        n = np.asarray(self.total, float)[:, None, None]
        score = y - n * state.prob  # (R, T, K)
        curv = n * state.prob * (1 - state.prob)
        sizes = np.diff(np.append(self.starts, len(self.events)))
        row_weight = np.repeat(state.weight, sizes, axis=0)  # (R, T, K)
        return state, score, curv, row_weight

    def conditional_derivs(
        self, beta: np.ndarray, s: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Value, gradient and Hessian in beta at (beta_t, s_t) (see the module docstring).

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
        X = self.X
        state, score, curv, row_weight = self._scores(beta, s)
        expected_score = np.einsum("rtk,rtk->rt", row_weight, score)
        expected_curv = np.einsum("rtk,rtk->rt", row_weight, curv)
        v = np.add.reduceat(score[..., None] * X[:, None, None, :], self.starts, axis=0)
        v_mean = np.einsum("gtk,gtkp->gtp", state.weight, v)
        cov = np.einsum("gtk,gtkp,gtkq->tpq", state.weight, v, v)
        cov -= np.einsum("gtp,gtq->tpq", v_mean, v_mean)
        p1, p2 = _prior_derivs(self, beta)
        value = state.loglik.sum(axis=0) + self.log_prior_beta(beta) + self.log_prior_s(s)
        grad = np.einsum("rt,rp->tp", expected_score, X) + p1
        hess = cov - np.einsum("rt,rp,rq->tpq", expected_curv, X, X)
        hess[:, np.arange(self.p), np.arange(self.p)] += p2
        return value, grad, hess

    def joint_derivs(self, theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Value, gradient and Hessian of the log posterior in theta = (beta, s).

        Parameters
        ----------
        theta : numpy.ndarray
            Shape (p + 1,).

        Returns
        -------
        tuple
            Value (float), gradient (p + 1,) and Hessian (p + 1, p + 1).
        """
        p = self.p
        beta, s = theta[None, :p], np.array([theta[p]])
        tau = float(np.exp(s[0]))
        state, score, curv, row_weight = self._scores(beta, s)
        sizes = np.diff(np.append(self.starts, len(self.events)))
        z_rows = np.repeat(state.z, sizes, axis=0)  # (R, 1, K)
        # a_rk = (x_r, tau z_k): the derivative of eta_rk in (beta, s)
        a = np.concatenate(
            [
                np.broadcast_to(self.X[:, None, None, :], (*score.shape, p)),
                (tau * z_rows)[..., None],
            ],
            axis=-1,
        )
        v = np.add.reduceat(score[..., None] * a, self.starts, axis=0)  # (G, 1, K, p + 1)
        v_mean = np.einsum("gtk,gtkp->gtp", state.weight, v)
        hess = np.einsum("gtk,gtkp,gtkq->pq", state.weight, v, v)
        hess -= np.einsum("gtp,gtq->pq", v_mean, v_mean)
        hess -= np.einsum("rtk,rtk,rtkp,rtkq->pq", row_weight, curv, a, a)
        hess[p, p] += float(np.einsum("gtk,gtk->", state.weight, v[..., p]))
        p1, p2 = _prior_derivs(self, beta)
        ps = self.log_prior_s(np.array([s[0] - H_S, s[0], s[0] + H_S]))
        value = float(state.loglik.sum() + self.log_prior_beta(beta)[0] + ps[1])
        grad = v_mean.sum(axis=(0, 1))
        grad[:p] += p1[0]
        grad[p] += (ps[2] - ps[0]) / (2 * H_S)
        hess[np.arange(p), np.arange(p)] += p2[0]
        hess[p, p] += (ps[2] - 2 * ps[1] + ps[0]) / H_S**2
        return value, grad, hess
