"""The bundled CAR-T data reproduce every total that PROVENANCE.md lists (Wu et al. 2025)."""

from __future__ import annotations

import pandas as pd
import pytest

from bayesmeta.data import (
    OUTCOMES,
    cart_outcome,
    load_cart_wu2025,
    load_cart_wu2025_table2,
    provenance,
)


def _totals(outcome: str, by: str | None = None) -> dict:
    data = cart_outcome(outcome)
    if by is None:
        return {"k": data.k, "events": int(data.events.sum()), "total": int(data.total.sum())}
    frame = data.to_frame()
    grouped = frame.groupby(by)[["events", "total"]].sum()
    return {level: (int(row.events), int(row.total)) for level, row in grouped.iterrows()}


def test_wu2025_orr_totals():
    assert _totals("orr") == {"k": 24, "events": 695, "total": 819}
    by_type = _totals("orr", "cancer_type")
    assert by_type["myeloma"] == (400, 461)
    assert by_type["leukemia"] == (259, 305)
    assert by_type["lymphoma"] == (36, 53)


def test_wu2025_crr_totals():
    assert _totals("crr") == {"k": 27, "events": 491, "total": 843}
    assert _totals("crr", "cancer_type")["lymphoma"] == (11, 53)


def test_wu2025_death_totals():
    assert _totals("death") == {"k": 27, "events": 206, "total": 868}
    by_type = _totals("death", "cancer_type")
    assert by_type == {
        "myeloma": (71, 372),
        "leukemia": (114, 410),
        "lymphoma": (4, 60),
        "solid": (17, 26),
    }
    assert _totals("death", "country") == {"USA": (55, 198), "China": (151, 670)}


def test_wu2025_table1_patients_and_studies():
    frame = load_cart_wu2025()
    assert len(frame) == 32
    assert frame["n"].sum() == 978
    assert frame["study"].is_unique


def test_excluded_studies_are_reported_not_dropped():
    frame = load_cart_wu2025()
    for outcome, (events, _total, _label) in OUTCOMES.items():
        data = cart_outcome(outcome)
        missing = set(frame.loc[frame[events].isna(), "study"])
        assert {e.study for e in data.excluded} == missing
        assert data.k + len(data.excluded) == len(frame)
        assert all("outcome not reported" in e.reason for e in data.excluded)


def test_covariates_exposed():
    data = cart_outcome("crr")
    for column in (
        "cancer_type",
        "country",
        "antigen",
        "costim_domain",
        "phase",
        "age_median",
        "female",
        "male",
    ):
        assert column in data.covariates.columns
    assert set(data.levels("country")) == {"China", "USA"}
    assert data.covariates["costim_domain"].notna().sum() < data.k  # known for only some studies


def test_loading_returns_fresh_copies():
    first = load_cart_wu2025()
    first.loc[0, "orr_events"] = -5
    assert load_cart_wu2025().loc[0, "orr_events"] == 12


def test_table2_is_labelled_as_reported_percentages():
    table = load_cart_wu2025_table2()
    assert len(table) == 32
    assert all(
        column.endswith("_pct") for column in table.columns if column not in ("study", "note")
    )
    assert set(table["study"]) == set(load_cart_wu2025()["study"])
    values = table.drop(columns=["study", "note"]).to_numpy().ravel()
    values = values[~pd.isna(values)]
    assert ((values >= 0) & (values <= 100)).all()
    assert "reported percentages" in provenance()


def test_table2_agrees_with_counts_where_provenance_says_so():
    counts = load_cart_wu2025().set_index("study")
    table = load_cart_wu2025_table2().set_index("study")
    death_pct = 100 * counts["dead_events"] / counts["dead_total"]
    both = death_pct.notna() & table["dr_pct"].notna()
    # Table 2 prints death rates to two decimals. One printed value disagrees with the forest plot's
    # counts (Mei H 2021: 2/23 = 8.70%, printed 8.07), a known inconsistency listed in PROVENANCE.md.
    difference = (death_pct[both] - table.loc[both, "dr_pct"]).abs()
    assert set(difference[difference >= 0.01].index) == {"Mei H 2021"}
    assert pd.notna(table.loc["Bao Y 2023", "note"])


@pytest.mark.parametrize("outcome", ["orr", "crr", "death"])
def test_counts_are_valid(outcome):
    data = cart_outcome(outcome)
    assert (data.events >= 0).all() and (data.events <= data.total).all()
    assert not data.events.flags.writeable
