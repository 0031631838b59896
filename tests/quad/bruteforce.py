"""Brute-force posterior of the binomial random-intercept model, independent of bayesmeta.quad.

Dense tensor grids: mu uniform with tiny spacing, tau on its natural scale (uniform, then
geometric for heavy tails), each study's likelihood L_i(mu, tau) = integral Binom(y_i | eta)
N(eta; mu, tau) d eta computed for every tau at once on the whole mu grid by FFT convolution
on the eta axis, with analytic tail terms where the binomial factor saturates. CDFs at any
point are node sums with a linearly interpolated partial cell (error O(h^2), ~1e-6 here).
"""

from __future__ import annotations

import numpy as np
from scipy import signal, stats
from scipy.special import expit, logsumexp


def _trapezoid_weights(x: np.ndarray) -> np.ndarray:
    dx = np.diff(x)
    w = np.zeros_like(x)
    w[:-1] += dx / 2
    w[1:] += dx / 2
    return w


class BruteForce:
    """Posterior on a dense (mu, tau) grid; ``mu`` uniform with spacing ``h``."""

    def __init__(self, events, total, priors, *, mu_box, h, tau_nodes):
        self.y = np.asarray(events, float)
        self.n = np.asarray(total, float)
        self.mu = np.arange(mu_box[0], mu_box[1] + h / 2, h)
        self.h = h
        self.tau = np.asarray(tau_nodes, float)
        # eta grid: the mu grid padded so every kernel fits
        pad = int(np.ceil(min(12 * self.tau.max(), 60.0) / h))
        self.eta = self.mu[0] + h * np.arange(-pad, self.mu.size + pad)
        self.pad = pad
        log_binom = stats.binom.logpmf(self.y[:, None], self.n[:, None], expit(self.eta)[None, :])
        offset = log_binom.max(axis=1, keepdims=True)  # scaled to avoid underflow for large n
        self.binom = np.exp(log_binom - offset)
        self.offset = offset[:, 0]
        loglik = np.array([self._conv(self.binom, t) for t in self.tau])  # (T, k, M), scaled
        with np.errstate(
            divide="ignore"
        ):  # far from a large study's rate its likelihood underflows
            self.loglik = np.log(loglik) + offset[None, :, :]
        log_prior = priors.mu.logpdf(self.mu)[None, :] + priors.tau.logpdf(self.tau)[:, None]
        log_w = np.log(_trapezoid_weights(self.tau))[:, None] + np.log(h)
        self.log_post = log_prior + self.loglik.sum(axis=1) + log_w  # (T, M)
        self.log_evidence = float(logsumexp(self.log_post))
        self.w = np.exp(self.log_post - self.log_evidence)

    def _conv(self, values: np.ndarray, tau: float, *, tails: bool = True) -> np.ndarray:
        """integral values(eta) N(eta; mu, tau) d eta for every mu (values: (k, E))."""
        if tau == 0.0:
            return values[:, self.pad : self.pad + self.mu.size]
        half = min(int(np.ceil(12 * tau / self.h)), self.eta.size)
        grid = self.h * np.arange(-half, half + 1)
        kernel = stats.norm.pdf(grid, 0.0, tau) * self.h
        out = signal.fftconvolve(values, kernel[None, :], mode="same", axes=1)
        out = out[:, self.pad : self.pad + self.mu.size]
        if tails:
            lo, hi = self.eta[0], self.eta[-1]
            out += values[:, :1] * stats.norm.cdf((lo - self.mu) / tau)[None, :]
            out += values[:, -1:] * stats.norm.sf((hi - self.mu) / tau)[None, :]
        return np.maximum(out, 0.0)

    def mu_cdf(self, m: float) -> float:
        col = self.w.sum(axis=0)
        return _partial(self.mu, col, m)

    def tau_cdf(self, t: float) -> float:
        row = self.w.sum(axis=1)
        return _partial(self.tau, row, t)

    def new_cdf(self, x: float) -> float:
        tau = np.maximum(self.tau, 1e-300)[:, None]
        inner = stats.norm.cdf((x - self.mu[None, :]) / tau)
        inner[self.tau == 0.0, :] = (self.mu <= x).astype(float)  # a step, weighted by nodes
        return float(np.sum(self.w * inner))

    def study_cdf(self, i: int, x: float) -> float:
        """P(eta_i <= x | y) = sum_nodes w * [conv(B_i 1{eta <= x}) / L_i]."""
        step = np.clip((x - self.eta) / self.h + 0.5, 0.0, 1.0)  # the cell holding x split
        part = self.binom[i : i + 1] * step[None, :]
        total = 0.0
        for j, t in enumerate(self.tau):
            num = self._conv(part, t)[0]
            den = np.exp(self.loglik[j, i] - self.offset[i])
            ratio = np.divide(num, den, out=np.zeros_like(num), where=self.w[j] > 0)
            total += np.sum(self.w[j] * ratio)
        return float(total)

    def mean_cdf(self, q: float) -> float:
        """P(E[expit(mu + tau Z)] <= q): the boundary in mu per tau by interpolation."""
        nodes, weights = np.polynomial.hermite_e.hermegauss(80)
        weights = weights / weights.sum()
        total = 0.0
        for j, t in enumerate(self.tau):
            mean = expit(self.mu[:, None] + t * nodes[None, :]) @ weights
            boundary = np.interp(q, mean, self.mu, left=-np.inf, right=np.inf)
            total += _partial(self.mu, self.w[j], boundary)
        return float(total)


def _partial(nodes: np.ndarray, mass: np.ndarray, x: float) -> float:
    """Mass of the nodes below x, the cells around x split linearly (trapezoid-consistent)."""
    if x <= nodes[0]:
        return 0.0
    if x >= nodes[-1]:
        return float(mass.sum())
    j = int(np.searchsorted(nodes, x) - 1)
    # trapezoid: cell [j, j+1] carries half of each end's density * width
    dens = mass / _trapezoid_weights(nodes)
    # integral from nodes[0] to nodes[j] of the trapezoid interpolant
    cum = np.concatenate([[0.0], np.cumsum((dens[1:] + dens[:-1]) / 2 * np.diff(nodes))])
    below = cum[j]
    frac = (x - nodes[j]) / (nodes[j + 1] - nodes[j])
    d_x = dens[j] + frac * (dens[j + 1] - dens[j])
    below += (dens[j] + d_x) / 2 * (x - nodes[j])
    return float(below)
