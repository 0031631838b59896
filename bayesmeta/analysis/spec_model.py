"""The validated spec of one analysis (:class:`AnalysisSpec`); see :mod:`bayesmeta.analysis.specfile`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bayesmeta.analysis.schema import (
    DEFAULT_BASELINES,
    DEFAULT_SAMPLER,
)


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
        The validated ``[multiverse]`` table (see :mod:`bayesmeta.analysis.multiverse_choices`); a spec
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
        from bayesmeta.formula import parse_formula

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
