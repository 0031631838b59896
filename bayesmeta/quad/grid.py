"""The posterior of (mu, tau) of one random-intercept model on an adaptive grid.

Axes
----
mu is integrated with the trapezoid rule on a uniform grid, which is spectrally accurate for
smooth densities that vanish at both ends. tau is mapped to ``v = asinh(tau / c)``: linear near
tau = 0 (the density in v, extended to v < 0, is even for every prior whose density is even in
tau -- half-normal, half-Cauchy, half-t -- because L(mu, tau) is even in tau, so the trapezoid
rule starting at v = 0 stays spectrally accurate) and logarithmic for large tau (heavy-tailed
priors such as half-Cauchy cost a few extra nodes, not hundreds).

The box is found by zooming: a coarse pilot grid locates the mass, the box is shrunk to where
the log density is within ``LOG_SPAN`` of its maximum, and the final grid is checked for
coverage (mass in the outermost cells below ``edge_tol``, expanding otherwise) and resolution
(node spacing below a third of the marginal posterior SD, refining otherwise).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.model.likelihood import study_loglik
from bayesmeta.model.priors import Prior, Priors
from bayesmeta.quad.controls import Accuracy
from bayesmeta.quad.lse import logsumexp

#: The box keeps points whose marginal log density is within LOG_SPAN of the maximum.
LOG_SPAN = 16.0
PILOT_NODES = 15
PILOT_GH = 3


@dataclass(frozen=True)
class PosteriorGrid:
    """The posterior of (mu, tau) on quadrature nodes.

    Attributes
    ----------
    mu : numpy.ndarray
        Uniform mu nodes, shape (M,).
    v : numpy.ndarray
        Nodes of the tau axis ``v = asinh(tau / scale)``, shape (T,); ``[0]`` for the common-effect model.
    tau : numpy.ndarray
        ``scale * sinh(v)``, shape (T,).
    scale : float
        The constant ``c`` of the tau axis.
    log_quad : numpy.ndarray
        Log quadrature weights of the nodes in (mu, v), shape (M, T).
    log_prior : numpy.ndarray
        Log prior density in (mu, v) (Jacobian included), shape (M, T).
    study_loglik : numpy.ndarray
        log L_i(mu, tau) of every study at every node, shape (k, M, T).
    log_weight : numpy.ndarray
        Normalised log posterior mass of every node (sums to one), shape (M, T).
    log_marginal_likelihood : float
        log p(y), the binomial coefficients included.
    """

    mu: np.ndarray
    v: np.ndarray
    tau: np.ndarray
    scale: float
    log_quad: np.ndarray
    log_prior: np.ndarray
    study_loglik: np.ndarray
    log_weight: np.ndarray
    log_marginal_likelihood: float

    @property
    def common(self) -> bool:
        """True for the common-effect model (tau fixed at zero)."""
        return self.v.size == 1

    @property
    def weight(self) -> np.ndarray:
        """Posterior mass of every node, shape (M, T)."""
        return np.exp(self.log_weight)

    def reweighted(self, log_factor: np.ndarray) -> np.ndarray:
        """Normalised log masses of the posterior times ``exp(log_factor)`` (shape (M, T))."""
        log_w = self.log_weight + log_factor
        return log_w - logsumexp(log_w)


@lru_cache(maxsize=64)
def frozen(prior: Prior):
    """The prior's frozen scipy distribution, built once (building one costs ~1 ms)."""
    return prior.distribution()


def tau_scale(priors: Priors) -> float:
    """The constant c of ``tau = c sinh(v)``: a quarter of the prior median of tau.

    Parameters
    ----------
    priors : Priors
        The priors of mu, beta and tau.

    Returns
    -------
    float
    """
    median = float(frozen(priors.tau).ppf(0.5))
    return max(0.25 * median, 1e-3)


def _trapezoid(nodes: np.ndarray) -> np.ndarray:
    if nodes.size == 1:
        return np.ones(1)
    h = nodes[1] - nodes[0]
    w = np.full(nodes.size, h)
    w[0] = w[-1] = 0.5 * h
    return w


def _v_support(priors: Priors, c: float) -> tuple[float, float]:
    dist = frozen(priors.tau)
    lo, hi = dist.support() if hasattr(dist, "support") else (0.0, np.inf)
    return float(np.arcsinh(max(lo, 0.0) / c)), float(np.arcsinh(hi / c))


