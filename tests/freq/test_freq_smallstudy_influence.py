"""Egger/Peters tests, leave-one-out and influence diagnostics against metafor."""

from __future__ import annotations

import numpy as np
import pytest

from bayesmeta.data import cart_outcome
from bayesmeta.errors import InputError
from bayesmeta.freq import egger, influence, leave_one_out, peters


@pytest.mark.r_reference
def test_small_study_and_influence_equal_metafor(smallstudy_case, checks):
    _name, entry, _key, ref = smallstudy_case
    checks.small_study(entry, ref)


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
