"""Spec files of the joint model: ``[data] outcomes = [...]`` (issue 20).

```toml
title = "Effective and safe?"
[data]
dataset = "cart_wu2025"            # or csv = "studies.csv" (relative to the spec file)
outcomes = ["orr", "crr", "dead"]  # or ["resp=x1:n1", "cr=x2:n2"]
[model]
kind = "joint"                     # optional; formula = "...", nested = "crr<orr"
[priors]
mu = "normal(0, 2.5)"; beta = "normal(0, 2.5)"; tau = "halfnormal(1.5)"; cor = "lkj(2)"
[sampler]
engine = "auto"; draws = 1000; tune = 1000; chains = 4; seed = 1; sampler = "pymc"
[decisions]
joint = ["orr>0.8,dead<0.25"]; given = ["orr=0.9"]
```

Every error is one line naming the file and the key (:class:`~bayesmeta.errors.SpecError`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bayesmeta.errors import BayesmetaError, SpecError
from bayesmeta.model.options import DEFAULT_SAMPLER, DEFAULT_SEED

__all__ = ["JointAnalysisSpec", "is_joint_spec", "load_joint_spec", "to_joint_model"]

_KEYS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "": {
        "name": str,
        "title": str,
        "description": str,
        "data": dict,
        "model": dict,
        "priors": dict,
        "sampler": dict,
        "decisions": dict,
    },
    "data": {"dataset": str, "csv": str, "outcomes": list, "study": str},
    "model": {"kind": str, "formula": str, "nested": str},
    "priors": {"mu": str, "beta": str, "tau": str, "cor": str},
    "sampler": {
        "engine": str,
        "draws": int,
        "tune": int,
        "chains": int,
        "seed": int,
        "sampler": str,
    },
    "decisions": {"joint": list, "given": list},
}


@dataclass(frozen=True)
class JointAnalysisSpec:
    """A validated joint spec file (the data are read by :func:`to_joint_model`).

    Attributes
    ----------
    path : Path
        The spec file.
    name, title, description : str
        Its name (the output folder), title and description.
    data, model, priors, sampler, decisions : dict
        The tables of the file, defaults filled in.
    """

    path: Path
    name: str
    title: str
    description: str
    data: dict[str, Any]
    model: dict[str, Any] = field(default_factory=dict)
    priors: dict[str, Any] = field(default_factory=dict)
    sampler: dict[str, Any] = field(default_factory=dict)
    decisions: dict[str, Any] = field(default_factory=dict)


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SpecError(f"{path}: invalid TOML ({error})") from None


def is_joint_spec(path: str | Path) -> bool:
    """Whether a spec file describes a joint model (``[data] outcomes``).

    Parameters
    ----------
    path : str or Path
        A ``.toml`` file.

    Returns
    -------
    bool
    """
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False
    data = document.get("data")
    return isinstance(data, dict) and "outcomes" in data


def load_joint_spec(path: str | Path) -> JointAnalysisSpec:
    """Read and check a joint spec file's structure and types (no data read).

    Parameters
    ----------
    path : str or Path
        The spec file.

    Returns
    -------
    JointAnalysisSpec

    Raises
    ------
    SpecError
        One line naming the file and the key.
    """
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"{path}: no such spec file")
    document = _read(path)
    for section, keys in _KEYS.items():
        table = document if not section else document.get(section, {})
        if not isinstance(table, dict):
            raise SpecError(f"{path}: [{section}]: expected a table")
        for key, value in table.items():
            where = f"[{section}] {key}" if section else key
            if key not in keys:
                raise SpecError(f"{path}: {where}: unknown key (known: {', '.join(keys)})")
            if not isinstance(value, keys[key]) or isinstance(value, bool):
                raise SpecError(f"{path}: {where}: expected {keys[key].__name__}, got {value!r}")
    data = document.get("data")
    if data is None:
        raise SpecError(f"{path}: [data]: missing required table")
    if ("dataset" in data) == ("csv" in data):
        raise SpecError(f"{path}: [data]: give exactly one of 'dataset' and 'csv'")
    for key in ("joint", "given"):
        for item in document.get("decisions", {}).get(key, []):
            if not isinstance(item, str):
                raise SpecError(f"{path}: [decisions] {key}: expected strings, got {item!r}")
    kind = document.get("model", {}).get("kind", "joint")
    if kind != "joint":
        raise SpecError(
            f"{path}: [model] kind: a spec with [data] outcomes is 'joint', not '{kind}'"
        )
    sampler = {
        "engine": "auto",
        "draws": 1000,
        "tune": 1000,
        "chains": 4,
        "seed": DEFAULT_SEED,
        "sampler": DEFAULT_SAMPLER,
        **document.get("sampler", {}),
    }
    name = document.get("name", path.stem)
    if not name or "/" in name or name in (".", ".."):
        raise SpecError(f"{path}: name: '{name}' must be one plain folder name")
    return JointAnalysisSpec(
        path=path,
        name=name,
        title=document.get("title", name),
        description=document.get("description", ""),
        data={"study": "study", **data},
        model=document.get("model", {}),
        priors=document.get("priors", {}),
        sampler=sampler,
        decisions=document.get("decisions", {}),
    )


def to_joint_model(spec: JointAnalysisSpec):
    """Read the data and build the :class:`~bayesmeta.joint.spec.JointSpec` (nothing sampled).

    Parameters
    ----------
    spec : JointAnalysisSpec
        The spec.

    Returns
    -------
    JointSpec

    Raises
    ------
    SpecError
        One line naming the file and the table whose value the data or model refused.
    """
    from bayesmeta.data import load_dataset, read_table
    from bayesmeta.data.bundled import COVARIATES
    from bayesmeta.joint.spec import build_joint_model
    from bayesmeta.joint.wide_table import joint_from_frame

    try:
        if "dataset" in spec.data:
            frame, covariates = load_dataset(spec.data["dataset"]), list(COVARIATES)
        else:
            frame, covariates = read_table(spec.path.parent / spec.data["csv"]), None
        data = joint_from_frame(
            frame, outcomes=spec.data["outcomes"], study=spec.data["study"], covariates=covariates
        )
    except BayesmetaError as error:
        raise SpecError(f"{spec.path}: [data]: {error}") from None
    try:
        return build_joint_model(
            data,
            formula=spec.model.get("formula"),
            mu_prior=spec.priors.get("mu"),
            beta_prior=spec.priors.get("beta"),
            tau_prior=spec.priors.get("tau"),
            cor_prior=spec.priors.get("cor"),
            nested=spec.model.get("nested"),
            joint=spec.decisions.get("joint", ()),
            given=spec.decisions.get("given", ()),
        )
    except BayesmetaError as error:
        raise SpecError(f"{spec.path}: {error}") from None
