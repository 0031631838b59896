"""``bayesmeta compare``: LOO of each spec (fitted, or reloaded from a run folder) and the ranking."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bayesmeta.analysis.compare import Row, check_same_studies, compare_loo
from bayesmeta.analysis.draws import StudyDraws, from_idata
from bayesmeta.analysis.exact import nuts_exact, quadrature_exact
from bayesmeta.analysis.fitting import posterior_draws, to_model
from bayesmeta.analysis.loo import LooResult, integrated_loo
from bayesmeta.analysis.specfile import AnalysisSpec, quadrature_capable
from bayesmeta.bayes.spec import ModelSpec


@dataclass(frozen=True)
class Comparison:
    """Ranked rows and the per-model LOO details."""

    rows: list[Row]
    loos: list[LooResult]

    def to_list(self) -> list[dict]:
        """The ``--json`` output: one row per model, best first."""
        details = {loo.name: loo for loo in self.loos}
        out = []
        for row in self.rows:
            loo = details[row.name]
            out.append(
                row.to_dict()
                | {
                    "pareto_k_max_before_refit": loo.k_max_before_refit,
                    "n_k_above_0.7_before_refit": int((loo.pareto_k > 0.7).sum()),
                }
            )
        return out


def reload_draws(spec: AnalysisSpec, model: ModelSpec, out: str | Path) -> StudyDraws | None:
    """Draws saved by ``bayesmeta run`` for this very spec file, or None."""
    from bayesmeta.analysis.runner import spec_digest

    folder = Path(out) / spec.name
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if summary.get("spec_digest") != spec_digest(spec) or not (folder / "posterior.nc").is_file():
        return None
    import arviz as az

    idata = az.from_netcdf(folder / "posterior.nc")
    if (
        "eta" not in idata.posterior
        or tuple(idata.posterior["eta"].coords["study"].values) != model.data.studies
    ):
        return None
    return from_idata(model, idata)


def exact_refit(spec: AnalysisSpec, model: ModelSpec):
    """The exact leave-one-out function for a model (quadrature where possible, else NUTS)."""
    if quadrature_capable(spec.model):
        return quadrature_exact(model)
    s = spec.sampler
    return nuts_exact(
        model,
        draws=s["draws"],
        tune=s["tune"],
        chains=s["chains"],
        seed=s["seed"],
        sampler=s["sampler"],
    )


def loo_of(
    spec: AnalysisSpec,
    *,
    model: ModelSpec | None = None,
    draws: StudyDraws | None = None,
    out: str | Path | None = None,
) -> LooResult:
    """Integrated-likelihood PSIS-LOO of one spec, refitting exactly where Pareto k > 0.7."""
    model = model or to_model(spec)
    if draws is None and out is not None:
        draws = reload_draws(spec, model, out)
    if draws is None:
        draws = posterior_draws(spec, model)
    return integrated_loo(
        spec.name,
        draws.studies,
        draws.events,
        draws.total,
        draws.eta,
        draws.tau,
        exact=exact_refit(spec, model),
    )


def compare_specs(specs: Sequence[AnalysisSpec], *, out: str | Path | None = None) -> Comparison:
    """Rank specs by elpd_loo; they must use the same studies (else InputError)."""
    models = [to_model(spec) for spec in specs]
    check_same_studies(
        [(spec.name, model.data.studies) for spec, model in zip(specs, models, strict=True)]
    )
    loos = [loo_of(spec, model=model, out=out) for spec, model in zip(specs, models, strict=True)]
    return Comparison(rows=compare_loo(loos), loos=loos)
