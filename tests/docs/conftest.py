"""Every ``bayesmeta ...`` command line of README.md and docs/guide, run once per session.

The lines are extracted from the fenced code blocks (``bash``, ``console``, ``sh``), in document
order (README.md first, then the guide's pages in file order), and run in-process through
:func:`bayesmeta.cli.main` in one scratch folder holding copies of ``examples/`` and ``models/``,
so a line may use a file an earlier line wrote (``MAP.json``, ``map_leukemia/map.json``) exactly
as a reader running them in order would. A ``console`` line whose documented output is
``bayesmeta CMD: error: ...`` must exit with status 2; every other line with 0. A command that
appears more than once (the flagship run is in the README and twice in the guide) runs once.

Small settings (the only changes to what is written; each keeps the code path the line takes):

- ``multiverse``: ``--sample 20`` (a seeded sample of 20 specifications instead of all or N);
- the scratch copy of ``models/`` holds :data:`SPECS` (8 of the flagship specs: every spec a
  line names, the three outcomes, a model on fewer studies for ``--common-studies``, a GLMM
  refused for separation) and the three multiverse specs; each spec's ``[sampler] draws`` set to 400 (the exact
  engine's resampled draws for LOO and the plots; the fits themselves are exact either way),
  and each multiverse spec's ``[multiverse] sample = 20`` (what ``run --multiverse`` and a
  ``multiverse`` line without ``--sample`` then fit);
- ``simulate``: ``replicates = 2`` in the scratch copy of the scenarios file;
- NUTS lines (``fit --outcomes``, the joint model; ``ipd --random-slope``; any ``--engine nuts``):
  ``--draws 100 --tune 100 --chains 2`` (a value the line sets is replaced), and the scratch
  copies of ``models/joint/`` and ``models/ipd/`` specs get the same ``[sampler]`` settings
  (sampling diagnostics then warn, which the lines may do: only the exit status is checked);
- ``$(cat scheduler.txt)`` of the cluster recipe reads a ``scheduler.txt`` holding ``local:1``
  (a one-process local Dask cluster stands in for the SLURM cluster's address).

Every figure written while the lines run is checked with
:func:`bayesmeta.plots.layout.layout_problems` at the moment it is saved (``Figure.savefig``
is wrapped, and so is :func:`bayesmeta.analysis.spec_figures.png_bytes`, which encodes a
spec's rendered figures without ``savefig``), and the call site of each save is recorded, so
``test_figures_layout.py`` can require that every ``savefig`` and ``png_bytes`` call in the
package was reached.
"""

from __future__ import annotations

import contextlib
import glob
import io
import re
import shlex
import shutil
import sys
import tempfile
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "bayesmeta"
DOCUMENTS = (
    "README.md",
    *sorted(f"docs/guide/{p.name}" for p in (ROOT / "docs/guide").glob("*.md")),
)
#: Fenced-block languages whose lines are shell commands.
SHELL_BLOCKS = ("bash", "console", "sh", "shell")
SPECS = (
    "orr_pooled",
    "orr_by_cancer_type",
    "orr_by_country",
    "crr_pooled",
    "crr_by_cancer_type",
    "crr_by_country",
    "crr_by_costim_domain",
    "death_by_antigen",
    "multiverse_orr",
    "multiverse_crr",
    "multiverse_death",
)
SMALL_SAMPLE = "20"
SMALL_DRAWS = 400
SMALL_REPLICATES = 2
#: NUTS settings of the lines that sample (a tenth of the defaults: compile + a few seconds).
SMALL_NUTS = {"--draws": "100", "--tune": "100", "--chains": "2"}
_INVOCATION = re.compile(r"(?:^|;\s*|&&\s*|\$\s+)((?:\.venv/bin/)?bayesmeta\s.*)$")


@dataclass(frozen=True)
class Command:
    """One documented command line.

    Parameters
    ----------
    document : str
        README.md or a guide page.
    line : str
        The ``bayesmeta ...`` part of the line as written (continuations joined).
    expected : int
        The exit status the document shows (2 for a documented error, else 0).
    """

    document: str
    line: str
    expected: int


@dataclass
class Ran:
    """A command and what it did."""

    command: Command
    argv: list[str]
    status: int
    stderr: str
    seconds: float
    cpu_seconds: float = 0.0


@dataclass
class SavedFigure:
    """A figure saved while the commands ran, with its layout problems."""

    name: str
    site: str
    command: str
    problems: list[str]


