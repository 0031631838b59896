"""Frequentist baseline equal to R's metafor (and meta's defaults); numpy/scipy only.

Modules: ``effects`` (escalc measures, back-transforms), ``tau2`` (estimators), ``uni``
(weighted mixed-effects fit, Q-profile), ``rma`` (pooled proportion), ``agq`` and
``glmm_fit`` (adaptive-quadrature ML GLMM), ``glmm`` (rma.glmm equivalent), ``subgroup``,
``metareg``, ``smallstudy`` (Egger, Peters), ``ranktest`` (Begg), ``trimfill``,
``influence`` (leave-one-out, diagnostics), ``cumulative`` (cumul), ``predict`` (t-based
prediction intervals), ``profile`` (GLMM tau^2 profile CI), ``gosh``, ``results``.

The names are imported on first use (PEP 562): ``from bayesmeta.freq import rma`` loads
``rma`` and what it needs, not the GLMM, GOSH or the bias tests (nor ``scipy.stats``).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOMES = {
    "CumulativeResult": "cumulative",
    "cumulative": "cumulative",
    "glmm": "glmm",
    "GoshResult": "gosh",
    "gosh": "gosh",
    "InfluenceResult": "influence",
    "influence": "influence",
    "leave_one_out": "influence",
    "metareg": "metareg",
    "with_prediction": "predict",
    "ProfileCI": "profile",
    "glmm_profile_ci": "profile",
    "RankTestResult": "ranktest",
    "rank_test": "ranktest",
    "FreqResult": "results",
    "MetaRegResult": "results",
    "SubgroupResult": "results",
    "rma": "rma",
    "SmallStudyResult": "smallstudy",
    "egger": "smallstudy",
    "peters": "smallstudy",
    "subgroup": "subgroup",
    "TrimFillResult": "trimfill",
    "trim_fill": "trimfill",
}

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


class _Package(types.ModuleType):
    """This package: a submodule named as its function (``rma``, ``glmm``, ``gosh``, ...) never
    shadows the function when the submodule is imported after the package."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _HOMES and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        value = getattr(importlib.import_module(f"bayesmeta.freq.{_HOMES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bayesmeta.freq' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
