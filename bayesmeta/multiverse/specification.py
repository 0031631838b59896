"""Fit one specification of a multiverse (runs on the workers; a module-level function)."""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bayesmeta.data import MetaData
from bayesmeta.errors import BayesmetaError
from bayesmeta.many.tasks import task_seed
from bayesmeta.plural import plural

RESULT_SCHEMA = {
    "k": "int",
    "estimate": "float",
    "ci_lo": "float",
    "ci_hi": "float",
    "pi_lo": "float",
    "pi_hi": "float",
    "tau": "float",
    "status": "str",
    "note": "str",
}


@dataclass(frozen=True)
class Context:
    """What every batch of a multiverse needs.

    Attributes
    ----------
    data : MetaData
        The outcome's studies (:meth:`of` keeps their counts and drops covariates and
        exclusions).
    seed : int
        Master seed (NUTS only: the other methods are deterministic).
    min_studies : int
        Fewer studies: skipped.
    nuts : dict, optional
        draws, tune, chains, sampler for the ``nuts`` method.
    filters : dict of str to numpy.ndarray, optional
        Filtered covariate -> its values per study as text ("" when missing), aligned with
        ``data.studies``.
    """

    data: MetaData
    seed: int
    min_studies: int
    nuts: dict[str, Any] = field(default_factory=dict)
    filters: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, data: MetaData, *, covariates: Sequence[str], **options: Any) -> Context:
        """A context with the filter covariates as plain text arrays (fast to compare).

        Parameters
        ----------
        data : MetaData
            The outcome's studies (kept without covariates and exclusions: the filter
            columns are all the workers need).
        covariates : sequence of str
            The filtered covariates.
        **options
            seed, min_studies, nuts.

        Returns
        -------
        Context
        """
        filters = {
            c: np.array(["" if pd.isna(v) else str(v) for v in data.covariates[c]], dtype=object)
            for c in covariates
        }
        lean = dataclasses.replace(data, covariates=data.covariates[[]], excluded=())
        return cls(data=lean, filters=filters, **options)  # light to send with every batch


def schema(choice_columns: Sequence[str]) -> dict[str, str]:
    """The row schema: the task key, the choices, the results.

    Parameters
    ----------
    choice_columns : sequence of str
        From :meth:`Multiverse.choice_columns`.

    Returns
    -------
    dict of str to str
    """
    kinds = {c: ("int" if c == "min_total" else "str") for c in choice_columns}
    return {"task": "str", **kinds, **RESULT_SCHEMA}


def subset(context: Context, choices: dict[str, Any]) -> tuple[np.ndarray | None, str]:
    """The studies of a specification (a boolean mask), or None and why it is skipped.

    Parameters
    ----------
    context : Context
        All the outcome's studies and the filter columns.
    choices : dict
        The specification's choices.

    Returns
    -------
    (numpy.ndarray or None, str)
    """
    data = context.data
    keep = np.asarray(data.total) >= choices["min_total"]
    for column, level in choices.items():
        if column.startswith("filter_") and level != "all":
            keep &= context.filters[column.removeprefix("filter_")] == level
    left_out = choices["left_out"]
    if left_out:
        position = data.studies.index(left_out)
        if not keep[position]:
            return None, "skipped: the study left out is not in this subset"
        keep[position] = False
    return keep, ""


def _freq(events: np.ndarray, total: np.ndarray, choices: dict[str, Any]) -> dict[str, Any]:
    if choices["method"] == "GLMM":
        from bayesmeta.freq.glmm import glmm_arrays

        r = glmm_arrays(events, total)
        pi = r.pi or (math.nan, math.nan)
        fit = {"estimate": r.estimate, "ci_lo": r.ci[0], "ci_hi": r.ci[1], "tau2": r.tau2}
        fit.update(pi_lo=pi[0], pi_hi=pi[1])
    else:
        from bayesmeta.many.pooled import pooled_logit

        hk = choices["hartung_knapp"] == "yes"
        fit = pooled_logit(events, total, method=choices["method"], hartung_knapp=hk)
    tau = math.sqrt(max(fit.pop("tau2"), 0.0))
    return {**fit, "tau": tau}


def _bayes(data: MetaData, choices: dict[str, Any], *, seed: int, nuts: dict) -> dict[str, Any]:
    from bayesmeta.bayes import build_model

    spec = build_model(
        data, kind="random", mu_prior=choices["mu_prior"], tau_prior=choices["tau_prior"]
    )
    if choices["method"] == "bayes":
        from bayesmeta.engines import exact_engine, fit

        r = fit(spec, engine=exact_engine(spec))
    else:
        from bayesmeta.bayes import fit

        r = fit(spec, engine="nuts", seed=seed, **nuts)
    p, n = r.pooled_median, r.new_study
    row = {"estimate": p.median, "ci_lo": p.lo, "ci_hi": p.hi, "pi_lo": n.lo, "pi_hi": n.hi}
    row["tau"] = r.tau.median if r.tau is not None else math.nan
    if not r.diagnostics.ok:
        row["note"] = "; ".join(r.diagnostics.problems())
    return row


def fit_specification(context: Context, key: str, choices: dict[str, Any]) -> dict[str, Any]:
    """One row: the choices, the number of studies, the pooled median rate and its intervals.

    Parameters
    ----------
    context : Context
        Data and settings.
    key : str
        The task key (seeds NUTS).
    choices : dict
        The specification's choices.

    Returns
    -------
    dict
        ``status`` is "ok", "skipped: ..." or "failed: ..." (the estimate NaN then); ``note``
        holds warnings and failed diagnostics.
    """
    row: dict[str, Any] = {"task": key, **choices, **dict.fromkeys(RESULT_SCHEMA, math.nan)}
    row.update(status="ok", note="", k=0)
    keep, reason = subset(context, choices)
    if keep is None:
        return {**row, "status": reason}
    k = row["k"] = int(keep.sum())
    if k < context.min_studies:
        return {
            **row,
            "status": f"skipped: {plural(k, 'study')} (fewer than {context.min_studies})",
        }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if choices["method"] in ("bayes", "nuts"):
                seed = int(task_seed(context.seed, key).generate_state(1)[0])
                row.update(_bayes(context.data.where(keep), choices, seed=seed, nuts=context.nuts))
            else:
                events, total = np.asarray(context.data.events), np.asarray(context.data.total)
                row.update(_freq(events[keep], total[keep], choices))
        except (BayesmetaError, ArithmeticError, np.linalg.LinAlgError) as error:
            row["status"] = f"failed: {error}"
    notes = sorted({str(w.message).splitlines()[0] for w in caught})
    row["note"] = "; ".join(filter(None, [row["note"], *notes]))
    return row


def run_batch(context: Context, batch: Sequence[tuple[str, dict[str, Any]]]) -> list[dict]:
    """Fit a batch of specifications (the executor's unit of work).

    Parameters
    ----------
    context : Context
        Data and settings.
    batch : sequence of (key, choices)
        The specifications.

    Returns
    -------
    list of dict
        One row each.
    """
    return [fit_specification(context, key, choices) for key, choices in batch]
