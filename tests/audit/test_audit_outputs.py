"""Output folders (issue 10 audit): checked before any work, locked, replaced whole, no stale
or mixed files, saved fits reused only on a matching hash, the umask honoured, and no
temporary files after Ctrl-C, SIGTERM, SIGKILL or a full disk."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bayesmeta.cli import main

ROOT = Path(__file__).resolve().parents[2]
SPEC = """
[data]
dataset = "cart_wu2025"
outcome = "crr"
events = "crr_events"
total = "crr_total"
[model]
{model}
[sampler]
engine = "quadrature"
draws = 200
chains = 1
seed = 5
[baselines]
methods = ["DL"]
"""
RANDOM = 'kind = "random"'
SUBGROUP = 'kind = "subgroup"\nby = "cancer_type"'
COMMON = 'kind = "common"'


def write_spec(folder: Path, name: str, model: str = RANDOM) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(SPEC.format(model=model), encoding="utf-8")
    return path


def hidden(root: Path) -> list[Path]:
    """Temporary leftovers: every hidden file or folder under ``root``."""
    return [p for p in root.rglob(".*")]


def one_line_error(argv, capsys, *words) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert captured.out == "" and len(err.splitlines()) == 1, err
    for word in words:
        assert word in err, err
    return err


# --- --out checked before any work -----------------------------------------------------------


def _no_work(*args, **kwargs):
    raise AssertionError("work started before --out was checked")


@pytest.fixture
def no_work(monkeypatch):
    import bayesmeta.engines
    import bayesmeta.sensitivity
    from bayesmeta.analysis import spec_tasks

    monkeypatch.setattr(spec_tasks, "fit_and_render", _no_work)
    monkeypatch.setattr(bayesmeta.sensitivity, "sensitivity", _no_work)
    monkeypatch.setattr(bayesmeta.engines, "fit", _no_work)


@pytest.mark.parametrize("where", ["file", "below_a_file", "proc"])
@pytest.mark.parametrize("command", ["run", "sensitivity", "fit"])
def test_bad_out_is_refused_before_any_work(tmp_path, capsys, no_work, command, where):
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    out = {"file": afile, "below_a_file": afile / "sub", "proc": Path("/proc/bayesmeta_x")}[where]
    data = ["cart_wu2025", "--events", "crr_events", "--total", "crr_total"]
    argv = {
        "run": ["run", str(write_spec(tmp_path, "m"))],
        "sensitivity": ["sensitivity", *data, "--what", "priors"],
        "fit": ["fit", *data, "--engine", "quadrature"],
    }[command]
    one_line_error([*argv, "--out", str(out)], capsys, str(out))
    assert afile.read_text() == "not a folder"


def test_a_folder_of_someone_elses_files_is_not_replaced(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    data = ["cart_wu2025", "--events", "crr_events", "--total", "crr_total"]
    one_line_error(["fit", *data, "--engine", "quadrature", "--out", str(out)], capsys, "thesis")
    assert (out / "thesis.tex").read_text() == "precious"


# --- replaced whole: no stale files, no mix -------------------------------------------------


def test_rerun_of_another_model_leaves_no_stale_files(tmp_path, capsys):
    specs, out = tmp_path / "specs", tmp_path / "out"
    spec = write_spec(specs, "m", SUBGROUP)
    assert main(["run", str(spec), "--out", str(out)]) == 0
    assert (out / "m" / "levels.csv").is_file() and (out / "m" / "subgroup_forest.png").is_file()
    write_spec(specs, "m", RANDOM)
    assert main(["run", str(spec), "--out", str(out)]) == 0
    names = {p.name for p in (out / "m").iterdir()}
    assert "levels.csv" not in names and "subgroup_forest.png" not in names
    summary = json.loads((out / "m" / "summary.json").read_text())
    assert summary["spec"]["model"]["kind"] == "random"
    assert set(summary["files"]) == names
    assert hidden(tmp_path) == []
    capsys.readouterr()


def test_fit_out_rerun_leaves_no_stale_contrasts(tmp_path, capsys):
    out = tmp_path / "fit"
    data = ["cart_wu2025", "--events", "crr_events", "--total", "crr_total"]
    quad = ["--engine", "quadrature", "--out", str(out)]
    assert main(["fit", *data, "--by", "cancer_type", *quad]) == 0
    assert (out / "contrasts.csv").is_file()
    assert main(["fit", *data, *quad]) == 0
    assert not (out / "contrasts.csv").exists()
    assert json.loads((out / "result.json").read_text())["model"]["kind"] == "random"
    assert hidden(tmp_path) == []
    capsys.readouterr()


def test_a_second_process_on_the_same_folder_is_refused(tmp_path, capsys):
    import fcntl

    spec, out = write_spec(tmp_path / "specs", "m"), tmp_path / "out"
    # another process's lock (an in-process `locked` is re-entrant: the CLI holds it already)
    handle = os.open(tmp_path / ".out.bayesmeta-lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        one_line_error(["run", str(spec), "--out", str(out)], capsys, "another bayesmeta process")
    finally:
        os.close(handle)
    assert not (out / "m").exists()
    assert main(["run", str(spec), "--out", str(out)]) == 0  # free again
    capsys.readouterr()


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_files_and_folders_follow_the_umask(tmp_path, capsys, umask):
    spec, out = write_spec(tmp_path / "specs", "m"), tmp_path / "out"
    previous = os.umask(umask)
    try:
        assert main(["run", str(spec), "--out", str(out)]) == 0
    finally:
        os.umask(previous)
    capsys.readouterr()
    assert (out / "m").stat().st_mode & 0o777 == 0o777 & ~umask
    for path in (out / "m").iterdir():
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path


# --- saved fits: reused only on a matching hash; a truncated file is refitted ----------------


@pytest.fixture
def saved_run(tmp_path, capsys):
    specs, out = tmp_path / "specs", tmp_path / "out"
    pooled, common = write_spec(specs, "pooled"), write_spec(specs, "common", COMMON)
    assert main(["run", str(specs), "--out", str(out)]) == 0
    capsys.readouterr()
    return pooled, common, out


@pytest.fixture
def refits(monkeypatch):
    from bayesmeta.analysis import comparison

    names, real = [], comparison.posterior_draws

    def spy(spec, model):
        names.append(spec.name)
        return real(spec, model)

    monkeypatch.setattr(comparison, "posterior_draws", spy)
    return names


def test_another_models_posterior_in_the_folder_is_not_reused(saved_run, refits, capsys):
    pooled, common, out = saved_run
    argv = ["compare", str(pooled), str(common), "--out", str(out), "--json"]
    assert main(argv) == 0
    assert refits == []
    right = {r["name"]: r["elpd_loo"] for r in json.loads(capsys.readouterr().out)}
    # the common-effect model's posterior where the random-effects model's should be
    shutil.copy(out / "common" / "posterior.nc", out / "pooled" / "posterior.nc")
    assert main(argv) == 0
    assert refits == ["pooled"]
    again = {r["name"]: r["elpd_loo"] for r in json.loads(capsys.readouterr().out)}
    assert again == pytest.approx(right, rel=1e-9)


def test_truncated_posterior_is_reported_and_refitted(saved_run, refits, capsys):
    pooled, common, out = saved_run
    path = out / "pooled" / "posterior.nc"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    status = main(["compare", str(pooled), str(common), "--out", str(out)])
    assert status == 0
    assert refits == ["pooled"]
    captured = capsys.readouterr()
    assert "pooled" in captured.out
    # the CLI prints the warning as one line on stderr
    (line,) = [x for x in captured.err.splitlines() if "unreadable saved fit" in x]
    assert line.startswith("bayesmeta compare: warning: ") and "refitting pooled" in line


# --- interruptions: Ctrl-C, SIGTERM, SIGKILL leftovers, full disk ----------------------------

SLOW_RUN = """
import sys, time
from pathlib import Path
import bayesmeta.analysis.spec_figures as spec_figures
import bayesmeta.analysis.spec_render as spec_render
from bayesmeta.cli import main

