"""One call site of ``nutpie.sample``: every NUTS path (the NUTS engine's univariate,
beta-binomial and IPD models, the joint model) samples through
``bayesmeta/model/sampler_backend.py::run_nutpie``, so their settings and timing cannot drift
apart. Read from the source with :mod:`ast` (any alias of the ``nutpie`` module, any depth)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "bayesmeta"


def nutpie_sample_calls(source: str) -> int:
    """Calls of ``<alias of nutpie>.sample(...)`` and of a ``sample`` imported from nutpie."""
    tree = ast.parse(source)
    modules, functions = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.asname or a.name for a in node.names if a.name == "nutpie"}
        elif isinstance(node, ast.ImportFrom) and node.module == "nutpie":
            functions |= {a.asname or a.name for a in node.names if a.name == "sample"}
    count = 0
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "sample":
            count += isinstance(func.value, ast.Name) and func.value.id in modules
        elif isinstance(func, ast.Name):
            count += func.id in functions
    return count


def test_the_counter_sees_every_spelling():
    assert nutpie_sample_calls("def f():\n    import nutpie\n    nutpie.sample(m)\n") == 1
    assert nutpie_sample_calls("import nutpie as n\nn.sample(m)\nother.sample(m)\n") == 1
    assert nutpie_sample_calls("from nutpie import sample as s\ns(m)\n") == 1
    assert nutpie_sample_calls("import pymc as pm\npm.sample()\n") == 0


def test_nutpie_sample_is_called_in_one_place():
    sites = {
        str(path.relative_to(ROOT.parent)): n
        for path in ROOT.rglob("*.py")
        if (n := nutpie_sample_calls(path.read_text(encoding="utf-8")))
    }
    assert sites == {"bayesmeta/model/sampler_backend.py": 1}
