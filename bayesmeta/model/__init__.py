"""The model layer both engines share: priors, ``ModelSpec``, results, derived quantities.

Modules: ``options`` (samplers, seed and other shared defaults), ``priors`` (prior strings ->
``Prior``), ``spec`` (``build_model`` -> ``ModelSpec``, the model kinds), ``result``
(``BayesResult`` and its parts), ``derived`` (pure numpy derived quantities of draws),
``likelihood`` (a study's likelihood with its random effect integrated out), ``storage``
(NetCDF save/load). Nothing here imports an engine (:mod:`bayesmeta.quad`, :mod:`bayesmeta.nuts`).

This package re-exports nothing, so that importing a light module (``options``) stays cheap;
the public names are re-exported by :mod:`bayesmeta.bayes`.
"""
