"""`sensitivity --engine nuts` (issue 10 audit): a ConvergenceWarning of a refit names that refit
(its setting), so the user can tell which of the many fits failed. NUTS is replaced by the exact
engine plus a warning shaped like the real one (``bayesmeta.nuts.summarize.warn_if_needed``)."""

from __future__ import annotations

import warnings

import pytest

import bayesmeta.sensitivity.fitter
from bayesmeta.cli import main
from bayesmeta.errors import ConvergenceWarning


def fake_nuts(model, *, engine, **options):
    from bayesmeta.quad import fit_quadrature

    warnings.warn(
        f"{model.kind} model of '{model.data.outcome}': sampling diagnostics failed: "
        "R-hat 1.08 > 1.01 (increase --tune/--draws, or check the model)",
        ConvergenceWarning,
        stacklevel=2,
    )
    return fit_quadrature(model)


def test_every_convergence_warning_names_its_refit(monkeypatch, capsys):
    monkeypatch.setattr(bayesmeta.sensitivity.fitter, "fit", fake_nuts)
    argv = ["sensitivity", "cart_wu2025", "--events", "dead_events", "--total", "dead_total"]
    status = main([*argv, "--engine", "nuts", "--what", "loo,small", "--min-n", "20"])
    assert status == 0
    # the CLI prints each warning as one line "bayesmeta sensitivity: warning: <message>"
    prefix = "bayesmeta sensitivity: warning: "
    lines = capsys.readouterr().err.splitlines()
    messages = [line[len(prefix) :] for line in lines if line.startswith(prefix)]
    assert len(messages) > 10  # the baseline, one per study left out, the small-study fit
    assert len(set(messages)) == len(messages), "two refits' warnings cannot be told apart"
    assert any("leave out" in m.lower() or "without" in m.lower() for m in messages), messages
    for message in messages:
        assert "sampling diagnostics failed" in message and "R-hat 1.08" in message
        assert message.startswith("sensitivity refit"), message


def test_other_warnings_pass_through_unchanged(monkeypatch):
    from bayesmeta.data import cart_outcome
    from bayesmeta.sensitivity import sensitivity

    def fitter(model):
        from bayesmeta.quad import fit_quadrature

        warnings.warn("something else", RuntimeWarning, stacklevel=2)
        return fit_quadrature(model)

    with pytest.warns(RuntimeWarning, match="^something else$"):
        sensitivity(cart_outcome("death"), what=("small",), min_n=(20,), engine=fitter)
