"""The NUTS engine: the PyMC model of a :class:`~bayesmeta.model.spec.ModelSpec`, sampling, draws.

Modules: ``model`` (PyMC model and its layout), ``sampling`` (PyMC, nutpie or numpyro; the
compiled-model cache), ``draws`` (labelled InferenceData), ``summarize`` (draws ->
:class:`~bayesmeta.model.result.BayesResult` with diagnostics), ``fit`` (``fit_nuts``),
``predictive`` (prior predictive simulation). The engine imports the shared model layer
(:mod:`bayesmeta.model`) and never the exact engine (:mod:`bayesmeta.quad`). PyMC and ArviZ are
imported only inside the functions that need them.
"""

from bayesmeta.nuts.predictive import prior_predictive
from bayesmeta.nuts.sample_fit import fit_nuts

__all__ = ["fit_nuts", "prior_predictive"]