target, out, slow_name, flag = sys.argv[1:5]
state = {"slow": False}
real_png_bytes = spec_figures.png_bytes
real_figures = spec_render.spec_figures

def png_bytes(figure, name):
    content = real_png_bytes(figure, name)
    if state["slow"]:  # the figure is drawn, the folder not yet moved into place
        Path(flag).touch()
        time.sleep(120)
    return content

def figures(fitted, files):
    state["slow"] = fitted.spec.name == slow_name
    return real_figures(fitted, files)

spec_figures.png_bytes = png_bytes
spec_render.spec_figures = figures
sys.exit(main(["run", target, "--out", out]))
"""


def _sigint_as_from_a_terminal() -> None:
    """Run in the child before exec: SIGINT at its default, so Python turns it into KeyboardInterrupt.

    A runner that starts the suite in the background (a non-interactive shell's ``&``) leaves SIGINT
    ignored, and children inherit that; Ctrl-C must be tested as a terminal delivers it.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupted(tmp_path: Path, sig: int) -> tuple[Path, subprocess.CompletedProcess]:
    """Run two specs to completion, then rerun them and send ``sig`` while the second one's
    forest plot is written (after the first folder was replaced by the rerun's)."""
    specs, out = tmp_path / "specs", tmp_path / "out"
    write_spec(specs, "a_pooled")
    write_spec(specs, "b_common", COMMON)
    assert main(["run", str(specs), "--out", str(out)]) == 0
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    flag = tmp_path / "flag"
    script = [sys.executable, "-c", SLOW_RUN, str(specs), str(out), "b_common", str(flag)]
    process = subprocess.Popen(
        script,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_sigint_as_from_a_terminal,
    )
    deadline = time.monotonic() + 300
    while not flag.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.1)
    process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=60)
    return out, subprocess.CompletedProcess(script, process.returncode, stdout, stderr)


