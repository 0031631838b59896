"""Trust at scale (issue 24): --resume refuses a run computed from other data, spec, seed or
software versions; a damaged partial resumes (or is refused) in one line; full disks, bad
schedulers and all-skipped multiverses are one line, exit 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bayesmeta.cli import main

from .conftest import simulation_file

ROOT = Path(__file__).resolve().parents[2]


def one_line(argv, capsys, *words, status=2) -> str:
    assert main([str(a) for a in argv]) == status
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, err
    return err


def interrupted(monkeypatch, module: str, argv, capsys) -> None:
    """Run ``argv`` until every chunk is written, then Ctrl-C before the final outputs."""
    import importlib

    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(importlib.import_module(module), "write_outputs", stop)
        assert main([str(a) for a in argv]) == 130
    capsys.readouterr()


def _simulation(tmp_path, replicates=64):
    path = simulation_file(tmp_path, replicates=replicates, methods=["DL"], taus=[0.5])
    return path, ["simulate", path, "--workers", "1"]


# --- defect 1: --resume compares data, spec, seed and versions -------------------------------


def test_resume_after_the_data_changed_is_refused(multiverse_spec, tmp_path, capsys, monkeypatch):
    out = tmp_path / "out"
    argv = ["multiverse", multiverse_spec, "--out", out, "--workers", "1", "--sample", "20"]
    interrupted(monkeypatch, "bayesmeta.multiverse.run", argv, capsys)
    assert list((out / ".progress" / "chunks").glob("chunk-*"))
    data = tmp_path / "studies.csv"
    data.write_text(data.read_text().replace("A,3,40", "A,9,40"))  # same studies, new counts
    one_line([*argv, "--resume"], capsys, "--resume", "data")
    assert not (out / "multiverse.csv").exists()


def test_resume_under_other_software_versions_is_refused(tmp_path, capsys, monkeypatch):
    path, argv = _simulation(tmp_path)
    argv = [*argv, "--out", tmp_path / "out"]
    interrupted(monkeypatch, "bayesmeta.simulate.run", argv, capsys)
    import bayesmeta.versions

    real = bayesmeta.versions.stack_versions
    monkeypatch.setattr(bayesmeta.versions, "stack_versions", lambda: {**real(), "scipy": "0.1"})
    one_line([*argv, "--resume"], capsys, "--resume", "software versions (scipy)")


def test_resume_after_the_seed_changed_is_refused(tmp_path, capsys, monkeypatch):
    path, argv = _simulation(tmp_path)
    argv = [*argv, "--out", tmp_path / "out"]
    interrupted(monkeypatch, "bayesmeta.simulate.run", argv, capsys)
    path.write_text(path.read_text().replace("seed = 3", "seed = 4"))
    one_line([*argv, "--resume"], capsys, "--resume", "seed")


# --- defect 5: damaged partials ---------------------------------------------------------------


@pytest.fixture(scope="module")
def partial(tmp_path_factory):
    """A simulation's reference table and the chunks of the same run interrupted at the end."""
    import contextlib
    import io

    import bayesmeta.simulate.run

    folder = tmp_path_factory.mktemp("partial")
    _, argv = _simulation(folder)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main([str(a) for a in [*argv, "--out", folder / "reference"]]) == 0

        def stop(*args, **kwargs):
            raise KeyboardInterrupt

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(bayesmeta.simulate.run, "write_outputs", stop)
            patch.setattr("bayesmeta.many.run.TARGET_SECONDS", 0.0)  # many small chunks
            patch.setattr("bayesmeta.many.run.MIN_SECONDS", 0.0)
            assert main([str(a) for a in [*argv, "--out", folder / "out"]]) == 130
    return argv, (folder / "reference" / "replicates.csv").read_bytes(), folder / "out"


