"""Spec files: every flagship file loads; every error kind is one line naming the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bayesmeta.analysis.specfile import load_spec, read_spec
from bayesmeta.errors import SpecError

MODELS = Path(__file__).resolve().parents[2] / "models"

GOOD = """
title = "t"
[data]
dataset = "cart_wu2025"
outcome = "crr"
events = "crr_events"
total = "crr_total"
[model]
kind = "subgroup"
by = "cancer_type"
separate_tau = true
[priors]
tau = "halfnormal(1.5)"
[sampler]
engine = "quadrature"
draws = 500
seed = 1
[baselines]
methods = ["DL", "GLMM"]
"""


def write(tmp_path: Path, text: str, name: str = "spec.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_flagship_specs_load_and_cover_the_paper():
    paths = sorted(MODELS.glob("*.toml"))
    assert len(paths) >= 10
    specs = [load_spec(p) for p in paths]
    names = {s.name for s in specs}
    for outcome in ("orr", "crr", "death"):
        for suffix in ("pooled", "by_cancer_type", "by_country", "by_antigen", "by_costim_domain"):
            assert f"{outcome}_{suffix}" in names
    assert all(s.outcome in ("orr", "crr", "death") for s in specs)


def test_good_spec_fills_defaults(tmp_path):
    spec = load_spec(write(tmp_path, GOOD))
    assert spec.name == "spec"
    assert spec.data["study"] == "study"
    assert spec.sampler["chains"] == 2 and spec.sampler["draws"] == 500
    assert spec.baselines == ("DL", "GLMM")
    assert spec.used_covariates() == ["cancer_type"]


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ('title = "t"', 'title = "t"\ncolour = "red"', "colour", "unknown key"),
        ("seed = 1", "seed = 1\nthinning = 2", "[sampler] thinning", "unknown key"),
        ("draws = 500", 'draws = "many"', "[sampler] draws", "expected a integer"),
        (
            "separate_tau = true",
            'separate_tau = "yes"',
            "[model] separate_tau",
            "expected a boolean",
        ),
        (
            'tau = "halfnormal(1.5)"',
            'tau = "weibull(1, 1)"',
            "[priors] tau",
            "unknown prior family",
        ),
        ('tau = "halfnormal(1.5)"', 'tau = "normal(0, 1)"', "[priors] tau", "not a scale prior"),
        ('by = "cancer_type"', 'by = "blood_group"', "[model] by", "not in the data"),
        ('events = "crr_events"\n', "", "[data] events", "missing required key"),
        ('kind = "subgroup"', 'kind = "mixture"', "[model] kind", "unknown kind"),
        ('by = "cancer_type"\n', "", "[model] by", "missing required key"),
        ('engine = "quadrature"', 'engine = "gibbs"', "[sampler] engine", "unknown engine"),
        (
            'methods = ["DL", "GLMM"]',
            'methods = ["DL", "XYZ"]',
            "[baselines] methods",
            "unknown method",
        ),
        (
            'dataset = "cart_wu2025"',
            'dataset = "nope"',
            "[data] dataset",
            "unknown bundled dataset",
        ),
        ('dataset = "cart_wu2025"', 'csv = "missing.csv"', "[data] csv", "no such file"),
        ('total = "crr_total"', 'total = "crr_totals"', "[data] total", "not in the data"),
        ("seed = 1", "seed = 1\n[paper]\nci = [0.1]", "[paper] ci", "two numbers"),
        (
            "seed = 1",
            'seed = 1\n[paper.groups.USA]\nci = [0.1, "x"]',
            "[paper] groups.USA.ci",
            "two numbers",
        ),
    ],
)
def test_each_error_is_one_line_naming_file_and_key(tmp_path, old, new, key, words):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {key}"), message
    assert words in message, message


def test_missing_section_and_bad_toml(tmp_path):
    with pytest.raises(SpecError, match=r"model: missing required key"):
        read_spec(write(tmp_path, GOOD.split("[model]")[0]))
    with pytest.raises(SpecError, match="invalid TOML"):
        read_spec(write(tmp_path, "title = ", name="bad.toml"))
    with pytest.raises(SpecError, match="no such spec file"):
        read_spec(tmp_path / "absent.toml")


def test_engine_is_checked_by_the_boundary_rule(tmp_path):
    """The spec's engine is checked by the boundary's one rule when the model is built; since
    issue 11 the exact engine supports every kind, the regression included."""
    from bayesmeta.analysis.fitting import to_model
    from bayesmeta.engines import resolve

    text = GOOD.replace('kind = "subgroup"', 'kind = "regression"').replace(
        'by = "cancer_type"', 'formula = "cancer_type"'
    )
    spec = read_spec(write(tmp_path, text.replace("separate_tau = true\n", "")))
    model = to_model(spec)
    assert model.kind == "regression" and resolve(model, spec.sampler["engine"]) == "quadrature"
    shared = read_spec(
        write(
            tmp_path,
            GOOD.replace("separate_tau = true", "separate_tau = false"),
            name="shared.toml",
        )
    )
    assert to_model(shared).separate_tau is False


def test_csv_path_is_relative_to_the_spec(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.csv").write_text("study,e,n,g\nA,1,10,x\nB,2,10,y\nC,3,9,x\n")
    text = GOOD.replace('dataset = "cart_wu2025"', 'csv = "d.csv"').replace("crr_events", "e")
    text = text.replace("crr_total", "n").replace("cancer_type", "g")
    spec = load_spec(write(tmp_path / "sub", text))
    assert spec.data["csv"] == "d.csv"
