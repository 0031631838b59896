"""Effective sample size of a Beta mixture prior, by three named methods.

``elir``
    Expected local-information ratio (Neuenschwander, Weber, Schmidli & O'Hagan 2020,
    Biometrics 76:578): ``ESS = E_prior[i_prior(p) / i_F(p)]`` with ``i_prior = -(log pi)''`` and
    the Bernoulli Fisher information ``i_F = 1 / (p (1 - p))``. The only one of the three that is
    predictively consistent (the ESS of the posterior after n patients is, on average, ESS + n).
    Needs every a, b >= 1 (else the integral diverges), as RBesT's ``ess``.
``moment``
    The a + b of the single Beta with the mixture's mean and variance: conservative (small) for
    heavy-tailed or multimodal mixtures, because a mixture's variance is inflated by its spread.
``morita``
    Morita, Thall & Mueller (2008, Biometrics 64:595) as RBesT implements it: the curvature of
    the log prior at its (highest) mode, minus that of a flattened Beta with a + b = 1/100,
    divided by the expected Bernoulli information there. Local: it sees only the informative
    peak, so it is liberal (large) for robust or multimodal mixtures.

When they disagree
    For a single Beta(a, b) all three equal a + b (ELIR exactly, moment exactly, Morita up to the
    1/100 of the flattened prior). For mixtures they differ by construction: a 20% vague component
    barely moves the curvature at the mode (Morita stays high), inflates the variance a lot
    (moment drops), and ELIR averages the local information over the prior. For small binomial
    MAPs with components that have a or b near 1 the ELIR integrand is large near 0 or 1 and
    crude integration can even give negative values (RBesT issue #13 and the 1.8-0 fix for issue
    #22); here the integral is taken on the logit scale with the information in a cancellation-
    free form, and the result is checked against an independent integration in
    ``validation/trial``.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from bayesmeta.errors import InputError
from bayesmeta.trial.beta_mixture import BetaMixture

#: Nodes of the logit-scale trapezoid rule of the ELIR integral.
ELIR_NODES = 40001
#: The flattening factor s of the Morita ESS (RBesT's default).
MORITA_S = 100.0


def _component_terms(mix: BetaMixture, p: np.ndarray):
    """Posterior component probabilities, d log f_k / dp and d^2 log f_k / dp^2 at p."""
    p = np.asarray(p, dtype=float)[:, None]
    log_comp = (
        mix.log_weight
        + (mix.a - 1) * np.log(p)
        + (mix.b - 1) * np.log1p(-p)
        - special.betaln(mix.a, mix.b)
    )
    omega = np.exp(log_comp - special.logsumexp(log_comp, axis=1, keepdims=True))
    grad = (mix.a - 1) / p - (mix.b - 1) / (1 - p)
    hess = -(mix.a - 1) / p**2 - (mix.b - 1) / (1 - p) ** 2
    return omega, grad, hess


def information(mix: BetaMixture, p: np.ndarray) -> np.ndarray:
    """-(d^2/dp^2) log pi(p) of the mixture: (sum w g)^2 - sum w (h + g^2).

    Parameters
    ----------
    mix : BetaMixture
        The prior.
    p : array-like
        Rates in (0, 1).

    Returns
    -------
    numpy.ndarray
        The local information of the prior at p.
    """
    omega, grad, hess = _component_terms(mix, p)
    mean_grad = np.sum(omega * grad, axis=1)
    return mean_grad**2 - np.sum(omega * (hess + grad**2), axis=1)


def _elir_integrand(mix: BetaMixture, t: np.ndarray) -> np.ndarray:
    """pi(p) i(p) (p q)^2 at p = expit(t), q = 1 - p: the ELIR integrand on the logit scale.

    Computed without overflow in the tails: with G_k = g_k p q and H_k = h_k (p q)^2 (bounded),
    i(p) (p q)^2 = (sum w G)^2 - sum w (H + G^2).
    """
    log_p = -np.logaddexp(0.0, -t)
    log_q = -np.logaddexp(0.0, t)
    p, q = np.exp(log_p)[:, None], np.exp(log_q)[:, None]
    log_comp = (
        mix.log_weight
        + (mix.a - 1) * log_p[:, None]
        + (mix.b - 1) * log_q[:, None]
        - special.betaln(mix.a, mix.b)
    )
    log_pi = special.logsumexp(log_comp, axis=1, keepdims=True)
    omega = np.exp(log_comp - log_pi)
    g = (mix.a - 1) * q - (mix.b - 1) * p
    h = -(mix.a - 1) * q * q - (mix.b - 1) * p * p
    info = np.sum(omega * g, axis=1) ** 2 - np.sum(omega * (h + g * g), axis=1)
    return np.exp(log_pi[:, 0]) * info


def _tail(values: np.ndarray, step: float) -> float:
    """Integral beyond the last node of an exponentially decaying integrand (0 if not decaying)."""
    last, before = values[-1], values[-2]
    if last == 0 or before == 0 or np.sign(last) != np.sign(before) or abs(last) >= abs(before):
        return 0.0
    rate = np.log(abs(before) / abs(last)) / step
    return float(last / rate)


def ess_elir(mix: BetaMixture) -> float:
    """ELIR effective sample size.

    The integral is taken on the logit scale t = logit(p), where the integrand decays
    exponentially in both tails (like ``exp(-(a - 1) |t|)`` and exp(-(b - 1) t) for the components
    with the smallest a and b): trapezoid rule over the bulk (spectrally accurate for this smooth
    integrand) plus the exponential tails beyond it in closed form. A component with a = 1 (or
    b = 1) exactly contributes nothing through (a - 1) / p^2, while one with a slightly above 1
    contributes about its weight times b: ELIR jumps at the a, b >= 1 constraint of the fit.

    Parameters
    ----------
    mix : BetaMixture
        Every a and b must be at least 1.

    Returns
    -------
    float
    """
    if np.any(mix.a < 1) or np.any(mix.b < 1):
        raise InputError(
            "ESS (elir): a component has a or b below 1, where the ELIR integral diverges"
        )
    lo = float(np.min(special.logit(special.betaincinv(mix.a, mix.b, 1e-12)))) - 30.0
    hi = float(np.max(special.logit(special.betaincinv(mix.a, mix.b, 1 - 1e-12)))) + 30.0
    t = np.linspace(lo, hi, ELIR_NODES)
    values = _elir_integrand(mix, t)
    step = float(t[1] - t[0])
    body = float(np.trapezoid(values, t))
    return body + _tail(values, step) + _tail(values[::-1], step)


def ess_moment(mix: BetaMixture) -> float:
    """Moment-matching ESS: a + b = m (1 - m) / v - 1 of the mean- and variance-matched Beta.

    Parameters
    ----------
    mix : BetaMixture

    Returns
    -------
    float
    """
    m, v = mix.mean(), mix.var()
    return float(m * (1 - m) / v - 1)


def ess_morita(mix: BetaMixture, *, s: float = MORITA_S) -> float:
    """Morita-Thall-Mueller ESS at the prior mode (RBesT's variant, flattening factor s).

    Parameters
    ----------
    mix : BetaMixture
    s : float, default 100
        The flattened prior is Beta(mode / s, (1 - mode) / s).

    Returns
    -------
    float
    """
    mode = min(max(mix.mode(), np.finfo(float).eps), 1 - np.finfo(float).eps)
    info_prior = float(information(mix, np.array([mode]))[0])
    a0, b0 = mode / s, (1 - mode) / s
    info_flat = (a0 - 1) / mode**2 + (b0 - 1) / (1 - mode) ** 2
    p1 = mix.mean()  # predictive P(X = 1) of one Bernoulli observation
    expected = (1 - p1) / (1 - mode) ** 2 + p1 / mode**2
    return float((info_prior - info_flat) / expected)


def ess_elir_logit(mix, *, nodes: int | None = None) -> float:
    """ELIR ESS of a normal mixture prior on the logit of a rate (RBesT >= 1.8-0's
    ``ess(mixnorm, family = binomial)``).

    On the logit scale eta the Bernoulli Fisher information is p (1 - p) and the prior's local
    information is -(log pi)''(eta), so ``ESS = E[-(log pi)''(eta) / (p (1 - p))]``. It is
    applied to the exact MAP predictive itself (no mixture fit), and stays positive where the
    Beta-mixture ELIR of a small binomial MAP can turn negative (RBesT issue #22). For a single
    N(m, s^2) it is (2 + 2 exp(s^2 / 2) cosh(m)) / s^2.

    Parameters
    ----------
    mix : NormalMixture
        The prior of the logit.
    nodes : int, optional
        Trapezoid nodes over the bulk of every component (12 SD either side); by default at
        least 4001 and at most a quarter of the narrowest component's SD apart (up to 40001).

    Returns
    -------
    float
    """
    lo = float(np.min(mix.loc - 12 * mix.scale))
    hi = float(np.max(mix.loc + 12 * mix.scale))
    if nodes is None:
        nodes = int(min(max(4001, np.ceil(4 * (hi - lo) / float(np.min(mix.scale)))), 40001))
    eta = np.linspace(lo, hi, nodes)
    log_w = np.log(np.abs(mix.weight)) - np.log(mix.scale) - 0.5 * np.log(2 * np.pi)
    sign = np.sign(mix.weight)
    step = max(200_000 // mix.weight.size, 1)
    values = []
    for i in range(0, eta.size, step):
        x = eta[i : i + step, None]
        z = (x - mix.loc) / mix.scale
        log_comp = log_w - 0.5 * z * z
        top = log_comp.max(axis=1, keepdims=True)
        terms = sign * np.exp(log_comp - top)  # signed weights allowed (Smolyak nodes)
        total = terms.sum(axis=1, keepdims=True)
        positive = total[:, 0] > 0
        total = np.where(total > 0, total, 1.0)
        log_pi = np.log(total) + top
        omega = terms / total
        g = -z / mix.scale
        h = -1.0 / mix.scale**2
        info = np.sum(omega * (-h - g * g), axis=1) + np.sum(omega * g, axis=1) ** 2
        # 1 / (p q) = 2 + e^eta + e^-eta, folded into the log density to avoid overflow
        ax = np.abs(x[:, 0])
        log_inv_fisher = ax + 2.0 * np.log1p(np.exp(-ax))
        values.append(np.where(positive, np.exp(log_pi[:, 0] + log_inv_fisher) * info, 0.0))
    return float(np.trapezoid(np.concatenate(values), eta))


def ess_all(mix: BetaMixture) -> dict[str, float | None]:
    """``{"elir", "moment", "morita"}``; elir is None when a component has a or b below 1.

    Parameters
    ----------
    mix : BetaMixture

    Returns
    -------
    dict
    """
    try:
        elir = ess_elir(mix)
    except InputError:
        elir = None
    return {"elir": elir, "moment": ess_moment(mix), "morita": ess_morita(mix)}
