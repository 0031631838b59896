"""The IPD model's NUTS settings come from ``model/options.py`` (``NUTS_IPD``), the one source.

Every default is every NUTS path's (``NutsOptions``) but the target acceptance, which is the IPD
model's own named value (``IPD_TARGET_ACCEPT``, 0.9: 0.95, the study-level models' default, gave
a lower ESS there; ``benchmarks/bayes/ipd_target_accept.md``). A setting given is passed as
given, and a count of 0 is refused as on every NUTS path (the CLI used to replace it by the
default). The sampler is replaced by a recorder (no sampling), so these tests check only what
the IPD sampler is asked for, from the library, the CLI and a spec file.
"""

from __future__ import annotations

import inspect
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from bayesmeta.cli import main
from bayesmeta.data.patients import patients_from_frame
from bayesmeta.errors import ConvergenceWarning
from bayesmeta.model.options import IPD_TARGET_ACCEPT, NUTS_IPD, TARGET_ACCEPT, NutsOptions
from bayesmeta.nuts import ipd as nuts_ipd
from bayesmeta.nuts import sampling

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "tests" / "cli" / "ipd_patients.csv")
SETTINGS = ("draws", "tune", "chains", "seed", "target_accept", "sampler")


@pytest.fixture
def asked(monkeypatch):
    """Replace the IPD sampler by one that records its settings and returns iid draws."""
    calls = []

    def recorder(X, events, total, starts, **kwargs):
        calls.append({key: kwargs[key] for key in SETTINGS})
        rng = np.random.default_rng(1)
        shape = (kwargs["chains"], kwargs["draws"])
        return nuts_ipd.GroupedDraws(
            beta=rng.normal(size=(*shape, X.shape[1])),
            tau=np.abs(rng.normal(size=shape)),
            slope_sd=None,
            diverging=np.zeros(shape, bool),
            sampler="nutpie",
            seconds=1.0,
        )

    monkeypatch.setattr(nuts_ipd, "sample_grouped", recorder)
    return calls


def _design():
    import pandas as pd

    from bayesmeta.ipd.within_across import ipd_design

    data = patients_from_frame(pd.read_csv(TINY), trial="trial", outcome="y")
    return ipd_design(data, "x")


def test_the_ipd_defaults_are_the_shared_ones_but_its_named_target_acceptance():
    default = inspect.signature(nuts_ipd.sample_grouped).parameters["target_accept"].default
    assert default == NUTS_IPD.target_accept == IPD_TARGET_ACCEPT
    shared = NutsOptions().to_dict()
    assert NUTS_IPD.to_dict() == {**shared, "target_accept": IPD_TARGET_ACCEPT}


def test_fit_ipd_asks_the_sampler_for_the_ipd_defaults(asked, monkeypatch):
    from bayesmeta.engines import fit
    from bayesmeta.ipd.bayes import fit_ipd
    from bayesmeta.model.spec import build_model
    from bayesmeta.nuts import predictive

    result = fit_ipd(_design(), engine="nuts")
    assert asked == [NUTS_IPD.to_dict()]
    assert result.settings["target_accept"] == IPD_TARGET_ACCEPT  # recorded in the JSON
    with warnings.catch_warnings():  # 50 iid draws: the diagnostics may fail
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit_ipd(_design(), engine="nuts", target_accept=0.99, draws=50)
    assert asked[1] == {**NUTS_IPD.to_dict(), "target_accept": 0.99, "draws": 50}
    # the study-level NUTS path keeps the shared default
    univariate = []

    def fake_sample(spec, *, draws, tune, chains, seed, sampler, target_accept):
        univariate.append(target_accept)
        return predictive.prior_draws(spec, draws=draws, chains=chains, seed=seed)

    monkeypatch.setattr(sampling, "sample", fake_sample)
    from bayesmeta.data import cart_outcome

    with pytest.warns(ConvergenceWarning):  # prior draws, 20 of them: diagnostics fail
        fit(build_model(cart_outcome("orr")), engine="nuts", draws=20, chains=1)
    assert univariate == [TARGET_ACCEPT]


def test_cli_and_spec_file_take_the_ipd_defaults_and_pass_what_is_given(asked, capsys, tmp_path):
    argv = ["ipd", TINY, "--outcome", "y", "--modifiers", "x", "--engine", "nuts", "--json"]
    assert main(argv) == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out)["sampler"]["target_accept"] == 0.9
    assert main([*argv, "--draws", "30", "--tune", "0", "--chains", "2", "--seed", "0"]) == 0
    capsys.readouterr()
    given = {**NUTS_IPD.to_dict(), "draws": 30, "tune": 0, "chains": 2, "seed": 0}
    spec = tmp_path / "s.toml"
    spec.write_text(
        f'name = "tiny"\n[data]\ncsv = "{TINY}"\noutcome = "y"\n'
        '[model]\nkind = "ipd"\nmodifiers = "x"\n[sampler]\nengine = "nuts"\n',
        encoding="utf-8",
    )
    assert main(["run", str(spec), "--out", str(tmp_path / "r")]) == 0, capsys.readouterr().err
    assert asked == [NUTS_IPD.to_dict(), given, NUTS_IPD.to_dict()]


@pytest.mark.parametrize(
    "option, message",
    [("--draws", "draws must be a whole number >= 1, got 0"), ("--chains", "chains must be")],
)
def test_a_zero_count_is_a_one_line_error_not_the_default(asked, capsys, option, message):
    argv = ["ipd", TINY, "--outcome", "y", "--modifiers", "x", "--engine", "nuts", option, "0"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and not asked
