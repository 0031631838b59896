"""Prior-data conflict for an observed new trial: Box's p-value and the posterior mixture.

Box's (1980) prior-predictive p-value is the probability, under the prior predictive of the new
trial's responders (a beta-binomial mixture), of an outcome no more probable than the one seen:
``p = sum_{y : m(y) <= m(x)} m(y)``. Small values flag conflict. The one-sided tail
probabilities P(X <= x) and P(X >= x) are reported too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.trial.beta_mixture import BetaMixture

#: Relative tolerance for ties in the predictive probabilities.
TIE = 1e-12


@dataclass(frozen=True)
class Conflict:
    """Prior-data conflict summary.

    Attributes
    ----------
    events, total : int
        The new trial's data.
    box_p : float
        Box's prior-predictive p-value.
    p_lower, p_upper : float
        P(X <= events) and P(X >= events) under the prior predictive.
    posterior : BetaMixture
        The posterior mixture given the new data.
    """

    events: int
    total: int
    box_p: float
    p_lower: float
    p_upper: float
    posterior: BetaMixture

    def to_dict(self) -> dict:
        """JSON form.

        Returns
        -------
        dict
            events, total, box_p, p_lower, p_upper and the posterior (mixture, mean, median, 95% interval).
        """
        post = self.posterior
        lo, med, hi = post.ppf([0.025, 0.5, 0.975])
        return {
            "events": self.events,
            "total": self.total,
            "box_p": self.box_p,
            "p_lower": self.p_lower,
            "p_upper": self.p_upper,
            "posterior": {
                "mixture": post.to_records(),
                "mean": post.mean(),
                "median": float(med),
                "lo": float(lo),
                "hi": float(hi),
            },
        }


def check_counts(events: int, total: int, *, what: str = "--new-events/--new-total") -> None:
    """Raise a one-line InputError unless 0 <= events <= total and total >= 1.

    Parameters
    ----------
    events, total : int
    what : str
        Named in the message.

    Returns
    -------
    None
    """
    if int(total) != total or int(events) != events:
        raise InputError(f"{what}: events and total must be whole numbers")
    if total < 1:
        raise InputError(f"{what}: total {total} must be at least 1")
    if not 0 <= events <= total:
        raise InputError(f"{what}: events {events} must be between 0 and total {total}")


def prior_data_conflict(mix: BetaMixture, *, events: int, total: int) -> Conflict:
    """Box's p-value and the posterior of a new trial with ``events`` of ``total``.

    Parameters
    ----------
    mix : BetaMixture
        The prior.
    events, total : int
        The new trial's responders and patients.

    Returns
    -------
    Conflict
    """
    check_counts(events, total)
    pmf = mix.predictive_pmf(int(total))
    seen = pmf[int(events)]
    box = float(np.sum(pmf[pmf <= seen * (1 + TIE)]))
    return Conflict(
        events=int(events),
        total=int(total),
        box_p=min(box, 1.0),
        p_lower=float(min(np.sum(pmf[: int(events) + 1]), 1.0)),
        p_upper=float(min(np.sum(pmf[int(events) :]), 1.0)),
        posterior=mix.posterior(int(events), int(total)),
    )
