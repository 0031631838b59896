"""Pinned Bayes factors of the exact meta-regression before they were made fast (issue 22, item 3).

For each data set of ``reference.py`` (CAR-T orr with six coefficients, crr with four, three
sparse sets with a skewed level), every covariate's log Bayes factor and its reported numerical
error (``decide(...).bayes_factors``, one drop-one-covariate companion per covariate) as the
engine of the pinned commit gives them, and a fine reference of each log Bayes factor: both
evidences integrated at a finer accuracy (the regression at level 3 -- one more Gauss-Hermite
or Smolyak level for beta | tau -- with log-tau spacing 0.5 SD and 20 Gauss-Hermite nodes per
study; a random-intercept companion on the grid engine refined twice). The reported error must
bound the distance to the fine value.
``tests/quad/test_quad_regression_bf_fast.py`` holds the current engine to both.

Usage: ``python validation/regression_fast/bayes_factors.py --tree DIR`` with DIR a checkout of
the commit to pin (``git worktree add --detach DIR 48c2d69``, the last commit before the change);
writes ``bayes_factors.json`` beside this script, with that commit.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _reference():
    spec = importlib.util.spec_from_file_location(
        "regression_fast_reference", HERE / "reference.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reported(spec) -> dict[str, list[float]]:
    """Every covariate's [log_bf, error] as the fit's ``decide`` reports them."""
    from bayesmeta.quad.decisions import decide
    from bayesmeta.quad.regression import fit_regression_quadrature

    result = decide(spec, fit_regression_quadrature(spec))
    return {k: [float(b.log_bf), float(b.error)] for k, b in result.bayes_factors.items()}


def _fine_evidence(spec) -> float:
    from bayesmeta.quad.controls import Accuracy
    from bayesmeta.quad.evidence import log_evidence, refined
    from bayesmeta.quad.regression.nested_fit import RegressionAccuracy, regression_posterior

    if spec.kind == "regression":
        fine = RegressionAccuracy(level=3, ds=0.5, n_gh=20)
        return float(regression_posterior(spec, accuracy=fine)[0].log_evidence)
    return float(log_evidence(spec, accuracy=refined(refined(Accuracy()))))


def fine(spec) -> dict[str, float]:
    """Every covariate's log Bayes factor with both evidences at the fine accuracy."""
    from bayesmeta.model.bayes_factor import companions

    own = _fine_evidence(spec)
    return {name: own - _fine_evidence(c.spec) for name, c in companions(spec).items()}


def main() -> int:
    ref = _reference()
    commit = ref.import_tree()
    values, fine_values = {}, {}
    for name in ref.CASES:
        values[name] = reported(ref.case_spec(name))
        fine_values[name] = fine(ref.case_spec(name))
    payload = {"commit": commit, "reported": values, "fine": fine_values}
    (HERE / "bayes_factors.json").write_text(json.dumps(payload, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
