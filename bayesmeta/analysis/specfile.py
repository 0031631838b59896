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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bayesmeta.analysis.schema import (
    BASELINE_METHODS,
    DEFAULT_BASELINES,
    DEFAULT_SAMPLER,
    ENGINES,
    FLOAT,
    KINDS,
    SAMPLERS,
    SCHEMA,
    type_ok,
)
from bayesmeta.errors import BayesmetaError, SpecError


@dataclass(frozen=True)
class AnalysisSpec:
    """One validated spec file.

    Attributes
    ----------
    path : Path
        The spec file (CSV paths are relative to its folder).
    name, title, description : str
        ``name`` defaults to the file stem; it names the output folder.
    data : dict
        dataset or csv, outcome, events, total, study.
    model : dict
        kind, formula, by, separate_tau, reference.
    priors : dict of str to str
        Prior strings given in the file (missing ones take the package defaults).
    sampler : dict
        engine, draws, tune, chains, sampler, seed (defaults filled in).
    baselines : tuple of str
        Frequentist methods to show beside the Bayesian fit.
    paper : dict
        Published numbers for this analysis (may be empty).
    decisions : dict
        ``thresholds`` (tuple of rates X for P(rate > X)) and ``benchmark`` (rate or None).
    multiverse : Multiverse or None
        The validated ``[multiverse]`` table (see :mod:`bayesmeta.multiverse.choices`); a spec
        with one is run by ``bayesmeta multiverse`` (and by ``run`` only when asked).
    """

    path: Path
    name: str
    title: str
    description: str
    data: dict[str, Any]
    model: dict[str, Any]
    priors: dict[str, str] = field(default_factory=dict)
    sampler: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_SAMPLER))
    baselines: tuple[str, ...] = DEFAULT_BASELINES
    paper: dict[str, Any] = field(default_factory=dict)
    decisions: dict[str, Any] = field(default_factory=lambda: {"thresholds": (), "benchmark": None})
    multiverse: Any = None

    @property
    def outcome(self) -> str:
        """Outcome label (specs with the same outcome are compared together)."""
        return str(self.data.get("outcome") or self.data["events"])

    def used_covariates(self) -> list[str]:
        """Covariates the model needs (studies missing them are excluded)."""
        from bayesmeta.design import parse_formula

        if self.model.get("formula"):
            return list(parse_formula(self.model["formula"]).covariates)
        return [self.model["by"]] if self.model.get("by") else []

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready copy of the spec (for reports and result files)."""
        return {
            "path": str(self.path),
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "data": dict(self.data),
            "model": dict(self.model),
            "priors": dict(self.priors),
            "sampler": dict(self.sampler),
            "baselines": list(self.baselines),
            "paper": dict(self.paper),
            "decisions": {
                "thresholds": list(self.decisions["thresholds"]),
                "benchmark": self.decisions["benchmark"],
            },
        }


def _where(section: str, key: str) -> str:
    return f"[{section}] {key}" if section else key


def _check_section(path: Path, section: str, table: dict[str, Any]) -> None:
    schema = SCHEMA[section]
    for key, value in table.items():
        if key not in schema:
            known = ", ".join(schema)
            raise SpecError(f"{path}: {_where(section, key)}: unknown key (known: {known})")
        expected, _required = schema[key]
        if not type_ok(value, expected):
            raise SpecError(
                f"{path}: {_where(section, key)}: expected a {expected}, got {type(value).__name__} {value!r}"
            )
    for key, (_expected, required) in schema.items():
        if required and key not in table:
            raise SpecError(f"{path}: {_where(section, key)}: missing required key")


def _fail(path: Path, section: str, key: str, message: str) -> SpecError:
    return SpecError(f"{path}: {_where(section, key)}: {message}")


def parse_spec(document: dict[str, Any], *, path: Path) -> AnalysisSpec:
    """Validate a parsed TOML document (structure, types, choices, priors); no data read.

    Parameters
    ----------
    document : dict
        The parsed TOML document.
    path : Path
        The spec file it was read from (named in errors; its stem is the default name).

    Returns
    -------
    AnalysisSpec
        The validated spec, with defaults filled in (study column, sampler settings,
        baseline methods).

    Raises
    ------
    SpecError
        On an unknown or missing key, a wrong type, an unknown choice or an invalid prior,
        naming the file, section and key.
    """
    from bayesmeta.model.priors import parse_prior

    _check_section(path, "", document)
    for section in ("data", "model", "priors", "sampler", "baselines", "paper", "decisions"):
        _check_section(path, section, document.get(section, {}))
    data = dict(document["data"])
    if ("dataset" in data) == ("csv" in data):
        raise _fail(
            path, "data", "dataset", "give exactly one of 'dataset' (bundled) or 'csv' (a file)"
        )
    data.setdefault("study", "study")
    if "dataset" in data:
        from bayesmeta.data.bundled import DATASETS

        if data["dataset"] not in DATASETS:
            raise _fail(
                path,
                "data",
                "dataset",
                f"unknown bundled dataset '{data['dataset']}' (available: {', '.join(DATASETS)})",
            )
    model = dict(document["model"])
    if model["kind"] not in KINDS:
        raise _fail(
            path,
            "model",
            "kind",
            f"unknown kind '{model['kind']}' (choose from {', '.join(KINDS)})",
        )
    model.setdefault("separate_tau", False)
    model.setdefault("reference", {})
    _check_model_keys(path, model)
    priors = dict(document.get("priors", {}))
    roles = {"mu": "location", "beta": "location", "tau": "scale"}
    for key, text in priors.items():
        try:
            parse_prior(text, role=roles[key], name=f"{key} prior")
        except BayesmetaError as error:
            raise _fail(path, "priors", key, str(error)) from None
    sampler = {**DEFAULT_SAMPLER, **document.get("sampler", {})}
    _check_sampler(path, sampler)
    methods = document.get("baselines", {}).get("methods", list(DEFAULT_BASELINES))
    for method in methods:
        if method not in BASELINE_METHODS:
            raise _fail(
                path,
                "baselines",
                "methods",
                f"unknown method {method!r} (known: {', '.join(BASELINE_METHODS)})",
            )
    paper = dict(document.get("paper", {}))
    if "ci" in paper and (len(paper["ci"]) != 2 or not all(type_ok(v, FLOAT) for v in paper["ci"])):
        raise _fail(path, "paper", "ci", "expected two numbers [lo, hi]")
    for level, numbers in paper.get("groups", {}).items():
        _check_paper_group(path, level, numbers)
    decisions = _decisions(path, document.get("decisions", {}))
    multiverse = _multiverse(path, document, model)
    name = document.get("name", path.stem)
    _check_name(path, name)
    return AnalysisSpec(
        path=path,
        name=name,
        title=document.get("title", name),
        description=document.get("description", ""),
        data=data,
        model=model,
        priors=priors,
        sampler=sampler,
        baselines=tuple(methods),
        paper=paper,
        decisions=decisions,
        multiverse=multiverse,
    )


def _decisions(path: Path, table: dict[str, Any]) -> dict[str, Any]:
    """``[decisions]``: thresholds (each a rate in (0, 1)) and the benchmark."""
    from bayesmeta.model.thresholds import check_thresholds

    out: dict[str, Any] = {"thresholds": (), "benchmark": None}
    for key, target in (("threshold", "thresholds"), ("benchmark", "benchmark")):
        if key not in table:
            continue
        try:
            values = check_thresholds(table[key], name=f"{path}: [decisions] {key}")
        except BayesmetaError as error:
            raise SpecError(str(error)) from None
        out[target] = values if key == "threshold" else values[0]
    return out


def _check_name(path: Path, name: str) -> None:
    """The name is one safe path component: it names the folder ``OUT/<name>``."""
    problem = None
    if not name.strip():
        problem = "is empty"
    elif "/" in name or "\\" in name or "\0" in name:
        problem = "contains a path separator"
    elif name.startswith("."):
        problem = "starts with a dot"
    elif name != name.strip():
        problem = "starts or ends with white space"
    if problem:
        raise SpecError(
            f"{path}: name: {name!r} {problem}; it names the output folder OUT/<name>, so it must "
            "be one plain folder name (letters, digits, '-', '_', '.')"
        )


def _multiverse(path: Path, document: dict[str, Any], model: dict[str, Any]) -> Any:
    """The validated ``[multiverse]`` table, or None (see :mod:`bayesmeta.multiverse`)."""
    if "multiverse" not in document:
        return None
    from bayesmeta.multiverse.choices import parse_multiverse

    if model["kind"] != "random":
        raise _fail(
            path,
            "model",
            "kind",
            'a multiverse varies the random-intercept model: use kind = "random"',
        )
    return parse_multiverse(document["multiverse"], path=path)


def _check_model_keys(path: Path, model: dict[str, Any]) -> None:
    kind = model["kind"]
    if kind == "regression" and "formula" not in model:
        raise _fail(
            path, "model", "formula", "missing required key (the regression model needs a formula)"
        )
    if kind == "subgroup" and "by" not in model:
        raise _fail(
            path,
            "model",
            "by",
            "missing required key (the subgroup model needs a grouping covariate)",
        )
    if "formula" in model and kind != "regression":
        raise _fail(
            path, "model", "formula", f"only the regression model takes a formula, not '{kind}'"
        )
    if "by" in model and kind != "subgroup":
        raise _fail(path, "model", "by", f"only the subgroup model takes 'by', not '{kind}'")
    if model["separate_tau"] and kind != "subgroup":
        raise _fail(path, "model", "separate_tau", "applies to the subgroup model only")
    if "formula" in model:
        from bayesmeta.design import parse_formula

        try:
            parse_formula(model["formula"])
        except BayesmetaError as error:
            raise _fail(path, "model", "formula", str(error)) from None


def _check_paper_group(path: Path, level: str, numbers: Any) -> None:
    key = f"groups.{level}"
    if not isinstance(numbers, dict) or set(numbers) - {"estimate", "ci"}:
        raise _fail(path, "paper", key, "expected a table with 'estimate' and 'ci'")
    if "estimate" in numbers and not type_ok(numbers["estimate"], FLOAT):
        raise _fail(path, "paper", f"{key}.estimate", "expected a number")
    ci = numbers.get("ci", [0.0, 1.0])
    if not isinstance(ci, list) or len(ci) != 2 or not all(type_ok(v, FLOAT) for v in ci):
        raise _fail(path, "paper", f"{key}.ci", "expected two numbers [lo, hi]")


def _check_sampler(path: Path, sampler: dict[str, Any]) -> None:
    if sampler["engine"] not in ENGINES:
        raise _fail(
            path,
            "sampler",
            "engine",
            f"unknown engine '{sampler['engine']}' (choose from {', '.join(ENGINES)})",
        )
    if sampler["sampler"] not in SAMPLERS:
        raise _fail(
            path,
            "sampler",
            "sampler",
            f"unknown sampler '{sampler['sampler']}' (choose from {', '.join(SAMPLERS)})",
        )
    for key in ("draws", "tune", "chains"):
        if sampler[key] < (0 if key == "tune" else 1):
            raise _fail(path, "sampler", key, f"must be positive, got {sampler[key]}")


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
    """
    from bayesmeta.data import load_dataset, read_table

    try:
        if "dataset" in spec.data:
            return load_dataset(spec.data["dataset"])
        return read_table(spec.path.parent / spec.data["csv"])
    except BayesmetaError as error:
        key = "dataset" if "dataset" in spec.data else "csv"
        raise _fail(spec.path, "data", key, str(error)) from None
