"""``bayesmeta fit --engine nuts`` reports the sampling time and ESS per second (issue 22 item 8):
the JSON ``timing`` object and the text line, as ``fit --outcomes`` and ``ipd`` do
(tests/joint/test_joint_timing.py, tests/ipd/test_ipd_cli.py); an exact fit reports none.
``bayesmeta run`` prints the same line under each NUTS spec's line (on the terminal only: the
files it writes stay the same bytes from run to run).

The plumbing only: the exact fit, relabelled as a NUTS fit that sampled for 2 s.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

import bayesmeta.analysis.batch as batch
import bayesmeta.engines as engines
from bayesmeta.cli import main
from bayesmeta.model.result import Diagnostics

ARGV = ["fit", "cart_wu2025", "--events", "orr_events", "--total", "orr_total"]


@pytest.fixture
def sampled_for_two_seconds(monkeypatch):
    real = engines.fit

    def as_nuts(spec, **options):
        assert options["engine"] == "nuts"  # what the CLI asked for
        exact = real(spec, engine="quadrature")
        return exact.updated(
            engine="nuts",
            model={**exact.model, "sampler": "nutpie"},
            diagnostics=Diagnostics(1.002, 800.0, 600.0, 0, sampling_seconds=2.0),
        )

    monkeypatch.setattr(engines, "fit", as_nuts)


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "text"])
def test_a_nuts_fit_reports_its_sampling_time_and_ess_per_second(
    sampled_for_two_seconds, capsys, as_json
):
    assert main([*ARGV, "--engine", "nuts", *(["--json"] if as_json else [])]) == 0
    out = capsys.readouterr().out
    if as_json:
        assert json.loads(out)["timing"] == {
            "sampling_seconds": 2.0,
            "ess_bulk_per_second": 400.0,
            "ess_tail_per_second": 300.0,
        }
    else:
        assert "sampling (nutpie): 2.00 s, 400 bulk ESS/s (min over parameters)" in out


def test_an_exact_fit_reports_no_timing(capsys):
    assert main([*ARGV, "--json"]) == 0
    assert "timing" not in json.loads(capsys.readouterr().out)
    assert main(ARGV) == 0
    assert "ESS/s" not in capsys.readouterr().out


@pytest.mark.parametrize("relabel", [True, False], ids=["nuts", "exact"])
def test_run_prints_the_sampling_time_under_each_nuts_spec(monkeypatch, capsys, tmp_path, relabel):
    real = batch.run_folder

    def run_then_relabel(*args, **kwargs):
        fitted, comparisons = real(*args, **kwargs)
        return [
            replace(
                f,
                result=f.result.updated(
                    engine="nuts",
                    model={**f.result.model, "sampler": "nutpie"},
                    diagnostics=Diagnostics(1.002, 800.0, 600.0, 0, sampling_seconds=2.0),
                ),
            )
            if relabel
            else f
            for f in fitted
        ], comparisons

    monkeypatch.setattr(batch, "run_folder", run_then_relabel)
    argv = ["run", "models/orr_pooled.toml", "--workers", "1", "--out", str(tmp_path / "out")]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("orr_pooled: pooled median rate")
    timing = "  sampling (nutpie): 2.00 s, 400 bulk ESS/s (min over parameters)"
    assert lines[1:2] == ([timing] if relabel else [])
