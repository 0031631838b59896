"""Values computed when first read: what a fit can give but not every caller wants.

The exact engine's log evidence error (a finer grid) and Bayes factors (a fit of every
companion model) cost more than the fit itself; multiverse, simulate, sensitivity, GOSH and
cumulative analyses never read them. A :class:`Deferred` holds the computation and runs it on
first use; :class:`DeferredField` makes a dataclass field read through it, so
``result.bayes_factors`` is the same attribute it always was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

_PENDING = object()


class Deferred:
    """A value computed on first :meth:`get`, then kept (copies of a result share it).

    Parameters
    ----------
    compute : callable
        ``() -> value``.
    """

    __slots__ = ("_compute", "_value")

    def __init__(self, compute: Callable[[], Any]) -> None:
        self._compute = compute
        self._value = _PENDING

    @property
    def done(self) -> bool:
        """Whether the value has been computed."""
        return self._value is not _PENDING

    def get(self) -> Any:
        """The value, computed now if not yet.

        Returns
        -------
        object
        """
        if self._value is _PENDING:
            self._value = self._compute()
            self._compute = None
        return self._value

    def __reduce__(self):
        # a closure does not pickle: a pickled result carries the value itself
        return (_identity, (self.get(),))

    def __repr__(self) -> str:
        return f"Deferred({self._value!r})" if self.done else "Deferred(<not computed>)"


def _identity(value: Any) -> Any:
    return value


class DeferredField:
    """A dataclass field whose stored value may be a :class:`Deferred`, resolved when read.

    Parameters
    ----------
    default : object
        The field's default (immutable).
    """

    def __init__(self, default: Any) -> None:
        self.default = default
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self.default
        value = obj.__dict__.get(self.name, self.default)
        if isinstance(value, Deferred):
            value = value.get()
            obj.__dict__[self.name] = value
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.name] = value


class EmptyMapping(Mapping):
    """An empty, immutable, hashable mapping: the default of a mapping-valued deferred field."""

    def __getitem__(self, key: Any) -> Any:
        raise KeyError(key)

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "{}"


#: The empty mapping default.
EMPTY = EmptyMapping()


def is_pending(obj: Any, name: str) -> bool:
    """Whether ``obj.name`` is a :class:`Deferred` not yet computed (reading it would compute).

    Parameters
    ----------
    obj : object
        An instance with a :class:`DeferredField` ``name``.
    name : str
        The field.

    Returns
    -------
    bool
    """
    value = obj.__dict__.get(name)
    return isinstance(value, Deferred) and not value.done
