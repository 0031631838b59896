"""Every public name in ``bayesmeta`` has a numpydoc docstring with "Parameters" and "Returns".

Public means, precisely:

1. every name in the ``__all__`` of each package (a ``bayesmeta`` folder with ``__init__.py``),
   and every name in a module's ``__all__`` where a module defines one;
2. every function and class whose name does not start with ``_``, defined (``__module__``) in a
   public module: a module of ``bayesmeta`` none of whose dotted parts starts with ``_``.

Constants (``DEFAULT_PRIORS``, ``COLUMNS``, ...) have no docstring of their own and are left out;
methods are documented on their class and are not checked here. The docstrings are parsed with
numpydoc's own parser (:class:`numpydoc.docscrape.FunctionDoc` / ``ClassDoc``), as the
documentation site renders them. A function must have a summary, a "Parameters" section naming
each of its parameters (if it has any) and a "Returns" (or "Yields") section unless it is
annotated ``-> None``. A class must have a summary and a "Parameters" (or "Attributes") section
naming each parameter of the constructor it defines (a dataclass: each field); an inherited
constructor (exceptions, ``argparse.ArgumentParser``) is documented where it is defined.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings

import pytest
from numpydoc.docscrape import ClassDoc, FunctionDoc

import bayesmeta

SKIP_MODULES = ("bayesmeta.__main__",)  # running it starts the CLI


def _modules() -> list:
    found = []
    for info in pkgutil.walk_packages(bayesmeta.__path__, prefix="bayesmeta."):
        name = info.name
        if name in SKIP_MODULES or any(part.startswith("_") for part in name.split(".")[1:]):
            continue
        found.append(importlib.import_module(name))
    return found


def public_objects() -> dict[str, object]:
    """Every public function and class of ``bayesmeta``, by its qualified name.

    Returns
    -------
    dict of str to object
        ``{"bayesmeta.freq.rma.rma": <function>, ...}``, each object once, under the module
        that defines it.
    """
    objects: dict[str, object] = {}

    def add(obj: object) -> None:
        if inspect.isfunction(obj) or inspect.isclass(obj):
            objects.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)

    for module in _modules():
        for name in getattr(module, "__all__", ()):
            add(getattr(module, name))
        for name, obj in vars(module).items():
            if name.startswith("_"):
                continue
            if getattr(obj, "__module__", None) == module.__name__:
                add(obj)
    return objects


def _parameters(obj: object) -> list[str]:
    if inspect.isclass(obj) and "__init__" not in vars(obj):
        return []  # an inherited constructor (exceptions, argparse) is documented where it is defined
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return []
    names = []
    for parameter in signature.parameters.values():
        if parameter.name in ("self", "cls"):
            continue
        if parameter.kind is parameter.VAR_POSITIONAL:
            names.append(f"*{parameter.name}")
        elif parameter.kind is parameter.VAR_KEYWORD:
            names.append(f"**{parameter.name}")
        else:
            names.append(parameter.name)
    return names


def problems(obj: object) -> list[str]:
    """What is missing from one object's docstring.

    Parameters
    ----------
    obj : function or class
        The object to check.

    Returns
    -------
    list of str
        One line per problem; empty when the docstring is complete.
    """
    if not inspect.getdoc(obj) or obj.__doc__ is None:
        return ["no docstring"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpydoc warns on unknown or malformed sections
        try:
            doc = (
                ClassDoc(obj, config={"show_class_members": False})
                if inspect.isclass(obj)
                else FunctionDoc(obj)
            )
        except Exception as error:  # noqa: BLE001 - any parse failure is the finding
            return [f"numpydoc cannot parse it: {error}"]
    found = []
    if not doc["Summary"]:
        found.append("no summary line")
    expected = _parameters(obj)
    if inspect.isclass(obj):
        documented = [p.name for p in doc["Parameters"]] + [p.name for p in doc["Attributes"]]
        section = "Parameters"
    else:
        documented = [p.name for p in doc["Parameters"]]
        section = "Parameters"
        returns_none = inspect.signature(obj).return_annotation in (None, "None")
        if not returns_none and not (doc["Returns"] or doc["Yields"]):
            found.append("no Returns section")
    names = {part.strip() for entry in documented for part in entry.split(",")}
    missing = [name for name in expected if name not in names and name.lstrip("*") not in names]
    if missing:
        found.append(f"{section} does not name {', '.join(missing)}")
    return found


OBJECTS = public_objects()


def test_public_names_are_found():
    # The walk reaches every package: a name from each package's __all__ is among them.
    for qualified in (
        "bayesmeta.freq.rma.rma",
        "bayesmeta.model.spec.build_model",
        "bayesmeta.quad.grid_fit.fit_quadrature",
        "bayesmeta.data.reader.from_frame",
        "bayesmeta.plots.forest.forest_plot",
        "bayesmeta.sensitivity.analysis.sensitivity",
        "bayesmeta.analysis.specfile.load_spec",
    ):
        assert qualified in OBJECTS
    assert len(OBJECTS) > 100


def test_the_checker_finds_what_is_missing():
    def undocumented(x, *, y=1):
        return x + y

    def no_returns(x):
        """Add one.

        Parameters
        ----------
        x : int
            A number.
        """
        return x + 1

    def complete(x):
        """Add one.

        Parameters
        ----------
        x : int
            A number.

        Returns
        -------
        int
            ``x + 1``.
        """
        return x + 1

    assert problems(undocumented) == ["no docstring"]
    assert problems(no_returns) == ["no Returns section"]
    assert problems(complete) == []


@pytest.mark.parametrize("qualified", sorted(OBJECTS))
def test_numpydoc_docstring(qualified):
    assert problems(OBJECTS[qualified]) == [], qualified
