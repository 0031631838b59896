"""Spec files of ``kind = "ipd"``: a one-stage IPD analysis written down, run by ``bayesmeta run``.

    name = "lalu_bridging"
    [data]
    dataset = "ipd_lalu2025_simulated"   # or csv = "patients.csv" (relative to the spec file)
    trial = "trial"
    outcome = "cr"                       # 0/1 per patient; or events + total (grouped rows)
    aggregate = "ad.csv"                 # optional, with aggregate_events / aggregate_total
    [model]
    kind = "ipd"
    modifiers = "bridging + age"
    method = "bayes"                     # or "GLMM"
    random_slope = "bridging"            # optional (NUTS)
    reference = { source = "autologous" }
    [priors]                             # intercept, beta, tau
    [sampler]                            # engine, draws, tune, chains, seed

Errors are one line naming the file and the key (:class:`~bayesmeta.errors.SpecError`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bayesmeta.errors import InputError, SpecError

KIND = "ipd"
#: section -> key -> (python type(s), required)
SCHEMA: dict[str, dict[str, tuple[type | tuple[type, ...], bool]]] = {
    "": {
        "name": (str, False),
        "title": (str, False),
        "description": (str, False),
        "data": (dict, True),
        "model": (dict, True),
        "priors": (dict, False),
        "sampler": (dict, False),
    },
    "data": {
        "dataset": (str, False),
        "csv": (str, False),
        "trial": (str, False),
        "outcome": (str, False),
        "events": (str, False),
        "total": (str, False),
        "aggregate": (str, False),
        "aggregate_events": (str, False),
        "aggregate_total": (str, False),
    },
    "model": {
        "kind": (str, True),
        "modifiers": (str, True),
        "method": (str, False),
        "random_slope": (str, False),
        "reference": (dict, False),
    },
    "priors": {"intercept": (str, False), "beta": (str, False), "tau": (str, False)},
    "sampler": {
        "engine": (str, False),
        "draws": (int, False),
        "tune": (int, False),
        "chains": (int, False),
        "seed": (int, False),
    },
}


@dataclass(frozen=True)
class IpdSpec:
    """A validated IPD spec file.

    Attributes
    ----------
    path : Path
    name : str
    title : str
    data : dict
    model : dict
    priors : dict
    sampler : dict
    """

    path: Path
    name: str
    title: str
    data: dict[str, Any]
    model: dict[str, Any]
    priors: dict[str, Any] = field(default_factory=dict)
    sampler: dict[str, Any] = field(default_factory=dict)


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{path}: invalid TOML ({error})") from None
    except (UnicodeDecodeError, OSError):
        raise SpecError(f"{path}: not a readable UTF-8 text file") from None


def is_ipd_spec(path: str | Path) -> bool:
    """Whether a spec file declares ``kind = "ipd"`` (unreadable files are not).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    bool
    """
    try:
        document = _read(Path(path))
    except SpecError:
        return False
    model = document.get("model")
    return isinstance(model, dict) and model.get("kind") == KIND


def _check(path: Path, section: str, table: dict[str, Any]) -> None:
    schema = SCHEMA[section]
    where = (lambda k: f"[{section}] {k}") if section else (lambda k: k)
    for key, value in table.items():
        if key not in schema:
            raise SpecError(f"{path}: {where(key)}: unknown key (known: {', '.join(schema)})")
        expected, _ = schema[key]
        if not isinstance(value, expected) or isinstance(value, bool):
            raise SpecError(f"{path}: {where(key)}: expected a {expected.__name__}, got {value!r}")
    for key, (_, required) in schema.items():
        if required and key not in table:
            raise SpecError(f"{path}: {where(key)}: missing required key")


def load_ipd_spec(path: str | Path) -> IpdSpec:
    """Read and validate an IPD spec file.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    IpdSpec
    """
    from bayesmeta.ipd import ENGINES, METHODS

    path = Path(path)
    document = _read(path)
    _check(path, "", document)
    for section in ("data", "model", "priors", "sampler"):
        _check(path, section, document.get(section, {}))
    data, model = document["data"], document["model"]
    if model["kind"] != KIND:
        raise SpecError(f"{path}: [model] kind: expected 'ipd', got '{model['kind']}'")
    if ("dataset" in data) == ("csv" in data):
        raise SpecError(f"{path}: [data] dataset: give either 'dataset' or 'csv'")
    grouped = "outcome" not in data
    if grouped and not ("events" in data and "total" in data):
        raise SpecError(f"{path}: [data] outcome: give 'outcome' or both 'events' and 'total'")
    if "aggregate" in data and not ("aggregate_events" in data and "aggregate_total" in data):
        raise SpecError(f"{path}: [data] aggregate: needs aggregate_events and aggregate_total")
    if model.get("method", "bayes") not in METHODS:
        raise SpecError(f"{path}: [model] method: choose from {', '.join(METHODS)}")
    sampler = document.get("sampler", {})
    if sampler.get("engine", "auto") not in ENGINES:
        raise SpecError(f"{path}: [sampler] engine: choose from {', '.join(ENGINES)}")
    priors = document.get("priors", {})
    try:
        from bayesmeta.ipd.bayes import IpdPriors

        IpdPriors.from_strings(**priors)
    except InputError as error:
        raise SpecError(f"{path}: [priors]: {error}") from None
    return IpdSpec(
        path=path,
        name=document.get("name", path.stem),
        title=document.get("title", ""),
        data=data,
        model=model,
        priors=priors,
        sampler=sampler,
    )


def run_ipd_spec(spec: IpdSpec, out: str | Path):
    """Run an IPD spec and write its folder ``out/<name>`` (whole or not at all).

    Parameters
    ----------
    spec : IpdSpec
    out : str or Path

    Returns
    -------
    IpdAnalysis
    """
    from bayesmeta.data import read_table
    from bayesmeta.data.patients import aggregate_from_frame, load_ipd_dataset, patients_from_frame
    from bayesmeta.ipd.analysis import run_ipd
    from bayesmeta.ipd.bayes import IpdPriors
    from bayesmeta.ipd.report import write_ipd_outputs
    from bayesmeta.ipd.simulated import LABEL

    d, m, s = spec.data, spec.model, spec.sampler
    note = ""
    if "dataset" in d:
        frame = load_ipd_dataset(d["dataset"])
        note = LABEL
    else:
        frame = read_table(spec.path.parent / d["csv"])
    trial = d.get("trial", "trial")
    data = patients_from_frame(
        frame, trial=trial, outcome=d.get("outcome"), events=d.get("events"), total=d.get("total")
    )
    if "aggregate" in d:
        ad = aggregate_from_frame(
            read_table(spec.path.parent / d["aggregate"]),
            trial=trial,
            events=d["aggregate_events"],
            total=d["aggregate_total"],
        )
        data = data.with_aggregate(ad)
    analysis = run_ipd(
        data,
        modifiers=m["modifiers"],
        method=m.get("method", "bayes"),
        reference=m.get("reference"),
        engine=s.get("engine", "auto"),
        priors=IpdPriors.from_strings(**spec.priors),
        random_slope=m.get("random_slope"),
        nuts={name: s.get(name) for name in ("draws", "tune", "chains", "seed")},  # None: default
        data_note=note,
    )
    write_ipd_outputs(analysis, Path(out) / spec.name)
    return analysis