@pytest.mark.parametrize("damage", ["truncated", "duplicated", "foreign"])
def test_a_damaged_chunk_is_set_aside_and_its_tasks_run_again(tmp_path, capsys, partial, damage):
    import shutil

    argv, reference, interrupted_out = partial
    out = tmp_path / "out"
    shutil.copytree(interrupted_out, out)
    chunks = sorted((out / ".progress" / "chunks").glob("chunk-*.parquet"))
    assert len(chunks) >= 3
    if damage == "truncated":
        chunks[1].write_bytes(chunks[1].read_bytes()[:100])
    elif damage == "duplicated":
        chunks[-1].with_name("chunk-000999.parquet").write_bytes(chunks[0].read_bytes())
    else:
        import pandas as pd

        pd.DataFrame({"task": ["x"], "other": [1.0]}).to_parquet(chunks[1])
    assert main([str(a) for a in [*argv, "--out", out, "--resume"]]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert [line for line in lines if "damaged chunk" in line] == [lines[0]], lines
    assert lines[0].startswith("bayesmeta simulate: warning:") and "Traceback" not in lines
    assert (out / "replicates.csv").read_bytes() == reference
    assert not (out / ".progress").exists()


def test_a_garbage_manifest_is_refused_in_one_line(tmp_path, capsys, monkeypatch):
    _, argv = _simulation(tmp_path)
    out = tmp_path / "out"
    interrupted(monkeypatch, "bayesmeta.simulate.run", [*argv, "--out", out], capsys)
    (out / ".progress" / "chunks" / "manifest.json").write_bytes(b"\x00{garbage")
    one_line([*argv, "--out", out, "--resume"], capsys, "manifest", "--resume")


@pytest.mark.parametrize("resume", [False, True])
def test_progress_being_a_file_is_one_line(tmp_path, capsys, resume):
    _, argv = _simulation(tmp_path, replicates=2)
    out = tmp_path / "out"
    out.mkdir()
    (out / ".progress").write_text("mine")
    one_line([*argv, "--out", out, *(["--resume"] if resume else [])], capsys, ".progress")
    assert (out / ".progress").read_text() == "mine"


def _files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith(".")}


# --- defect 4: a full disk --------------------------------------------------------------------


def test_full_disk_is_one_line_and_keeps_the_previous_output(tmp_path, capsys):
    import resource

    path, argv = _simulation(tmp_path, replicates=48)
    out = tmp_path / "out"
    assert main([str(a) for a in [*argv, "--out", out, "--json"]]) == 0
    capsys.readouterr()
    before = _files(out)
    assert "replicates.csv" in before

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (6_000, 6_000))

    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-m", "bayesmeta", *map(str, argv), "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=small_files,
    )
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    err = done.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert "disk is full" in err and "--resume" in err, err
    assert _files(out) == before  # the previous output intact; its rows kept for --resume


def test_multiverse_full_disk_is_one_line(multiverse_spec, tmp_path, capsys, monkeypatch):
    import errno

    import bayesmeta.many.store

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(bayesmeta.many.store, "write_with", full)
    out = tmp_path / "out"
    argv = ["multiverse", multiverse_spec, "--out", out, "--workers", "1", "--sample", "16"]
    one_line(argv, capsys, "disk is full", "--resume")
    assert not (out / "multiverse.csv").exists()


# --- defects 6 and 7: bad scheduler strings; every specification skipped ---------------------


@pytest.mark.parametrize("scheduler", ["foo://bar", "tcp://[::1:8786", "tcp://", "tcp://h:99999"])
def test_a_bad_scheduler_address_is_one_line_and_writes_nothing(tmp_path, capsys, scheduler):
    path, _ = _simulation(tmp_path, replicates=2)
    out = tmp_path / "out"
    argv = ["simulate", path, "--out", out, "--scheduler", scheduler]
    one_line(argv, capsys, "--scheduler")
    assert not out.exists()


def test_every_specification_skipped_is_reported_not_a_crash(multiverse_spec, tmp_path, capsys):
    multiverse_spec.write_text(
        multiverse_spec.read_text().replace("min_studies = 3", "min_studies = 30")
    )
    out = tmp_path / "out"
    argv = ["multiverse", multiverse_spec, "--out", out, "--workers", "1", "--sample", "8"]
    assert main([str(a) for a in argv]) == 0
    captured = capsys.readouterr()
    assert "0 fitted, 8 skipped" in captured.out and "no specification could be fitted" in (
        captured.out
    )
    assert "Traceback" not in captured.err
    assert (out / "multiverse.csv").exists() and (out / "summary.json").exists()


@pytest.mark.parametrize("option", [["--workers", "100000"], ["--scheduler", "local:100000"]])
def test_a_worker_count_beyond_the_machine_is_refused(tmp_path, capsys, option):
    path, _ = _simulation(tmp_path, replicates=2)
    out = tmp_path / "out"
    one_line(["simulate", path, "--out", out, *option], capsys, option[0], "per core")
    assert not out.exists()
