"""Settings for the whole pytest run, notebooks included (nbmake kernels inherit the environment)."""

import os

# Notebooks cut their NUTS draws to this under test; a full run uses their own defaults.
os.environ.setdefault("BAYESMETA_NOTEBOOK_DRAWS", "200")
# Figures are drawn off screen.
os.environ.setdefault("MPLBACKEND", "Agg")
