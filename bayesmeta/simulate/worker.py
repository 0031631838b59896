"""One replicate, every method (runs on the workers; module-level functions)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bayesmeta.errors import BayesmetaError, ConvergenceWarning
from bayesmeta.many.tasks import task_rng
from bayesmeta.simulate.generate import draw_replicate
from bayesmeta.simulate.methods import NAN_ROW, fit_method
from bayesmeta.simulate.scenarios import Scenario

SCHEMA = {
    "task": "str",
    "method": "str",
    "scenario": "int",
    "replicate": "int",
    "k": "int",
    "zero_share": "float",
    "new_rate": "float",
    **dict.fromkeys(NAN_ROW, "float"),
    "status": "str",
    "note": "str",
}


@dataclass(frozen=True)
class Context:
    """Settings every batch needs.

    Attributes
    ----------
    seed : int
        Master seed.
    methods : tuple of str
        Methods fitted to each replicate.
    level : float
        Interval level.
    priors : dict
        Bayesian priors.
    nuts : dict
        NUTS settings.
    """

    seed: int
    methods: tuple[str, ...]
    level: float
    priors: dict[str, str]
    nuts: dict[str, Any]


def task_key(scenario: int, replicate: int) -> str:
    """The key of one replicate, e.g. ``"003-000017"`` (sorts by scenario, then replicate).

    Parameters
    ----------
    scenario, replicate : int
        Indices.

    Returns
    -------
    str
    """
    return f"{scenario:03d}-{replicate:06d}"


def run_replicate(context: Context, key: str, scenario: Scenario, replicate: int) -> list[dict]:
    """Draw one replicate (from the key's own seed) and fit every method to it.

    Parameters
    ----------
    context : Context
        Settings.
    key : str
        Task key.
    scenario : Scenario
        The truth.
    replicate : int
        Replicate number.

    Returns
    -------
    list of dict
        One row per method; ``status`` "ok", "nonconverged: ..." or "failed: ...".
    """
    rng = task_rng(context.seed, key)
    data = draw_replicate(scenario, rng)
    nuts_seed = int(rng.integers(2**31))
    base = {
        "task": key,
        "scenario": scenario.index,
        "replicate": replicate,
        "k": scenario.k,
        "zero_share": float(np.mean(data.events == 0)),
        "new_rate": data.new_rate,
    }
    rows = []
    for method in context.methods:
        row = {**base, "method": method, **NAN_ROW, "status": "ok", "note": ""}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                values, problem = fit_method(
                    method,
                    data.events,
                    data.total,
                    level=context.level,
                    priors=context.priors,
                    nuts=context.nuts,
                    seed=nuts_seed,
                )
                row.update(values)
                if problem or not all(math.isfinite(values[v]) for v in ("median_lo", "median_hi")):
                    row["status"] = f"nonconverged: {problem or 'non-finite interval'}"
            except (BayesmetaError, ArithmeticError, np.linalg.LinAlgError) as error:
                row["status"] = f"failed: {error}"
        row["note"] = "; ".join(sorted({str(w.message).splitlines()[0] for w in caught}))
        if row["status"] == "ok" and any(
            issubclass(w.category, ConvergenceWarning) for w in caught
        ):
            row["status"] = "nonconverged: convergence warning"
        rows.append(row)
    return rows


def run_batch(context: Context, batch: Sequence[tuple[str, tuple[Scenario, int]]]) -> list[dict]:
    """Run a batch of replicates (the executor's unit of work).

    Parameters
    ----------
    context : Context
        Settings.
    batch : sequence of (key, (scenario, replicate))
        Replicates.

    Returns
    -------
    list of dict
        Every method's row of every replicate.
    """
    return [row for key, (s, r) in batch for row in run_replicate(context, key, s, r)]
