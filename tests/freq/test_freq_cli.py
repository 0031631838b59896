"""`bayesmeta freq`: JSON fields, readable table, one-line errors with exit status 2."""

from __future__ import annotations

import json

import pytest

from bayesmeta.cli import main

BASE = ["freq", "cart_wu2025", "--events", "dead_events", "--total", "dead_total"]
FIELDS = {"method", "k", "mu", "se", "tau2", "i2", "q", "estimate", "ci", "pi", "excluded"}


def _json(capsys, argv):
    assert main(argv + ["--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_the_issue_fields_and_equals_metafor(capsys, dev_reference, tol):
    out = _json(capsys, BASE + ["--method", "REML", "--ci", "hk"])
    assert FIELDS <= out.keys()
    ref = dev_reference["cart_death"]["rma"]["REML_hk"]
    for field in ("mu", "se", "tau2", "i2", "q", "estimate", "ci", "pi"):
        assert tol.close(out[field], ref[field], rtol=tol.RTOL_EXACT), field
    assert out["method"] == "REML" and out["k"] == 27
    assert len(out["excluded"]) == 5 and {"study", "reason"} <= out["excluded"][0].keys()


def test_json_glmm_q_is_wald_type(capsys, dev_reference, tol):
    out = _json(capsys, BASE + ["--method", "GLMM"])
    ref = dev_reference["cart_death"]["glmm"]
    assert tol.close(out["q"], ref["q"], rtol=tol.RTOL_EXACT)
    assert tol.close(out["tau2"], ref["tau2"], rtol=tol.RTOL_GLMM)


def test_json_common_effect_pi_is_null(capsys):
    assert _json(capsys, BASE + ["--method", "EE"])["pi"] is None


def test_json_subgroups(capsys, dev_reference, tol):
    out = _json(capsys, BASE + ["--by", "cancer_type"])
    ref = dev_reference["cart_death"]["subgroup"]["cancer_type_DL"]
    assert set(out["groups"]) == set(ref["groups"])
    assert FIELDS <= out["groups"]["myeloma"].keys()
    assert tol.close(out["q_between"], ref["q_between"], rtol=tol.RTOL_EXACT)
    assert out["df_between"] == 3
    assert tol.close(out["p_between"], ref["p_between"], rtol=tol.RTOL_EXACT)


def test_json_metaregression_defaults_to_reml(capsys, dev_reference, tol):
    out = _json(capsys, BASE + ["--mods", "cancer_type + age_median"])
    ref = dev_reference["cart_death"]["metareg"]["REML"]
    assert out["method"] == "REML"
    for term, expected in ref["coefficients"].items():
        assert set(out["coefficients"][term]) == {"estimate", "se", "ci"}
        assert tol.close(
            out["coefficients"][term]["estimate"], expected["estimate"], rtol=tol.RTOL_EXACT
        )
    assert tol.close(out["qm"], ref["qm"], rtol=tol.RTOL_EXACT)
    assert tol.close(out["tau2"], ref["tau2"], rtol=tol.RTOL_EXACT)


def test_table_is_readable(capsys):
    assert main(BASE + ["--method", "GLMM"]) == 0
    text = capsys.readouterr().out
    assert "0.1929" in text and "I^2" in text and "Excluded:" in text


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--by", "nope"], "nope"),
        (["--mods", "age_median +"], "formula"),
        (["--level", "1.5"], "level"),
    ],
)
def test_input_errors_exit_2_with_one_line(capsys, extra, fragment):
    assert main(BASE + extra) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err


def test_unknown_method_is_a_usage_error(capsys):
    assert main(BASE + ["--method", "XYZ"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
