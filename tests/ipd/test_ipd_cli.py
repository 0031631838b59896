"""``bayesmeta ipd`` and IPD spec files end to end: JSON shape, the SIMULATED label, one-line
errors, the output folder."""

import json
from pathlib import Path

import pytest

from bayesmeta.cli import main

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "tests" / "cli" / "ipd_patients.csv")
TINY_AD = str(ROOT / "tests" / "cli" / "ipd_aggregate.csv")


def _run(argv, capsys):
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_bundled_simulated_glmm_json_is_labelled_and_complete(tmp_path, capsys):
    argv = ["ipd", "ipd_lalu2025_simulated", "--outcome", "cr", "--modifiers", "bridging"]
    status, out, err = _run([*argv, "--method", "GLMM", "--json", "--out", str(tmp_path)], capsys)
    assert status == 0, err
    payload = json.loads(out)
    assert "SIMULATED" in payload["data_note"]
    assert "**SIMULATED data" in (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "SIMULATED" in json.loads((tmp_path / "result.json").read_text())["data_note"]
    assert set(payload["coefficients"]) == {"intercept", "bridging:within", "bridging:across"}
    assert set(payload["coefficients"]["bridging:within"]) == {"estimate", "se", "ci"}
    assert payload["tau2"] > 0 and payload["loglik"] < 0 and payload["lrt_tau"]["p"] < 0.05
    # the paper's naive comparison, beside the one-stage odds ratios
    bridged = payload["naive"]["bridging"][1]
    assert bridged["level"] == "1" and bridged["rr"] == pytest.approx(0.60, abs=0.02)
    assert bridged["or_within"] > bridged["or_across"]
    # patients of trials that did not record bridging are left out, and listed
    assert len(payload["excluded"]) == 2331 - payload["n_patients"]
    assert {"row", "trial", "reason"} <= set(payload["excluded"][0])


def test_bayes_json_has_within_across_and_their_difference(capsys):
    argv = ["ipd", TINY, "--outcome", "y", "--modifiers", "x + z", "--json"]
    status, out, err = _run(argv, capsys)
    assert status == 0, err
    payload = json.loads(out)
    assert payload["engine"] == "quadrature" and "log_evidence" in payload
    within = payload["coefficients"]["x:within"]
    assert set(within) == {"median", "lo", "hi", "prob_negative"}
    assert within["lo"] < within["median"] < within["hi"]
    assert set(payload["differences"]) == {"x", "z"}
    assert 0 <= payload["differences"]["x"]["prob_negative"] <= 1
    assert set(payload["tau"]) == {"median", "lo", "hi"}
    assert payload["priors"] == {
        "intercept": "normal(0, 2.5)",
        "beta": "normal(0, 2.5)",
        "tau": "halfnormal(1.5)",
    }


def test_aggregate_trials_are_counted_and_the_approximation_stated(capsys):
    argv = ["ipd", TINY, "--outcome", "y", "--modifiers", "x + z", "--method", "GLMM"]
    argv += ["--aggregate", TINY_AD, "--events", "e", "--total", "n", "--json"]
    status, out, err = _run(argv, capsys)
    assert status == 0, err
    payload = json.loads(out)
    assert payload["aggregate_trials"] == ["T10", "T9"] and payload["k"] == 10
    assert "logit of a mean" in payload["aggregate_note"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("trial,y,x\nA,1,0\nA,2,1\n", "row 2 (trial 'A'): 'y' = 2 is not 0 or 1"),
        ("trial,y,x\nA,1,0\n,0,1\n", "row 2: trial label is missing in column 'trial'"),
        ("trial,y,x\nA,1,zz\nA,0,1\n", None),
    ],
)
def test_bad_patient_rows_are_one_line_errors(tmp_path, capsys, content, message):
    path = tmp_path / "p.csv"
    path.write_text(content, encoding="utf-8")
    status, out, err = _run(["ipd", str(path), "--outcome", "y", "--modifiers", "x"], capsys)
    assert status == 2 and out == "" and err.count("\n") == 1
    if message:
        assert err == f"bayesmeta ipd: error: {message}\n"


def test_out_folder_and_spec_file(tmp_path, capsys):
    out = tmp_path / "o"
    argv = ["ipd", TINY, "--outcome", "y", "--modifiers", "x + z", "--method", "GLMM"]
    assert _run([*argv, "--out", str(out)], capsys)[0] == 0
    names = {p.name for p in out.iterdir()}
    assert {"result.json", "coefficients.csv", "naive.csv", "report.md", "forest"} <= names
    assert {p.name for p in (out / "forest").iterdir()} == {"x.png", "z.png"}
    (out / "stray.txt").write_text("mine", encoding="utf-8")  # not ours: never replaced
    status, _, err = _run([*argv, "--out", str(out)], capsys)
    assert status == 2 and "not written by bayesmeta" in err
    assert (out / "stray.txt").exists()
    spec = tmp_path / "s.toml"
    spec.write_text(
        f'name = "tiny"\n[data]\ncsv = "{TINY}"\noutcome = "y"\n'
        '[model]\nkind = "ipd"\nmodifiers = "x + z"\nmethod = "GLMM"\n',
        encoding="utf-8",
    )
    status, out_text, err = _run(["run", str(spec), "--out", str(tmp_path / "r")], capsys)
    assert status == 0, err
    result = json.loads((tmp_path / "r" / "tiny" / "result.json").read_text())
    assert result["kind"] == "ipd" and result["method"] == "GLMM"
    spec.write_text(spec.read_text().replace('method = "GLMM"', 'methd = "GLMM"'), "utf-8")
    status, _, err = _run(["run", str(spec), "--out", str(tmp_path / "r")], capsys)
    assert status == 2 and f"{spec}: [model] methd: unknown key" in err


@pytest.mark.parametrize("as_json", [True, False])
def test_a_nuts_fit_reports_ess_per_second(monkeypatch, capsys, as_json):
    # the plumbing only: the exact analysis, relabelled as a NUTS fit that sampled for 2 s
    import dataclasses

    import bayesmeta.ipd.analysis as ipd_analysis
    from bayesmeta.model.result import Diagnostics

    real = ipd_analysis.run_ipd

    def as_nuts(*args, **kwargs):
        analysis = real(*args, **kwargs)
        sampled = Diagnostics(1.002, 800.0, 600.0, 0, sampling_seconds=2.0)
        bayes = dataclasses.replace(
            analysis.bayes, engine="nuts", diagnostics=sampled, settings={"sampler": "nutpie"}
        )
        return dataclasses.replace(analysis, bayes=bayes)

    monkeypatch.setattr(ipd_analysis, "run_ipd", as_nuts)
    argv = ["ipd", TINY, "--outcome", "y", "--modifiers", "x"] + (["--json"] if as_json else [])
    status, out, err = _run(argv, capsys)
    assert status == 0, err
    if as_json:
        timing = json.loads(out)["timing"]
        assert timing == {
            "sampling_seconds": 2.0,
            "ess_bulk_per_second": 400.0,
            "ess_tail_per_second": 300.0,
        }
    else:
        assert "sampling (nutpie): 2.00 s, 400 bulk ESS/s" in out
