"""The names of the bundled data: data sets, outcomes, covariates (plain constants, no imports,
so the CLI builds its parser without pandas)."""

from __future__ import annotations

#: Outcome name -> (events column, total column, readable label).
OUTCOMES: dict[str, tuple[str, str, str]] = {
    "orr": ("orr_events", "orr_total", "objective response"),
    "crr": ("crr_events", "crr_total", "complete response"),
    "death": ("dead_events", "dead_total", "death"),
}

#: Study-level covariates of the bundled data set.
COVARIATES: tuple[str, ...] = (
    "year",
    "country",
    "cancer_type",
    "tumor",
    "vector",
    "antigen",
    "costim_domain",
    "phase",
    "age_median",
    "female",
    "male",
    "n",
)

DATASETS = ("cart_wu2025",)

#: The bundled patient-level (IPD) data sets (see :mod:`bayesmeta.data.patients`).
IPD_DATASETS = ("ipd_lalu2025_simulated",)
