"""The engine boundary: one capability rule (``supports``), ``auto`` resolution, ``fit`` dispatch.

One test per model kind and engine: the expected answers are written out here, so a change of
the rule (e.g. the exact engine learning meta-regression) must change this table on purpose.
"""

from __future__ import annotations

import pytest

from bayesmeta.data import cart_outcome
from bayesmeta.engines import CONCRETE, DEFAULT_ENGINE, ENGINES, fit, resolve, supports
from bayesmeta.errors import InputError
from bayesmeta.model.spec import KINDS, build_model

MODELS = {
    "random": {},
    "common": {"kind": "common"},
    "subgroup_separate_tau": {"by": "cancer_type", "separate_tau": True},
    "subgroup_common_tau": {"by": "cancer_type"},
    "regression": {"formula": "cancer_type"},
}
#: (model, engine) -> supported
SUPPORTED = {
    ("random", "quadrature"): True,
    ("common", "quadrature"): True,
    ("subgroup_separate_tau", "quadrature"): True,
    ("subgroup_common_tau", "quadrature"): True,
    ("regression", "quadrature"): True,
    **{(model, "nuts"): True for model in MODELS},
}
CASES = sorted(SUPPORTED)


@pytest.fixture(scope="module")
def specs():
    data = cart_outcome("death")
    return {name: build_model(data, **options) for name, options in MODELS.items()}


def test_every_kind_is_covered():
    assert {build_kind.split("_")[0] for build_kind in MODELS} == set(KINDS)
    assert ENGINES == ("auto", *CONCRETE) and DEFAULT_ENGINE == "auto"


@pytest.mark.parametrize(("model", "engine"), CASES, ids=[f"{m}-{e}" for m, e in CASES])
def test_supports(specs, model, engine):
    assert supports(specs[model], engine) is SUPPORTED[model, engine]


@pytest.mark.parametrize(("model", "engine"), CASES, ids=[f"{m}-{e}" for m, e in CASES])
def test_resolve(specs, model, engine):
    if SUPPORTED[model, engine]:
        assert resolve(specs[model], engine) == engine
    else:
        with pytest.raises(InputError, match=f"cannot fit a '{specs[model].kind}' model"):
            resolve(specs[model], engine)


@pytest.mark.parametrize("model", sorted(MODELS))
def test_auto_is_exact_wherever_supported(specs, model):
    expected = "quadrature" if SUPPORTED[model, "quadrature"] else "nuts"
    assert resolve(specs[model], "auto") == expected
    assert resolve(specs[model]) == expected


def test_unknown_engine(specs):
    with pytest.raises(InputError, match="unknown engine 'stan'"):
        resolve(specs["random"], "stan")
    with pytest.raises(InputError, match="unknown engine 'auto'"):
        supports(specs["random"], "auto")


@pytest.mark.parametrize("model", ["random", "common", "subgroup_common_tau"])
def test_fit_says_which_engine_ran(specs, model):
    assert fit(specs[model]).engine == "quadrature"


def test_fit_hands_nuts_models_to_nuts(specs, monkeypatch):
    import bayesmeta.nuts

    seen = {}

    def fake(spec, **options):
        seen.update(spec=spec, **options)
        return "nuts result"

    monkeypatch.setattr(bayesmeta.nuts, "fit_nuts", fake)
    assert fit(specs["regression"], engine="nuts", draws=7, seed=3) == "nuts result"
    assert seen["spec"] is specs["regression"] and seen["draws"] == 7 and seen["seed"] == 3


def test_fit_refuses_what_is_not_a_model():
    with pytest.raises(InputError, match="expects a ModelSpec"):
        fit("random")


def test_fit_keywords_become_the_nuts_options_with_defaults_for_the_rest(specs, monkeypatch):
    """``fit(..., draws=, seed=)`` hands the engine :class:`NutsOptions` of exactly those
    settings, every other one (None) at its default (``NutsOptions.given``)."""
    from bayesmeta.engines import get_engine
    from bayesmeta.model.options import NutsOptions

    seen = []
    engine = get_engine("nuts")
    monkeypatch.setattr(type(engine), "fit", lambda self, spec, options: seen.append(options))
    fit(specs["random"], engine="nuts", draws=7, seed=3, target_accept=None)
    assert seen[0].nuts == NutsOptions(draws=7, seed=3)
    assert seen[0].nuts.to_dict() == {**NutsOptions().to_dict(), "draws": 7, "seed": 3}


def test_fit_nuts_samples_with_the_nuts_options_and_records_the_sampler_that_ran(
    specs, monkeypatch
):
    """``fit_nuts`` samples with ``NutsOptions.given`` of its keywords (defaults for the rest)
    and records those settings with the resolved sampler first and the interval last."""
    import types

    from bayesmeta.model.options import NutsOptions, resolve_sampler
    from bayesmeta.nuts import draws, sample_fit, sampling, summarize

    seen = {}

    class Stop(Exception):
        pass

    def sample(spec, **settings):
        seen["sampled"] = settings
        return types.SimpleNamespace(seconds=1.0)

    def summarized(spec, idata, *, hdi, seed, settings):
        seen["recorded"] = settings
        raise Stop

    monkeypatch.setattr(sampling, "sample", sample)
    monkeypatch.setattr(draws, "to_inference_data", lambda spec, raw, attrs: None)
    monkeypatch.setattr(summarize, "summarize", summarized)
    with pytest.raises(Stop):
        sample_fit.fit_nuts(specs["random"], draws=7, seed=3, hdi=True)
    expected = NutsOptions(draws=7, seed=3).to_dict()
    assert seen["sampled"] == expected
    assert list(seen["recorded"].items()) == [
        ("sampler", resolve_sampler(expected["sampler"])),
        *[(key, value) for key, value in expected.items() if key != "sampler"],
        ("interval", "hdi"),
    ]
    with pytest.raises(InputError, match=r"target_accept must be in \[0.5, 1\), got 0.2"):
        sample_fit.fit_nuts(specs["random"], target_accept=0.2)
