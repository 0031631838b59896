"""Task keys and per-task seeds.

A task's random numbers come from ``SeedSequence([master_seed, *sha256(key)])``: the same key
gives the same stream whichever process, worker or executor runs it, and in whatever order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def task_seed(master_seed: int, key: str) -> np.random.SeedSequence:
    """The seed sequence of one task.

    Parameters
    ----------
    master_seed : int
        The run's seed (non-negative).
    key : str
        The task's stable key (e.g. ``"0003-000017"``).

    Returns
    -------
    numpy.random.SeedSequence
        Entropy: the master seed and the eight 32-bit words of SHA-256(key), a hash that does
        not change between Python processes (unlike ``hash``).
    """
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    words = np.frombuffer(digest, dtype="<u4").tolist()
    return np.random.SeedSequence([int(master_seed), *words])


def task_rng(master_seed: int, key: str) -> np.random.Generator:
    """A PCG64 generator seeded by :func:`task_seed`.

    Parameters
    ----------
    master_seed : int
        The run's seed.
    key : str
        The task's stable key.

    Returns
    -------
    numpy.random.Generator
    """
    return np.random.Generator(np.random.PCG64(task_seed(master_seed, key)))


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter).

    Parameters
    ----------
    items : iterable
        Anything iterable; consumed lazily.
    size : int
        Items per batch (at least 1).

    Returns
    -------
    iterator of list
    """
    if size < 1:
        raise ValueError("batch size must be at least 1")
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def spread_order(count: int) -> Iterator[int]:
    """Every position ``0 .. count - 1`` once, in a fixed order that keeps neighbours apart.

    Tasks enumerated in key order come in runs of alike cost (a block of specifications all
    skipped, another all GLMM); sent in this order, every batch mixes them, so the cost of a
    batch measured so far predicts the next one and the workers finish together. The order is
    ``i * stride mod count`` with a stride near ``count / golden ratio`` and coprime to
    ``count``: no memory, the same every run.

    Parameters
    ----------
    count : int
        The number of positions.

    Returns
    -------
    iterator of int
    """
    import math

    stride = max(1, round(count * 0.6180339887))
    while math.gcd(stride, count) != 1:
        stride += 1
    return (i * stride % count for i in range(count))


def default_batch(total: int) -> int:
    """Tasks per batch: about 1/64 of them, at least 16 and at most 1024.

    Parameters
    ----------
    total : int
        Tasks in the run.

    Returns
    -------
    int
    """
    return max(16, min(1024, total // 64))
