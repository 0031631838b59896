"""The ``[multiverse]`` table of a spec file: the choices, validated, and their combinations.

Example (``models/multiverse_orr.toml``)::

    [multiverse]
    methods = ["DL", "REML", "PM", "GLMM", "bayes"]   # bayes: exact engine; nuts: NUTS (slow)
    hartung_knapp = [false, true]          # for the inverse-variance methods (DL, REML, PM, EE)
    mu_priors = ["normal(0, 2.5)"]          # the prior grid of the Bayesian methods
    tau_priors = ["halfnormal(0.5)", "halfnormal(1.5)", "halfcauchy(1)"]
    min_total = [0, 20]                     # drop studies with fewer patients
    leave_one_out = true                    # also every study left out in turn
    min_studies = 3                         # fewer studies: the specification is skipped
    threshold = 0.8                         # the summary's share of estimates above it
    [multiverse.filters]                    # covariate -> levels: "all", or only that level
    country = ["USA", "China"]

A specification is one combination of a subset (every filter, the minimum size, the study left
out) and an analysis (method, Hartung-Knapp or not, priors). Specification ``i`` of the
mixed-radix enumeration has the task key ``i`` zero-padded, so the table sorts in that order.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bayesmeta.errors import BayesmetaError, SpecError

FREQ_IV = ("DL", "REML", "PM", "ML", "SJ", "HS", "HE", "EB", "EE")
METHODS = (*FREQ_IV, "GLMM", "bayes", "nuts")
DEFAULTS: dict[str, Any] = {
    "methods": ["DL", "REML", "PM", "GLMM", "bayes"],
    "hartung_knapp": [False, True],
    "mu_priors": ["normal(0, 2.5)"],
    "tau_priors": ["halfnormal(1.5)"],
    "min_total": [0],
    "leave_one_out": False,
    "min_studies": 2,
    "threshold": 0.5,
    "filters": {},
}
KEYS = {**{k: type(v).__name__ for k, v in DEFAULTS.items()}, "sample": "int"}
NA = "n/a"


@dataclass(frozen=True)
class Multiverse:
    """The validated choices of a multiverse.

    Attributes
    ----------
    filters : tuple of (str, tuple of str)
        Covariate and the levels tried (besides "all").
    min_total : tuple of int
        Minimum study sizes tried.
    leave_one_out : bool
        Whether each study is also left out in turn.
    analyses : tuple of dict
        Every analysis: method, hartung_knapp ("yes", "no" or "n/a"), mu_prior, tau_prior.
    min_studies : int
        Fewer studies than this: the specification is recorded as skipped.
    threshold : float
        Rate threshold of the summary.
    sample : int or None
        Default ``--sample``.
    """

    filters: tuple[tuple[str, tuple[str, ...]], ...]
    min_total: tuple[int, ...]
    leave_one_out: bool
    analyses: tuple[dict[str, str], ...]
    min_studies: int
    threshold: float
    sample: int | None = None

    def subsets(self, data: Any) -> list[dict[str, Any]]:
        """Every possible subset: each filter level x minimum size x study left out.

        A study is left out only of subsets that contain it: leaving out a study the filters
        or the minimum size already removed is no specification at all, so it is never
        generated (nor counted).

        Parameters
        ----------
        data : MetaData
            The outcome's studies, with the filtered covariates.

        Returns
        -------
        list of dict
            One dict of subset choices (``filter_<covariate>``, ``min_total``, ``left_out``)
            per subset, in the order of the enumeration.
        """
        import pandas as pd

        studies = list(data.studies)
        totals = np.asarray(data.total)
        values = {
            c: np.array(["" if pd.isna(v) else str(v) for v in data.covariates[c]], dtype=object)
            for c, _ in self.filters
        }
        out: list[dict[str, Any]] = []
        for levels in itertools.product(*(["all", *lv] for _, lv in self.filters)):
            keep_filters = np.ones(len(studies), dtype=bool)
            for (covariate, _), level in zip(self.filters, levels, strict=True):
                if level != "all":
                    keep_filters &= values[covariate] == level
            named = {
                f"filter_{c}": level for (c, _), level in zip(self.filters, levels, strict=True)
            }
            for min_total in self.min_total:
                keep = keep_filters & (totals >= min_total)
                inside = sorted(s for s, k in zip(studies, keep, strict=True) if k)
                for left_out in ["", *inside] if self.leave_one_out else [""]:
                    out.append({**named, "min_total": min_total, "left_out": left_out})
        return out

    def dimensions(self, data: Any) -> list[tuple[str, list[Any]]]:
        """The enumerated dimensions (name, options): the possible subsets, then the analyses.

        Parameters
        ----------
        data : MetaData
            The outcome's studies (see :meth:`subsets`).

        Returns
        -------
        list of (str, list)
        """
        return [("subset", self.subsets(data)), ("analysis", list(self.analyses))]

    def choice_columns(self) -> list[str]:
        """The columns naming a specification's choices, in table order.

        Returns
        -------
        list of str
        """
        return [
            *(f"filter_{c}" for c, _ in self.filters),
            "min_total",
            "left_out",
            "method",
            "hartung_knapp",
            "mu_prior",
            "tau_prior",
        ]


def size(dims: Sequence[tuple[str, list[Any]]]) -> int:
    """Number of specifications.

    Parameters
    ----------
    dims : sequence of (str, list)
        From :meth:`Multiverse.dimensions`.

    Returns
    -------
    int
    """
    return math.prod(len(options) for _, options in dims)


def choice_at(dims: Sequence[tuple[str, list[Any]]], index: int) -> dict[str, Any]:
    """The choices of specification ``index`` (mixed radix, the last dimension fastest).

    Parameters
    ----------
    dims : sequence of (str, list)
        From :meth:`Multiverse.dimensions`.
    index : int
        0 <= index < size(dims).

    Returns
    -------
    dict
        One column per choice (a dict option, such as the analysis, spread into its columns).
    """
    out: dict[str, Any] = {}
    for name, options in reversed(dims):
        index, position = divmod(index, len(options))
        if isinstance(options[position], dict):
            out.update(options[position])
        else:
            out[name] = options[position]
    return out


def specifications(
    dims: Sequence[tuple[str, list[Any]]],
    *,
    sample: int | None = None,
    seed: int = 0,
    spread: bool = False,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every specification, or a seeded random sample of them, as (key, choices).

    Parameters
    ----------
    dims : sequence of (str, list)
        From :meth:`Multiverse.dimensions`.
    sample : int, optional
        Draw this many distinct specifications (all when at least their number).
    seed : int, default 0
        Seed of the sample.
    spread : bool, default False
        Yield them in :func:`bayesmeta.many.tasks.spread_order` (alike neighbours apart, for
        batches of even cost) instead of key order; the same specifications either way.

    Returns
    -------
    iterator of (str, dict)
        In key order (unless ``spread``).
    """
    from bayesmeta.many.tasks import spread_order

    total = size(dims)
    width = len(str(max(total - 1, 0)))
    if sample is None or sample >= total:
        indices: Any = range(total)
    else:
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x6D75]))
        indices = np.sort(rng.choice(total, size=sample, replace=False)).tolist()
    order = spread_order(len(indices)) if spread else range(len(indices))
    for position in order:
        index = indices[position]
        yield f"{index:0{width}d}", choice_at(dims, index)


