"""Bayesian sequential (cumulative) meta-analysis: the exact posterior after each study.

The random-intercept model with the given priors is integrated by the exact engine on the
first 1, 2, ..., k studies in the order of a covariate (ties keep the data order, as the
frequentist :func:`bayesmeta.freq.cumulative.cumulative`): each row is the posterior of the
pooled median rate expit(mu) given the studies so far. With one study the posterior of tau is
its prior, so early rows are wide by construction.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from bayesmeta.data import Exclusion, MetaData
from bayesmeta.freq.cumulative import study_order
from bayesmeta.model.priors import Priors


@dataclass(frozen=True)
class SequentialRow:
    """Posterior of the pooled rate after the first ``k`` studies.

    Parameters
    ----------
    study : str
        The study added at this step.
    k : int
        Studies so far.
    median, lo, hi : float
        Posterior median and 95% equal-tailed interval of expit(mu).
    """

    study: str
    k: int
    median: float
    lo: float
    hi: float

    def to_dict(self) -> dict[str, Any]:
        """JSON row ``{"study", "k", "pooled_median", "lo", "hi"}``.

        Returns
        -------
        dict
        """
        return {
            "study": self.study,
            "k": self.k,
            "pooled_median": self.median,
            "lo": self.lo,
            "hi": self.hi,
        }


@dataclass(frozen=True)
class BayesCumulative:
    """A Bayesian sequential meta-analysis.

    Parameters
    ----------
    order_by : str
        What the studies were ordered by.
    priors : dict
        Prior strings of mu and tau.
    rows : tuple of SequentialRow
        One row per added study.
    excluded : tuple of Exclusion
        Studies left out of the analysis.
    """

    order_by: str
    priors: dict[str, str]
    rows: tuple[SequentialRow, ...]
    excluded: tuple[Exclusion, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields.

        Returns
        -------
        dict
        """
        return {
            "order_by": self.order_by,
            "engine": "quadrature",
            "level": 0.95,  # the exact engine's equal-tailed credible interval
            "priors": self.priors,
            "rows": [r.to_dict() for r in self.rows],
            "excluded": [e.to_dict() for e in self.excluded],
        }


def bayes_cumulative(
    data: MetaData, *, order_by: str | None = None, priors: Priors | None = None
) -> BayesCumulative:
    """The exact posterior of the pooled rate after each study in order.

    Parameters
    ----------
    data : MetaData
        Events and totals per study.
    order_by : str, optional
        Covariate giving the order (data order when None).
    priors : Priors, optional
        Priors of mu and tau (the package defaults when omitted).

    Returns
    -------
    BayesCumulative
    """
    import numpy as np

    from bayesmeta.bayes import build_model
    from bayesmeta.engines import exact_engine, fit

    priors = priors or Priors.from_strings()
    order = study_order(data, by=order_by)
    full = build_model(data, kind="random", mu_prior=priors.mu, tau_prior=priors.tau)
    engine = exact_engine(full)
    rows = []
    for k in range(1, data.k + 1):
        mask = np.zeros(data.k, dtype=bool)
        mask[order[:k]] = True
        spec = dataclasses.replace(full, data=data.where(mask))
        iv = fit(spec, engine=engine).pooled_median
        rows.append(
            SequentialRow(
                study=data.studies[order[k - 1]], k=k, median=iv.median, lo=iv.lo, hi=iv.hi
            )
        )
    described = {key: str(value) for key, value in priors.to_dict().items() if key != "beta"}
    return BayesCumulative(
        order_by=order_by or "data order",
        priors=described,
        rows=tuple(rows),
        excluded=data.excluded,
    )
