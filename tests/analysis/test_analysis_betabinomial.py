"""The beta-binomial likelihood in spec files, ``compare`` and ``average``.

* ``[model] likelihood`` and ``[priors] phi``: a bad value is one line naming the file and key.
* ``compare`` ranks ``models/crr_pooled.toml`` (binomial-normal) against
  ``models/crr_betabinomial.toml`` on the same 27 studies: the beta-binomial elpd is the PSIS-LOO of
  its own (closed-form) study likelihood, so it must equal the exact LOO (1 / E[1 / L_i], itself
  tested against refits in ``tests/quad/test_quad_betabinomial.py``) within PSIS's Monte Carlo
  error; had the logit-normal integral been applied to (eta, phi) draws it would be tens of
  log units off.
* ``average``: posterior model probabilities from the two exact log evidences (the
  beta-binomial's pinned against brute-force integration), as computed by hand.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bayesmeta import engines
from bayesmeta.analysis.averaging import average_specs
from bayesmeta.analysis.comparison import compare_specs
from bayesmeta.analysis.fitting import to_model
from bayesmeta.analysis.specfile import load_spec
from bayesmeta.errors import SpecError

MODELS = Path(__file__).resolve().parents[2] / "models"
PAIR = [MODELS / "crr_pooled.toml", MODELS / "crr_betabinomial.toml"]
SPEC = """
[data]
dataset = "cart_wu2025"
outcome = "crr"
events = "crr_events"
total = "crr_total"
[model]
kind = "random"
likelihood = "betabinomial"
[priors]
phi = "gamma(1, 0.1)"
"""


def test_spec_builds_the_betabinomial_model_with_its_phi_prior(tmp_path):
    path = tmp_path / "bb.toml"
    path.write_text(SPEC, encoding="utf-8")
    model = to_model(load_spec(path))
    assert model.likelihood.name == "betabinomial"
    assert str(model.likelihood.phi_prior) == "gamma(1, 0.1)"


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ('likelihood = "betabinomial"', 'likelihood = "poisson"', "[model] likelihood", "unknown"),
        ('likelihood = "betabinomial"\n', "", "[priors] phi", "no parameter 'phi'"),
        ('phi = "gamma(1, 0.1)"', 'phi = "normal(0, 1)"', "[priors] phi", "not a scale prior"),
        ('phi = "gamma(1, 0.1)"', 'tau = "halfnormal(1)"', "[priors] tau", "has no tau"),
        ('kind = "random"', 'kind = "common"', "", "betabinomial likelihood"),
    ],
)
def test_spec_errors_name_file_and_key(tmp_path, old, new, key, words):
    path = tmp_path / "bb.toml"
    path.write_text(SPEC.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        to_model(load_spec(path))
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}: {key}"), message
    assert words in message, message


def test_compare_ranks_binomial_normal_against_betabinomial():
    specs = [load_spec(p) for p in PAIR]
    for spec in specs:  # 2 x 1000 resampled draws: PSIS error ~0.03 on the elpd of 27 studies
        spec.sampler["draws"] = 1000
    table = compare_specs(specs)
    loos = {loo.name: loo for loo in table.loos}
    assert set(loos) == {"crr_pooled", "crr_betabinomial"}
    exact = engines.exact_loo(to_model(load_spec(PAIR[1])))
    bb = loos["crr_betabinomial"]
    assert bb.elpd == pytest.approx(float(np.sum(exact)), abs=0.1)
    assert max(bb.pareto_k) < 0.7


def test_average_weighs_the_two_likelihoods_by_their_evidence():
    result = average_specs(PAIR)
    found = {m.name: m for m in result.models}
    log_z = {
        name: engines.log_evidence(to_model(load_spec(p)))
        for name, p in zip(("crr_pooled", "crr_betabinomial"), PAIR, strict=True)
    }
    gap = log_z["crr_betabinomial"] - log_z["crr_pooled"]
    expected = 1.0 / (1.0 + np.exp(-gap))
    assert found["crr_betabinomial"].posterior_prob == pytest.approx(expected, rel=1e-9)
    assert found["crr_betabinomial"].log_evidence == pytest.approx(-94.5006, abs=0.01)