def _fail(path: Path, key: str, message: str) -> SpecError:
    return SpecError(f"{path}: [multiverse] {key}: {message}")


def _list_of(path: Path, key: str, value: Any, kind: type) -> list:
    if not isinstance(value, list) or not value:
        raise _fail(path, key, f"expected a non-empty array, got {value!r}")
    for item in value:
        if not isinstance(item, kind) or (kind is int and isinstance(item, bool)):
            raise _fail(path, key, f"expected {kind.__name__} entries, got {item!r}")
    if len(set(map(repr, value))) != len(value):
        raise _fail(path, key, "repeated entry")
    return value


def parse_multiverse(table: Any, *, path: Path) -> Multiverse:
    """Validate a ``[multiverse]`` table.

    Parameters
    ----------
    table : dict
        The parsed TOML table.
    path : Path
        The spec file (named in errors).

    Returns
    -------
    Multiverse

    Raises
    ------
    SpecError
        Naming the file and the key of every bad entry.
    """
    from bayesmeta.model.priors import parse_prior

    if not isinstance(table, dict):
        raise SpecError(f"{path}: [multiverse]: expected a table")
    for key in table:
        if key not in KEYS:
            raise _fail(path, key, f"unknown key (known: {', '.join(KEYS)})")
    t = {**DEFAULTS, **table}
    methods = _list_of(path, "methods", t["methods"], str)
    for method in methods:
        if method not in METHODS:
            raise _fail(path, "methods", f"unknown method {method!r} (known: {', '.join(METHODS)})")
    hk = _list_of(path, "hartung_knapp", t["hartung_knapp"], bool)
    priors = {}
    for key, role in (("mu_priors", "location"), ("tau_priors", "scale")):
        priors[key] = _list_of(path, key, t[key], str)
        for text in priors[key]:
            try:
                parse_prior(text, role=role, name=key)
            except BayesmetaError as error:
                raise _fail(path, key, str(error)) from None
    min_total = _list_of(path, "min_total", t["min_total"], int)
    if any(v < 0 for v in min_total):
        raise _fail(path, "min_total", "sizes must be 0 or more")
    for key, kind in (("leave_one_out", bool), ("min_studies", int), ("threshold", float)):
        value = t[key]
        ok = isinstance(value, kind) or (kind is float and isinstance(value, int))
        if not ok or (kind is not bool and isinstance(value, bool)):
            raise _fail(path, key, f"expected a {kind.__name__}, got {value!r}")
    if t["min_studies"] < 1:
        raise _fail(path, "min_studies", "must be at least 1")
    if not 0 < t["threshold"] < 1:
        raise _fail(path, "threshold", "a rate strictly between 0 and 1")
    sample = t.get("sample")
    if sample is not None and (
        not isinstance(sample, int) or isinstance(sample, bool) or sample < 1
    ):
        raise _fail(path, "sample", f"expected a positive integer, got {sample!r}")
    if not isinstance(t["filters"], dict):
        raise _fail(path, "filters", "expected a table: covariate -> array of levels")
    filters = []
    for covariate, levels in t["filters"].items():
        levels = _list_of(path, f"filters.{covariate}", levels, str)
        if "all" in levels:
            raise _fail(path, f"filters.{covariate}", "'all' is always tried; list levels only")
        filters.append((covariate, tuple(levels)))
    analyses: list[dict[str, str]] = []
    for method in methods:
        if method in FREQ_IV:
            analyses += [
                {
                    "method": method,
                    "hartung_knapp": "yes" if h else "no",
                    "mu_prior": NA,
                    "tau_prior": NA,
                }
                for h in hk
            ]
        elif method == "GLMM":
            analyses.append(
                {"method": method, "hartung_knapp": NA, "mu_prior": NA, "tau_prior": NA}
            )
        else:
            analyses += [
                {"method": method, "hartung_knapp": NA, "mu_prior": m, "tau_prior": s}
                for m in priors["mu_priors"]
                for s in priors["tau_priors"]
            ]
    return Multiverse(
        filters=tuple(filters),
        min_total=tuple(min_total),
        leave_one_out=t["leave_one_out"],
        analyses=tuple(analyses),
        min_studies=t["min_studies"],
        threshold=float(t["threshold"]),
        sample=sample,
    )
