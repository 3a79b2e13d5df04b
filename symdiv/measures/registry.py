"""The one registry of measures: every layer that names, parses, prints or runs a measure
iterates over it.

Each measure module declares its :class:`~symdiv.measures.base.Measure` and registers the function
that derives it; ``symdiv/__init__.py`` imports every measure module, so the registry is complete
before any user code runs. Readers look it up when called, never at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import InvalidParameterError
from .base import Measure

__all__ = ["register", "get", "find", "measures", "function_of", "by_alias", "by_command"]

_MEASURES: dict[str, Measure] = {}
_FUNCTIONS: dict[str, Callable[..., Any]] = {}


def register(measure: Measure, function: Callable[..., Any]) -> Measure:
    """Add ``measure``, derived by ``function`` (families, then the measure's parameters by name)."""
    old = _MEASURES.get(measure.name)
    if old is not None and old is not measure:
        raise ValueError(f"a measure named {measure.name!r} is registered already")
    clash = [m.name for m in _MEASURES.values() if m is not measure and
             (m.command == measure.command or set(m.aliases) & set(measure.aliases))]
    if clash:
        raise ValueError(f"{measure.name}: its command or a claim name is {clash[0]}'s already")
    _MEASURES[measure.name] = measure
    _FUNCTIONS[measure.name] = function
    return measure


def measures(arity: int | None = None) -> tuple[Measure, ...]:
    """Every registered measure, in registration order (optionally only those of one arity)."""
    return tuple(m for m in _MEASURES.values() if arity is None or m.arity == arity)


def get(name: str) -> Measure:
    """The measure of that name (``kl_divergence``), command (``kl``) or claim name (``D_KL``)."""
    found = _MEASURES.get(name) or by_command(name) or by_alias(name)
    if found is None:
        raise InvalidParameterError("symdiv", "measure", name, ", ".join(_MEASURES), "no such measure")
    return found


def find(name: str) -> Measure | None:
    """The measure of that name, or None."""
    return _MEASURES.get(name)


def by_command(command: str) -> Measure | None:
    return next((m for m in _MEASURES.values() if m.command == command), None)


def by_alias(alias: str) -> Measure | None:
    return next((m for m in _MEASURES.values() if alias in m.aliases), None)


def function_of(measure: Measure) -> Callable[..., Any]:
    """The function that derives ``measure``."""
    return _FUNCTIONS[measure.name]
