"""Restrict models to the studies they all use, so their elpd can be compared.

elpd_loo is a sum over studies: two models are only comparable on the same studies. When the
compared specs use different studies (e.g. the costimulatory domain is known for few studies,
so a model by domain excludes the others), ``bayesmeta compare --common-studies`` refits every
model on the intersection. The studies a model loses that way are recorded in its
``data.excluded`` with the reason :data:`REASON` (and the models that do not use them), like any
other exclusion, so reports and JSON list them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bayesmeta.analysis.fitting import to_model
from bayesmeta.analysis.specfile import AnalysisSpec
from bayesmeta.errors import InputError, SpecError
from bayesmeta.model.spec import ModelSpec
from bayesmeta.plural import plural

#: Exclusion reason of a study left out because another compared model does not use it.
REASON = "not used by every compared model"


@dataclass(frozen=True)
class CommonModels:
    """The models restricted to their common studies.

    Attributes
    ----------
    models : list of ModelSpec
        One per spec, in the same order; a model that already used exactly the common studies
        is the very same object (so saved or in-memory draws of it stay valid).
    studies : tuple of str
        The common studies, in the order of the first model.
    left_out : dict
        Model name -> the studies it used that are left out (empty tuple when none).
    """

    models: list[ModelSpec]
    studies: tuple[str, ...]
    left_out: dict[str, tuple[str, ...]] = field(default_factory=dict)


def shared_studies(studies: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """The studies in every sequence, in the order of the first.

    Parameters
    ----------
    studies : Sequence[Sequence[str]]
        Study labels, in the order of the data.

    Returns
    -------
    tuple[str, ...]
    """
    rest = [set(s) for s in studies[1:]]
    return tuple(s for s in studies[0] if all(s in other for other in rest))


def restrict_to_common(specs: Sequence[AnalysisSpec], models: Sequence[ModelSpec]) -> CommonModels:
    """Rebuild every model on the studies all ``models`` use, recording why the others left.

    Parameters
    ----------
    specs, models : sequence
        The specs and their models (same order, as :func:`~bayesmeta.analysis.fitting.to_model`
        builds them).

    Returns
    -------
    CommonModels

    Raises
    ------
    InputError
        Fewer than two common studies, or a model that cannot be built on them (e.g. a
        regression coefficient without any study left); the message names the spec.
    """
    names = [spec.name for spec in specs]
    common = shared_studies([model.data.studies for model in models])
    if len(common) < 2:
        raise InputError(
            f"the compared models ({', '.join(names)}) share {plural(len(common), 'study')} "
            f"({', '.join(common) or 'none'}); a comparison needs at least two"
        )
    keep = set(common)
    restricted, left_out = [], {}
    for spec, model in zip(specs, models, strict=True):
        dropped = tuple(s for s in model.data.studies if s not in keep)
        left_out[spec.name] = dropped
        if not dropped:
            restricted.append(model)
            continue
        data = model.data
        for study in dropped:
            lacking = [
                name
                for name, other in zip(names, models, strict=True)
                if study not in other.data.studies
            ]
            data = data.without(study, reason=f"{REASON} (not in {', '.join(lacking)})")
        try:
            restricted.append(to_model(spec, data=data))
        except SpecError as error:
            raise InputError(
                f"{error} (on the {plural(len(common), 'study')} common to the compared models)"
            ) from None
    return CommonModels(models=restricted, studies=common, left_out=left_out)