@dataclass
class Session:
    """Everything the documented commands did."""

    workspace: Path
    runs: list[Ran] = field(default_factory=list)
    figures: list[SavedFigure] = field(default_factory=list)


def _blocks(text: str):
    for match in re.finditer(r"^```(\w*)[^\n]*\n(.*?)^```", text, re.S | re.M):
        yield match.group(1), match.group(2)


def documented_commands(text: str, document: str) -> list[Command]:
    """The ``bayesmeta`` command lines of a Markdown text.

    Parameters
    ----------
    text : str
        Markdown.
    document : str
        Its name, for messages.

    Returns
    -------
    list of Command
        In order of appearance.
    """
    out = []
    for language, body in _blocks(text):
        if language not in SHELL_BLOCKS:
            continue
        lines = body.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            while line.rstrip().endswith("\\") and i + 1 < len(lines):
                i += 1
                line = line.rstrip()[:-1].rstrip() + " " + lines[i].strip()
            i += 1
            if language == "console" and not line.startswith("$ "):
                continue
            match = _INVOCATION.search(line)
            if not match:
                continue
            expected = 0
            if language == "console" and i < len(lines):
                following = lines[i]
                if re.match(r"bayesmeta \w+: error:", following):
                    expected = 2
            out.append(Command(document, match.group(1).strip(), expected))
    return out


def all_commands() -> list[Command]:
    """Every command of README.md and the guide, in reading order."""
    out = []
    for document in DOCUMENTS:
        out += documented_commands((ROOT / document).read_text(encoding="utf-8"), document)
    return out


def to_argv(line: str, workspace: Path) -> tuple[list[str], str | None]:
    """The arguments of a line (``$(cat FILE)`` expanded, comments dropped) and the file its
    standard output is redirected to, if any; small settings applied."""
    line = re.sub(
        r"\$\(cat ([\w.]+)\)", lambda m: (workspace / m.group(1)).read_text().strip(), line
    )
    words = shlex.split(line, comments=True)
    redirect = None
    if ">" in words:
        at = words.index(">")
        redirect, words = words[at + 1], words[:at]
    words = (
        [w for word in words for w in (sorted(glob.glob(word, root_dir=workspace)) or [word])]
        if any(ch in line for ch in "*?[")
        else words
    )  # the shell's globbing
    words = words[1:]  # the program name
    if words and words[0] == "multiverse":
        if "--sample" in words:
            words[words.index("--sample") + 1] = SMALL_SAMPLE
        else:
            words += ["--sample", SMALL_SAMPLE]
    if _samples(words):
        for option, value in SMALL_NUTS.items():
            if option in words:
                words[words.index(option) + 1] = value
            else:
                words += [option, value]
    return words, redirect


def _samples(words: list[str]) -> bool:
    """Whether a command line samples with NUTS (and so takes ``--draws``)."""
    nuts = "--engine" in words and words[words.index("--engine") + 1 :][:1] == ["nuts"]
    return bool(words) and (
        (words[0] == "fit" and ("--outcomes" in words or nuts))
        or (words[0] == "ipd" and ("--random-slope" in words or nuts))
    )


def _prepare(workspace: Path) -> None:
    shutil.copytree(ROOT / "examples", workspace / "examples")
    (workspace / "models").mkdir()
    for folder in (ROOT / "models").iterdir():  # joint/, ipd/: named by path, never by `run models`
        if folder.is_dir():
            shutil.copytree(folder, workspace / "models" / folder.name)
    for name in SPECS:
        text = (ROOT / "models" / f"{name}.toml").read_text(encoding="utf-8")
        spec = workspace / "models" / f"{name}.toml"
        text = re.sub(r"(?m)^draws = \d+", f"draws = {SMALL_DRAWS}", text)
        text = text.replace("[multiverse]\n", f"[multiverse]\nsample = {SMALL_SAMPLE}\n", 1)
        spec.write_text(text)
    for spec in [
        *(workspace / "models").glob("joint/*.toml"),
        *(workspace / "models").glob("ipd/*.toml"),
    ]:
        text = spec.read_text(encoding="utf-8")
        for key, value in SMALL_NUTS.items():
            text = re.sub(rf"(?m)^{key[2:]} = \d+", f"{key[2:]} = {value}", text)
        spec.write_text(text)
    scenarios = workspace / "examples" / "SCENARIOS.toml"
    text = scenarios.read_text(encoding="utf-8")
    scenarios.write_text(re.sub(r"(?m)^replicates = \d+", f"replicates = {SMALL_REPLICATES}", text))
    (workspace / "scheduler.txt").write_text("local:1\n")


