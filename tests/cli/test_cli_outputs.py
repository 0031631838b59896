"""Every output option of every subcommand (issue 24, defects 2, 3, 15): one mechanism, found
from the parser itself, so a new subcommand's ``--out`` is covered without editing this file.

Each output is checked before any work (a file, /proc, /dev/null, a path under a file, an
existing folder where a file goes, a folder of someone else's files), locked against a second
process, and a refused command leaves nothing behind."""

from __future__ import annotations

import argparse
import fcntl
import importlib
import os
from pathlib import Path

import pytest

from bayesmeta.cli import _dispatch, build_parser
from bayesmeta.cli.outputs import declared_outputs

OUTPUT_FLAGS = {"--out", "--plot", "--output", "--save", "--figure", "--report"}
READ_ONLY = {("compare", "--out")}  # names an earlier run's folder to reload fits from


def subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _looks_like_output(action: argparse.Action) -> bool:
    return bool(set(action.option_strings) & OUTPUT_FLAGS) or action.metavar in ("DIR", "FILE")


def test_every_output_option_is_declared():
    """An option that writes a file or folder must be added with add_output_argument."""
    missing = []
    for name, sub in subparsers().items():
        declared = {o.option for o in declared_outputs(sub)}
        for action in sub._actions:
            if not _looks_like_output(action) or not action.option_strings:
                continue
            flag = action.option_strings[0]
            if (name, flag) not in READ_ONLY and flag not in declared:
                missing.append(f"{name} {flag}")
    assert missing == []


def outputs() -> list[tuple[str, object]]:
    found = [(name, o) for name, sub in subparsers().items() for o in declared_outputs(sub)]
    assert {"run", "fit", "sensitivity", "multiverse", "simulate", "design", "map"} <= {
        n for n, o in found if o.kind == "folder"
    }
    assert ("cumulative", "--plot") in {(n, o.option) for n, o in found if o.kind == "file"}
    return found


def _dummy(action: argparse.Action) -> list[str]:
    if action.choices:
        value = str(next(iter(action.choices)))
    elif action.type in (int, float):
        value = "1"
    else:
        value = "x"
    count = action.nargs if isinstance(action.nargs, int) else 1
    return [value] * count


def argv_for(name: str, output, value: str) -> list[str]:
    """The subcommand with every required argument (dummy values) and the output at ``value``."""
    sub = subparsers()[name]
    argv = [name]
    for action in sub._actions:
        if action.dest in ("help", output.dest):
            continue
        if not action.option_strings and action.nargs not in ("?", "*"):
            argv += _dummy(action)
        elif action.option_strings and action.required:
            argv += [action.option_strings[0], *_dummy(action)]
    return [*argv, output.option, value]


def dispatch(argv: list[str], capsys) -> tuple[int, str]:
    args = build_parser().parse_args(argv)

    def no_work(_args):
        raise AssertionError("the command ran before its output was checked")

    args.handler = no_work
    status = _dispatch(args)
    captured = capsys.readouterr()
    return status, captured.err.strip()


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


BAD = {
    "folder": ["a_file", "under_a_file", "proc", "dev_null"],
    "file": ["a_folder", "under_a_file", "proc", "dev_null"],
}


@pytest.mark.parametrize(("name", "output"), outputs(), ids=lambda v: getattr(v, "option", v))
def test_bad_output_is_refused_before_any_work_and_leaves_nothing(tmp_path, capsys, name, output):
    (tmp_path / "a_file").write_text("mine")
    (tmp_path / "a_folder").mkdir()
    (tmp_path / "a_folder" / "theirs.txt").write_text("theirs")
    places = {
        "a_file": tmp_path / "a_file",
        "a_folder": tmp_path / "a_folder",
        "under_a_file": tmp_path / "a_file" / "sub" / "deeper",
        "proc": Path("/proc/bayesmeta_out_check/x"),
        "dev_null": Path("/dev/null"),
    }
    before = _tree(tmp_path)
    for where in BAD[output.kind]:
        status, err = dispatch(argv_for(name, output, str(places[where])), capsys)
        assert status == 2, (name, where, err)
        assert len(err.splitlines()) == 1 and output.option in err, (name, where, err)
        assert _tree(tmp_path) == before, (name, where)
    assert (tmp_path / "a_file").read_text() == "mine"


