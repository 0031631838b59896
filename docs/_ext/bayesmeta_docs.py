"""Pages generated at build time, so that they follow the code.

- ``api/<module>.rst``: one page per package or module of ``bayesmeta`` that defines
  ``__all__``, with an autosummary table of exactly those names (one stub page each).
- ``cli/<command>.md``: one page per subcommand of ``bayesmeta.cli.build_parser()``, rendered
  by sphinx-argparse from the parser itself.
- ``examples/<notebook>.ipynb``: the notebooks of ``notebooks/``, rendered from their stored
  outputs (never executed).

Generated files are written only when their content changes (so incremental builds stay
incremental) and are ignored by git.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import shutil
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1]
ROOT = DOCS.parent
SKIP = ("bayesmeta.__main__",)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def exported_modules() -> list[tuple[str, list[str], str]]:
    """Every module of ``bayesmeta`` with an ``__all__``, with its names and first doc line.

    Returns
    -------
    list of (str, list of str, str)
        ``(module name, sorted public names, summary line)``, sorted by module name.
    """
    import bayesmeta

    found = []
    names = [info.name for info in pkgutil.walk_packages(bayesmeta.__path__, "bayesmeta.")]
    for name in sorted(names):
        if name in SKIP or any(part.startswith("_") for part in name.split(".")[1:]):
            continue
        module = importlib.import_module(name)
        exported = getattr(module, "__all__", None)
        if not exported:
            continue
        doc = (module.__doc__ or "").strip().splitlines()
        found.append((name, sorted(exported, key=str.lower), doc[0] if doc else ""))
    return found


def _api_page(module: str, names: list[str], summary: str) -> str:
    import inspect

    mod = importlib.import_module(module)
    documented = [n for n in names if callable(getattr(mod, n)) or inspect.isclass(getattr(mod, n))]
    constants = [n for n in names if n not in documented]
    title = f"``{module}``"
    lines = [
        title,
        "=" * len(title),
        "",
        f".. currentmodule:: {module}",
        "",
        f".. automodule:: {module}",
        "   :no-members:",
        "   :no-index:",
        "",
        ".. autosummary::",
        "   :toctree: generated",
        "   :nosignatures:",
        "",
        *[f"   {name}" for name in documented],
        "",
    ]
    if constants:
        lines += ["Constants", "---------", ""]
        for name in constants:
            value = repr(getattr(mod, name))
            if len(value) > 300:
                value = value[:297] + "..."
            lines += [f".. data:: {name}", "", "   .. code-block:: text", "", f"      {value}", ""]
    return "\n".join(lines)


def generate_api(out: Path) -> list[str]:
    """Write ``api/<module>.rst`` for every exported module.

    Parameters
    ----------
    out : Path
        The ``docs/api`` folder.

    Returns
    -------
    list of str
        The module names, in page order.
    """
    modules = exported_modules()
    for stale in out.glob("bayesmeta*.rst"):
        if stale.stem not in {m for m, _, _ in modules}:
            stale.unlink()
    for module, names, summary in modules:
        _write(out / f"{module}.rst", _api_page(module, names, summary))
    table = ["| module | what it holds | names |", "|---|---|---|"]
    for module, names, summary in modules:
        text = re.sub(r":(\w+):`", r"{\1}`", summary).replace("|", "\\|")  # RST roles to MyST
        table.append(f"| {{doc}}`{module} <{module}>` | {text} | {len(names)} |")
    _write(out / "_summary.txt", "\n".join(table) + "\n")
    return [m for m, _, _ in modules]


def subcommands() -> dict[str, str]:
    """The subcommands of the ``bayesmeta`` parser and their one-line help.

    Returns
    -------
    dict of str to str
        ``{"freq": "frequentist meta-analysis ...", ...}`` in registration order.
    """
    from bayesmeta.cli import build_parser

    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            return {name: helps.get(name, "") for name in action.choices}
    return {}


def generate_cli(out: Path) -> list[str]:
    """Write ``cli/<command>.md`` for every subcommand.

    Parameters
    ----------
    out : Path
        The ``docs/cli`` folder.

    Returns
    -------
    list of str
        The subcommand names.
    """
    commands = subcommands()
    for stale in out.glob("*.md"):
        if stale.stem != "index" and stale.stem not in commands:
            stale.unlink()
    for name, help_text in commands.items():
        page = (
            f"# `bayesmeta {name}`\n\n"
            f"{help_text[:1].upper() + help_text[1:]}.\n\n"
            "This page is generated from the command's argparse parser when the site is built, "
            "so it always lists the options of this version.\n\n"
            "```{argparse}\n"
            ":module: bayesmeta.cli\n"
            ":func: build_parser\n"
            ":prog: bayesmeta\n"
            f":path: {name}\n"
            ":nodefault:\n"
            "```\n"
        )
        _write(out / f"{name}.md", page)
    return list(commands)


def copy_notebooks(out: Path) -> list[str]:
    """Copy ``notebooks/*.ipynb`` into ``docs/examples``.

    Parameters
    ----------
    out : Path
        The ``docs/examples`` folder.

    Returns
    -------
    list of str
        The notebook names, without suffix.
    """
    out.mkdir(parents=True, exist_ok=True)
    sources = sorted((ROOT / "notebooks").glob("*.ipynb"))
    for stale in out.glob("*.ipynb"):
        if stale.name not in {s.name for s in sources}:
            stale.unlink()
    for source in sources:
        target = out / source.name
        if not target.exists() or target.read_bytes() != source.read_bytes():
            shutil.copyfile(source, target)
    return [s.stem for s in sources]


def _generate(app, config) -> None:
    modules = generate_api(DOCS / "api")
    generate_cli(DOCS / "cli")
    copy_notebooks(DOCS / "examples")
    # autosummary scans these pages for stubs to write (on an incremental build its default scan
    # would miss a page generated in this run).
    config.autosummary_generate = [f"api/{module}.rst" for module in modules]


def setup(app) -> dict:
    """Register the generators with Sphinx.

    Parameters
    ----------
    app : sphinx.application.Sphinx
        The application being built.

    Returns
    -------
    dict
        Extension metadata (parallel-safe).
    """
    # config-inited runs before autosummary's builder-inited hook reads the generated pages.
    app.connect("config-inited", _generate)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