def _cpu_seconds() -> float:
    """CPU seconds of this process and its finished children (pool and Dask workers)."""
    import resource

    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _site(stack) -> str:
    for frame in reversed(stack):
        path = Path(frame.filename).resolve()
        if PACKAGE in path.parents and path.name != "atomic.py":
            return f"{path.relative_to(ROOT).as_posix()}:{frame.lineno}"
    return "outside the package"


def _target_name(name: str) -> str:
    match = re.match(r"^\.(.+?)\.bayesmeta-\d+-", name)
    return match.group(1) if match else name


@pytest.fixture(scope="session")
def doc_tools():
    """The extraction functions of this module, for the tests of the extraction itself."""
    from types import SimpleNamespace

    return SimpleNamespace(
        all_commands=all_commands,
        documented_commands=documented_commands,
        to_argv=to_argv,
        documents=DOCUMENTS,
    )


@pytest.fixture(scope="session")
def documented() -> Iterator[Session]:
    """Run every documented command once (see the module docstring)."""
    import time

    from matplotlib.figure import Figure

    from bayesmeta.cli import main
    from bayesmeta.plots.layout import layout_problems

    # not under pytest's numbered base folder: a concurrent pytest session may rotate that away
    workspace = Path(tempfile.mkdtemp(prefix="bayesmeta-documented-"))
    _prepare(workspace)
    session = Session(workspace)
    current = {"line": ""}
    original = Figure.savefig

    def checked_savefig(self, fname, *args, **kwargs):
        saved = original(self, fname, *args, **kwargs)
        dpi = kwargs.get("dpi")
        dpi = self.dpi if dpi in (None, "figure") else float(dpi)
        problems = [str(p) for p in layout_problems(self, drawn=True, dpi=dpi)]
        session.figures.append(
            SavedFigure(
                name=_target_name(Path(str(getattr(fname, "name", fname))).name),
                site=_site(traceback.extract_stack()[:-1]),
                command=current["line"],
                problems=problems,
            )
        )
        return saved

    import bayesmeta.analysis.spec_figures as spec_figures

    original_png_bytes = spec_figures.png_bytes

    def checked_png_bytes(figure, name):
        content = original_png_bytes(figure, name)
        problems = [str(p) for p in layout_problems(figure, drawn=True, dpi=figure.dpi)]
        session.figures.append(
            SavedFigure(
                name=name,
                site=_site(traceback.extract_stack()[:-1]),
                command=current["line"],
                problems=problems,
            )
        )
        return content

    seen: set[tuple[str, ...]] = set()
    mp = pytest.MonkeyPatch()
    mp.chdir(workspace)
    mp.setattr(Figure, "savefig", checked_savefig)
    mp.setattr(spec_figures, "png_bytes", checked_png_bytes)
    # every figure is checked as it is saved, in this process: `run` fits its specs here too
    mp.setattr("bayesmeta.many.executor.default_workers", lambda: 1)
    # and a `--workers 2` line draws its figures here too, not in a side process (many/side.py)
    mp.setattr("bayesmeta.many.side.side_wanted", lambda **_: False)
    try:
        for command in all_commands():
            argv, redirect = to_argv(command.line, workspace)
            if (*argv, str(redirect)) in seen:
                continue
            seen.add((*argv, str(redirect)))
            current["line"] = command.line
            out, err = io.StringIO(), io.StringIO()
            start, cpu = time.perf_counter(), _cpu_seconds()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    status = main(argv)
                except SystemExit as stop:  # argparse usage errors
                    status = stop.code if isinstance(stop.code, int) else 1
                except Exception:  # an unexpected failure is a failure, with its traceback
                    status = 1
                    traceback.print_exc(file=err)
            if redirect:
                (workspace / redirect).write_text(out.getvalue())
            session.runs.append(
                Ran(
                    command,
                    argv,
                    status,
                    err.getvalue(),
                    time.perf_counter() - start,
                    _cpu_seconds() - cpu,
                )
            )
    finally:
        mp.undo()
        sys.stdout.flush()
    yield session
    shutil.rmtree(workspace, ignore_errors=True)
