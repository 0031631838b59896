"""The committed lock (requirements-lock.txt) pins an environment pyproject.toml allows.

The README's commands and CI install with ``-c requirements-lock.txt``, so every machine runs
the versions the suite passed on; ``tools/refresh_lock.sh`` regenerates the lock.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def _lock() -> dict[str, Version]:
    pins = {}
    for line in (ROOT / "requirements-lock.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep and version, f"not an exact pin: {line!r}"
        pins[canonicalize_name(name)] = Version(version)
    return pins


def _project() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]


def _install_requirements() -> list[Requirement]:
    """What ``pip install -e ".[dev]"`` asks for directly."""
    project = _project()
    return [
        Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]
    ]


def test_lock_is_exact_sorted_and_without_the_package_itself():
    lines = [
        line
        for line in (ROOT / "requirements-lock.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    pins = _lock()
    assert len(pins) == len(lines), "a package is pinned twice"
    assert "bayesmeta" not in pins
    assert lines == sorted(lines, key=str.upper)  # as `LC_ALL=C sort -f`


def test_every_pin_satisfies_the_declared_ranges():
    pins = _lock()
    project = _project()
    declared = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared += extra
    for text in declared:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        if name in pins:
            assert requirement.specifier.contains(pins[name], prereleases=True), (
                f"lock pins {name}=={pins[name]}, pyproject asks {requirement}"
            )


def test_every_direct_dependency_of_the_install_is_pinned():
    pins = _lock()
    missing = [
        str(r)
        for r in _install_requirements()
        if (r.marker is None or r.marker.evaluate()) and canonicalize_name(r.name) not in pins
    ]
    assert not missing


def test_every_transitive_dependency_of_the_install_is_pinned():
    """Walk the installed metadata from the dev install's requirements (with their extras and
    environment markers): every distribution pip would pull in has an exact pin."""
    pins = _lock()
    seen: set[str] = set()
    todo = [(r, ()) for r in _install_requirements()]
    missing = []
    while todo:
        requirement, _ = todo.pop()
        name = canonicalize_name(requirement.name)
        key = f"{name}[{','.join(sorted(requirement.extras))}]"
        if key in seen:
            continue
        seen.add(key)
        if name not in pins:
            missing.append(name)
            continue
        try:
            requires = metadata.requires(requirement.name) or []
        except metadata.PackageNotFoundError:
            continue  # not installed here: its own dependencies cannot be read
        for text in requires:
            child = Requirement(text)
            markers = [{"extra": ""}] + [{"extra": e} for e in requirement.extras]
            if child.marker is None or any(child.marker.evaluate(m) for m in markers):
                todo.append((child, ()))
    assert not missing, f"not pinned: {sorted(set(missing))}"
