"""Both Bayesian engines of the one-stage IPD model agree with brms (validation/ipd/brms.json).

brms 2.18 / Stan, same data, model and priors (validation/ipd/fit_brms.R: 4 chains x 5000 draws).
The issue's criterion: every compared quantile (median, 2.5%, 97.5% of each coefficient, tau and
each within-minus-across difference) within 3 combined Monte Carlo SEs: for the exact engine,
which has no Monte Carlo error, 3 brms MCSEs; for NUTS, ``3 sqrt(mcse_ours^2 + mcse_brms^2)``
with both MCSEs of the quantile (Vehtari et al. 2021; arviz here, posterior::mcse_quantile in R).
The exact engine is compared for IPD alone and IPD + aggregate; NUTS runs here on IPD +
aggregate (2 chains x 800 draws, to keep the suite short); both cases at full settings are in
``validation/ipd/engines.json`` (``validation/ipd/check_engines.py``).
"""

import json

import numpy as np
import pytest

from bayesmeta.ipd.bayes import fit_ipd
from bayesmeta.ipd.within_across import ipd_design
from tests.ipd.conftest import VALIDATION

REFERENCE = json.loads((VALIDATION / "brms.json").read_text())
Z = 3.0
KEYS = (("median", 0.5), ("lo", 0.025), ("hi", 0.975))


def _design(case, patients, aggregate):
    data = patients if case == "ipd" else patients.with_aggregate(aggregate)
    return ipd_design(data, "x + z")


def _brms(reference, name):
    if name == "tau":
        return reference["tau"]
    if name.endswith(":difference"):
        return reference["differences"][name.split(":")[0]]
    return reference["coefficients"][name]


@pytest.mark.r_reference
@pytest.mark.parametrize("case", ["ipd", "ipd_ad"])
def test_exact_engine_agrees_with_brms(case, validation_patients, validation_aggregate):
    ref = REFERENCE[case]
    assert ref["diagnostics"]["divergences"] == 0 and ref["diagnostics"]["rhat_max"] < 1.01
    result = fit_ipd(_design(case, validation_patients, validation_aggregate), engine="quadrature")
    ours = {name: iv.to_dict() for name, iv in result.coefficients.items()}
    ours["tau"] = result.tau.to_dict()
    ours.update({f"{m}:difference": d for m, d in result.differences.items()})
    assert len(ours) == 8
    for name, values in ours.items():
        theirs = _brms(ref, name)
        for key, _ in KEYS:
            gap = abs(values[key] - theirs[key])
            assert gap <= Z * theirs[f"mcse_{key}"], (name, key, values[key], theirs[key])
    for m, d in result.differences.items():  # P(bW - bA < 0) as a proportion of 20000 draws
        p = ref["differences"][m]["prob_negative"]
        assert abs(d["prob_negative"] - p) <= Z * np.sqrt(max(p * (1 - p), 1e-4) / 1000)


@pytest.mark.sampling
@pytest.mark.r_reference
def test_nuts_agrees_with_brms_ipd_and_aggregate(validation_patients, validation_aggregate):
    import arviz as az

    from validation.ipd.check_engines import nuts_draws

    design = _design("ipd_ad", validation_patients, validation_aggregate)
    draws, diagnostics = nuts_draws(design, draws=800, tune=500, chains=2, seed=7)
    assert diagnostics.divergences == 0 and diagnostics.rhat_max < 1.01
    assert diagnostics.engine_note.startswith("NUTS (nutpie)")  # the default sampler
    assert diagnostics.ess_per_second is not None and diagnostics.ess_per_second > 0
    # same sampler and seed: identical draws, from the compiled model kept in the process
    from bayesmeta.nuts import ipd as nuts_ipd

    compiled = len(nuts_ipd._COMPILED)
    again, _ = nuts_draws(design, draws=800, tune=500, chains=2, seed=7)
    assert len(nuts_ipd._COMPILED) == compiled
    for name, values in draws.items():
        np.testing.assert_array_equal(values, again[name])
    ref = REFERENCE["ipd_ad"]
    for name, values in draws.items():
        theirs = _brms(ref, name)
        for key, prob in KEYS:
            ours = float(np.quantile(values, prob))
            mcse = float(az.mcse(values, method="quantile", prob=prob))
            tolerance = Z * np.hypot(mcse, theirs[f"mcse_{key}"])
            assert abs(ours - theirs[key]) <= tolerance, (name, key, ours, theirs[key])
