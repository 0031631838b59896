"""Patient rows: validation one line naming row and field, nothing dropped silently, the
within/across design, trials without within-trial information, aggregate rows."""

import numpy as np
import pandas as pd
import pytest

from bayesmeta.data.patients import (
    aggregate_from_frame,
    load_ipd_dataset,
    patients_from_frame,
)
from bayesmeta.errors import InputError
from bayesmeta.ipd.within_across import ipd_design


def _frame():
    return pd.DataFrame(
        {
            "trial": ["A", "A", "A", "B", "B", "C", "C", "C"],
            "y": [1, 0, 1, 0, 0, 1, 1, 0],
            "x": [1, 0, 0, 1, 1, 0, 1, 0],
            "age": [50, 60, 70, 40, None, 55, 65, 75],
            "arm": ["p", "q", "p", "q", "q", "q", "p", "q"],
        }
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"y": (2, 3)}, "row 3 (trial 'A'): 'y' = 3 is not 0 or 1"),
        ({"y": (4, -1)}, "row 5 (trial 'B'): 'y' = -1 is negative"),
        ({"y": (1, 0.5)}, "row 2 (trial 'A'): 'y' = 0.5 is not a whole number"),
        ({"trial": (6, None)}, "row 7: trial label is missing in column 'trial'"),
    ],
)
def test_bad_cells_are_one_line_naming_row_and_field(change, message):
    frame = _frame().astype(object)
    for column, (row, value) in change.items():
        frame.loc[row, column] = value
    with pytest.raises(InputError) as error:
        patients_from_frame(frame, trial="trial", outcome="y")
    assert str(error.value) == message


def test_rows_without_outcome_or_modifier_are_excluded_and_reported():
    frame = _frame()
    frame.loc[0, "y"] = None
    data = patients_from_frame(frame, trial="trial", outcome="y")
    assert [e.to_dict() for e in data.excluded] == [
        {"row": 1, "trial": "A", "source": "patients", "reason": "outcome 'y' missing"}
    ]
    design = ipd_design(data, "x + age")
    assert [(e.row, e.trial) for e in design.data.excluded] == [(1, "A"), (5, "B")]
    assert "'age' is missing" in design.data.excluded[1].reason
    assert len(design.data.rows) == 6


def test_grouped_rows_need_both_columns_and_events_within_total():
    frame = pd.DataFrame({"trial": ["A", "B"], "e": [3, 5], "n": [4, 4], "x": [0, 1]})
    with pytest.raises(InputError, match=r"row 2 \(trial 'B'\): 'e' = 5 exceeds 'n' = 4"):
        patients_from_frame(frame, trial="trial", events="e", total="n")
    with pytest.raises(InputError, match="both the events and the total"):
        patients_from_frame(frame, trial="trial", events="e")


def test_within_is_centred_per_trial_and_across_is_the_trial_mean():
    data = patients_from_frame(_frame(), trial="trial", outcome="y")
    design = ipd_design(data, "x + arm")
    X = pd.DataFrame(design.matrix, columns=design.columns)
    assert design.columns == (
        "intercept",
        "x:within",
        "x:across",
        "arm[q]:within",
        "arm[q]:across",
    )
    np.testing.assert_allclose(X["x:across"], [1 / 3] * 3 + [1, 1] + [1 / 3] * 3)
    np.testing.assert_allclose(X["x:within"], [2 / 3, -1 / 3, -1 / 3, 0, 0, -1 / 3, 2 / 3, -1 / 3])
    # trial B's patients all had x = 1 and arm q: no within-trial information on either
    np.testing.assert_allclose(X["arm[q]:across"], [1 / 3] * 3 + [1, 1] + [2 / 3] * 3)
    assert design.no_within == {"x": ("B",), "arm[q]": ("B",)}


def test_grouped_rows_give_the_same_design_as_patient_rows():
    patients = patients_from_frame(_frame(), trial="trial", outcome="y")
    grouped = (
        _frame()
        .groupby(["trial", "x"], as_index=False)
        .agg(events=("y", "sum"), total=("y", "size"))
    )
    data = patients_from_frame(grouped, trial="trial", events="events", total="total")
    a, b = ipd_design(patients, "x"), ipd_design(data, "x")
    means_a = a.trial_means["x"].to_numpy()
    np.testing.assert_allclose(means_a, b.trial_means["x"].to_numpy())


