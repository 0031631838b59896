"""Every ``bayesmeta ...`` line of README.md and the user guide runs and exits as documented.

The lines are run once per session by the ``documented`` fixture (``tests/docs/conftest.py``,
which says which slow lines run with smaller settings); none is skipped. A new line added to
the README or the guide is picked up automatically.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_documented_command_exits_as_documented(documented, doc_tools):
    failed = [
        f"{ran.command.document}: `{ran.command.line}` exited {ran.status} "
        f"(documented {ran.command.expected}): {ran.stderr.strip()[-600:]}"
        for ran in documented.runs
        if ran.status != ran.command.expected
    ]
    assert not failed, "\n".join(failed)
    # every distinct command ran (the same command twice runs once), README's included
    ran = {(*r.argv,) for r in documented.runs}
    documented_argvs = {
        (*doc_tools.to_argv(c.line, documented.workspace)[0],) for c in doc_tools.all_commands()
    }
    assert ran == documented_argvs
    assert sum(r.command.document == "README.md" for r in documented.runs) >= 30


def test_quick_start_writes_a_report(documented, doc_tools):
    """The README's quick start ends in a report folder a reader can open."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0].split("\n---", 1)[0]
    assert len(quick.strip().splitlines()) <= 15 + 2, "the quick start is at most 15 lines"
    commands = doc_tools.documented_commands(quick, "README.md")
    verbs = [c.line.split()[1] for c in commands]
    assert verbs[:3] == ["freq", "fit", "run"], verbs
    run = next(c for c in commands if c.line.split()[1] == "run")
    out = run.line.split("--out")[1].split()[0]
    reports = list((documented.workspace / out).glob("*/report.html"))
    assert reports, f"`{run.line}` wrote no report"
    assert "examples/" in quick and "docs" in quick


def test_the_readme_opens_with_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```bash\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert len(first_block) == 2
    assert first_block[0].endswith(".venv/bin/bayesmeta run models --out report")
    assert first_block[1].endswith(".venv/bin/python -m pytest")
    assert readme.index("## Quick start") < readme.index("## Command line")


def test_extraction_reads_continuations_prompts_errors_and_redirects(tmp_path, doc_tools):
    text = "\n".join(
        [
            "```bash",
            "bayesmeta map cart_wu2025 --events e --total t \\",
            "    --robust 0.2 --json > MAP.json",
            "sleep 60; bayesmeta simulate S.toml --out sim   # a comment",
            "pip install x && .venv/bin/bayesmeta run models --out report",
            "echo not this one",
            "```",
            "```console",
            "$ bayesmeta freq bad.csv --events x --total n",
            "bayesmeta freq: error: study 'D': 'x' = 30 exceeds 'n' = 25",
            "bayesmeta fit: error: an output line, not a command",
            "```",
            "```python",
            "bayesmeta freq not a shell line",
            "```",
        ]
    )
    commands = doc_tools.documented_commands(text, "T.md")
    assert [c.line.split()[1] for c in commands] == ["map", "simulate", "run", "freq"]
    assert [c.expected for c in commands] == [0, 0, 0, 2]
    argv, redirect = doc_tools.to_argv(commands[0].line, tmp_path)
    assert redirect == "MAP.json" and argv[-1] == "--json" and "--robust" in argv
    argv, redirect = doc_tools.to_argv(commands[1].line, tmp_path)
    assert argv == ["simulate", "S.toml", "--out", "sim"] and redirect is None
    (tmp_path / "scheduler.txt").write_text("local:1\n")
    argv, _ = doc_tools.to_argv('bayesmeta simulate S --scheduler "$(cat scheduler.txt)"', tmp_path)
    assert argv[-1] == "local:1"
    argv, _ = doc_tools.to_argv("bayesmeta multiverse m.toml --sample 500 --workers 2", tmp_path)
    assert argv == ["multiverse", "m.toml", "--sample", "20", "--workers", "2"]


def test_a_failing_line_is_reported(documented, doc_tools, monkeypatch):
    """The check can fail: a line exiting 2 where 0 is documented is listed."""
    from bayesmeta.cli import main

    monkeypatch.chdir(documented.workspace)
    (command,) = doc_tools.documented_commands(
        "```bash\nbayesmeta freq examples/bad.csv --events x --total n\n```", "T.md"
    )
    assert command.expected == 0
    assert main(doc_tools.to_argv(command.line, documented.workspace)[0]) == 2


def test_every_example_file_named_is_shipped(doc_tools):
    """A file under ``examples/`` that README.md or the guide names is in the repository."""
    import re

    named = {
        match
        for document in doc_tools.documents
        for match in re.findall(
            r"examples/[\w.-]+\.(?:csv|toml|json)", (ROOT / document).read_text(encoding="utf-8")
        )
    }
    assert {"examples/studies.csv", "examples/SCENARIOS.toml"} <= named
    missing = sorted(name for name in named if not (ROOT / name).is_file())
    assert not missing, f"named in the docs but not shipped: {missing}"
