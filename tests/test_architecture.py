"""ARCHITECTURE.md's layer diagram is the import graph: every package sits in one layer and imports
only packages of the layers below it.

The diagram is the fenced ``layers`` block of ARCHITECTURE.md, top layer first; each line names the
packages (or top-level modules) of one layer before its description. The source's imports are read
with :mod:`ast` at any depth (function-level imports included).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROOT = REPO / "bayesmeta"
#: Not part of any layer: the package root and ``python -m bayesmeta``.
OUTSIDE = {"__init__", "__main__"}
#: Known upward imports, each with the module and its owner, to be removed (not to be added to):
#: any other import against the diagram fails.
KNOWN: dict[str, str] = {}


def parse_layers(text: str) -> list[list[str]]:
    """The layers of the ``layers`` block, top first: the names before the two-space gap."""
    block = re.search(r"```layers\n(.*?)```", text, flags=re.S)
    assert block, "ARCHITECTURE.md has no ```layers block"
    layers = []
    for line in block.group(1).splitlines():
        if line.strip():
            names = re.split(r"\s{3,}", line.strip(), maxsplit=1)[0]
            layers.append(names.split())
    return layers


def units() -> set[str]:
    """Top-level packages and modules of bayesmeta (``quad``, ``engines``, ...)."""
    found = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    found |= {p.stem for p in ROOT.glob("*.py")}
    return found - OUTSIDE


def _unit(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "bayesmeta" or len(parts) < 2:
        return None
    return parts[1] if parts[1] not in OUTSIDE else None


def unit_imports() -> dict[str, set[str]]:
    """unit -> the other units its files import."""
    graph: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent).with_suffix("").parts
        source = _unit(".".join(rel))
        if source is None:
            continue
        package = ".".join(rel[:-1]) if rel[-1] != "__init__" else ".".join(rel[:-1])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                names = [base]
            for name in names:
                target = _unit(name)
                if target is not None and target != source:
                    graph.setdefault(source, set()).add(target)
    return graph


def violations(layers: list[list[str]], graph: dict[str, set[str]]) -> list[str]:
    """Imports of a unit in the same or a higher layer."""
    depth = {name: i for i, layer in enumerate(layers) for name in layer}
    return sorted(
        f"{source} (layer {depth[source]}) imports {target} (layer {depth[target]})"
        for source, targets in graph.items()
        for target in targets
        if source in depth and target in depth and depth[target] <= depth[source]
    )


def test_every_package_is_in_exactly_one_layer():
    layers = parse_layers((REPO / "ARCHITECTURE.md").read_text(encoding="utf-8"))
    named = [name for layer in layers for name in layer]
    assert len(named) == len(set(named)), "a package is in two layers"
    assert set(named) == units()


def test_imports_only_go_down_the_layers():
    layers = parse_layers((REPO / "ARCHITECTURE.md").read_text(encoding="utf-8"))
    assert [v for v in violations(layers, unit_imports()) if v not in KNOWN] == []


def test_a_wrong_diagram_fails():
    graph = unit_imports()
    assert "engines" in graph["analysis"] and "model" in graph["engines"]
    upside_down = [["model"], ["engines"], ["analysis"]]
    found = violations(upside_down, graph)
    assert "engines (layer 1) imports model (layer 0)" in found
    assert "analysis (layer 2) imports engines (layer 1)" in found
    side_by_side = [["analysis", "engines"]]
    assert violations(side_by_side, graph) == ["analysis (layer 0) imports engines (layer 0)"]
    text = "```layers\nanalysis  sensitivity     spec files\nengines      the boundary\n```"
    assert parse_layers(text) == [["analysis", "sensitivity"], ["engines"]]


def test_only_the_trial_design_subcommand_is_a_module_named_design():
    """`design` is the trial-design subcommand (``cli/design.py``, on ``trial/``): a module of
    another concept named ``design.py`` (the IPD within/across columns, the joint model's long
    format, formulas) was renamed twice; this keeps it from coming back."""
    named = sorted(str(p.relative_to(ROOT)) for p in ROOT.rglob("design.py"))
    assert named == ["cli/design.py"]


#: Modules outside ``cli/`` that share a subcommand module's name, each because it is that
#: subcommand's own concept (its computation or its figure). Add one only for that reason.
SUBCOMMAND_NAMESAKES = {
    "analysis/compare.py": "compare: the ranking by leave-one-study-out elpd",
    "freq/cumulative.py": "cumulative: the frequentist cumulative meta-analysis",
    "plots/cumulative.py": "cumulative: its figure",
    "plots/sensitivity.py": "sensitivity: its figure",
    "joint/freq.py": "freq --outcomes: the multivariate GLMM",
    "nuts/ipd.py": "ipd: its NUTS engine (--random-slope)",
    "multiverse/run.py": "run --multiverse (and multiverse): running a multiverse spec",
    "simulate/run.py": "simulate: running a simulation study",
    "many/run.py": "run --workers, multiverse, simulate: running their tasks on an executor",
}


def subcommand_modules() -> set[str]:
    """The module names of ``bayesmeta <command>``'s subcommands (``cli/fit.py`` -> ``fit``)."""
    import bayesmeta.cli

    return {module for module, _help in bayesmeta.cli.SUBCOMMANDS.values()}


def namesakes(root: Path, names: set[str]) -> list[str]:
    """Modules below ``root`` outside ``cli/`` whose file name is one of ``names``."""
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.stem in names and path.relative_to(root).parts[0] != "cli"
    )


def test_a_module_named_after_a_subcommand_is_that_subcommands_concept():
    """``bayesmeta fit`` is ``cli/fit.py``; a ``joint/fit.py`` read as its implementation while it
    was the joint model's NUTS fit (renamed ``joint/bayes_fit.py``). Another module sharing a
    subcommand module's name fails here unless it is that subcommand's concept (listed above);
    the other repeated names (``__init__``, each engine's ``draws.py`` or ``loo.py``) are
    parallel parts of sibling packages, not subcommands, and are not checked."""
    names = subcommand_modules()
    assert {"fit", "freq", "run", "design", "ipd"} <= names and "__init__" not in names
    assert namesakes(ROOT, names) == sorted(SUBCOMMAND_NAMESAKES)


def test_the_namesake_check_sees_a_new_one(tmp_path):
    for module in (
        "cli/fit.py",
        "cli/__init__.py",
        "joint/fit.py",
        "joint/draws.py",
        "quad/fit_x.py",
    ):
        (tmp_path / module).parent.mkdir(exist_ok=True)
        (tmp_path / module).write_text("")
    assert namesakes(tmp_path, {"fit"}) == ["joint/fit.py"]
