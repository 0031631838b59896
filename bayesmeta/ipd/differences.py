"""Within-minus-across contrasts of the one-stage design (one per modifier)."""

from __future__ import annotations

import numpy as np

from bayesmeta.ipd.within_across import ACROSS, WITHIN, IpdDesign


def difference_rows(design: IpdDesign) -> dict[str, np.ndarray]:
    """Modifier -> the contrast vector c with ``c' beta = bW - bA``.

    Trial-level modifiers (no within column) get none.

    Parameters
    ----------
    design : IpdDesign

    Returns
    -------
    dict of str to numpy.ndarray
    """
    rows = {}
    for modifier in design.modifiers:
        if modifier in design.trial_level:
            continue
        row = np.zeros(design.p)
        row[design.column(modifier, WITHIN)] = 1.0
        row[design.column(modifier, ACROSS)] = -1.0
        rows[modifier] = row
    return rows
