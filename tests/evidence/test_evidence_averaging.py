"""Model averaging: posterior model probabilities against weights computed by hand from the
pinned brute-force evidences, mixtures, inclusion Bayes factors, and the one-line refusals.

Tolerance: every exact log evidence is within 0.01 of the brute-force value
(``tests/quad/test_quad_evidence.py``), so a posterior model probability p = w_m / sum w moves by
at most a factor exp(0.02) (its own evidence and the normaliser): ``|log p - log p_hand| <= 0.02``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize, stats

from bayesmeta.analysis.averaging import (
    average,
    inclusion_bf,
    mixture_interval,
    posterior_probabilities,
)
from bayesmeta.bayes import build_model
from bayesmeta.data import cart_outcome
from bayesmeta.errors import InputError

ROOT = Path(__file__).parents[2]
BRUTE = json.loads((ROOT / "validation/evidence/reference.json").read_text(encoding="utf-8"))
LOG_TOL = 0.02


def _pinned(outcome: str) -> dict[str, float]:
    out = {}
    for c in BRUTE["cases"]:
        if c["outcome"] != outcome:
            continue
        name = c["model"] if c["model"] != "subgroup" else (
            "separate" if c["separate_tau"] else "subgroup")  # fmt: skip
        out[name] = c["log_evidence"]
    return out


def _specs(outcome: str) -> dict:
    data = cart_outcome(outcome)
    return {
        "random": build_model(data),
        "common": build_model(data, kind="common"),
        "subgroup": build_model(data, by="cancer_type"),
        "separate": build_model(data, by="cancer_type", separate_tau=True),
    }


@pytest.mark.parametrize("outcome", ["orr", "death"])
def test_posterior_probabilities_match_hand_computed_weights(outcome):
    pinned = _pinned(outcome)
    names = ["random", "common", "subgroup", "separate"]
    prior = np.array([0.4, 0.1, 0.25, 0.25])
    # by hand: P(m | y) = pi_m exp(log Z_m) / sum_j pi_j exp(log Z_j)
    top = max(pinned[n] for n in names)
    raw = [p * math.exp(pinned[n] - top) for n, p in zip(names, prior, strict=True)]
    hand = [r / sum(raw) for r in raw]
    result = average(_specs(outcome), prior_prob=list(prior))
    got = {m.name: m for m in result.models}
    for name, expected in zip(names, hand, strict=True):
        assert got[name].prior_prob == pytest.approx(prior[names.index(name)])
        if expected > 1e-12:
            assert abs(math.log(got[name].posterior_prob) - math.log(expected)) <= LOG_TOL
    # inclusion Bayes factors by hand
    het = (hand[0] + hand[2] + hand[3]) / hand[1] / ((0.4 + 0.25 + 0.25) / 0.1)
    cov = (hand[2] + hand[3]) / (hand[0] + hand[1]) / (0.5 / 0.5)
    assert result.inclusion_bf["heterogeneity"].log_bf == pytest.approx(math.log(het), abs=LOG_TOL)
    assert result.inclusion_bf["cancer_type"].log_bf == pytest.approx(math.log(cov), abs=LOG_TOL)


def test_pure_weights_and_inclusion_formulas():
    log_z = [-10.0, -12.0, -9.0]
    prior = [0.5, 0.25, 0.25]
    w = np.array([0.5 * math.exp(-10), 0.25 * math.exp(-12), 0.25 * math.exp(-9)])
    assert posterior_probabilities(log_z, prior) == pytest.approx(w / w.sum(), rel=1e-12)
    post = w / w.sum()
    bf = inclusion_bf(post, prior, [True, False, True], [1e-3, 2e-3, 5e-4])
    assert bf.log_bf == pytest.approx(
        math.log((post[0] + post[2]) / post[1]) - math.log(0.75 / 0.25), rel=1e-12
    )
    assert bf.error == pytest.approx(1e-3 + 2e-3)


def test_mixture_interval_is_read_from_the_mixture_cdf():
    x = np.linspace(-12, 12, 20001)
    a, b = stats.norm(-1, 1), stats.norm(2, 0.5)
    iv = mixture_interval([(x, a.cdf(x)), (x, b.cdf(x))], [0.3, 0.7])

    def q(p):
        return optimize.brentq(lambda t: 0.3 * a.cdf(t) + 0.7 * b.cdf(t) - p, -12, 12)

    assert iv.median == pytest.approx(q(0.5), abs=1e-4)
    assert iv.lo == pytest.approx(q(0.025), abs=1e-4)
    assert iv.hi == pytest.approx(q(0.975), abs=1e-4)


def test_averaged_rates_lie_between_and_levels_average_with_the_pooled_rate():
    from bayesmeta.engines import fit

    specs = {k: v for k, v in _specs("crr").items() if k in ("random", "subgroup")}
    result = average(specs, thresholds=[0.5])
    fits = {k: fit(v, engine="quadrature", thresholds=[0.5]) for k, v in specs.items()}
    post = {m.name: m.posterior_prob for m in result.models}
    med = [f.pooled_median.median for f in fits.values()]
    assert min(med) - 1e-9 <= result.averaged["pooled_median"].median <= max(med) + 1e-9
    assert set(result.averaged["levels"]["cancer_type"]) == set(specs["subgroup"].groups)
    expected = sum(post[k] * fits[k].prob_above["0.5"]["pooled_median"] for k in specs)
    assert result.prob_above["0.5"]["pooled_median"] == pytest.approx(expected, abs=1e-9)


def test_average_refuses_other_outcomes_or_studies():
    orr = build_model(cart_outcome("orr"))
    crr = build_model(cart_outcome("crr"))
    with pytest.raises(InputError, match="one outcome"):
        average({"orr": orr, "crr": crr})
    data = cart_outcome("orr")
    fewer = data.without(data.studies[0], reason="test")
    with pytest.raises(InputError, match="same studies"):
        average({"all": orr, "fewer": build_model(fewer)})
    with pytest.raises(InputError, match="sum to 1"):
        average({"a": orr, "b": build_model(data, kind="common")}, prior_prob=[0.5, 0.6])


def test_cli_average_json_and_one_line_errors(capsys):
    from bayesmeta.cli import main

    specs = [str(ROOT / "models" / f) for f in ("orr_pooled.toml", "orr_by_cancer_type.toml")]
    assert main(["average", *specs, "--prior-prob", "0.7", "0.3", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [m["name"] for m in payload["models"]] == ["orr_pooled", "orr_by_cancer_type"]
    assert sum(m["posterior_prob"] for m in payload["models"]) == pytest.approx(1.0)
    assert set(payload["models"][0]) >= {"name", "prior_prob", "posterior_prob", "log_evidence"}
    assert set(payload["averaged"]) >= {"pooled_median", "pooled_mean", "new_study", "levels"}
    assert set(payload["inclusion_bf"]) == {"cancer_type"}
    other = str(ROOT / "models" / "crr_pooled.toml")
    assert main(["average", specs[0], other]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "one outcome" in err


def test_index_averaging_section_lists_models_rates_and_inclusion():
    from bayesmeta.analysis.blocks import to_markdown
    from bayesmeta.analysis.decision_report import averaging_blocks

    specs = {k: v for k, v in _specs("orr").items() if k in ("random", "common", "subgroup")}
    result = average(specs)
    text = to_markdown(averaging_blocks(result))
    for m in result.models:
        assert m.name in text and f"{m.posterior_prob:.3f}" in text
    assert "heterogeneity" in text and "cancer_type" in text
    assert f"{result.averaged['pooled_median'].median:.3f}" in text


def test_cli_compare_prints_posterior_model_probabilities_beside_weights(capsys):
    from bayesmeta.cli import main

    specs = [str(ROOT / "models" / f) for f in ("orr_pooled.toml", "orr_by_cancer_type.toml")]
    assert main(["compare", *specs]) == 0
    out = capsys.readouterr().out
    assert "P(M|y)" in out and "which model predicts the next study best" in out
    assert "which model is most probable" in out


def test_average_lists_the_excluded_studies_in_text_and_json(capsys):
    """Issue 24, defect 17: the 8 bundled studies without ORR are listed, not silently dropped."""
    from bayesmeta.cli import main
    from bayesmeta.data import cart_outcome

    missing = {e.study for e in cart_outcome("orr").excluded}
    assert len(missing) == 8
    specs = [str(ROOT / "models" / f) for f in ("orr_pooled.toml", "orr_by_cancer_type.toml")]
    assert main(["average", *specs, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert {e["study"] for e in payload["excluded"]} == missing
    assert all(e["reason"] for e in payload["excluded"])
    assert main(["average", *specs]) == 0
    text = capsys.readouterr().out
    assert "excluded: 8 studies" in text and all(s in text for s in missing)
