"""The multiverse summary: variance shares only where a choice applies (pinned against a hand
computation), single-valued choices left out, impossible subsets never generated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayesmeta.multiverse.summary import variance_shares

NA = "n/a"


def _grid():
    # logit(estimate) chosen by hand: y = 0, 0, 1, 1 (DL, Hartung-Knapp no/yes, subsets a/b)
    # and 0.5, 1.5, 1, 2 (bayes, tau prior h1/h2, subsets a/b); one mu prior
    y = np.array([0.0, 0.0, 1.0, 1.0, 0.5, 1.5, 1.0, 2.0])
    return pd.DataFrame(
        {
            "estimate": 1 / (1 + np.exp(-y)),
            "method": ["DL"] * 4 + ["bayes"] * 4,
            "hartung_knapp": ["no", "yes", "no", "yes", NA, NA, NA, NA],
            "mu_prior": [NA] * 4 + ["normal(0, 2.5)"] * 4,
            "tau_prior": [NA] * 4 + ["h1", "h2", "h1", "h2"],
            "subset": ["a", "a", "b", "b", "a", "a", "b", "b"],
        }
    )


def test_variance_shares_match_a_hand_computation():
    shares = {
        s["choice"]: s
        for s in variance_shares(
            _grid(), ["method", "hartung_knapp", "mu_prior", "tau_prior", "subset"]
        )
    }
    # mu_prior has one value: left out, never "explains" anything
    assert set(shares) == {"method", "hartung_knapp", "tau_prior", "subset"}
    # Hartung-Knapp, over the 4 DL rows only: both options have y = {0, 1}, mean 0.5
    assert shares["hartung_knapp"]["rows"] == 4 and shares["hartung_knapp"]["options"] == 2
    assert shares["hartung_knapp"]["share"] == pytest.approx(0.0, abs=1e-12)
    # tau prior, over the 4 bayes rows: mean 1.25, SS_total = 2 * 0.75^2 + 2 * 0.25^2 = 1.25,
    # group means 0.75 and 1.75, SS_between = 4 * 0.5^2 = 1.0
    assert shares["tau_prior"]["rows"] == 4
    assert shares["tau_prior"]["share"] == pytest.approx(1.0 / 1.25, rel=1e-12)
    # method, over all 8 rows: mean 0.875, SS_total = 3.375; group means 0.5 and 1.25,
    # SS_between = 8 * 0.375^2 = 1.125
    assert shares["method"]["rows"] == 8
    assert shares["method"]["share"] == pytest.approx(1.125 / 3.375, rel=1e-12)
    # subset: group means 0.5 (a) and 1.25 (b): the same 1.125 / 3.375
    assert shares["subset"]["share"] == pytest.approx(1.125 / 3.375, rel=1e-12)


def test_old_rule_would_have_credited_hartung_knapp():
    # the check above can fail: counting "n/a" as an option gives Hartung-Knapp a share
    frame = _grid()
    frame["hk_as_option"] = frame["hartung_knapp"]
    [share] = variance_shares(frame, ["hk_as_option"], not_applicable="none")
    assert share["options"] == 3 and share["share"] > 0.1


def test_impossible_subsets_are_not_generated(multiverse_spec):
    from bayesmeta.analysis.multiverse_choices import size, specifications
    from bayesmeta.analysis.specfile import load_spec
    from bayesmeta.multiverse.run import multiverse_data
    from bayesmeta.multiverse.specification import Context, subset

    spec = load_spec(multiverse_spec)
    data = multiverse_data(spec, spec.multiverse)
    dims = spec.multiverse.dimensions(data)
    # subsets: all/0: 7 studies + none left out = 8; all/30 (A B D E F): 6; north/0
    # (A B E G): 5; north/30 (A B E): 4 -> 23 subsets x 4 analyses
    assert len(dims[0][1]) == 23 and size(dims) == 23 * 4
    context = Context.of(data, covariates=["region"], seed=1, min_studies=3)
    for _, choices in specifications(dims):
        keep, reason = subset(context, choices)
        assert keep is not None, (choices, reason)


def test_warm_up_imports_what_the_workers_run():
    # bayesmeta.freq loads its names lazily: warming it alone would leave the estimators cold
    import subprocess
    import sys

    code = (
        "import sys\nfrom bayesmeta.many.executor import warm_up\nwarm_up()\n"
        "print(all(m in sys.modules for m in ('bayesmeta.freq.uni', 'bayesmeta.freq.tau2',"
        " 'bayesmeta.freq.glmm', 'bayesmeta.quad')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"
