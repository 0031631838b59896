"""Sensitivity analysis: which fits run on which data and priors, and the tidy table.

Structure is tested with a recording fake engine; one test runs the real exact engine and
compares the baseline with brms (validation/brms/reference.json) and the frequentist rows with
metafor (validation/metafor/reference_dev.json).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bayesmeta.bayes import build_model
from bayesmeta.errors import InputError
from bayesmeta.sensitivity import COLUMNS, sensitivity
from bayesmeta.sensitivity.fitter import make_fitter

VALIDATION = Path(__file__).parents[2] / "validation"


def test_table_has_one_row_per_setting(death, fitter):
    result = sensitivity(death, what=("priors", "loo", "small"), min_n=(10, 20), engine=fitter)
    table = result.table
    assert list(table.columns) == list(COLUMNS)
    counts = table["kind"].value_counts().to_dict()
    small_10 = int((death.total < 10).sum())
    small_20 = int((death.total < 20).sum())
    assert counts == {
        "baseline": 1,
        "tau_prior": 24,
        "mu_prior": 4,
        "leave_one_out": death.k,
        "small_studies": 2,
    }
    assert table.iloc[0]["kind"] == "baseline" and result.baseline["kind"] == "baseline"
    assert len(fitter.specs) == len(table)
    # priors reach the model: each tau-prior row was fitted with the prior its row names
    for spec, (_, row) in zip(fitter.specs, table.iterrows(), strict=True):
        assert str(spec.priors.tau) == row["tau_prior"]
        assert str(spec.priors.mu) == row["mu_prior"]
        assert spec.data.k == row["k"]
    small = table[table["kind"] == "small_studies"]
    assert small["k"].tolist() == [death.k - small_10, death.k - small_20]
    assert result.excluded == death.excluded_records()


def test_leave_one_out_drops_each_study_once_and_records_why(death, fitter):
    result = sensitivity(death, what=("loo",), engine=fitter)
    loo = result.table[result.table["kind"] == "leave_one_out"]
    assert loo["left_out"].tolist() == list(death.studies)
    for spec, study in zip(fitter.specs[1:], death.studies, strict=True):
        assert study not in spec.data.studies and spec.data.k == death.k - 1
        assert spec.data.excluded[-1].study == study
        assert "leave-one-out" in spec.data.excluded[-1].reason
    # the fake's pooled rate depends on the data, so leaving a study out moves it
    assert loo["median"].nunique() > 1


def test_small_study_thresholds_that_remove_nothing_are_skipped(death, fitter):
    result = sensitivity(death, what=("small",), min_n=1, engine=fitter)
    assert (result.table["kind"] == "small_studies").sum() == 0


def test_unknown_variation_is_an_input_error(death, fitter):
    with pytest.raises(InputError, match="unknown sensitivity 'priorz'"):
        sensitivity(death, what=("priorz",), engine=fitter)


def test_engine_choice_is_the_boundary_s(death):
    """auto: exact for every model the exact engine supports, common-tau subgroups included."""
    random = build_model(death)
    regression = build_model(death, formula="cancer_type")
    shared = build_model(death, by="cancer_type")
    separate = build_model(death, by="cancer_type", separate_tau=True)
    assert make_fitter("auto", random)[0] == "quadrature"
    assert make_fitter("auto", separate)[0] == "quadrature"
    assert make_fitter("auto", shared)[0] == "quadrature"
    assert make_fitter("quadrature", shared)[0] == "quadrature"
    assert make_fitter("auto", regression)[0] == "quadrature"
    assert make_fitter("quadrature", regression)[0] == "quadrature"
    assert make_fitter("nuts", random)[0] == "nuts"
    assert make_fitter("nuts", regression)[0] == "nuts"
    with pytest.raises(InputError, match="unknown engine"):
        make_fitter("stan", random)


def test_common_tau_subgroup_runs_exact_under_auto_and_quadrature(death):
    for engine in ("auto", "quadrature"):
        result = sensitivity(death, what=(), kind="subgroup", by="cancer_type", engine=engine)
        assert result.options["engine"] == "quadrature"


def test_figure_has_a_panel_per_kind(death, fitter):
    result = sensitivity(death, what=("priors", "loo"), engine=fitter)
    figure = result.figure()
    titles = [ax.get_title(loc="left") for ax in figure.axes if ax.get_title(loc="left")]
    assert [t.split(":")[0] for t in titles] == [
        "Prior on tau",
        "Prior on mu",
        "Leave one study out",
    ]
    assert len(figure.axes) == 6  # rate and tau column per panel
    loo_axis = figure.axes[4]
    assert [t.get_text() for t in loo_axis.get_yticklabels()] == [
        f"without {s}" for s in death.studies
    ]
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend[:2] == ["median rate expit(mu)", "mean rate E[expit(mu + u)]"]


@pytest.mark.r_reference
def test_real_engines_against_brms_and_metafor(death):
    """Exact engine baseline vs brms (tolerance: 4 Monte Carlo SEs of the brms quantile; the
    quadrature error is orders smaller) and the DL row vs metafor (1e-6 relative)."""
    result = sensitivity(death, what=("priors", "freq"), mu_scales=(2.5,))
    table = result.table.set_index("label")
    assert set(result.table.loc[result.table["engine"] != "frequentist", "engine"]) == {
        "quadrature"
    }
    brms = json.loads((VALIDATION / "brms" / "reference.json").read_text())["fits"]["death_random"]
    base = result.baseline
    for field in ("pooled_median", "pooled_mean"):
        column = "median" if field == "pooled_median" else "mean"
        ref = brms[field]
        assert base[column] == pytest.approx(ref["median"], abs=4 * ref["mcse_median"])
        assert base[f"{column}_lo"] == pytest.approx(ref["lo"], abs=4 * ref["mcse_lo"])
        assert base[f"{column}_hi"] == pytest.approx(ref["hi"], abs=4 * ref["mcse_hi"])
    assert base["tau"] == pytest.approx(brms["tau"]["median"], abs=4 * brms["tau"]["mcse_median"])
    # the baseline prior inside the grid gives the baseline exactly (deterministic engine)
    assert table.loc["tau ~ halfnormal(1.5)", "median"] == base["median"]
    # a tighter half-normal prior pulls tau down: posterior tau increases with the prior scale
    halfnormal = result.table[result.table["tau_prior"].str.startswith("halfnormal")]
    halfnormal = halfnormal[halfnormal["kind"] == "tau_prior"]
    assert np.all(np.diff(halfnormal["tau"].to_numpy()) > 0)
    metafor = json.loads((VALIDATION / "metafor" / "reference_dev.json").read_text())
    dl = metafor["datasets"]["cart_death"]["rma"]["DL_z"]
    row = table.loc["DL"]
    assert row["median"] == pytest.approx(dl["estimate"], rel=1e-6)
    assert [row["median_lo"], row["median_hi"]] == pytest.approx(dl["ci"], rel=1e-6)
    assert [row["pi_lo"], row["pi_hi"]] == pytest.approx(dl["pi"], rel=1e-6)
    assert row["tau"] == pytest.approx(np.sqrt(dl["tau2"]), rel=1e-6)
    corrections = result.table[result.table["kind"] == "freq_correction"]
    assert corrections["label"].tolist()[0] == "DL, add 0.5 to only0"
    assert corrections.iloc[0]["median"] == row["median"]
