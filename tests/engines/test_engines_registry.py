"""The engine registry: a third engine is dispatched from its declarations, or refused; never NUTS.

A dummy engine (no numerics: it returns a marker result) is registered for the length of each
test, with a likelihood only it declares, so the dispatch of ``auto``, of an explicit name and
of the capability-bound helpers is checked without sampling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest

from bayesmeta import engines
from bayesmeta.data import cart_outcome
from bayesmeta.errors import InputError
from bayesmeta.model.engine_api import Capabilities, Engine, FitOptions
from bayesmeta.model.likelihoods import LIKELIHOODS, Likelihood, register_likelihood
from bayesmeta.model.spec import build_model


@dataclass(frozen=True)
class _OnlyDummy(Likelihood):
    name: ClassVar[str] = "dummy_only"
    structures: ClassVar[frozenset[str]] = frozenset({"random", "common"})


@dataclass(frozen=True)
class _Nobody(Likelihood):
    name: ClassVar[str] = "nobody_fits"
    structures: ClassVar[frozenset[str]] = frozenset({"random"})


class DummyEngine:
    """Fits random-intercept models of the binomial and the dummy likelihood; records calls."""

    name = "dummy"
    capabilities = Capabilities(
        likelihoods=frozenset({"binomial", "dummy_only"}),
        structures=frozenset({"random"}),
        thresholds=False,
    )

    def __init__(self) -> None:
        self.calls: list[tuple[str, FitOptions]] = []

    def supports(self, spec) -> bool:
        return self.capabilities.covers(spec)

    def fit(self, spec, options):
        self.calls.append((spec.kind, options))
        return ("dummy result", spec.likelihood.name)


@pytest.fixture
def dummy():
    engine = engines.register_engine(DummyEngine())
    added = [register_likelihood(lik) for lik in (_OnlyDummy(), _Nobody())]
    yield engine
    engines.unregister_engine("dummy")
    for lik in added:
        LIKELIHOODS.pop(lik.name)


@pytest.fixture(scope="module")
def data():
    return cart_outcome("crr")


def test_dummy_follows_the_protocol(dummy):
    assert isinstance(dummy, Engine)
    # built-ins first, an engine registered later after them (bayesmeta.joint registers its
    # own when imported, so the test does not fix the whole tuple)
    names = engines.engine_names()
    assert names[:2] == ("quadrature", "nuts") and names[-1] == "dummy"
    assert engines.get_engine("dummy") is dummy


def test_explicit_name_dispatches_to_it(dummy, data):
    spec = build_model(data)
    out = engines.fit(spec, engine="dummy", draws=7, hdi=True)
    assert out == ("dummy result", "binomial")
    kind, options = dummy.calls[-1]
    assert kind == "random" and options.hdi and options.nuts.draws == 7


def test_auto_prefers_the_exact_engine_for_what_it_fits(dummy, data):
    assert engines.resolve(build_model(data)) == "quadrature"


def test_auto_picks_the_only_engine_that_declares_the_likelihood(dummy, data):
    spec = build_model(data, likelihood="dummy_only")
    assert engines.supports(spec, "dummy") and not engines.supports(spec, "nuts")
    assert engines.resolve(spec) == "dummy"
    assert engines.fit(spec) == ("dummy result", "dummy_only")


def test_refused_not_handed_to_nuts(dummy, data):
    common = build_model(data, likelihood="dummy_only", kind="common")
    with pytest.raises(InputError, match="no engine can fit a 'common' model with the dummy_only"):
        engines.resolve(common)
    with pytest.raises(InputError, match="the nuts engine cannot fit"):
        engines.fit(common, engine="nuts")
    with pytest.raises(InputError, match="the dummy engine cannot fit a 'regression' model"):
        engines.resolve(build_model(data, formula="cancer_type"), "dummy")
    nobody = build_model(data, likelihood="nobody_fits")
    with pytest.raises(InputError, match="no engine can fit"):
        engines.fit(nobody)
    assert dummy.calls == []


def test_undeclared_capabilities_are_refused(dummy, data):
    spec = build_model(data, likelihood="dummy_only")
    with pytest.raises(InputError, match="dummy engine does not compute P"):
        engines.fit(spec, thresholds=[0.5])
    with pytest.raises(InputError, match="benchmark: .* the dummy engine does not"):
        engines.fit(spec, benchmark=0.3)
    for helper in (engines.exact_loo, engines.rate_cdfs, engines.log_evidence_with_error):
        with pytest.raises(InputError, match="no engine computes"):
            helper(spec)
    assert dummy.calls == []


def test_exact_and_sampling_engine_and_prior_predictive_ask_the_declarations(dummy, data):
    binomial, only = build_model(data), build_model(data, likelihood="dummy_only")
    assert engines.exact_engine(binomial) == "quadrature"
    assert engines.sampling_engine(binomial) == "nuts"  # preferred over the later dummy
    assert engines.sampling_engine(only) == "dummy"  # not exact, the only one that fits
    with pytest.raises(InputError, match="no exact engine can fit a 'random' model"):
        engines.exact_engine(only)
    # the dummy has no prior_predictive method: refused, not handed to NUTS
    with pytest.raises(InputError, match="no engine simulates the prior predictive of a 'random'"):
        engines.prior_predictive(only)
    assert dummy.calls == []


def test_names_are_checked(dummy):
    with pytest.raises(ValueError, match="already registered"):
        engines.register_engine(DummyEngine())
    with pytest.raises(ValueError, match="cannot be called 'auto'"):

        class Auto(DummyEngine):
            name = "auto"

        engines.register_engine(Auto())
    with pytest.raises(ValueError, match="built-in"):
        engines.unregister_engine("nuts")
