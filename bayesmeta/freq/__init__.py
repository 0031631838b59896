"""Frequentist baseline equal to R's metafor (and meta's defaults); numpy/scipy only.

Modules: ``effects`` (escalc measures, back-transforms), ``tau2`` (estimators), ``uni``
(weighted mixed-effects fit, Q-profile), ``rma`` (pooled proportion), ``agq`` and
``glmm_fit`` (adaptive-quadrature ML GLMM), ``glmm`` (rma.glmm equivalent), ``subgroup``,
``metareg``, ``smallstudy`` (Egger, Peters), ``ranktest`` (Begg), ``trimfill``,
``influence`` (leave-one-out, diagnostics), ``cumulative`` (cumul), ``predict`` (t-based
prediction intervals), ``profile`` (GLMM tau^2 profile CI), ``gosh``, ``results``.
"""

from bayesmeta.freq.cumulative import CumulativeResult, cumulative
from bayesmeta.freq.glmm import glmm
from bayesmeta.freq.gosh import GoshResult, gosh
from bayesmeta.freq.influence import InfluenceResult, influence, leave_one_out
from bayesmeta.freq.metareg import metareg
from bayesmeta.freq.predict import with_prediction
from bayesmeta.freq.profile import ProfileCI, glmm_profile_ci
from bayesmeta.freq.ranktest import RankTestResult, rank_test
from bayesmeta.freq.results import FreqResult, MetaRegResult, SubgroupResult
from bayesmeta.freq.rma import rma
from bayesmeta.freq.smallstudy import SmallStudyResult, egger, peters
from bayesmeta.freq.subgroup import subgroup
from bayesmeta.freq.trimfill import TrimFillResult, trim_fill

__all__ = [
    "CumulativeResult",
    "FreqResult",
    "GoshResult",
    "ProfileCI",
    "RankTestResult",
    "TrimFillResult",
    "cumulative",
    "glmm_profile_ci",
    "gosh",
    "rank_test",
    "trim_fill",
    "with_prediction",
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
