"""Every bundled analysis (``models/*.toml``) runs on the exact engine with its own settings.

Issue 11's done-criterion: the regression spec included, under ``auto``. Resolution only (the
fits themselves are tested in ``tests/quad``); one regression spec is also fitted end to end.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bayesmeta.analysis.fitting import to_model
from bayesmeta.analysis.specfile import load_spec
from bayesmeta.engines import fit, resolve

MODELS = Path(__file__).resolve().parents[2] / "models"
SPECS = sorted(MODELS.glob("*.toml"))


def test_the_models_folder_has_a_regression_spec():
    kinds = {to_model(load_spec(path)).kind for path in SPECS}
    assert "regression" in kinds and len(SPECS) >= 16


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_every_bundled_spec_resolves_to_the_exact_engine(path):
    spec = load_spec(path)
    assert resolve(to_model(spec), spec.sampler["engine"]) == "quadrature"
    assert resolve(to_model(spec), "auto") == "quadrature"


def test_the_regression_spec_fits_exactly_under_auto():
    spec = load_spec(MODELS / "crr_regression_cancer_type_country.toml")
    result = fit(to_model(spec), engine="auto")
    assert result.engine == "quadrature" and result.log_evidence is not None
    assert set(result.rates) >= {"country[China]", "country[USA]"}
