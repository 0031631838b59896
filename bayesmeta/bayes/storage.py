"""Save a :class:`BayesResult` as one NetCDF file (InferenceData + summary) and load it back.

The summary (``BayesResult.to_dict()``) is stored as a JSON string in the attributes of the
``posterior`` group, so the file is a plain ArviZ NetCDF file readable by ``az.from_netcdf``.
Files are written to a temporary name in the same folder and moved into place, so a file is
complete or absent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from bayesmeta.atomic import atomic_path
from bayesmeta.bayes.result import BayesResult, Contrast, Diagnostics, Interval
from bayesmeta.data.metadata import Exclusion
from bayesmeta.errors import InputError

SUMMARY_ATTR = "bayesmeta_summary"


def save(result: BayesResult, path: str | Path) -> Path:
    """Write ``result`` (with its InferenceData) to ``path`` atomically; returns the path.

    Parameters
    ----------
    result : BayesResult
        The result to save.
    path : str or Path
        The NetCDF file.

    Returns
    -------
    Path
    """
    if result.idata is None:
        raise InputError("this result has no posterior draws to save (quadrature engine?)")
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError(f"{path.parent}: no such folder")
    idata = result.idata.copy()
    idata.posterior.attrs[SUMMARY_ATTR] = json.dumps(_summary(result))
    with atomic_path(path) as tmp:
        idata.to_netcdf(str(tmp))
    return path


def load(path: str | Path) -> BayesResult:
    """Read a file written by :func:`save`.

    Parameters
    ----------
    path : str or Path
        The NetCDF file.

    Returns
    -------
    BayesResult
    """
    import arviz as az

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        idata = az.from_netcdf(path)
        summary = json.loads(idata.posterior.attrs[SUMMARY_ATTR])
    except (OSError, ValueError, KeyError, AttributeError) as error:
        raise InputError(f"{path}: not a bayesmeta result file ({type(error).__name__})") from None
    return _from_summary(summary, idata)


def _summary(result: BayesResult) -> dict[str, Any]:
    summary = result.to_dict()
    summary["interval_kind"] = result.pooled_median.kind
    summary["engine_note"] = result.diagnostics.engine_note
    return summary


def _interval(d: dict | None, kind: str) -> Interval | None:
    return None if d is None else Interval(d["median"], d["lo"], d["hi"], kind=kind)


def _none_to_nan(value):
    return float("nan") if value is None else value


def _from_summary(s: dict[str, Any], idata) -> BayesResult:
    kind = s.get("interval_kind", "eti")
    diag = s["diagnostics"]
    return BayesResult(
        engine=s["engine"],
        model=s["model"],
        pooled_median=_interval(s["pooled_median"], kind),
        pooled_mean=_interval(s["pooled_mean"], kind),
        new_study=_interval(s["new_study"], kind),
        tau=_interval(s["tau"], kind),
        study_rates=pd.DataFrame(s["study_rates"]),
        diagnostics=Diagnostics(
            rhat_max=_none_to_nan(diag["rhat_max"]),
            ess_bulk_min=_none_to_nan(diag["ess_bulk_min"]),
            ess_tail_min=_none_to_nan(diag["ess_tail_min"]),
            divergences=diag["divergences"],
            engine_note=s.get("engine_note", ""),
        ),
        excluded=tuple(Exclusion(e["study"], e["reason"]) for e in s["excluded"]),
        rates={k: _interval(v, kind) for k, v in s.get("rates", {}).items()},
        rates_mean={k: _interval(v, kind) for k, v in s.get("rates_mean", {}).items()},
        contrasts=[Contrast(**c) for c in s.get("contrasts", [])],
        taus={k: _interval(v, kind) for k, v in s.get("taus", {}).items()},
        coefficients={k: _interval(v, kind) for k, v in s.get("coefficients", {}).items()},
        idata=idata,
    )
