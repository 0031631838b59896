"""The import graph of the source: neither engine imports the other, the front ends only the boundary.

Every ``import`` and ``from ... import`` in the package is read with :mod:`ast`, at any depth
(function-level imports included), and resolved to the module it names.
"""

from __future__ import annotations

import ast
import functools
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


@functools.lru_cache(maxsize=1)
def _graph() -> dict[str, set[str]]:
    assert (ROOT / "engines" / "__init__.py").is_file(), ROOT
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


#: Every package and top-level module but the engines and their boundary.
FRONTS = sorted(
    f"bayesmeta.{p.stem if p.suffix else p.name}"
    for p in ROOT.iterdir()
    if (p.suffix == ".py" or (p / "__init__.py").is_file())
    and p.stem not in ("quad", "nuts", "engines", "__init__")
)


def test_every_package_is_checked():
    assert {"bayesmeta.analysis", "bayesmeta.trial", "bayesmeta.multiverse"} <= set(FRONTS)
    assert {"bayesmeta.simulate", "bayesmeta.freq", "bayesmeta.bayes", "bayesmeta.cli"} <= set(
        FRONTS
    )
    assert len(FRONTS) >= 20


#: Known imports of an engine's internals past the boundary, and known file cycles, each with its
#: owner, to be removed (not to be added to).
KNOWN_PAST_BOUNDARY: set[str] = set()
KNOWN_CYCLES: list[list[str]] = []


@pytest.mark.parametrize("front", FRONTS)
@pytest.mark.parametrize("engine", ["bayesmeta.quad", "bayesmeta.nuts"])
def test_front_ends_reach_the_engines_only_through_the_boundary(front, engine):
    assert [o for o in _offending(front, engine) if o not in KNOWN_PAST_BOUNDARY] == []


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def _module_edges() -> dict[str, set[str]]:
    graph = _graph()
    modules = set(graph)

    def owner(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    return {
        m: {owner(n) for n in names if n.startswith("bayesmeta.")} - {m, None}
        for m, names in graph.items()
    }


def test_no_import_cycle_between_files():
    assert [c for c in _cycles(_module_edges()) if c not in KNOWN_CYCLES] == []


def test_no_import_cycle_between_packages():
    def package(module: str) -> str:
        return ".".join(module.split(".")[:2])

    edges: dict[str, set[str]] = {}
    for module, targets in _module_edges().items():
        edges.setdefault(package(module), set()).update(
            package(t) for t in targets if package(t) != package(module)
        )
    assert [c for c in _cycles(edges)] == []


def test_the_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


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