@pytest.mark.parametrize(("name", "output"), outputs(), ids=lambda v: getattr(v, "option", v))
def test_a_second_process_on_the_same_output_is_refused(tmp_path, capsys, name, output):
    target = tmp_path / ("out.png" if output.kind == "file" else "out")
    handle = os.open(tmp_path / f".{target.name}.bayesmeta-lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another writer holds it
        status, err = dispatch(argv_for(name, output, str(target)), capsys)
    finally:
        os.close(handle)
    assert status == 2 and "another bayesmeta process" in err and len(err.splitlines()) == 1
    assert not target.exists()


@pytest.mark.parametrize(
    ("name", "output"),
    [(n, o) for n, o in outputs() if o.known is not None],
    ids=lambda v: getattr(v, "option", v),
)
def test_a_folder_of_someone_elses_files_is_refused_before_any_work(tmp_path, capsys, name, output):
    folder = tmp_path / "theirs"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    status, err = dispatch(argv_for(name, output, str(folder)), capsys)
    assert status == 2 and "not written by bayesmeta" in err and len(err.splitlines()) == 1
    assert (folder / "notes.txt").read_text() == "keep me"


def test_design_on_a_map_folder_says_it_is_maps_output(tmp_path, capsys):
    """A folder `bayesmeta map` wrote is bayesmeta's: refused naming the command, not as a
    stranger's folder (and kept: design would otherwise replace the map it reads)."""
    folder = tmp_path / "trial"
    folder.mkdir()
    for name in ("map.json", "map.png", "mixture.csv", "report.md"):
        (folder / name).write_text("{}")
    argv = ["design", "--prior", str(folder / "map.json"), "--n", "30", "--p0", "0.3"]
    status, err = dispatch([*argv, "--out", str(folder)], capsys)
    assert status == 2 and len(err.splitlines()) == 1, err
    assert "not written by bayesmeta" not in err
    assert "holds the output of `bayesmeta map`" in err and "choose another folder" in err
    assert sorted(p.name for p in folder.iterdir()) == [
        "map.json", "map.png", "mixture.csv", "report.md"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "output"),
    [(n, o) for n, o in outputs() if o.known is not None],
    ids=lambda v: getattr(v, "option", v),
)
def test_a_folder_of_another_commands_files_names_that_command(tmp_path, capsys, name, output):
    from bayesmeta.cli.outputs import WRITERS

    other, files = next((c, f) for c, f in sorted(WRITERS.items()) if not f <= output.known)
    folder = tmp_path / "theirs"
    folder.mkdir()
    for file in files:
        (folder / file).write_text("{}")
    status, err = dispatch(argv_for(name, output, str(folder)), capsys)
    assert status == 2 and len(err.splitlines()) == 1, err
    assert "holds the output of `bayesmeta " in err, (other, err)  # `other` or a twin of it
    assert {p.name for p in folder.iterdir()} == set(files)


@pytest.mark.parametrize("command", ["multiverse", "simulate"])
def test_an_unreachable_scheduler_leaves_no_out_folder(tmp_path, capsys, monkeypatch, command):
    import distributed

    from bayesmeta.cli import main

    from ..many.conftest import MULTIVERSE, STUDIES, simulation_file

    def refused(*args, **kwargs):
        raise OSError("Timed out trying to connect to tcp://10.255.255.1:8786 after 20 s")

    monkeypatch.setattr(distributed, "Client", refused)
    if command == "multiverse":
        (tmp_path / "studies.csv").write_text(STUDIES)
        source = tmp_path / "m.toml"
        source.write_text(MULTIVERSE)
    else:
        source = simulation_file(tmp_path, replicates=2, methods=["DL"], taus=[0.5])
    out = tmp_path / "new" / "out"
    argv = [command, str(source), "--out", str(out), "--scheduler", "tcp://10.255.255.1:8786"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "cannot connect" in err, err
    assert not (tmp_path / "new").exists()


def test_a_plot_format_matplotlib_cannot_write_is_refused_before_any_work(
    tmp_path, capsys, monkeypatch
):
    from bayesmeta.cli import main

    def no_work(*args, **kwargs):
        raise AssertionError("fitted before --plot was checked")

    module = importlib.import_module("bayesmeta.freq.cumulative")
    monkeypatch.setattr(module, "cumulative", no_work)
    plot = tmp_path / "plot.xyz"
    argv = ["cumulative", "cart_wu2025", "--events", "crr_events", "--total", "crr_total"]
    assert main([*argv, "--plot", str(plot)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--plot" in err and ".svg" in err, err
    assert list(tmp_path.iterdir()) == []