def _index_links_resolve(out: Path) -> None:
    import re

    index = out / "index.md"
    if not index.exists():
        return
    for link in re.findall(r"\]\(([^)]+report\.html)\)", index.read_text()):
        assert (out / link).is_file(), link


def test_ctrl_c_during_run_leaves_no_dangling_index(tmp_path, capsys):
    out, done = _interrupted(tmp_path, signal.SIGINT)
    assert done.returncode == 130, done.stderr
    _index_links_resolve(out)
    for name in ("a_pooled", "b_common"):  # each folder whole: its report describes its files
        summary = json.loads((out / name / "summary.json").read_text())
        assert {p.name for p in (out / name).iterdir()} == set(summary["files"])
    assert hidden(tmp_path) == []


def test_sigterm_leaves_no_temporary_files(tmp_path, capsys):
    out, done = _interrupted(tmp_path, signal.SIGTERM)
    assert done.returncode == 143, done.stderr
    assert b"terminated" in done.stderr and b"Traceback" not in done.stderr
    assert hidden(tmp_path) == []
    _index_links_resolve(out)


def test_stale_temporary_files_of_dead_processes_are_swept(tmp_path, capsys):
    spec, out = write_spec(tmp_path / "specs", "m"), tmp_path / "out"
    assert main(["run", str(spec), "--out", str(out)]) == 0
    dead = subprocess.Popen(["true"])
    dead.wait()
    ours = [
        out / f".m.bayesmeta-{dead.pid}-abcd1234",
        out / "m" / f".posterior.nc.bayesmeta-{dead.pid}-k2j4h6g8.nc",
        out / "m" / ".posterior.nc.wgchyvsm.nc",  # an earlier release's temporary name
    ]
    ours[0].mkdir()
    (ours[0] / "forest.png").write_bytes(b"half")
    for path in ours[1:]:
        path.write_bytes(b"half")
    live = out / f".m.bayesmeta-{os.getpid()}-zzzz1234"  # a live process's: kept
    theirs = [out / ".keep", out / ".m.bayesmeta-notes", out / "notes.txt", live]
    for path in theirs:
        path.write_text("the user's")
    assert main(["run", str(spec), "--out", str(out)]) == 0
    capsys.readouterr()
    assert [p for p in ours if p.exists()] == []
    assert all(p.exists() for p in theirs)


def test_full_disk_is_one_line_and_leaves_nothing(tmp_path):
    import resource

    spec, out = write_spec(tmp_path / "specs", "m"), tmp_path / "out"

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-m", "bayesmeta", "run", str(spec), "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=small_files,
    )
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    assert "bayesmeta run: error:" in done.stderr and "disk is full" in done.stderr
    assert not out.exists()  # not even an empty folder
    assert hidden(tmp_path) == []
