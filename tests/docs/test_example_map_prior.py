"""The shipped ``examples/MAP.json`` is what the documented ``map`` command writes today.

The guide's ``design`` line reads ``examples/MAP.json`` so that it runs on its own; the file was
written by the ``map ... --json > MAP.json`` line just before it (``examples/README.md``). This
test runs that line and compares: every key but ``versions`` (the library versions of the run that
wrote it), numbers to a relative 1e-8 (the fit is exact quadrature plus a deterministic EM: well
above floating-point noise of another BLAS, well below any change of the fit), and the ``design``
numbers the two priors give.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import shlex
from pathlib import Path

import pytest

from bayesmeta.cli import main

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "examples" / "MAP.json"
GUIDE = ROOT / "docs" / "guide" / "11_trial_design.md"
REL = 1e-8


def _documented_map_line() -> list[str]:
    """The guide's ``map ... --json > MAP.json`` line, as arguments (redirect dropped)."""
    (line,) = [
        raw.removeprefix("$ ")
        for raw in GUIDE.read_text(encoding="utf-8").splitlines()
        if raw.startswith("$ bayesmeta map ") and raw.rstrip().endswith("> MAP.json")
    ]
    words = shlex.split(line)
    return words[1 : words.index(">")]


def _run(argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(argv) == 0
    return out.getvalue()


def _differences(shipped, current, where="") -> list[str]:
    if isinstance(shipped, dict) and isinstance(current, dict):
        if shipped.keys() != current.keys():
            return [f"{where or '/'}: keys {sorted(shipped)} != {sorted(current)}"]
        return [
            d
            for key in shipped
            if not (where == "" and key == "versions")
            for d in _differences(shipped[key], current[key], f"{where}/{key}")
        ]
    if isinstance(shipped, list) and isinstance(current, list):
        if len(shipped) != len(current):
            return [f"{where}: {len(shipped)} items != {len(current)}"]
        return [
            d
            for i, (a, b) in enumerate(zip(shipped, current, strict=True))
            for d in _differences(a, b, f"{where}/{i}")
        ]
    numbers = (int, float)
    if (
        isinstance(shipped, numbers)
        and isinstance(current, numbers)
        and not isinstance(shipped, bool)
        and not isinstance(current, bool)
    ):
        if math.isclose(shipped, current, rel_tol=REL, abs_tol=1e-12):
            return []
    elif shipped == current:
        return []
    return [f"{where}: shipped {shipped!r}, now {current!r}"]


@pytest.fixture(scope="module")
def current_map(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("map") / "MAP.json"
    path.write_text(_run(_documented_map_line()), encoding="utf-8")
    return path


def test_the_guide_design_line_reads_the_shipped_prior():
    text = GUIDE.read_text(encoding="utf-8")
    assert "$ bayesmeta design --prior examples/MAP.json " in text
    assert "bayesmeta design --prior examples/MAP.json " in (ROOT / "README.md").read_text(
        encoding="utf-8"
    )


def test_shipped_map_prior_is_what_the_documented_command_writes(current_map):
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    current = json.loads(current_map.read_text(encoding="utf-8"))
    assert shipped["prior_for"] == "cancer_type=myeloma" and "conflict" not in shipped
    problems = _differences(shipped, current)
    assert not problems, (
        "examples/MAP.json is out of date (rerun the command in examples/README.md):\n"
        + "\n".join(problems[:20])
    )


def test_shipped_map_prior_gives_the_same_design(current_map):
    design = ["design", "--n", "40", "--p0", "0.7", "--confidence", "0.9", "--json"]
    shipped = json.loads(_run([*design, "--prior", str(SHIPPED)]))
    current = json.loads(_run([*design, "--prior", str(current_map)]))
    for a, b in ((shipped, current), (shipped["vague"], current["vague"])):
        assert a["critical"] == b["critical"] and a["go_rule"] == b["go_rule"]
        assert a["type1"] == pytest.approx(b["type1"], rel=REL)
        assert a["power"] == pytest.approx(b["power"], rel=REL, abs=1e-12)
    # the numbers the guide prints and discusses
    assert (shipped["critical"], shipped["vague"]["critical"]) == (31, 32)
    assert shipped["type1"] == pytest.approx(0.1959, abs=5e-5)


def test_a_changed_prior_is_reported():
    """The comparison can fail: a moved weight and a missing key are both listed."""
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    moved = json.loads(SHIPPED.read_text(encoding="utf-8"))
    moved["mixture"][0]["weight"] *= 1 + 1e-6
    assert _differences(shipped, moved) == [
        f"/mixture/0/weight: shipped {shipped['mixture'][0]['weight']!r}, "
        f"now {moved['mixture'][0]['weight']!r}"
    ]
    del moved["ess"]
    assert len(_differences(shipped, moved)) == 1
    moved = {**shipped, "versions": {"numpy": "0"}}
    assert _differences(shipped, moved) == []
