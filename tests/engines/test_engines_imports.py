"""The import graph of the source: neither engine imports the other, the front ends only the boundary.

Every ``import`` and ``from ... import`` in the package is read with :mod:`ast`, at any depth
(function-level imports included), and resolved to the module it names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

#: The package's source folder (``bayesmeta`` is a namespace package: no ``__file__``).
ROOT = Path(__file__).resolve().parents[2] / "bayesmeta"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _graph() -> dict[str, set[str]]:
    assert (ROOT / "engines.py").is_file(), ROOT
    return {_module_name(p): imports_of(p) for p in ROOT.rglob("*.py")}


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _offending(source: str, target: str) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module, names in _graph().items()
        if _within(module, source)
        for name in names
        if _within(name, target)
    )


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("bayesmeta.quad", "bayesmeta.nuts"),
        ("bayesmeta.nuts", "bayesmeta.quad"),
        ("bayesmeta.model", "bayesmeta.quad"),
        ("bayesmeta.model", "bayesmeta.nuts"),
        ("bayesmeta.model", "bayesmeta.engines"),
        ("bayesmeta.quad", "bayesmeta.engines"),
        ("bayesmeta.nuts", "bayesmeta.engines"),
        ("bayesmeta.quad", "bayesmeta.bayes"),
        ("bayesmeta.nuts", "bayesmeta.bayes"),
    ],
)
def test_layer_does_not_import(source, target):
    assert _offending(source, target) == []


@pytest.mark.parametrize("front", ["bayesmeta.analysis", "bayesmeta.sensitivity", "bayesmeta.cli"])
@pytest.mark.parametrize("engine", ["bayesmeta.quad", "bayesmeta.nuts"])
def test_front_ends_reach_the_engines_only_through_the_boundary(front, engine):
    assert _offending(front, engine) == []


def test_the_walker_sees_function_level_and_relative_imports(tmp_path):
    package = tmp_path / "bayesmeta" / "quad"
    package.mkdir(parents=True)
    source = package / "probe.py"
    source.write_text(
        "def f():\n    from bayesmeta.nuts.sample_fit import fit_nuts\n    from ..nuts import sampling\n"
    )
    global ROOT
    saved, ROOT = ROOT, tmp_path / "bayesmeta"
    try:
        assert {"bayesmeta.nuts.sample_fit", "bayesmeta.nuts"} <= imports_of(source)
        assert "bayesmeta.nuts.sampling" in imports_of(source)
    finally:
        ROOT = saved
