"""Several outcomes per study: parsing --outcomes, validation, the flagship data's shape."""

from __future__ import annotations

import pandas as pd
import pytest

from bayesmeta.data import load_cart_wu2025
from bayesmeta.errors import InputError
from bayesmeta.joint.columns import OutcomeColumns, parse_outcomes
from bayesmeta.joint.wide_table import joint_from_frame


def test_names_read_their_events_and_total_columns():
    assert parse_outcomes("orr, crr") == (
        OutcomeColumns("orr", "orr_events", "orr_total"),
        OutcomeColumns("crr", "crr_events", "crr_total"),
    )


def test_named_columns_and_mixed_forms():
    assert parse_outcomes("resp=x1:n1,cr") == (
        OutcomeColumns("resp", "x1", "n1"),
        OutcomeColumns("cr", "cr_events", "cr_total"),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("orr", "at least two outcomes"),
        ("orr,,crr", "empty item"),
        ("orr,orr", "'orr' is named twice"),
        ("resp=x1,cr", "name=events:total"),
        ("1x,cr", "must start with a letter"),
    ],
)
def test_bad_outcome_lists_are_one_line_errors(text, message):
    with pytest.raises(InputError, match=message) as info:
        parse_outcomes(text)
    assert "\n" not in str(info.value)


def test_flagship_data_each_study_contributes_what_it_reports():
    data = joint_from_frame(load_cart_wu2025(), outcomes="orr,crr,dead")
    # issue 20: ORR in 24 studies, CRR in 27, deaths in 27; all three in 18; none dropped
    assert data.counts() == {"orr": 24, "crr": 27, "dead": 27, "all": 18}
    assert data.k == 32 and data.excluded == ()
    row = data.studies.index("Pan J 2023")  # reports ORR and deaths, not CRR
    assert data.reported[row].tolist() == [True, False, True]
    assert data.events[row, 0] == 78 and data.total[row, 2] == 81
    long = data.to_long_frame()
    assert len(long) == 24 + 27 + 27
    assert set(long.columns) == {"study", "outcome", "events", "total"}


def test_death_reads_the_bundled_dead_columns():
    data = joint_from_frame(load_cart_wu2025(), outcomes="orr,death")
    assert data.outcomes[1] == OutcomeColumns("death", "dead_events", "dead_total")
    assert data.counts()["death"] == 27


def test_a_study_reporting_no_outcome_is_excluded_and_reported():
    frame = pd.DataFrame(
        {
            "study": ["a", "b", "c"],
            "x1": [1, None, 3],
            "n1": [5, None, 6],
            "x2": [2, None, None],
            "n2": [5, None, None],
        }
    )
    data = joint_from_frame(frame, outcomes="r=x1:n1,c=x2:n2")
    assert data.studies == ("a", "c")
    assert [e.study for e in data.excluded] == ["b"]
    assert "none of the outcomes" in data.excluded[0].reason
    assert data.single("c").studies == ("a",)
    assert "not reported" in data.single("c").excluded[-1].reason


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"x2": [2, 7, None]}, "study 'b': 'x2' = 7 exceeds 'n2' = 6"),
        ({"n2": [5, 6, 4]}, "study 'c': 'n2' is missing but|study 'c': 'x2' is missing but"),
        ({"x1": [1, -1, 3]}, "study 'b': 'x1' = -1 is negative"),
        ({"x1": [1, "two", 3]}, "study 'b': 'x1' = 'two' is not a number"),
    ],
)
def test_bad_cells_name_the_study_and_the_field(change, message):
    frame = pd.DataFrame(
        {
            "study": ["a", "b", "c"],
            "x1": [1, 2, 3],
            "n1": [5, 6, 6],
            "x2": [2, 3, None],
            "n2": [5, 6, None],
        }
    )
    before = frame.copy()
    with pytest.raises(InputError, match=message):
        joint_from_frame(frame.assign(**change), outcomes="r=x1:n1,c=x2:n2")
    pd.testing.assert_frame_equal(frame, before)  # never mutated


def test_a_missing_column_or_a_column_used_twice_is_named():
    frame = pd.DataFrame({"study": ["a"], "x": [1], "n": [3]})
    with pytest.raises(InputError, match="outcome 'c': events column 'y' not found"):
        joint_from_frame(frame, outcomes="r=x:n,c=y:n")
    with pytest.raises(InputError, match="outcome 'c': column 'x' is already the events of 'r'"):
        joint_from_frame(frame, outcomes="r=x:n,c=x:n")


def test_the_simulated_reference_data_is_its_generators_output():
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "validation" / "joint"
    spec = importlib.util.spec_from_file_location("simulate_data", root / "simulate_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = pd.read_csv(root / "sim_joint.csv")
    regenerated = pd.read_csv(__import__("io").StringIO(module.simulate().to_csv(index=False)))
    pd.testing.assert_frame_equal(committed, regenerated)
