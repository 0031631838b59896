"""Frequentist baseline equal to R's metafor (and meta's defaults); numpy/scipy only.

Modules: ``effects`` (escalc measures, back-transforms), ``tau2`` (estimators), ``uni``
(weighted mixed-effects fit, Q-profile), ``rma`` (pooled proportion), ``agq`` and
``glmm_fit`` (adaptive-quadrature ML GLMM), ``glmm`` (rma.glmm equivalent), ``subgroup``,
``metareg``, ``smallstudy`` (Egger, Peters), ``influence`` (leave-one-out, diagnostics),
``results`` (result objects).
"""

from bayesmeta.freq.glmm import glmm
from bayesmeta.freq.influence import InfluenceResult, influence, leave_one_out
from bayesmeta.freq.metareg import metareg
from bayesmeta.freq.results import FreqResult, MetaRegResult, SubgroupResult
from bayesmeta.freq.rma import rma
from bayesmeta.freq.smallstudy import SmallStudyResult, egger, peters
from bayesmeta.freq.subgroup import subgroup

__all__ = [
    "FreqResult",
    "InfluenceResult",
    "MetaRegResult",
    "SmallStudyResult",
    "SubgroupResult",
    "egger",
    "glmm",
    "influence",
    "leave_one_out",
    "metareg",
    "peters",
    "rma",
    "subgroup",
]
