"""Scripted analyses: TOML spec files, ``bayesmeta run`` / ``compare``, reports.

Modules
-------
specfile   load and validate a spec file (:func:`load_spec`)
runner     fit one spec and write its outputs (:func:`run_spec`)
loo        PSIS-LOO on the study-level likelihood with the random effect integrated out
compare    rank specs by elpd, stacking weights
common     restrict compared models to the studies they all use (--common-studies)
comparison LOO of each spec (fitted or reloaded) and the ranking behind ``bayesmeta compare``
batch      run a folder of specs, compare each outcome's group, write the index report
"""

from bayesmeta.analysis.specfile import AnalysisSpec, load_spec, read_spec

__all__ = ["AnalysisSpec", "load_spec", "read_spec"]
