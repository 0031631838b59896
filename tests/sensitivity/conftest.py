"""A recording fake engine for structure tests (no sampling, no quadrature)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

from bayesmeta.model.result import BayesResult, Diagnostics, Interval


class RecordingFitter:
    """``spec -> BayesResult`` computed from the data and prior; remembers every spec."""

    def __init__(self) -> None:
        self.specs = []

    def __call__(self, spec):
        self.specs.append(spec)
        data = spec.data
        centre = float(np.mean(special.logit((data.events + 0.5) / (data.total + 1.0))))
        tau = float(spec.priors.tau.ppf(0.5))

        def interval(c: float) -> Interval:
            return Interval(
                float(special.expit(c)),
                float(special.expit(c - 0.4)),
                float(special.expit(c + 0.4)),
            )

        return BayesResult(
            engine="fake",
            model=spec.describe(),
            pooled_median=interval(centre),
            pooled_mean=interval(centre + 0.3),
            new_study=interval(centre),
            tau=Interval(tau, tau / 2, tau * 2),
            study_rates=pd.DataFrame(),
            diagnostics=Diagnostics(None, None, None, 0),
            excluded=data.excluded,
        )


@pytest.fixture
def fitter():
    return RecordingFitter()


@pytest.fixture
def death():
    from bayesmeta.data import cart_outcome

    return cart_outcome("death")
