"""Validate a parsed spec document: structure, types, choices, priors (:func:`parse_spec`)."""

from __future__ import annotations

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
from bayesmeta.analysis.spec_model import AnalysisSpec
from bayesmeta.errors import BayesmetaError, SpecError


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
        if key not in roles:  # a likelihood's own parameter (phi): checked below
            continue
        try:
            parse_prior(text, role=roles[key], name=f"{key} prior")
        except BayesmetaError as error:
            raise _fail(path, "priors", key, str(error)) from None
    _check_likelihood(path, model, priors)
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
    from bayesmeta.analysis.multiverse_choices import parse_multiverse

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
        from bayesmeta.formula import parse_formula

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


def _check_likelihood(path: Path, model: dict, priors: dict) -> None:
    """``[model] likelihood`` names a registered likelihood that takes ``[priors]``' own keys."""
    from bayesmeta.model.likelihoods import likelihood_named

    try:
        likelihood = likelihood_named(model.get("likelihood", "binomial"))
    except BayesmetaError as error:
        raise _fail(path, "model", "likelihood", str(error)) from None
    own = {key: text for key, text in priors.items() if key not in ("mu", "beta", "tau")}
    try:
        likelihood.with_priors(**own)
    except BayesmetaError as error:
        raise _fail(path, "priors", next(iter(own)), str(error)) from None
    if "tau" in priors and not getattr(likelihood, "has_tau", True):
        raise _fail(path, "priors", "tau", f"the {likelihood.name} likelihood has no tau")
