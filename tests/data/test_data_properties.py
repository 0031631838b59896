"""Property-based tests (hypothesis): any valid table is accepted unchanged; each kind of
corruption is rejected with a message that names the corrupted study."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bayesmeta.data import from_frame
from bayesmeta.errors import InputError

labels = (
    st.text(
        alphabet=st.characters(whitelist_categories=("L", "N"), whitelist_characters=" -."),
        min_size=1,
        max_size=12,
    )
    .map(str.strip)
    .filter(bool)
)


@st.composite
def valid_tables(draw):
    k = draw(st.integers(min_value=1, max_value=25))
    names = draw(st.lists(labels, min_size=k, max_size=k, unique=True))
    totals = draw(st.lists(st.integers(min_value=1, max_value=5000), min_size=k, max_size=k))
    events = [draw(st.integers(min_value=0, max_value=n)) for n in totals]
    groups = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=k, max_size=k))
    return pd.DataFrame({"study": names, "events": events, "total": totals, "group": groups})


@settings(max_examples=60, deadline=None)
@given(valid_tables())
def test_valid_tables_are_accepted_unchanged(frame):
    before = frame.copy(deep=True)
    data = from_frame(frame, events="events", total="total")
    pd.testing.assert_frame_equal(frame, before)
    assert data.studies == tuple(frame["study"])
    assert data.events.tolist() == frame["events"].tolist()
    assert data.total.tolist() == frame["total"].tolist()
    assert data.covariates["group"].tolist() == frame["group"].tolist()
    assert data.excluded == ()


CORRUPTIONS = {
    "events_above_total": lambda ev, n: (n + 1, n),
    "negative_events": lambda ev, n: (-1 - ev, n),
    "fractional_events": lambda ev, n: (ev + 0.5, n + 1),
    "nonfinite_total": lambda ev, n: (ev, np.inf),
    "text_events": lambda ev, n: ("many", n),
    "zero_total": lambda ev, n: (0, 0),
    "events_only": lambda ev, n: (ev, np.nan),
}
EXPECTED = {
    "events_above_total": "exceeds",
    "negative_events": "negative",
    "fractional_events": "not a whole number",
    "nonfinite_total": "not finite",
    "text_events": "not a number",
    "zero_total": "at least 1",
    "events_only": "is missing",
}


@settings(max_examples=80, deadline=None)
@given(valid_tables(), st.data(), st.sampled_from(sorted(CORRUPTIONS)))
def test_each_corruption_is_rejected_naming_the_study(frame, data, kind):
    row = data.draw(st.integers(min_value=0, max_value=len(frame) - 1))
    corrupted = frame.astype({"events": object, "total": object})
    ev, n = CORRUPTIONS[kind](int(frame.at[row, "events"]), int(frame.at[row, "total"]))
    corrupted.at[row, "events"] = ev
    corrupted.at[row, "total"] = n
    try:
        from_frame(corrupted, events="events", total="total")
    except InputError as error:
        message = str(error)
        assert f"study '{frame.at[row, 'study']}'" in message
        assert EXPECTED[kind] in message
        assert "\n" not in message
    else:
        raise AssertionError(f"{kind} in row {row} was accepted")


@settings(max_examples=40, deadline=None)
@given(valid_tables(), st.data())
def test_duplicate_label_is_rejected(frame, data):
    assume(len(frame) >= 2)
    i, j = sorted(
        data.draw(st.lists(st.integers(0, len(frame) - 1), min_size=2, max_size=2, unique=True))
    )
    corrupted = frame.copy()
    corrupted.at[j, "study"] = frame.at[i, "study"]
    try:
        from_frame(corrupted, events="events", total="total")
    except InputError as error:
        assert f"study '{frame.at[i, 'study']}'" in str(error)
        assert "duplicate" in str(error)
    else:
        raise AssertionError("duplicate label accepted")
