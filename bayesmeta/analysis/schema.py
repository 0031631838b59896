"""The keys, types and defaults of a spec file (see :mod:`bayesmeta.analysis.specfile`)."""

from __future__ import annotations

from typing import Any

from bayesmeta.engines import DEFAULT_ENGINE, ENGINES
from bayesmeta.freq.rma import METHODS
from bayesmeta.model.options import DEFAULT_SAMPLER as NUTS_SAMPLER
from bayesmeta.model.options import DEFAULT_SEED, NUTS_LIGHT, SAMPLERS
from bayesmeta.model.spec import KINDS

#: Frequentist baselines a spec may name: every method but the common-effect "EE".
BASELINE_METHODS: tuple[str, ...] = tuple(m for m in METHODS if m != "EE")
__all__ = ["BASELINE_METHODS", "ENGINES", "KINDS", "SAMPLERS"]

STR, BOOL, INT, FLOAT, LIST, TABLE, NUMBERS = (
    "string",
    "boolean",
    "integer",
    "number",
    "array",
    "table",
    "number or array of numbers",
)

#: section -> key -> (expected type, required). The top level is section "".
SCHEMA: dict[str, dict[str, tuple[str, bool]]] = {
    "": {
        "name": (STR, False),
        "title": (STR, False),
        "description": (STR, False),
        "data": (TABLE, True),
        "model": (TABLE, True),
        "priors": (TABLE, False),
        "sampler": (TABLE, False),
        "baselines": (TABLE, False),
        "paper": (TABLE, False),
        "decisions": (TABLE, False),
        "multiverse": (TABLE, False),
    },
    "data": {
        "dataset": (STR, False),
        "csv": (STR, False),
        "outcome": (STR, False),
        "events": (STR, True),
        "total": (STR, True),
        "study": (STR, False),
    },
    "model": {
        "kind": (STR, True),
        "formula": (STR, False),
        "by": (STR, False),
        "separate_tau": (BOOL, False),
        "reference": (TABLE, False),
        "likelihood": (STR, False),
    },
    "priors": {"mu": (STR, False), "beta": (STR, False), "tau": (STR, False), "phi": (STR, False)},
    "sampler": {
        "engine": (STR, False),
        "draws": (INT, False),
        "tune": (INT, False),
        "chains": (INT, False),
        "sampler": (STR, False),
        "seed": (INT, False),
    },
    "baselines": {"methods": (LIST, False)},
    # P(rate > X) for each threshold X (a number or a list), and the benchmark B of the one-sided
    # Bayes factor pooled_vs_benchmark (exact engine)
    "decisions": {"threshold": (NUMBERS, False), "benchmark": (FLOAT, False)},
    "paper": {
        "source": (STR, False),
        "estimate": (FLOAT, False),
        "ci": (LIST, False),
        "tau2": (FLOAT, False),
        "i2": (FLOAT, False),
        "q_between": (FLOAT, False),
        "df_between": (INT, False),
        "p_between": (FLOAT, False),
        "note": (STR, False),
        "groups": (TABLE, False),
    },
}

DEFAULT_SAMPLER: dict[str, Any] = {
    "engine": DEFAULT_ENGINE,
    "draws": NUTS_LIGHT.draws,
    "tune": NUTS_LIGHT.tune,
    "chains": NUTS_LIGHT.chains,
    "sampler": NUTS_SAMPLER,
    "seed": DEFAULT_SEED,
}
DEFAULT_BASELINES: tuple[str, ...] = ("DL", "GLMM")


def type_ok(value: Any, expected: str) -> bool:
    """Whether a TOML value has the schema type ``expected``.

    Parameters
    ----------
    value : Any
        A value read from TOML.
    expected : str
        A schema type name: ``string``, ``boolean``, ``integer``, ``number``, ``array`` or
        ``table``.

    Returns
    -------
    bool
    """
    match expected:
        case "string":
            return isinstance(value, str)
        case "boolean":
            return isinstance(value, bool)
        case "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        case "number":
            return isinstance(value, int | float) and not isinstance(value, bool)
        case "array":
            return isinstance(value, list)
        case "table":
            return isinstance(value, dict)
        case "number or array of numbers":
            values = value if isinstance(value, list) else [value]
            return all(type_ok(v, "number") for v in values)
    raise AssertionError(expected)
