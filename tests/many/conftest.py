"""Small multiverse and simulation inputs, and one real 2-worker Dask LocalCluster."""

from __future__ import annotations

import textwrap

import pytest

STUDIES = """study,events,total,region
A,3,40,north
B,12,60,north
C,0,25,south
D,30,120,south
E,7,35,north
F,18,90,south
G,2,15,north
"""

MULTIVERSE = """
name = "tiny_multiverse"
title = "Tiny multiverse"
[data]
csv = "studies.csv"
outcome = "x"
events = "events"
total = "total"
[model]
kind = "random"
[sampler]
seed = 11
[multiverse]
methods = ["DL", "PM", "GLMM", "bayes"]
hartung_knapp = [true]
tau_priors = ["halfnormal(1)"]
min_total = [0, 30]
leave_one_out = true
min_studies = 3
threshold = 0.15
[multiverse.filters]
region = ["north"]
"""

SIMULATION = """
seed = 3
replicates = {replicates}
methods = {methods}
[grid]
k = [5]
sizes = ["uniform(50, 200)"]
rate = [0.3]
tau = {taus}
"""


@pytest.fixture
def multiverse_spec(tmp_path):
    """A multiverse spec over 7 studies: 2 region filters x 2 sizes x 8 left-out x 4 analyses."""
    (tmp_path / "studies.csv").write_text(STUDIES)
    path = tmp_path / "tiny_multiverse.toml"
    path.write_text(textwrap.dedent(MULTIVERSE))
    return path


def simulation_file(folder, *, replicates, methods, taus):
    """Write a SCENARIOS.toml (k = 5, sizes 50-200, rate 0.3) and return its path."""
    path = folder / "scenarios.toml"
    methods_text = "[" + ", ".join(f'"{m}"' for m in methods) + "]"
    path.write_text(SIMULATION.format(replicates=replicates, methods=methods_text, taus=list(taus)))
    return path


@pytest.fixture(scope="module")
def dask_cluster():
    """A real LocalCluster: 2 worker processes, one thread each; yields its address."""
    import distributed  # in the dev extra: a missing install fails, never skips

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address
