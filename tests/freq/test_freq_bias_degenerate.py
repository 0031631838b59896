"""`freq --bias` on data where a small-study test is not defined (issue 24, defects 10 and 16).

Five studies of one patient each, or studies at 0/100 and 100/100, give every study the same
standard error (and size): Egger's and Peters' regressors are constant, Kendall's tau against
a constant variance is undefined, and trim-and-fill's side (Egger's slope) too. metafor's
``regtest`` and ``trimfill`` stop with an error there; we report each undefined test as null
with the reason, exit 0, and no traceback or raw numpy warning.
"""

from __future__ import annotations

import json
import warnings

import pytest

from bayesmeta.cli import main

CASES = {
    "n1": [(0, 1), (1, 1), (0, 1), (1, 1), (0, 1)],
    "extremes": [(0, 100), (100, 100), (0, 100), (100, 100), (0, 100)],
    "zeros": [(0, 100), (0, 100), (0, 100)],
}


def _csv(tmp_path, rows) -> str:
    path = tmp_path / "data.csv"
    lines = ["study,events,total"] + [f"s{i},{e},{n}" for i, (e, n) in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.mark.parametrize("method", ["DL", "REML"])
@pytest.mark.parametrize("case", list(CASES))
def test_undefined_small_study_tests_are_null_with_a_reason(tmp_path, capsys, case, method):
    argv = ["freq", _csv(tmp_path, CASES[case]), "--events", "events", "--total", "total"]
    argv += ["--bias", "--method", method]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a raw numpy warning fails the test
        assert main(argv + ["--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert main(argv) == 0
    text = capsys.readouterr().out
    for key, stat in (("egger", "z"), ("peters", "t"), ("begg", "tau")):
        assert out[key][stat] is None and out[key]["p"] is None, key
        assert "same" in out[key]["reason"], key
    assert out["trimfill"]["estimate"] is None and "Egger's slope" in out["trimfill"]["reason"]
    assert text.count("not computed:") == 4
    assert "standard error" in text and "nan" not in text


def test_a_defined_test_keeps_its_number_beside_an_undefined_one(tmp_path, capsys):
    """Equal sizes but different standard errors: Peters' test is undefined, Egger's is not."""
    rows = [(0, 100), (100, 100), (0, 100), (100, 100), (0, 100), (3, 100)]
    argv = ["freq", _csv(tmp_path, rows), "--events", "events", "--total", "total", "--bias"]
    assert main(argv + ["--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["egger"]["z"] is not None and "reason" not in out["egger"]
    assert out["peters"]["t"] is None and "same size" in out["peters"]["reason"]
    assert out["trimfill"]["k0"] is not None