def evaluate(
    events: np.ndarray,
    total: np.ndarray,
    priors: Priors,
    mu: np.ndarray,
    v: np.ndarray,
    *,
    c: float,
    n_gh: int,
) -> PosteriorGrid:
    """The posterior on the tensor grid ``mu x v`` (no coverage check).

    Parameters
    ----------
    events : numpy.ndarray
        Number of events per study.
    total : numpy.ndarray
        Number of patients per study.
    priors : Priors
        The priors of mu, beta and tau.
    mu : numpy.ndarray
        Mean of the study effects on the logit scale.
    v : numpy.ndarray
        Nodes of the tau axis ``v = asinh(tau / c)``.
    c : float
        Scale of the tau axis, ``tau = c sinh(v)``.
    n_gh : int
        Adaptive Gauss-Hermite nodes per study.

    Returns
    -------
    PosteriorGrid
    """
    tau = c * np.sinh(v)
    log_quad = np.log(_trapezoid(mu))[:, None] + np.log(_trapezoid(v))[None, :]
    log_prior = frozen(priors.mu).logpdf(mu)[:, None] + np.zeros((1, v.size))
    if v.size > 1:
        log_prior = log_prior + (frozen(priors.tau).logpdf(tau) + np.log(c * np.cosh(v)))[None, :]
    mm, tt = np.meshgrid(mu, tau, indexing="ij")
    loglik = study_loglik(events, total, mm, tt, n_nodes=n_gh)
    log_post = log_prior + loglik.sum(axis=0) + log_quad
    log_z = float(logsumexp(log_post))
    if not np.isfinite(log_z):
        raise InputError("quadrature: the posterior density is zero or not finite on the grid")
    return PosteriorGrid(
        mu=mu,
        v=v,
        tau=tau,
        scale=c,
        log_quad=log_quad,
        log_prior=log_prior,
        study_loglik=loglik,
        log_weight=log_post - log_z,
        log_marginal_likelihood=log_z,
    )


def _initial_box(events, total, priors: Priors, c: float, common: bool):
    logits = np.log(events + 0.5) - np.log(total - events + 0.5)
    mu_box = [float(logits.min()) - 4.0, float(logits.max()) + 4.0]
    if common:
        return mu_box, [0.0, 0.0]
    v_lo, v_hi = _v_support(priors, c)
    tau_hi = min(float(frozen(priors.tau).ppf(0.9999)), 50.0)
    return mu_box, [v_lo, min(v_hi, float(np.arcsinh(tau_hi / c)))]


def _kept_range(nodes: np.ndarray, log_marginal: np.ndarray) -> tuple[float, float]:
    keep = np.flatnonzero(log_marginal > log_marginal.max() - LOG_SPAN)
    step = nodes[1] - nodes[0] if nodes.size > 1 else 0.0
    return float(nodes[keep[0]] - step), float(nodes[keep[-1]] + step)


def _marginals(grid: PosteriorGrid) -> tuple[np.ndarray, np.ndarray]:
    return logsumexp(grid.log_weight, axis=1), logsumexp(grid.log_weight, axis=0)


def _sd(nodes: np.ndarray, log_mass: np.ndarray) -> float:
    p = np.exp(log_mass - logsumexp(log_mass))
    mean = np.sum(p * nodes)
    return float(np.sqrt(max(np.sum(p * (nodes - mean) ** 2), 0.0)))


def build_grid(
    events: np.ndarray,
    total: np.ndarray,
    priors: Priors,
    *,
    common: bool = False,
    accuracy: Accuracy | None = None,
) -> PosteriorGrid:
    """Adaptive grid of the posterior of (mu, tau) given one group's studies.

    Parameters
    ----------
    events : numpy.ndarray
        Number of events per study.
    total : numpy.ndarray
        Number of patients per study.
    priors : Priors
        The priors of mu, beta and tau.
    common : bool, optional
        Common-effect model (tau = 0): a one-dimensional grid in mu.
    accuracy : Accuracy, optional
        Accuracy controls (None: the defaults).

    Returns
    -------
    PosteriorGrid

    Raises
    ------
    InputError
        If the grid cannot hold the posterior mass within ``accuracy.max_expansions`` expansions.

    Notes
    -----
    The last :data:`KEEP` grids are kept by content (counts, priors, model, accuracy): a refit
    of the same data (a companion model of a Bayes factor equal to another analysis's model, a
    leave-one-out refit another analysis repeats) reuses the grid. Kept grids are read-only.
    """
    acc = accuracy or Accuracy()
    events = np.asarray(events, dtype=float)
    total = np.asarray(total, dtype=float)
    key = (events.tobytes(), total.tobytes(), priors, bool(common), acc)
    grid = _KEPT.get(key)
    if grid is None:
        grid = _read_only(_build_grid(events, total, priors, common=bool(common), acc=acc))
        _KEPT[key] = grid
        if len(_KEPT) > KEEP:
            _KEPT.popitem(last=False)
    else:
        _KEPT.move_to_end(key)
    return grid


#: How many grids :func:`build_grid` keeps by content.
KEEP = 32
_KEPT: OrderedDict = OrderedDict()


def _read_only(grid: PosteriorGrid) -> PosteriorGrid:
    for value in grid.__dict__.values():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
    return grid


