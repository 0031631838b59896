"""Bayesian binomial-logit meta-analysis: the public facade (specify, ``fit``, summarize, save).

``build_model`` -> ``ModelSpec`` (cheap and pure), ``fit(spec, engine="auto")`` -> ``BayesResult``
with the exact engine wherever it is supported and NUTS otherwise (:mod:`bayesmeta.engines`).
The names are re-exported from their homes: the model layer (:mod:`bayesmeta.model`), the
engine boundary (:mod:`bayesmeta.engines`) and the NUTS engine's prior predictive
(:mod:`bayesmeta.nuts`). ``side_by_side`` (this package) puts frequentist and Bayesian estimates
in one table. Importing this package is cheap: PyMC and ArviZ are imported only inside the
functions that sample or build InferenceData.
"""

from bayesmeta.bayes.side_by_side import side_by_side
from bayesmeta.engines import DEFAULT_ENGINE, ENGINES, fit, prior_predictive, resolve, supports
from bayesmeta.model.options import DEFAULT_SEED
from bayesmeta.model.priors import DEFAULT_PRIORS, Prior, Priors, parse_prior
from bayesmeta.model.result import BayesResult, Contrast, Diagnostics, Interval
from bayesmeta.model.spec import ModelSpec, build_model
from bayesmeta.model.storage import load, save

__all__ = [
    "DEFAULT_ENGINE",
    "DEFAULT_PRIORS",
    "DEFAULT_SEED",
    "ENGINES",
    "BayesResult",
    "Contrast",
    "Diagnostics",
    "Interval",
    "ModelSpec",
    "Prior",
    "Priors",
    "build_model",
    "fit",
    "load",
    "parse_prior",
    "prior_predictive",
    "resolve",
    "save",
    "side_by_side",
    "supports",
]