def test_trial_level_modifier_enters_across_only():
    frame = _frame()
    frame["source"] = frame["trial"].map({"A": "auto", "B": "auto", "C": "allo"})
    design = ipd_design(patients_from_frame(frame, trial="trial", outcome="y"), "x + source")
    assert design.trial_level == ("source[auto]",)
    assert "source[auto]:within" not in design.columns
    assert "source[auto]:across" in design.columns


def test_aggregate_rows_enter_with_within_zero_and_across_the_reported_mean():
    data = patients_from_frame(_frame(), trial="trial", outcome="y")
    ad = aggregate_from_frame(
        pd.DataFrame({"trial": ["D", "E"], "ev": [4, None], "n": [10, None], "x": [0.3, 0.5]}),
        trial="trial",
        events="ev",
        total="n",
    )
    assert [e.to_dict()["source"] for e in ad.excluded] == ["aggregate"]
    design = ipd_design(data.with_aggregate(ad), "x")
    last = design.matrix[-1]
    assert design.data.trials[-1] == "D"
    np.testing.assert_allclose(last, [1.0, 0.0, 0.3])
    assert design.data.total[-1] == 10


def test_aggregate_data_need_the_modifier_mean():
    data = patients_from_frame(_frame(), trial="trial", outcome="y")
    ad = aggregate_from_frame(
        pd.DataFrame({"trial": ["D"], "ev": [4], "n": [10], "x": [1.5]}),
        trial="trial",
        events="ev",
        total="n",
    )
    with pytest.raises(InputError, match=r"aggregate row 1 \(trial .D.\): .age. is missing"):
        ipd_design(data.with_aggregate(ad), "x + age")
    clash = aggregate_from_frame(
        pd.DataFrame({"trial": ["A"], "ev": [4], "n": [10], "x": [0.5]}),
        trial="trial",
        events="ev",
        total="n",
    )
    with pytest.raises(InputError, match="aggregate trial 'A' is also in the patient data"):
        data.with_aggregate(clash)


def test_bundled_simulated_data_is_labelled_and_regenerates():
    from bayesmeta.ipd.simulated import N_PATIENTS, N_TRIALS, simulate_lalu2025

    frame = load_ipd_dataset("ipd_lalu2025_simulated")
    assert len(frame) == N_PATIENTS == 2331
    assert frame["trial"].nunique() == N_TRIALS == 89
    assert frame["trial"].str.startswith("SIM-").all()
    regenerated = simulate_lalu2025()
    pd.testing.assert_frame_equal(
        frame, regenerated, check_dtype=False, check_exact=False, rtol=0, atol=0
    )


def test_lalu2025_stratified_rates_on_the_simulated_data():
    """The abstract's pooled stratified rates, reproduced (within 4 points) on the SIMULATED set."""
    from bayesmeta.ipd.naive import stratified_rates

    frame = load_ipd_dataset("ipd_lalu2025_simulated")
    cr = patients_from_frame(frame, trial="trial", outcome="cr")
    icans = patients_from_frame(frame, trial="trial", outcome="icans")

    def rates(data, modifier):
        table = stratified_rates(data, modifier)
        return dict(zip(table["level"], table["rate"], strict=True))

    published = [
        (rates(cr, "bridging"), {"1": 0.34, "0": 0.58}),
        (rates(cr, "source"), {"autologous": 0.53, "allogeneic": 0.67}),
        (rates(cr, "target"), {"cd19": 0.58, "cd19_plus": 0.72}),
        (rates(icans, "source"), {"autologous": 0.24, "allogeneic": 0.03}),
    ]
    for ours, paper in published:
        for level, rate in paper.items():
            assert abs(ours[level] - rate) < 0.04, (level, ours[level], rate)
    by_type = frame.groupby("cancer_type")["cr"].mean()
    assert 0.25 <= by_type.min() and by_type.max() <= 0.75
