"""The repository keeps its promises to a new user: the README opens with the two commands, and
CI runs the second one exactly as written."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```bash\n(.*?)```", text, flags=re.S)
    assert match, "README has no bash block"
    assert text.index(match.group(0)) < 40, "the commands must open the README"
    return [line for line in match.group(1).splitlines() if line.strip()]


def test_readme_opens_with_exactly_two_commands():
    commands = _readme_commands()
    assert len(commands) == 2
    main_job, tests = commands
    for command in commands:
        # both install the exact versions of the committed lock (tests/test_lock.py checks it)
        assert command.startswith(
            'python3 -m venv .venv && .venv/bin/pip install -q -c requirements-lock.txt -e ".[dev]"'
        )
    assert "bayesmeta run models --out report" in main_job
    assert tests.endswith("-m pytest")


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _readme_commands()[1] in ci.splitlines()
    assert "-c requirements-lock.txt" in _readme_commands()[1]


def test_readme_documents_the_lock_refresh():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    development = text[text.index("## Development") :]
    assert "tools/refresh_lock.sh" in development
    assert (ROOT / "tools" / "refresh_lock.sh").stat().st_mode & 0o111


def test_models_folder_has_every_flagship_analysis():
    names = {path.stem for path in (ROOT / "models").glob("*.toml")}
    for outcome in ("orr", "crr", "death"):
        for analysis in (
            "pooled",
            "by_cancer_type",
            "by_country",
            "by_antigen",
            "by_costim_domain",
        ):
            assert f"{outcome}_{analysis}" in names
