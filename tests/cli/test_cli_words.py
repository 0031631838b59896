"""Words a statistician reads: counts, exact fits, pooled values of models without one mu, orders."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bayesmeta.cli import main
from bayesmeta.plural import plural

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "examples" / "data.csv")


def test_plural():
    assert [plural(n, "study") for n in (0, 1, 2)] == ["0 studies", "1 study", "2 studies"]
    assert plural(1, "subset") == "1 subset" and plural(3, "subset") == "3 subsets"


def test_no_message_counts_studies_by_hand():
    """Every f-string that counts studies goes through plural() ("1 study", never "1 studies")."""
    pattern = re.compile(r"\{[^{}:]+\} stud(y|ies)\b")
    found = []
    for path in (ROOT / "bayesmeta").rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_exact_fit_says_exact_not_empty_diagnostics(capsys):
    assert main(["fit", EXAMPLE, "--events", "x", "--total", "n"]) == 0
    text = capsys.readouterr().out
    assert "diagnostics: Exact (no sampling)" in text
    assert "R-hat max -" not in text
    assert main(["fit", EXAMPLE, "--events", "x", "--total", "n", "--json"]) == 0
    diagnostics = json.loads(capsys.readouterr().out)["diagnostics"]
    assert diagnostics["sampled"] is False
    assert set(diagnostics) >= {"rhat_max", "ess_bulk_min", "ess_tail_min", "divergences", "ok"}


def test_subgroup_and_regression_pooled_rate_is_at_the_average_study(capsys):
    assert main(["fit", EXAMPLE, "--events", "x", "--total", "n", "--by", "region"]) == 0
    text = capsys.readouterr().out
    assert "pooled rate at the average study" in text
    assert "pooled rate expit(mu)" not in text
    assert main(["fit", EXAMPLE, "--events", "x", "--total", "n"]) == 0
    assert "pooled rate expit(mu)" in capsys.readouterr().out


def test_cumulative_orders_by_the_total_and_the_events(capsys):
    for column in ("n", "x"):
        argv = ["cumulative", EXAMPLE, "--events", "x", "--total", "n", "--order", column]
        assert main([*argv, "--json"]) == 0
        rows = json.loads(capsys.readouterr().out)["frequentist"]["rows"]
        sizes = {"Diaz 2018": 19, "Fujita 2020": 22, "Abel 2016": 24}
        if column == "n":
            assert [r["study"] for r in rows[:3]] == list(sizes)
        assert len(rows) == 8
    assert main(["cumulative", EXAMPLE, "--events", "x", "--total", "n", "--order", "nope"]) == 2


def test_simulate_names_each_scenario_by_its_parameters(tmp_path, capsys):
    scenarios = tmp_path / "SCENARIOS.toml"
    scenarios.write_text(
        'seed = 1\nreplicates = 2\nmethods = ["DL"]\n[grid]\nk = [5]\n'
        'sizes = ["uniform(20, 100)"]\nrate = [0.3]\ntau = [0.5, 1.0]\n'
    )
    argv = ["simulate", str(scenarios), "--out", str(tmp_path / "sim"), "--workers", "1"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 scenarios x 2 replicates x 1 method: 4 fits")
    assert "scenario 0 (k=5, sizes=uniform(20, 100), rate=0.3, tau=0.5)" in out
    assert "scenario 1 (k=5, sizes=uniform(20, 100), rate=0.3, tau=1)" in out
