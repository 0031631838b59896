"""Shared fixtures: the bundled outcomes as validated data."""

from __future__ import annotations

import pytest

from bayesmeta.data import cart_outcome


@pytest.fixture(scope="session", params=["orr", "crr", "death"])
def cart_data(request):
    """Each CAR-T outcome of Wu et al. 2025 as MetaData."""
    return cart_outcome(request.param)
