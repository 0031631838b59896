"""`bayesmeta freq --bias` / `--pi` and `bayesmeta cumulative`: each new flag changes the
output as documented (values against metafor's pinned references) or errors in one line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bayesmeta.cli import main
from bayesmeta.data import load_dataset

from .conftest import RTOL_EXACT, close, load_reference

REF = load_reference("bias_influence.json")["datasets"]
BASE = ["freq", "cart_wu2025", "--events", "dead_events", "--total", "dead_total"]
CUMUL = ["cumulative", "cart_wu2025", "--events", "orr_events", "--total", "orr_total"]


def _json(capsys, argv):
    assert main(argv + ["--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_bias_adds_the_issue_keys_equal_to_metafor(capsys):
    plain = _json(capsys, BASE)
    out = _json(capsys, BASE + ["--bias"])
    assert not {"egger", "peters", "begg", "trimfill"} & plain.keys()
    ref = REF["cart_death"]["DL"]
    assert close(out["egger"]["z"], ref["egger"]["z"], rtol=RTOL_EXACT)
    assert close(out["egger"]["p"], ref["egger"]["p"], rtol=RTOL_EXACT)
    assert close(out["peters"]["t"], ref["peters"]["t"], rtol=RTOL_EXACT)
    assert close(out["begg"]["tau"], ref["ranktest"]["tau"], rtol=RTOL_EXACT)
    assert close(out["begg"]["p"], ref["ranktest"]["p"], rtol=RTOL_EXACT)
    tf, rtf = out["trimfill"], ref["trimfill_L0"]
    assert {"k0", "side", "estimate", "ci", "tau2", "mu"} <= tf.keys()
    assert tf["k0"] == rtf["k0"] == 4 and tf["side"] == rtf["side"] == "right"
    for key in ("estimate", "ci", "tau2", "mu"):
        assert close(tf[key], rtf[key], rtol=RTOL_EXACT), key


def test_bias_text_block(capsys):
    assert main(BASE + ["--bias"]) == 0
    text = capsys.readouterr().out
    assert "Small-study effects:" in text and "4 studies filled on the right" in text


def test_bias_with_glmm_uses_dl_for_the_tests(capsys):
    out = _json(capsys, BASE + ["--method", "GLMM", "--bias"])
    assert out["egger"]["method"] == "DL" and out["trimfill"]["method"] == "DL"


def test_pi_t_widens_the_interval_as_metafor_pi_type_t(capsys):
    z = _json(capsys, BASE + ["--method", "REML"])
    t = _json(capsys, BASE + ["--method", "REML", "--pi", "t"])
    hts = _json(capsys, BASE + ["--method", "REML", "--pi", "hts"])
    ref = REF["cart_death"]["REML"]["pi"]
    assert close(t["pi_mu"], ref["t"], rtol=RTOL_EXACT)
    assert close(hts["pi_mu"], ref["hts"], rtol=RTOL_EXACT)
    assert t["pi_df"] == 26 and hts["pi_df"] == 25
    assert t["pi"][0] < z["pi"][0] and t["pi"][1] > z["pi"][1]
    assert main(BASE + ["--pi", "t"]) == 0
    assert "(t, 26 df)" in capsys.readouterr().out


def test_bias_and_pi_refuse_subgroups_in_one_line(capsys):
    assert main(BASE + ["--by", "country", "--bias"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--bias" in err
    assert main(BASE + ["--mods", "age_median", "--pi", "t"]) == 2
    assert "--pi" in capsys.readouterr().err


def test_cumulative_json_rows(capsys, tmp_path):
    plot = tmp_path / "cumulative.png"
    out = _json(capsys, CUMUL + ["--plot", str(plot)])
    freq, bayes = out["frequentist"]["rows"], out["bayesian"]["rows"]
    assert {"study", "k", "estimate", "ci", "tau2"} <= freq[0].keys()
    assert {"study", "k", "pooled_median", "lo", "hi"} <= bayes[0].keys()
    assert [r["k"] for r in freq] == list(range(1, 25)) == [r["k"] for r in bayes]
    assert out["frequentist"]["order_by"] == "year"
    ref = REF["cart_orr"]["DL"]["cumul"]
    assert [r["study"] for r in freq] == ref["study"]
    assert close([r["tau2"] for r in freq], ref["tau2"], rtol=RTOL_EXACT)
    full = _json(capsys, ["freq", "cart_wu2025", "--events", "orr_events", "--total", "orr_total"])
    assert close(freq[-1]["estimate"], full["estimate"], rtol=1e-12)
    assert plot.stat().st_size > 0


@pytest.fixture
def small(tmp_path):
    """Seven studies as a CSV (the Bayesian rows refit once per study: keep it short)."""
    frame = load_dataset("cart_wu2025").dropna(subset=["orr_events"]).head(7)
    path = tmp_path / "small.csv"
    frame[["study", "year", "n", "age_median", "orr_events", "orr_total"]].to_csv(path, index=False)
    return ["cumulative", str(path), "--events", "orr_events", "--total", "orr_total"]


def test_cumulative_order_and_method_change_the_rows(capsys, small):
    CUMUL = small
    by_year = _json(capsys, CUMUL)["frequentist"]["rows"]
    by_age = _json(capsys, CUMUL + ["--order", "n"])["frequentist"]["rows"]
    assert [r["study"] for r in by_year] != [r["study"] for r in by_age]
    reml = _json(capsys, CUMUL + ["--method", "REML"])["frequentist"]
    assert reml["method"] == "REML"
    assert not np.isclose(reml["rows"][-1]["tau2"], by_year[-1]["tau2"])
    tight = _json(capsys, CUMUL + ["--tau-prior", "halfnormal(0.5)"])["bayesian"]
    assert tight["priors"]["tau"] == "halfnormal(0.5)"
    narrow = _json(capsys, CUMUL + ["--level", "0.5"])["frequentist"]["rows"][-1]
    assert narrow["ci"][1] - narrow["ci"][0] < by_year[-1]["ci"][1] - by_year[-1]["ci"][0]


def test_cumulative_errors_in_one_line(capsys, small):
    CUMUL = small
    assert main(CUMUL + ["--order", "nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "nope" in err
    assert main(CUMUL + ["--level", "2"]) == 2


def test_cumulative_refuses_a_study_without_the_order_value(capsys, tmp_path):
    frame = load_dataset("cart_wu2025").dropna(subset=["orr_events"]).head(4).copy()
    frame.loc[frame.index[2], "year"] = None
    path = tmp_path / "gap.csv"
    frame[["study", "year", "orr_events", "orr_total"]].to_csv(path, index=False)
    argv = ["cumulative", str(path), "--events", "orr_events", "--total", "orr_total"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and frame["study"].iloc[2] in err and "year" in err


def test_glmm_reports_the_profile_likelihood_ci_of_tau2(capsys):
    out = _json(capsys, BASE + ["--method", "GLMM"])
    ref = REF["cart_death"]["glmm_profile"]
    assert out["tau2_ci_method"] == "profile likelihood"
    assert close(out["tau2_ci"], [ref["lo"], ref["hi"]], rtol=RTOL_EXACT)
    narrow = _json(capsys, BASE + ["--method", "GLMM", "--level", "0.5"])
    assert narrow["tau2_ci"][0] > out["tau2_ci"][0] and narrow["tau2_ci"][1] < out["tau2_ci"][1]
