"""What a spec's folder records about its fit: the spec digest, the JSON summary
(``summary.json`` before the bias report is added) and the per-level table (``levels.csv``)."""

from __future__ import annotations

import hashlib
from typing import Any

from bayesmeta.analysis.fitting import Fitted
from bayesmeta.analysis.specfile import AnalysisSpec
from bayesmeta.versions import stack_versions


def spec_digest(spec: AnalysisSpec) -> str:
    """SHA-256 of the spec file's bytes (a saved run is reused only for the same spec).

    Parameters
    ----------
    spec : AnalysisSpec
        The analysis spec.

    Returns
    -------
    str
    """
    return hashlib.sha256(spec.path.read_bytes()).hexdigest()


def level_frame(fitted: Fitted):
    """``levels.csv``: each level's Bayesian rate beside the baselines' per-level estimates.

    Parameters
    ----------
    fitted : Fitted
        A fitted subgroup spec.

    Returns
    -------
    pandas.DataFrame
    """
    import pandas as pd

    rows = []
    for level, iv in fitted.result.rates.items():
        row = {"level": level, "bayes_median": iv.median, "bayes_lo": iv.lo, "bayes_hi": iv.hi}
        for method, fit in fitted.baselines.items():
            group = getattr(fit, "groups", {}).get(level)
            if group is not None:
                row |= {
                    f"{method}_estimate": group.estimate,
                    f"{method}_lo": group.ci[0],
                    f"{method}_hi": group.ci[1],
                }
        rows.append(row)
    return pd.DataFrame(rows)


def summary_of(
    fitted: Fitted, *, digest: str, files: list[str], hashed: str = ""
) -> dict[str, Any]:
    """The JSON summary of a run (before :func:`json_ready`; the bias report is added later).

    Parameters
    ----------
    fitted : Fitted
        The fitted spec (model, Bayesian result, baselines and meta-regressions).
    digest : str
        SHA-256 of the spec file's bytes (:func:`spec_digest`).
    files : list of str
        Names of the files written in the spec's folder.
    hashed : str, optional
        Fit hash of spec, data and software (:func:`bayesmeta.analysis.fithash.fit_hash`).

    Returns
    -------
    dict
        Keys ``spec``, ``spec_digest``, ``fit_hash``, ``bayes``, ``baselines``,
        ``metaregressions``, ``baseline_errors``, ``paper``, ``excluded``, ``files`` and
        ``versions``.
    """
    return {
        "spec": fitted.spec.to_dict(),
        "spec_digest": digest,
        "fit_hash": hashed,
        "bayes": fitted.result.to_dict(),
        "baselines": {m: f.to_dict() for m, f in fitted.baselines.items()},
        "metaregressions": {m: f.to_dict() for m, f in fitted.metaregs.items()},
        "baseline_errors": dict(fitted.baseline_errors),
        "paper": dict(fitted.spec.paper),
        "excluded": fitted.model.data.excluded_records(),
        "files": files,
        "versions": stack_versions(),
    }