def _build_grid(
    events: np.ndarray, total: np.ndarray, priors: Priors, *, common: bool, acc: Accuracy
) -> PosteriorGrid:
    """The grid itself (see :func:`build_grid`)."""
    c = tau_scale(priors)
    mu_box, v_box = _initial_box(events, total, priors, c, common)
    v_floor, v_ceiling = (0.0, 0.0) if common else _v_support(priors, c)
    n_v_pilot = 1 if common else PILOT_NODES
    # zoom with cheap pilot grids until the box stops shrinking
    for _ in range(6):
        pilot = evaluate(
            events, total, priors,
            np.linspace(*mu_box, PILOT_NODES), np.linspace(*v_box, n_v_pilot),
            c=c, n_gh=PILOT_GH,
        )  # fmt: skip
        m_mu, m_v = _marginals(pilot)
        new_mu = list(_kept_range(pilot.mu, m_mu))
        new_v = v_box if common else list(_kept_range(pilot.v, m_v))
        new_v = [max(new_v[0], v_floor), min(new_v[1], v_ceiling)]
        shrink = (new_mu[1] - new_mu[0]) / (mu_box[1] - mu_box[0])
        if not common and v_box[1] > v_box[0]:
            shrink = min(shrink, (new_v[1] - new_v[0]) / (v_box[1] - v_box[0]))
        mu_box, v_box = new_mu, new_v
        if shrink > 0.6:
            break
    n_mu, n_v = acc.n_mu, 1 if common else acc.n_tau
    for _ in range(acc.max_expansions + 1):
        grid = evaluate(
            events, total, priors,
            np.linspace(*mu_box, n_mu), np.linspace(*v_box, n_v),
            c=c, n_gh=acc.n_gh,
        )  # fmt: skip
        m_mu, m_v = _marginals(grid)
        problems = _coverage(grid, m_mu, m_v, acc.edge_tol, v_floor, v_ceiling)
        h_mu = grid.mu[1] - grid.mu[0]
        fine_mu = h_mu <= _sd(grid.mu, m_mu) / acc.resolution
        fine_v = common or (grid.v[1] - grid.v[0]) <= _sd(grid.v, m_v) / acc.resolution
        if not problems and fine_mu and fine_v:
            return grid
        width_mu, width_v = mu_box[1] - mu_box[0], v_box[1] - v_box[0]
        if not problems:
            # only too coarse: first trim the box to where the mass is (pilot boxes are generous)
            trim_mu = _kept_range(grid.mu, m_mu)
            mu_box = [max(mu_box[0], trim_mu[0]), min(mu_box[1], trim_mu[1])]
            if not common:
                trim_v = _kept_range(grid.v, m_v)
                v_box = [max(v_box[0], trim_v[0]), min(v_box[1], trim_v[1])]
        if "mu_lo" in problems:
            mu_box[0] -= 0.5 * width_mu
        if "mu_hi" in problems:
            mu_box[1] += 0.5 * width_mu
        if "v_lo" in problems:
            v_box[0] = max(v_floor, v_box[0] - 0.5 * width_v)
        if "v_hi" in problems:
            v_box[1] = min(v_ceiling, v_box[1] + 0.5 * width_v)
        n_mu = _nodes_for(mu_box, n_mu, width_mu, _sd(grid.mu, m_mu), acc.resolution)
        if not common:
            n_v = _nodes_for(v_box, n_v, width_v, _sd(grid.v, m_v), acc.resolution)
        if max(n_mu, n_v) > acc.max_nodes:
            break
    raise InputError(
        "quadrature: the grid cannot hold the posterior mass "
        f"(mu box {mu_box[0]:.3g}..{mu_box[1]:.3g}, tau up to {c * np.sinh(v_box[1]):.3g}); "
        "use a more informative prior or engine='nuts'"
    )


def _nodes_for(box, n_old, width_old, sd, resolution) -> int:
    """Nodes keeping the old spacing over the new box, and at most sd / resolution apart."""
    width = box[1] - box[0]
    spacing = min(width_old / (n_old - 1), sd / resolution) if sd > 0 else width_old / (n_old - 1)
    return int(np.ceil(width / spacing)) + 1


def _coverage(grid, m_mu, m_v, tol, v_floor, v_ceiling) -> set[str]:
    problems = set()
    if np.exp(m_mu[0]) > tol:
        problems.add("mu_lo")
    if np.exp(m_mu[-1]) > tol:
        problems.add("mu_hi")
    if grid.v.size > 1:
        if grid.v[0] > v_floor + 1e-12 and np.exp(m_v[0]) > tol:
            problems.add("v_lo")
        if grid.v[-1] < v_ceiling - 1e-12 and np.exp(m_v[-1]) > tol:
            problems.add("v_hi")
    return problems
