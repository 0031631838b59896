"""Sphinx configuration of the bayesmeta documentation site.

Build: ``sphinx-build -W --keep-going -b html docs docs/_build/html`` (see README, Development).
The API reference, the CLI pages and the worked examples are produced at build time by
``_ext/bayesmeta_docs.py`` from the package's ``__all__`` lists, the argparse parsers and
``notebooks/``, so none of them can drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # document the working tree, not an older installed copy
sys.path.insert(0, str(HERE / "_ext"))

import bayesmeta  # noqa: E402

project = "bayesmeta"
author = "the bayesmeta developers"
copyright = "2026, the bayesmeta developers"
release = bayesmeta.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
    "sphinxarg.ext",
    "bayesmeta_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
templates_path = ["_templates"]

# API reference: one stub page per public name, documented once under its package name.
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": False}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()  # tests/docs/test_docstrings.py enforces sections

# Notebooks render from their stored outputs and are never executed here.
nb_execution_mode = "off"
nb_output_stderr = "remove"
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type"]

html_theme = "pydata_sphinx_theme"
html_title = f"bayesmeta {release}"
html_static_path = ["_static"]
html_css_files = ["bayesmeta.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False
smartquotes = False  # keep "--by" and quotes as typed (option names, code-like text)
