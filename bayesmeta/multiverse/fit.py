"""Fit one specification of a multiverse (runs on the workers; a module-level function)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bayesmeta.data import MetaData
from bayesmeta.errors import BayesmetaError
from bayesmeta.many.tasks import task_seed

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
        The outcome's studies (covariates included).
    seed : int
        Master seed (NUTS only: the other methods are deterministic).
    min_studies : int
        Fewer studies: skipped.
    nuts : dict
        draws, tune, chains, sampler for the ``nuts`` method.
    """

    data: MetaData
    seed: int
    min_studies: int
    nuts: dict[str, Any] = field(default_factory=dict)


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


def subset(data: MetaData, choices: dict[str, Any]) -> tuple[MetaData | None, str]:
    """The studies of a specification, or None and why it is skipped.

    Parameters
    ----------
    data : MetaData
        All the outcome's studies.
    choices : dict
        The specification's choices.

    Returns
    -------
    (MetaData or None, str)
    """
    keep = np.ones(data.k, dtype=bool)
    for column, level in choices.items():
        if column.startswith("filter_") and level != "all":
            values = data.covariates[column.removeprefix("filter_")].astype("string")
            keep &= (values == level).fillna(False).to_numpy(dtype=bool)
    keep &= np.asarray(data.total) >= choices["min_total"]
    left_out = choices["left_out"]
    if left_out:
        position = list(data.studies).index(left_out)
        if not keep[position]:
            return None, "skipped: the study left out is not in this subset"
        keep[position] = False
    return data.where(keep), ""


def _freq(data: MetaData, choices: dict[str, Any]) -> dict[str, Any]:
    if choices["method"] == "GLMM":
        from bayesmeta.freq.glmm import glmm_arrays

        r = glmm_arrays(data.events, data.total)
        pi = r.pi or (math.nan, math.nan)
        fit = {"estimate": r.estimate, "ci_lo": r.ci[0], "ci_hi": r.ci[1], "tau2": r.tau2}
        fit.update(pi_lo=pi[0], pi_hi=pi[1])
    else:
        from bayesmeta.many.pooled import pooled_logit

        hk = choices["hartung_knapp"] == "yes"
        fit = pooled_logit(data.events, data.total, method=choices["method"], hartung_knapp=hk)
    tau = math.sqrt(max(fit.pop("tau2"), 0.0))
    return {**fit, "tau": tau}


def _bayes(data: MetaData, choices: dict[str, Any], *, seed: int, nuts: dict) -> dict[str, Any]:
    from bayesmeta.bayes import build_model

    spec = build_model(
        data, kind="random", mu_prior=choices["mu_prior"], tau_prior=choices["tau_prior"]
    )
    if choices["method"] == "bayes":
        from bayesmeta.quad import fit_quadrature

        r = fit_quadrature(spec)
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
    data, reason = subset(context.data, choices)
    if data is None:
        return {**row, "status": reason}
    row["k"] = data.k
    if data.k < context.min_studies:
        return {**row, "status": f"skipped: {data.k} studies (fewer than {context.min_studies})"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if choices["method"] in ("bayes", "nuts"):
                seed = int(task_seed(context.seed, key).generate_state(1)[0])
                row.update(_bayes(data, choices, seed=seed, nuts=context.nuts))
            else:
                row.update(_freq(data, choices))
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
