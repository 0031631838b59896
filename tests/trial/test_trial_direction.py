"""Designs where lower is better (deaths, toxicities): rules, OC and words, against brute force."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from bayesmeta.cli import main
from bayesmeta.trial import BetaMixture, operating_characteristics, smallest_n

N, P0, CONF, NOGO = 40, 0.3, 0.9, 0.2


def _brute(a: float, b: float):
    """GO: P(p < p0 | x) > conf; NO-GO: P(p > nogo | x) > conf and not GO (Beta(a, b) prior)."""
    x = np.arange(N + 1)
    below = stats.beta.cdf(P0, a + x, b + N - x)
    go = below > CONF
    stop = (stats.beta.sf(NOGO, a + x, b + N - x) > CONF) & ~go
    return x, go, stop


@pytest.mark.parametrize("a, b", [(1.0, 1.0), (2.0, 7.0)])
def test_lower_is_better_equals_brute_force(a, b):
    x, go, stop = _brute(a, b)
    rates = np.array([0.1, 0.2, P0, 0.45])
    oc = operating_characteristics(
        BetaMixture(weight=[1.0], a=[a], b=[b]), n=N, p0=P0, confidence=CONF, rates=rates,
        nogo_rate=NOGO, lower_is_better=True,
    )  # fmt: skip
    assert oc.critical == x[go].max() and oc.nogo["critical"] == x[stop].min()
    for r in rates:
        pmf = stats.binom.pmf(x, N, r)
        assert oc.power[f"{r:g}"] == pytest.approx(pmf[go].sum(), abs=1e-12)
        assert oc.nogo["prob"][f"{r:g}"] == pytest.approx(pmf[stop].sum(), abs=1e-12)
    assert oc.type1 == pytest.approx(stats.binom.pmf(x[go], N, P0).sum(), abs=1e-12)
    assert oc.go_rule == f"GO if P(p < 0.3 | data) > 0.9: <= {x[go].max()} of 40"
    assert oc.nogo_rule == f"NO-GO if P(p > 0.2 | data) > 0.9: >= {x[stop].min()} of 40"
    # the smallest n with power 0.8 at a true rate of 0.1, by brute force too
    found = smallest_n(
        BetaMixture(weight=[1.0], a=[a], b=[b]), p0=P0, confidence=CONF, target_power=0.8,
        at_rate=0.1, lower_is_better=True,
    )  # fmt: skip
    for n in range(1, found + 1):
        xs = np.arange(n + 1)
        power = stats.binom.pmf(xs, n, 0.1)[stats.beta.cdf(P0, a + xs, b + n - xs) > CONF].sum()
        assert (power >= 0.8) == (n == found)


def test_probabilities_never_pass_one():
    oc = operating_characteristics(
        BetaMixture(weight=[1.0], a=[1.0], b=[1.0]), n=60, p0=0.7, confidence=0.9,
        nogo_rate=0.75,
    )  # fmt: skip
    assert max(oc.nogo["prob"].values()) <= 1.0 and max(oc.power.values()) <= 1.0


def test_design_takes_the_direction_from_the_outcome(tmp_path, capsys):
    prior = tmp_path / "map.json"
    prior.write_text(
        json.dumps(
            {"mixture": [{"weight": 1.0, "a": 2.0, "b": 7.0}], "model": {"outcome": "dead_events"}}
        )
    )
    argv = ["design", "--prior", str(prior), "--n", "40", "--p0", "0.3", "--nogo-rate", "0.2"]
    assert main([*argv, "--out", str(tmp_path / "d")]) == 0
    text = capsys.readouterr().out
    assert "lower is better (the prior's outcome 'dead_events' is a death rate)" in text
    assert "GO if P(p < 0.3 | data) > 0.9" in text and "NO-GO if P(p > 0.2 | data)" in text
    report = (tmp_path / "d" / "report.md").read_text()
    assert "NO-GO if P(p > 0.2 \\| data) > 0.9" in report
    assert main([*argv, "--higher-is-better", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["direction"] == "higher is better"
    assert payload["go_rule"].startswith("GO if P(p > 0.3 | data) > 0.9: >=")
    assert payload["nogo_rule"].startswith("NO-GO if P(p < 0.2 | data) > 0.9: <=")


def test_a_response_outcome_says_so_rather_than_the_default(tmp_path, capsys):
    prior = tmp_path / "map.json"
    prior.write_text(
        json.dumps(
            {"mixture": [{"weight": 1.0, "a": 7.0, "b": 2.0}], "model": {"outcome": "orr_events"}}
        )
    )
    argv = ["design", "--prior", str(prior), "--n", "40", "--p0", "0.7"]
    assert main([*argv, "--out", str(tmp_path / "d")]) == 0
    text = capsys.readouterr().out
    assert "higher is better (the prior's outcome 'orr_events' is a response rate)" in text
    assert "(the default)" not in text
