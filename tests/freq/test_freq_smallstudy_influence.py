"""Egger/Peters tests, leave-one-out and influence diagnostics against metafor."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayesmeta.data import cart_outcome, from_frame
from bayesmeta.errors import InputError
from bayesmeta.freq import egger, influence, leave_one_out, peters

INFLUENCE_FIELDS = ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "qe_del", "hat", "weight")


def _data(entry):
    frame = pd.DataFrame(
        {"study": [str(s) for s in entry["study"]], "x": entry["events"], "n": entry["total"]}
    )
    return from_frame(frame, events="x", total="n")


def check_small_study(entry, ref, tol):
    data = _data(entry)
    for key, result in (
        ("egger_rma", egger(data)),
        ("egger_lm", egger(data, model="lm")),
        ("peters_lm", peters(data)),
    ):
        expected = ref[key]
        assert tol.close(result.statistic, expected["zval"], rtol=tol.RTOL_EXACT), key
        assert tol.close(result.p_value, expected["pval"], rtol=tol.RTOL_EXACT), key
        assert tol.close(result.limit_estimate, expected["est"], rtol=tol.RTOL_EXACT), key
        assert tol.close(result.slope, expected["b_slope"], rtol=tol.RTOL_EXACT), key
        assert tol.close(result.slope_se, expected["se_slope"], rtol=tol.RTOL_EXACT), key
        assert result.df == expected["dfs"]
    loo = leave_one_out(data)
    assert list(loo) == list(data.studies)
    for field, attribute in (
        ("estimate", "mu"),
        ("se", "se"),
        ("tau2", "tau2"),
        ("i2", "i2"),
        ("q", "q"),
    ):
        values = [getattr(fit, attribute) for fit in loo.values()]
        assert tol.close(values, ref["leave1out"][field], rtol=tol.RTOL_EXACT), field
    diagnostics = influence(data).to_dict()
    for field in INFLUENCE_FIELDS:
        assert tol.close(diagnostics[field], ref["influence"][field], rtol=tol.RTOL_EXACT), field


@pytest.mark.r_reference
def test_small_study_and_influence_equal_metafor(smallstudy_case, tol):
    _name, entry, _key, ref = smallstudy_case
    check_small_study(entry, ref, tol)


def test_leave_one_out_records_the_omitted_study():
    data = cart_outcome("death")
    loo = leave_one_out(data)
    first = data.studies[0]
    reasons = {e.study: e.reason for e in loo[first].excluded}
    assert reasons[first] == "left out"
    assert len(loo[first].excluded) == len(data.excluded) + 1
    assert loo[first].k == data.k - 1


def test_egger_rejects_unknown_model_and_too_few_studies():
    data = cart_outcome("orr")
    with pytest.raises(InputError):
        egger(data, model="glm")
    small = data.where(np.arange(data.k) < 2)
    with pytest.raises(InputError):
        peters(small)


def test_influence_refuses_glmm():
    with pytest.raises(InputError):
        influence(cart_outcome("orr"), method="GLMM")
