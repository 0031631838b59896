"""`compare --common-studies`: models on different studies are refitted on the studies they all
use, the others are recorded as excluded, saved fits of another study set are not reused, and
the complete-response specs (the costimulatory-domain one included) rank with all Pareto k < 0.7.

Small synthetic specs with the exact engine (deterministic, milliseconds). The reference for
"refitted on the intersection" is independent of the restriction code: the same model written
as a spec whose CSV only holds the common studies must give the same elpd (tolerance 1e-9:
same grid, same seeded resampling, so only floating-point noise may differ).
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

from bayesmeta.analysis import comparison as comparison_module
from bayesmeta.analysis.comparison import compare_specs
from bayesmeta.analysis.shared_studies import REASON, shared_studies
from bayesmeta.analysis.specfile import load_spec
from bayesmeta.cli import main
from bayesmeta.errors import ConvergenceWarning, InputError

MODELS = Path(__file__).resolve().parents[2] / "models"
FRAME = pd.DataFrame(
    {
        "study": ["a", "b", "c", "d", "e", "f", "g"],
        "events": [3, 9, 15, 2, 7, 11, 4],
        "total": [10, 12, 40, 9, 8, 20, 15],
        "group": ["x", "x", None, "x", "y", None, "y"],
    }
)
COMMON = ["a", "b", "d", "e", "g"]  # the studies with a known group
SPEC = """
title = "{name}"
[data]
csv = "{csv}"
outcome = "rate"
events = "events"
total = "total"
[model]
{model}
[sampler]
engine = "quadrature"
draws = 400
chains = 2
seed = 5
[baselines]
methods = ["DL"]
"""


def write_spec(folder: Path, name: str, model: str, csv: str = "data.csv") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(SPEC.format(name=name, csv=csv, model=model), encoding="utf-8")
    return path


@pytest.fixture()
def specs(tmp_path) -> dict[str, Path]:
    folder = tmp_path / "specs"
    folder.mkdir()
    FRAME.to_csv(folder / "data.csv", index=False)
    return {
        "pooled": write_spec(folder, "pooled", 'kind = "random"'),
        "by_group": write_spec(folder, "by_group", 'kind = "subgroup"\nby = "group"'),
    }


def test_shared_studies_keeps_the_first_order():
    assert shared_studies([["c", "a", "b"], ["a", "b", "z"], ["b", "c", "a"]]) == ("a", "b")


def test_common_studies_refits_on_the_intersection_and_records_the_exclusions(specs, tmp_path):
    loaded = [load_spec(specs["pooled"]), load_spec(specs["by_group"])]
    result = compare_specs(loaded, common_studies=True)
    assert result.k == len(COMMON) and all(r.k == len(COMMON) for r in result.rows)
    assert all(sorted(loo.studies) == COMMON for loo in result.loos)
    assert result.left_out == {"pooled": ("c", "f"), "by_group": ()}
    assert result.all_left_out == ["c", "f"]
    pooled = {e["study"]: e["reason"] for e in result.excluded["pooled"]}
    assert set(pooled) == {"c", "f"}
    assert all(r.startswith(REASON) and "by_group" in r for r in pooled.values())
    grouped = {e["study"]: e["reason"] for e in result.excluded["by_group"]}
    assert grouped == {"c": "missing covariate 'group'", "f": "missing covariate 'group'"}
    # independent reference: the same model on a CSV that only has the common studies
    FRAME[FRAME.study.isin(COMMON)].to_csv(tmp_path / "specs" / "common.csv", index=False)
    alone = write_spec(tmp_path / "specs", "pooled", 'kind = "random"', csv="common.csv")
    reference = compare_specs([load_spec(alone), load_spec(specs["by_group"])])
    elpd = {r.name: r.elpd_loo for r in result.rows}
    assert {r.name: r.elpd_loo for r in reference.rows} == pytest.approx(elpd, rel=0, abs=1e-9)
    assert reference.left_out == {} and not reference.common_studies


def test_models_on_the_same_studies_are_unchanged_by_the_option(specs):
    common = specs["pooled"].parent / "common_effect.toml"
    common.write_text(specs["pooled"].read_text().replace('"random"', '"common"'), encoding="utf-8")
    loaded = [load_spec(specs["pooled"]), load_spec(common)]
    plain = compare_specs(loaded)
    with_option = compare_specs(loaded, common_studies=True)
    assert [r.to_dict() for r in plain.rows] == [r.to_dict() for r in with_option.rows]
    assert with_option.all_left_out == [] and with_option.k == len(FRAME)


def test_too_few_common_studies_is_an_input_error(specs, tmp_path):
    other = pd.DataFrame({"study": ["a", "y", "z"], "events": [3, 4, 5], "total": [10, 10, 10]})
    other.to_csv(tmp_path / "specs" / "other.csv", index=False)
    lonely = write_spec(tmp_path / "specs", "lonely", 'kind = "random"', csv="other.csv")
    with pytest.raises(InputError, match=r"share 1 study \(a\)"):
        compare_specs([load_spec(specs["pooled"]), load_spec(lonely)], common_studies=True)


def test_without_the_option_the_error_suggests_it(specs, capsys):
    assert main(["compare", str(specs["pooled"]), str(specs["by_group"])]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "use different studies" in err
    assert err.rstrip().endswith("to refit every model on the studies they all use")
    assert "use --common-studies" in err.rsplit(";", 1)[-1]


def test_cli_json_and_table_say_how_many_studies(specs, capsys):
    argv = ["compare", str(specs["pooled"]), str(specs["by_group"]), "--common-studies"]
    assert main([*argv, "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert {r["k"] for r in rows.values()} == {len(COMMON)}
    assert rows["pooled"]["left_out"] == ["c", "f"] and rows["by_group"]["left_out"] == []
    assert rows["pooled"]["common_studies"] is True
    assert {e["study"] for e in rows["pooled"]["excluded"]} == {"c", "f"}
    assert all(e["reason"].startswith(REASON) for e in rows["pooled"]["excluded"])
    assert main(argv) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert first.startswith("Compared on 5 studies") and "2 left out" in first
    # each left-out study once, with the model that lacks it (not once per model)
    assert out.count("c, f") == 1 and "  c, f: by_group (" in out


def test_saved_fits_are_reused_only_for_the_same_studies(specs, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    assert main(["run", str(specs["pooled"].parent), "--out", str(out)]) == 0
    capsys.readouterr()
    # the folder run ranks both models on the common studies, labelled with their number
    payload = json.loads((out / "comparison.json").read_text(encoding="utf-8"))["rate"]
    assert payload["rows"] == [] and len(payload["not_compared"]) == 1  # one model per set
    assert payload["common_studies"]["k"] == 5 and payload["common_studies"]["left_out"] == [
        "c",
        "f",
    ]
    assert {r["name"] for r in payload["common_studies"]["rows"]} == {"pooled", "by_group"}
    assert "on the 5 studies they all use" in (out / "index.md").read_text(encoding="utf-8")

    fitted = []
    original = comparison_module.posterior_draws

    def recording(spec, model):
        fitted.append((spec.name, model.data.k))
        return original(spec, model)

    monkeypatch.setattr(comparison_module, "posterior_draws", recording)
    argv = ["compare", str(specs["pooled"]), str(specs["by_group"]), "--common-studies"]
    assert main([*argv, "--out", str(out), "--json"]) == 0
    # by_group's saved fit has the 5 common studies: reused; pooled's has 7: refitted on 5
    assert fitted == [("pooled", 5)]
    reused = {r["name"]: r["elpd_loo"] for r in json.loads(capsys.readouterr().out)}
    fitted.clear()
    assert main([*argv, "--json"]) == 0
    assert sorted(fitted) == [("by_group", 5), ("pooled", 5)]
    fresh = {r["name"]: r["elpd_loo"] for r in json.loads(capsys.readouterr().out)}
    assert fresh == pytest.approx(reused, abs=1e-9)  # same seed, same numbers


@pytest.mark.sampling
def test_complete_response_specs_all_rank_on_common_studies_with_k_below_threshold():
    """Done-criterion of issue 5 on every complete-response spec, the costimulatory domain (8
    studies) and the NUTS regression (draws reduced to keep the test short) included."""
    loaded = []
    for path in sorted(MODELS.glob("crr_*.toml")):
        spec = load_spec(path)
        if spec.sampler["engine"] == "nuts":
            spec = dataclasses.replace(spec, sampler=spec.sampler | {"draws": 500, "tune": 500})
        loaded.append(spec)
    assert len(loaded) >= 6
    with warnings.catch_warnings():
        # short chains may miss an ESS target; this test is about the ranking and Pareto k
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = compare_specs(loaded, common_studies=True)
    rows = result.to_list()
    assert sorted(r["name"] for r in rows) == sorted(s.name for s in loaded)
    assert all(r["pareto_k_max"] < 0.7 for r in rows)
    assert {r["k"] for r in rows} == {8}  # the studies with a known costimulatory domain
    assert len(result.all_left_out) == 19
    assert sum(r["weight"] for r in rows) == pytest.approx(1.0)
    assert rows[0]["elpd_diff"] == 0.0 and all(r["elpd_diff"] >= 0 for r in rows)
