"""The progress bar of long commands: drawn on a terminal, never under --json."""

from __future__ import annotations

import io

import pytest

from bayesmeta.cli import main


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("as_json", [False, True])
def test_sensitivity_bar_on_a_terminal_and_quiet_under_json(monkeypatch, capsys, as_json):
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    argv = ["sensitivity", "cart_wu2025", "--events", "dead_events", "--total", "dead_total"]
    argv += ["--what", "loo"] + (["--json"] if as_json else [])
    assert main(argv) == 0
    drawn = terminal.getvalue()
    if as_json:
        assert drawn == ""
    else:  # baseline + one fit per study left out
        assert "28/28 fits" in drawn
