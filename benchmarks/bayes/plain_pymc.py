"""Plain PyMC baseline: the ORR random-intercept model written by hand, ``pm.sample()`` defaults.

What a user would write without bayesmeta (non-centered, same priors); one process per run.
"""

import pandas as pd
import pymc as pm

from bayesmeta.data import load_cart_wu2025

frame = load_cart_wu2025().dropna(subset=["orr_events", "orr_total"])
y = frame["orr_events"].to_numpy(int)
n = frame["orr_total"].to_numpy(int)
with pm.Model():
    mu = pm.Normal("mu", 0, 2.5)
    tau = pm.HalfNormal("tau", 1.5)
    z = pm.Normal("z", 0, 1, shape=len(y))
    pm.Binomial("y", n=n, logit_p=mu + tau * z, observed=y)
    idata = pm.sample(progressbar=False)
print(pd.Series(idata.posterior["mu"].values.ravel()).median())
