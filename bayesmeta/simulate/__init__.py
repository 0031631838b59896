"""Simulation studies of the package's methods: a grid of scenarios (k, study sizes, true mu
and tau) x replicates x methods, with coverage, bias, RMSE, interval width, failure rate and
prediction-interval coverage, each beside its Monte Carlo SE (Morris, White & Crowther 2019).

``read_study`` validates a SCENARIOS.toml; ``run_simulation`` runs it on any executor
(:mod:`bayesmeta.many`) and writes the tables, plots and report.
"""

from bayesmeta.simulate.metrics import metrics_table, performance
from bayesmeta.simulate.run import run_simulation
from bayesmeta.simulate.scenarios import Scenario, Study, parse_study, read_study

__all__ = [
    "Scenario",
    "Study",
    "metrics_table",
    "parse_study",
    "performance",
    "read_study",
    "run_simulation",
]
