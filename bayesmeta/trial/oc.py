"""Operating characteristics of a one-sample binomial design, by exact binomial sums.

The trial enrols n patients and observes X responders. Success (GO) is declared when
``P(p > p0 | X) > confidence`` under the prior (a Beta mixture, so the posterior is exact). The
posterior probability increases with X (the binomial likelihood has a monotone likelihood
ratio), so success is X >= ``critical``; the sums below use the success set itself, so they stay
exact even without that property. For a true rate r, P(success) = sum over the success set of
Binomial(x; n, r): the type-I error is its value at r = p0, the power its values elsewhere.

An optional NO-GO rule ``P(p < nogo_rate | X) > nogo_confidence`` (applied when GO does not
hold) makes a two-rule GO / NO-GO / consider design.

Where a lower rate is better (deaths, toxicities; ``lower_is_better=True``) the rules turn round:
GO when ``P(p < p0 | X) > confidence`` (X <= ``critical``), NO-GO when ``P(p > nogo_rate | X) >
nogo_confidence``. That design is the mirror image of the usual one on the non-events (rate
1 - p, prior with a and b swapped, X' = n - X), and is computed exactly that way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from bayesmeta.errors import InputError
from bayesmeta.trial.beta_mixture import BetaMixture


def rate_key(rate: float) -> str:
    """JSON key of a rate (``0.7`` -> ``"0.7"``).

    Parameters
    ----------
    rate : float
        A rate.

    Returns
    -------
    str
        Rounded to 6 decimals, shortest form.
    """
    return f"{round(float(rate), 6):g}"


def default_rates(p0: float) -> np.ndarray:
    """0, 0.01, ..., 1 with p0 added.

    Parameters
    ----------
    p0 : float
        The null rate.

    Returns
    -------
    numpy.ndarray
        Sorted unique rates.
    """
    return np.unique(np.round(np.append(np.linspace(0, 1, 101), p0), 6))


def check_design(*, n: int, p0: float, confidence: float) -> None:
    """One-line InputErrors for n < 1, p0 outside (0, 1), confidence outside (0, 1).

    Parameters
    ----------
    n : int
    p0 : float
    confidence : float

    Returns
    -------
    None
    """
    if int(n) != n or n < 1:
        raise InputError(f"--n {n}: the sample size must be a whole number of at least 1")
    if not (np.isfinite(p0) and 0 < p0 < 1):
        raise InputError(f"--p0 {p0}: the null rate must be in (0, 1)")
    if not (np.isfinite(confidence) and 0 < confidence < 1):
        raise InputError(f"--confidence {confidence}: must be in (0, 1)")


def prob_above(mix: BetaMixture, *, n: int, p0: float) -> np.ndarray:
    """P(p > p0 | X = x) for x = 0..n.

    Parameters
    ----------
    mix : BetaMixture
    n : int
    p0 : float

    Returns
    -------
    numpy.ndarray
        Shape (n + 1,).
    """
    return np.array([float(mix.posterior(x, n).sf(p0)) for x in range(n + 1)])


@dataclass(frozen=True)
class OperatingCharacteristics:
    """OC of one prior and decision rule.

    Attributes
    ----------
    n, p0, confidence : int, float, float
    critical : int or None
        Fewest responders for success (None: success is impossible).
    type1 : float
        P(success | rate = p0).
    power : dict
        rate key -> P(success | rate).
    prob_above : numpy.ndarray
        P(p > p0 | x), x = 0..n.
    nogo : dict or None
        With a NO-GO rule: its ``critical`` (most responders for NO-GO) and ``prob`` per rate.
    lower_is_better : bool
        The rules turned round (GO for few events; ``critical`` is then the most events for GO
        and the NO-GO ``critical`` the fewest events for NO-GO).
    """

    n: int
    p0: float
    confidence: float
    critical: int | None
    type1: float
    power: dict
    prob_above: np.ndarray = field(repr=False)
    nogo: dict | None = None
    lower_is_better: bool = False

    @property
    def go_rule(self) -> str:
        """The GO rule in words, with its critical number of events.

        Returns
        -------
        str
            e.g. ``"GO if P(p > 0.7 | data) > 0.9: >= 33 of 40"``.
        """
        sign, cmp = ("<", "<=") if self.lower_is_better else (">", ">=")
        when = "never" if self.critical is None else f"{cmp} {self.critical} of {self.n}"
        return f"GO if P(p {sign} {self.p0:g} | data) > {self.confidence:g}: {when}"

    @property
    def nogo_rule(self) -> str | None:
        """The NO-GO rule in words (None without one).

        Returns
        -------
        str or None
            e.g. ``"NO-GO if P(p < 0.75 | data) > 0.9: <= 28 of 40"``.
        """
        if self.nogo is None:
            return None
        sign, cmp = (">", ">=") if self.lower_is_better else ("<", "<=")
        c = self.nogo["critical"]
        when = "never" if c is None else f"{cmp} {c} of {self.n}"
        return (
            f"NO-GO if P(p {sign} {self.nogo['rate']:g} | data) > {self.nogo['confidence']:g}: "
            f"{when}"
        )

    def to_dict(self) -> dict:
        """JSON form.

        Returns
        -------
        dict
            n, p0, confidence, critical, type1, power, prob_above_by_responders and nogo.
        """
        out = {
            "n": self.n,
            "p0": self.p0,
            "confidence": self.confidence,
            "critical": self.critical,
            "type1": self.type1,
            "power": dict(self.power),
            "prob_above_by_responders": [float(v) for v in self.prob_above],
            "direction": "lower is better" if self.lower_is_better else "higher is better",
            "go_rule": self.go_rule,
        }
        if self.nogo is not None:
            out["nogo"] = dict(self.nogo)
            out["nogo_rule"] = self.nogo_rule
        return out


def _mirrored(mix: BetaMixture) -> BetaMixture:
    """The prior of 1 - p (a and b swapped)."""
    return BetaMixture(weight=mix.weight, a=mix.b, b=mix.a)


def _unmirrored(
    oc: OperatingCharacteristics, rates: np.ndarray, p0: float
) -> OperatingCharacteristics:
    """The lower-is-better design read back from its mirror image on 1 - p."""
    n = oc.n
    nogo = None
    if oc.nogo is not None:
        c = oc.nogo["critical"]
        nogo = {
            "rate": 1.0 - oc.nogo["rate"],
            "confidence": oc.nogo["confidence"],
            "critical": None if c is None else n - c,
            "prob": {rate_key(r): oc.nogo["prob"][rate_key(1.0 - r)] for r in rates},
        }
    return OperatingCharacteristics(
        n=n,
        p0=float(p0),
        confidence=oc.confidence,
        critical=None if oc.critical is None else n - oc.critical,
        type1=oc.type1,
        power={rate_key(r): oc.power[rate_key(1.0 - r)] for r in rates},
        prob_above=oc.prob_above[::-1].copy(),
        nogo=nogo,
        lower_is_better=True,
    )


def operating_characteristics(
    mix: BetaMixture,
    *,
    n: int,
    p0: float,
    confidence: float,
    rates=None,
    nogo_rate: float | None = None,
    nogo_confidence: float | None = None,
    lower_is_better: bool = False,
) -> OperatingCharacteristics:
    """Exact OC of the design ``P(p > p0 | X) > confidence`` with n patients.

    Parameters
    ----------
    mix : BetaMixture
        The prior of the response rate.
    n : int
        Patients.
    p0 : float
        Null rate.
    confidence : float
        Success threshold of the posterior probability.
    rates : array-like, optional
        True rates for the power (default 0, 0.01, ..., 1 and p0).
    nogo_rate, nogo_confidence : float, optional
        NO-GO when ``P(p < nogo_rate | X) > nogo_confidence`` and GO does not hold.
    lower_is_better : bool, optional
        GO when ``P(p < p0 | X) > confidence``, NO-GO when ``P(p > nogo_rate | X) > ...``
        (deaths, toxicities); ``prob_above`` then holds P(p < p0 | x).

    Returns
    -------
    OperatingCharacteristics
    """
    check_design(n=n, p0=p0, confidence=confidence)
    n = int(n)
    rates = default_rates(p0) if rates is None else np.asarray(rates, dtype=float)
    if np.any((rates < 0) | (rates > 1)):
        raise InputError("--rates: true rates must be in [0, 1]")
    if lower_is_better:
        if nogo_rate is not None and not 0 < nogo_rate < 1:
            raise InputError("--nogo-rate and --nogo-confidence must be in (0, 1)")
        mirror = operating_characteristics(
            _mirrored(mix), n=n, p0=1.0 - p0, confidence=confidence, rates=1.0 - rates,
            nogo_rate=None if nogo_rate is None else 1.0 - nogo_rate,
            nogo_confidence=nogo_confidence,
        )  # fmt: skip
        return _unmirrored(mirror, rates, p0)
    above = prob_above(mix, n=n, p0=p0)
    success = np.flatnonzero(above > confidence)
    x = np.arange(n + 1)
    pmf = stats.binom.pmf(x[None, :], n, rates[:, None])  # (R, n + 1)
    power = np.clip(pmf[:, success].sum(axis=1), 0.0, 1.0)  # sums of pmfs can pass 1 by 1 ulp
    type1 = float(np.clip(stats.binom.pmf(success, n, p0).sum(), 0.0, 1.0))
    nogo = None
    if nogo_rate is not None:
        conf = confidence if nogo_confidence is None else nogo_confidence
        if not (0 < nogo_rate < 1 and 0 < conf < 1):
            raise InputError("--nogo-rate and --nogo-confidence must be in (0, 1)")
        below = np.array([float(mix.posterior(k, n).cdf(nogo_rate)) for k in x])
        stop = np.flatnonzero((below > conf) & ~(above > confidence))
        nogo = {
            "rate": float(nogo_rate),
            "confidence": float(conf),
            "critical": int(stop.max()) if stop.size else None,
            "prob": {
                rate_key(r): float(v)
                for r, v in zip(rates, np.clip(pmf[:, stop].sum(axis=1), 0, 1), strict=True)
            },
        }
    return OperatingCharacteristics(
        n=n,
        p0=float(p0),
        confidence=float(confidence),
        critical=int(success.min()) if success.size else None,
        type1=type1,
        power={rate_key(r): float(v) for r, v in zip(rates, power, strict=True)},
        prob_above=above,
        nogo=nogo,
    )


def smallest_n(
    mix: BetaMixture,
    *,
    p0: float,
    confidence: float,
    target_power: float,
    at_rate: float,
    n_max: int = 400,
    lower_is_better: bool = False,
) -> int | None:
    """The smallest n whose power at ``at_rate`` reaches ``target_power`` (None up to n_max).

    Power is not monotone in n (the critical value moves in whole responders, the saw-tooth of
    exact binomial designs), so a slightly larger n can fall below the target again: check the
    chosen n's neighbours with :func:`operating_characteristics`.

    Parameters
    ----------
    mix : BetaMixture
    p0, confidence : float
        The success rule.
    target_power : float
        In (0, 1).
    at_rate : float
        The true rate at which the power is wanted.
    n_max : int, default 400
        Largest n tried.
    lower_is_better : bool, optional
        The design of :func:`operating_characteristics` with ``lower_is_better``.

    Returns
    -------
    int or None
    """
    if not (0 < target_power < 1 and 0 < at_rate < 1):
        raise InputError("--target-power and --at-rate must be in (0, 1)")
    if lower_is_better:
        return smallest_n(
            _mirrored(mix), p0=1.0 - p0, confidence=confidence, target_power=target_power,
            at_rate=1.0 - at_rate, n_max=n_max,
        )  # fmt: skip
    for n in range(1, n_max + 1):
        above = prob_above(mix, n=n, p0=p0)
        success = np.flatnonzero(above > confidence)
        if stats.binom.pmf(success, n, at_rate).sum() >= target_power:
            return n
    return None
