"""Pinned values of the exact meta-regression before its summaries were made fast (issue 22, item 3).

Every reported number of ``fit_regression_quadrature`` (coefficients, level rates, contrasts with
P(a > b), pooled median, mean and new-study rates, tau, every study's shrunken rate, the log
evidence and its error) on a few data sets: CAR-T orr with six coefficients (Smolyak rule), CAR-T crr with four,
and three sparse sets of ``validation/regression_tails`` (a level with 1 event in 489 patients, a
level at 0 events, one zero-event study; their rules are refined along the skewed direction).
``tests/quad/test_quad_regression_fast.py`` holds the current engine to these values.

Usage: ``python validation/regression_fast/reference.py --tree DIR`` with DIR a checkout of the
commit to pin (``git worktree add --detach DIR 4c48e23``, the last commit before the change);
writes ``reference.json`` beside this script, with that commit.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
#: The data sets: name -> (outcome or sparse set, formula).
CASES = {
    "cart_orr_p6": ("orr", "cancer_type + country + age_median + year"),
    "cart_crr_p4": ("crr", "cancer_type + age_median"),
    "one_event_in_489": ("sparse", "level"),
    "zero_event_level": ("sparse", "level"),
    "single_zero_study": ("sparse", "level"),
}


def case_spec(name: str):
    """The ModelSpec of a case (bayesmeta imported from whichever tree is on the path)."""
    import pandas as pd

    from bayesmeta.data import cart_outcome
    from bayesmeta.data.reader import from_frame
    from bayesmeta.model.spec import build_model

    source, formula = CASES[name]
    if source != "sparse":
        return build_model(cart_outcome(source), formula=formula)
    tails = json.loads((ROOT / "validation/regression_tails/bruteforce_tails.json").read_text())
    data = tails["datasets"][name]["data"]
    frame = pd.DataFrame({"study": [f"s{i}" for i in range(len(data["events"]))], **data})
    return build_model(from_frame(frame, events="events", total="total"), formula=formula)


def reported(result) -> dict[str, list[float]]:
    """Every reported number of a regression result, by name."""
    out = {}
    for name, iv in result.coefficients.items():
        out[f"coefficient {name}"] = [iv.median, iv.lo, iv.hi]
    for name, iv in result.rates.items():
        out[f"rate {name}"] = [iv.median, iv.lo, iv.hi]
    for c in result.contrasts:
        out[f"contrast {c.a} - {c.b}"] = [c.median, c.lo, c.hi, c.prob_a_greater]
    for name in ("pooled_median", "pooled_mean", "new_study", "tau"):
        iv = getattr(result, name)
        out[name] = [iv.median, iv.lo, iv.hi]
    for row in result.study_rates.itertuples():
        out[f"study {row.study}"] = [row.median, row.lo, row.hi]
    out["log_evidence"] = [float(result.log_evidence)]
    out["log_evidence_error"] = [float(result.log_evidence_error)]
    return {k: [float(v) for v in vals] for k, vals in out.items()}


def import_tree(argv: list[str] | None = None) -> str:
    """Import ``bayesmeta`` from the checkout given as ``--tree DIR`` (not the editable install)
    and return that checkout's commit; warnings silenced (shared by the pinning scripts here).

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default ``sys.argv[1:]``).

    Returns
    -------
    str
        The commit of DIR (``git rev-parse HEAD``).
    """
    parser = argparse.ArgumentParser()
    parser.add_argument("--tree", type=Path, required=True)
    tree = parser.parse_args(argv).tree.resolve()
    # the tree given, not the editable install's finder (which outranks sys.path)
    sys.meta_path = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
    sys.path.insert(0, str(tree))
    import bayesmeta

    assert Path(bayesmeta.__file__).is_relative_to(tree), "imported another tree"
    warnings.simplefilter("ignore")
    return subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()


def main() -> int:
    commit = import_tree()
    from bayesmeta.quad.regression import fit_regression_quadrature

    values = {name: reported(fit_regression_quadrature(case_spec(name))) for name in CASES}
    payload = {"commit": commit, "cases": {n: list(f) for n, f in CASES.items()}, "values": values}
    (HERE / "reference.json").write_text(json.dumps(payload, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
