"""bayesmeta: Bayesian hierarchical meta-analysis of proportions, with a frequentist baseline equal
to R's metafor and meta.

The version below is the only place it is written: ``pyproject.toml`` reads it
(``[tool.setuptools.dynamic]``) and ``bayesmeta --version`` prints it.
"""

__version__ = "0.1.0"
