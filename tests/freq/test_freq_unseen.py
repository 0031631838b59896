"""Final comparison on public data sets kept out of development.

``validation/metafor/reference_unseen.json`` holds metafor's values for four single-arm
proportion series from metadat -- dat.hasselblad1998 (no-contact and individual-counselling
arms, smoking cessation, up to 1,561 patients per study) and dat.pagliaro1992 (control and
sclerotherapy arms, bleeding in cirrhosis). They were generated with the development sets
but not looked at, nor used in any test, until the code was finished; every ``--json``
field is checked here with the same tolerances as the development sets.
"""

from __future__ import annotations

import numpy as np
import pytest

from bayesmeta.freq.effects import effect_sizes
from bayesmeta.freq.rma import rma_arrays


@pytest.mark.r_reference
def test_unseen_rma_equals_metafor(unseen_rma_case, checks):
    _name, entry, _key, ref = unseen_rma_case
    ci = "hk" if ref["ci_method"] == "knha" else "z"
    result = rma_arrays(
        np.array(entry["events"]), np.array(entry["total"]), method=ref["method"], ci=ci
    )
    checks.rma(result, ref)


@pytest.mark.r_reference
def test_unseen_measures_equal_metafor(unseen_measures_case, tol, checks):
    _name, entry, _key, ref = unseen_measures_case
    yi, _ = effect_sizes(entry["events"], entry["total"], measure=ref["measure"])
    assert tol.close(yi, ref["yi"], rtol=tol.RTOL_EXACT, atol=1e-12)
    result = rma_arrays(
        np.array(entry["events"]),
        np.array(entry["total"]),
        method=ref["method"],
        measure=ref["measure"],
    )
    checks.rma(result, ref)


@pytest.mark.r_reference
def test_unseen_glmm_equals_rma_glmm(unseen_glmm_case, checks):
    _name, entry, _key, ref = unseen_glmm_case
    checks.glmm(entry, ref)


@pytest.mark.r_reference
def test_unseen_small_study_and_influence_equal_metafor(unseen_smallstudy_case, checks):
    _name, entry, _key, ref = unseen_smallstudy_case
    checks.small_study(entry, ref)
