"""Cumulative REML where metafor's Fisher scoring does not converge (issue 24, defect 20).

References: ``validation/metafor/cumul_reml.R`` (pinned ``cumul_reml.json``): metafor's
``cumul`` rows (NA at step 6, where plain Fisher scoring oscillates) and the step-halving fit
(``control = list(stepadj = 0.5)``) of the first six studies. Tolerance ``RTOL_EXACT``
(both sides solved to 1e-12, see conftest).
"""

from __future__ import annotations

import importlib
import json

import numpy as np
import pandas as pd
import pytest

from bayesmeta.cli import main
from bayesmeta.data.reader import from_frame
from bayesmeta.errors import InputError
from bayesmeta.freq.cumulative import cumulative

from .conftest import RTOL_EXACT, load_reference

REF = load_reference("cumul_reml.json")
#: the module (``bayesmeta.freq.cumulative`` the attribute is the function)
cumulative_module = importlib.import_module("bayesmeta.freq.cumulative")


def _data():
    frame = pd.DataFrame(REF["data"]).rename(columns={"xi": "events", "ni": "total"})
    return frame, from_frame(frame, events="events", total="total")


def test_step_halving_finds_the_reml_maximum_where_fisher_scoring_oscillates():
    assert "did not converge" in REF["plain_fisher_scoring_error"]
    _, data = _data()
    rows = cumulative(data, order_by="year", method="REML").rows
    want = REF["step_halving_first6"]
    row = rows[REF["na_row"] - 1]
    assert row.note is None
    assert row.tau2 == pytest.approx(want["tau2"], rel=RTOL_EXACT)
    assert row.mu == pytest.approx(want["mu"], rel=RTOL_EXACT)
    assert row.se == pytest.approx(want["se"], rel=RTOL_EXACT)
    assert row.ci_mu == pytest.approx(want["ci_mu"], rel=RTOL_EXACT)
    for got, ref in zip(rows, REF["cumul"], strict=True):
        if ref["tau2"] is None:
            continue
        assert got.study == ref["study"]
        for key in ("mu", "se", "tau2", "q"):
            assert getattr(got, key) == pytest.approx(ref[key], rel=RTOL_EXACT, abs=1e-9), key
        assert got.ci_mu == pytest.approx(ref["ci_mu"], rel=RTOL_EXACT)


def test_a_step_that_fails_is_an_na_row_and_the_others_carry_on(monkeypatch, capsys, tmp_path):
    """As metafor's cumul: a failing fit gives one NA row with its reason, exit 0."""
    original = cumulative_module.rma_arrays

    def failing_at_four(events, total, **options):
        if len(events) == 4:
            raise InputError("ML/REML estimation of tau^2 did not converge")
        return original(events, total, **options)

    monkeypatch.setattr(cumulative_module, "rma_arrays", failing_at_four)
    frame, data = _data()
    rows = cumulative(data, order_by="year", method="REML").rows
    assert len(rows) == 9 and np.isnan(rows[3].tau2) and "converge" in rows[3].note
    assert all(np.isfinite(r.tau2) for i, r in enumerate(rows) if i != 3)
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    argv = ["cumulative", str(path), "--events", "events", "--total", "total", "--method", "REML"]
    assert main(argv + ["--json"]) == 0
    out = json.loads(capsys.readouterr().out)["frequentist"]["rows"]
    assert out[3]["tau2"] is None and out[3]["estimate"] is None and "converge" in out[3]["note"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "NA (ML/REML estimation of tau^2 did not converge" in text
