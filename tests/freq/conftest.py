"""Reference values pinned from R metafor 3.8 (validation/metafor/reference.R).

Tolerances, named and justified once here for every freq test:

- ``RTOL_EXACT = 1e-6`` relative: closed-form estimators (DL, HS, SJ, EE) and the iterative
  ones (REML, ML, PM/EB, Q-profile bounds) -- the reference script solves the latter to
  1e-12, so both sides are the exact solution and only floating-point order differs.
- ``ATOL_ZERO = 1e-9`` absolute: for quantities that are exactly 0 (tau^2 truncated at 0,
  I^2 = 0), where a relative tolerance means nothing.
- ``RTOL_GLMM = 1e-4`` relative: lme4's optimiser (bobyqa + Nelder-Mead, default
  tolerances) stops within ~1e-5 relative of the optimum and its standard errors come
  from a finite-difference Hessian; our Newton fit reaches the optimum to ~1e-9. Quantities
  on the logit scale near 0 (a pooled logit of -0.08) are compared with an absolute
  tolerance of ``RTOL_GLMM`` times their standard error instead.
- ``RTOL_GLMM_QM = 3e-4`` relative: Wald tests built from lme4's finite-difference
  covariance of 4-5 coefficients (QM, between-group Q with a common tau^2) carry the
  Hessian's error squared-up across coefficients.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIR = ROOT / "validation" / "metafor"

RTOL_EXACT = 1e-6
ATOL_ZERO = 1e-9
RTOL_GLMM = 1e-4
RTOL_GLMM_QM = 3e-4


def load_reference(name: str) -> dict:
    with open(REFERENCE_DIR / name, encoding="utf-8") as handle:
        return json.load(handle)


def close(actual, expected, *, rtol: float, atol: float = ATOL_ZERO) -> bool:
    """Elementwise ``|a - e| <= atol + rtol |e|`` with None/NaN matching each other."""
    if expected is None:
        return actual is None or (np.isscalar(actual) and not np.isfinite(actual))
    a = np.asarray(actual, dtype=float)
    e = np.asarray(expected, dtype=float)
    return bool(np.all(np.abs(a - e) <= atol + rtol * np.abs(e)))


class Tolerances:
    """The tolerances above and :func:`close`, handed to tests as the ``tol`` fixture."""

    RTOL_EXACT = RTOL_EXACT
    ATOL_ZERO = ATOL_ZERO
    RTOL_GLMM = RTOL_GLMM
    RTOL_GLMM_QM = RTOL_GLMM_QM
    close = staticmethod(close)


@pytest.fixture(scope="session")
def tol() -> type[Tolerances]:
    return Tolerances


_DEV = load_reference("reference_dev.json")["datasets"]
_UNSEEN = load_reference("reference_unseen.json")["datasets"]


@pytest.fixture(scope="session")
def dev_reference() -> dict:
    """Data sets used while developing: CAR-T outcomes, debruin2009, pritz1997, hannum2020."""
    return _DEV


_SINGLE = ("glmm", "smallstudy")


def _cases(reference: dict, section: str) -> list:
    if section in _SINGLE:
        return [
            pytest.param((name, entry, section, entry[section]), id=name)
            for name, entry in reference.items()
        ]
    return [
        pytest.param((name, entry, key, entry[section][key]), id=f"{name}-{key}")
        for name, entry in reference.items()
        for key in entry.get(section, {})
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise ``<section>_case`` / ``unseen_<section>_case`` arguments by reference entry.

    Each case is ``(dataset name, dataset entry, key, reference values)``.
    """
    for argument in metafunc.fixturenames:
        if not argument.endswith("_case"):
            continue
        if argument.startswith("unseen_"):
            section = argument[len("unseen_") : -len("_case")]
            metafunc.parametrize(argument, _cases(_UNSEEN, section))
        else:
            section = argument[: -len("_case")]
            metafunc.parametrize(argument, _cases(_DEV, section))


# --- comparisons shared by the development and the unseen-data tests -------------------------

SCALARS = ("mu", "se", "tau2", "i2", "h2", "q", "q_p", "estimate")
PAIRS = ("ci", "pi", "tau2_ci")
INFLUENCE_FIELDS = ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "qe_del", "hat", "weight")


def _check_rma(result, ref) -> None:
    """Every field of an rma result equals metafor's within RTOL_EXACT."""
    out = result.to_dict()
    assert out["k"] == ref["k"]
    for field in SCALARS:
        assert close(out[field], ref[field], rtol=RTOL_EXACT), (field, out[field], ref[field])
    for field in PAIRS:
        expected = ref[field]
        if expected is None or expected[0] is None:
            assert out[field] is None, field
        else:
            assert close(out[field], expected, rtol=RTOL_EXACT), (field, out[field], expected)


def _check_glmm(entry, ref) -> None:
    """The GLMM equals rma.glmm: fitted values within RTOL_GLMM, heterogeneity tests exactly."""
    from bayesmeta.freq.glmm import glmm_arrays

    out = glmm_arrays(np.array(entry["events"]), np.array(entry["total"])).to_dict()
    assert out["k"] == ref["k"]
    # a pooled logit near 0: absolute tolerance scaled by its standard error
    assert close(out["mu"], ref["mu"], rtol=RTOL_GLMM, atol=RTOL_GLMM * ref["se"])
    assert close(out["se"], ref["se"], rtol=RTOL_GLMM)
    assert close(out["tau2"], ref["tau2"], rtol=RTOL_GLMM, atol=1e-8)
    # the heterogeneity tests do not depend on the optimiser: exact
    for field in ("q", "q_p", "q_lrt", "q_lrt_p", "i2"):
        assert close(out[field], ref[field], rtol=RTOL_EXACT), field
    assert close(out["i2_metafor"], ref["i2_metafor"], rtol=RTOL_GLMM)
    for field in ("estimate", "ci", "pi"):
        assert close(out[field], ref[field], rtol=RTOL_GLMM), field


def _check_small_study(entry, ref) -> None:
    """Egger, Peters, leave-one-out and influence equal metafor within RTOL_EXACT."""
    import pandas as pd

    from bayesmeta.data import from_frame
    from bayesmeta.freq import egger, influence, leave_one_out, peters

    frame = pd.DataFrame(
        {"study": [str(s) for s in entry["study"]], "x": entry["events"], "n": entry["total"]}
    )
    data = from_frame(frame, events="x", total="n")
    for key, result in (
        ("egger_rma", egger(data)),
        ("egger_lm", egger(data, model="lm")),
        ("peters_lm", peters(data)),
    ):
        expected = ref[key]
        assert close(result.statistic, expected["zval"], rtol=RTOL_EXACT), key
        assert close(result.p_value, expected["pval"], rtol=RTOL_EXACT), key
        assert close(result.limit_estimate, expected["est"], rtol=RTOL_EXACT), key
        assert close(result.slope, expected["b_slope"], rtol=RTOL_EXACT), key
        assert close(result.slope_se, expected["se_slope"], rtol=RTOL_EXACT), key
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
        assert close(values, ref["leave1out"][field], rtol=RTOL_EXACT), field
    diagnostics = influence(data).to_dict()
    for field in INFLUENCE_FIELDS:
        assert close(diagnostics[field], ref["influence"][field], rtol=RTOL_EXACT), field


class Checks:
    """The comparisons above, handed to tests as the ``checks`` fixture."""

    rma = staticmethod(_check_rma)
    glmm = staticmethod(_check_glmm)
    small_study = staticmethod(_check_small_study)


@pytest.fixture(scope="session")
def checks() -> type[Checks]:
    return Checks
