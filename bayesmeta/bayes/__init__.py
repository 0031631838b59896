"""Bayesian binomial-logit meta-analysis: specify (``build_model``), ``fit``, summarize, save.

Importing this package is cheap: PyMC, PyTensor and ArviZ are imported only inside the
functions that sample or build InferenceData.

Modules: ``priors`` (prior strings), ``spec`` (``ModelSpec``), ``result`` (``BayesResult``),
``model`` (PyMC model), ``sampling`` (NUTS samplers, compiled-model cache), ``draws`` (labelled
InferenceData), ``derived`` (pure numpy derived quantities), ``summarize`` (result assembly),
``fitting`` (``fit``), ``predictive`` (prior predictive), ``storage`` (NetCDF save/load),
``side_by_side`` (frequentist and Bayesian estimates in one table).
"""

from bayesmeta.bayes.fitting import DEFAULT_SEED, fit
from bayesmeta.bayes.predictive import prior_predictive
from bayesmeta.bayes.priors import DEFAULT_PRIORS, Prior, Priors, parse_prior
from bayesmeta.bayes.result import BayesResult, Contrast, Diagnostics, Interval
from bayesmeta.bayes.side_by_side import side_by_side
from bayesmeta.bayes.spec import ModelSpec, build_model
from bayesmeta.bayes.storage import load, save

__all__ = [
    "DEFAULT_PRIORS",
    "DEFAULT_SEED",
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
    "save",
    "side_by_side",
]
