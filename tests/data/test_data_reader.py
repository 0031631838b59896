"""Validation of user tables: each corruption is rejected in one line naming study and field."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayesmeta.data import from_csv, from_frame
from bayesmeta.errors import InputError


def _frame(**overrides) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "study": ["A 2020", "B 2021", "C 2022"],
            "ev": [3, 5, 0],
            "n": [10, 12, 8],
            "group": ["x", "y", "x"],
        }
    )
    for column, values in overrides.items():
        frame[column] = values
    return frame


def _reject(frame: pd.DataFrame, *fragments: str, **options) -> str:
    with pytest.raises(InputError) as info:
        from_frame(
            frame, events=options.pop("events", "ev"), total=options.pop("total", "n"), **options
        )
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_valid_table_is_accepted():
    data = from_frame(_frame(), events="ev", total="n")
    assert data.studies == ("A 2020", "B 2021", "C 2022")
    assert data.events.tolist() == [3, 5, 0]
    assert data.total.tolist() == [10, 12, 8]
    assert list(data.covariates.columns) == ["group"]
    assert data.excluded == ()


def test_events_above_total():
    _reject(_frame(ev=[3, 13, 0]), "B 2021", "'ev' = 13", "exceeds", "'n' = 12")


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ([3, -1, 0], "negative"),
        ([3, 2.5, 0], "not a whole number"),
        ([3, np.inf, 0], "not finite"),
        ([3, "five", 0], "not a number"),
        ([3, True, 0], "not a count"),
    ],
)
def test_bad_event_counts(values, fragment):
    _reject(_frame(ev=pd.Series(values, dtype=object)), "B 2021", "'ev'", fragment)


def test_total_below_one():
    _reject(_frame(ev=[3, 0, 0], n=[10, 0, 8]), "B 2021", "'n'", "at least 1")


def test_only_one_of_events_and_total():
    _reject(_frame(ev=[3, np.nan, 0]), "B 2021", "'ev' is missing", "'n' is given")
    _reject(_frame(n=[10, 12, np.nan]), "C 2022", "'n' is missing")


def test_duplicate_labels():
    _reject(_frame(study=["A", "B", "A"]), "study 'A'", "duplicate", "rows 1 and 3")


def test_missing_label():
    _reject(_frame(study=["A", None, "C"]), "row 2", "study label is missing")


def test_missing_column():
    _reject(_frame(), "events column 'events'", events="events")
    _reject(_frame(), "study column 'label'", study="label")
    _reject(_frame(), "covariate column 'age'", covariates=["age"])


def test_study_without_outcome_is_excluded_and_reported():
    data = from_frame(_frame(ev=[3, np.nan, 0], n=[10, np.nan, 8]), events="ev", total="n")
    assert data.studies == ("A 2020", "C 2022")
    assert [(e.study, "outcome not reported" in e.reason) for e in data.excluded] == [
        ("B 2021", True)
    ]


def test_no_study_with_outcome():
    _reject(_frame(ev=[np.nan] * 3, n=[np.nan] * 3), "no study reports the outcome")


def test_missing_covariate_excludes_only_where_used():
    data = from_frame(_frame(group=["x", None, "y"]), events="ev", total="n")
    assert data.k == 3
    subset = data.complete_for(["group"])
    assert subset.studies == ("A 2020", "C 2022")
    assert subset.excluded[-1].study == "B 2021"
    assert "missing covariate 'group'" in subset.excluded[-1].reason
    with pytest.raises(InputError, match="covariate 'age' is not a column"):
        data.complete_for(["age"])


def test_caller_frame_not_modified():
    frame = _frame(ev=[3, np.nan, 0], n=[10, np.nan, 8])
    before = frame.copy(deep=True)
    data = from_frame(frame, events="ev", total="n")
    data.covariates.loc["A 2020", "group"] = "changed"
    pd.testing.assert_frame_equal(frame, before)


def test_counts_as_numeric_strings_are_read():
    data = from_frame(_frame(ev=["3", "5", "0"]), events="ev", total="n")
    assert data.events.tolist() == [3, 5, 0]


def test_csv_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        from_csv(tmp_path / "absent.csv", events="ev", total="n")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"):
        from_csv(empty, events="ev", total="n")
    header_only = tmp_path / "header.csv"
    header_only.write_text("study,ev,n\n")
    with pytest.raises(InputError, match="no rows"):
        from_csv(header_only, events="ev", total="n")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x00garbage\x00")
    with pytest.raises(InputError, match="unreadable|empty|no rows|not found"):
        from_csv(binary, events="ev", total="n")


def test_csv_round_trip(tmp_path):
    path = tmp_path / "data.csv"
    _frame().to_csv(path, index=False)
    before = path.read_bytes()
    data = from_csv(path, events="ev", total="n")
    assert data.k == 3
    assert path.read_bytes() == before
