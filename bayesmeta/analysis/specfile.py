"""Declarative model specification files (TOML): load, validate, turn into a model.

A spec file names its data, the model, the priors, the sampler settings and the frequentist
baselines to show beside the Bayesian fit. Example (``models/crr_by_cancer_type.toml``)::

    title = "Complete response by cancer type"

    [data]
    dataset = "cart_wu2025"        # a bundled data set, or: csv = "my_studies.csv"
    outcome = "crr"                # label of the outcome; specs are compared per outcome
    events = "crr_events"
    total = "crr_total"
    study = "study"                # optional, default "study"

    [model]
    kind = "subgroup"              # random | regression | subgroup | common
    by = "cancer_type"             # subgroup only; formula = "..." for regression
    separate_tau = true

    [priors]                       # optional; defaults in bayesmeta.model.priors
    mu = "normal(0, 2.5)"
    tau = "halfnormal(1.5)"

    [sampler]                      # optional
    engine = "auto"                # auto (exact where supported, else NUTS) | quadrature | nuts
    draws = 1000
    seed = 20251121

    [baselines]
    methods = ["DL", "REML", "GLMM"]

    [decisions]                    # optional
    threshold = [0.5, 0.6]         # report P(rate > X) for each X
    benchmark = 0.5                # one-sided Bayes factor of the pooled rate above B (exact)

    [paper]                        # optional: the published numbers this analysis reproduces
    source = "Wu et al. 2025, Fig. 3B"
    estimate = 0.58
    ci = [0.42, 0.73]

Every validation error is a one-line :class:`~bayesmeta.errors.SpecError` naming the file and
the key (``models/x.toml: [model] by: ...``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from bayesmeta.analysis.spec_model import AnalysisSpec
from bayesmeta.analysis.spec_parse import _fail, parse_spec
from bayesmeta.errors import BayesmetaError, SpecError


def read_spec(path: str | Path) -> AnalysisSpec:
    """Read and validate a spec file's structure (the data are not read).

    Parameters
    ----------
    path : str or Path
        Path of the spec file (named in every error).

    Returns
    -------
    AnalysisSpec

    Raises
    ------
    SpecError
        Unreadable TOML, unknown key, wrong type, missing required key, unknown choice or prior family.
    """
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"{path}: no such spec file")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{path}: invalid TOML ({error})") from None
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not a UTF-8 text file") from None
    return parse_spec(document, path=path)


def load_spec(path: str | Path) -> AnalysisSpec:
    """Read a spec file and check it against its data (columns and covariates exist).

    Parameters
    ----------
    path : str or Path
        Path of the spec file (named in every error).

    Returns
    -------
    AnalysisSpec

    Raises
    ------
    SpecError
        Everything :func:`read_spec` checks, plus a column or covariate missing from the data.
    """
    spec = read_spec(path)
    frame = read_frame(spec)
    for key in ("events", "total", "study"):
        column = spec.data[key]
        if column not in frame.columns:
            raise _fail(spec.path, "data", key, f"column '{column}' is not in the data")
    for covariate in spec.used_covariates():
        if covariate not in frame.columns or covariate in (
            spec.data["events"],
            spec.data["total"],
            spec.data["study"],
        ):
            key = "formula" if spec.model.get("formula") else "by"
            raise _fail(spec.path, "model", key, f"covariate '{covariate}' is not in the data")
    for covariate in spec.model["reference"]:
        if covariate not in spec.used_covariates():
            raise _fail(
                spec.path, "model", "reference", f"'{covariate}' is not a covariate of this model"
            )
    return spec


def read_frame(spec: AnalysisSpec):
    """The raw data table of a spec (bundled data set or CSV relative to the spec file).

    Parameters
    ----------
    spec : AnalysisSpec
        The analysis spec.

    Returns
    -------
    pandas.DataFrame
        Read once per spec object and kept with it (callers do not modify it: the data layer
        never mutates a caller's frame).
    """
    kept = spec.__dict__.get("_frame")
    if kept is None:
        kept = _read_frame(spec)
        object.__setattr__(spec, "_frame", kept)
    return kept


def _read_frame(spec: AnalysisSpec):
    from bayesmeta.data import load_dataset, read_table

    try:
        if "dataset" in spec.data:
            return load_dataset(spec.data["dataset"])
        return read_table(spec.path.parent / spec.data["csv"])
    except BayesmetaError as error:
        key = "dataset" if "dataset" in spec.data else "csv"
        raise _fail(spec.path, "data", key, str(error)) from None
