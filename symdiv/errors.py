"""The one exception hierarchy of symdiv.

Every error the package raises on purpose is a :class:`SymdivError`; each concrete
class also derives from the built-in exception a caller would expect, so
``except ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "SymdivError",
    "InvalidParameterError",
    "InvalidParameterTypeError",
    "UnsupportedError",
    "ParseError",
]


class SymdivError(Exception):
    """Base class of every error raised by symdiv."""


class InvalidParameterError(SymdivError, ValueError):
    """A parameter value lies outside its family's domain.

    The message names the family, the parameter, the value and the allowed domain.
    """

    def __init__(self, family: str, parameter: str, value: object, allowed: str, why: str = "") -> None:
        self.family = family
        self.parameter = parameter
        self.value = value
        self.allowed = allowed
        detail = f" ({why})" if why else ""
        super().__init__(
            f"{family}: parameter {parameter!s} = {value!r} is invalid{detail}; allowed: {allowed}"
        )


class InvalidParameterTypeError(InvalidParameterError, TypeError):
    """A parameter has a type symdiv cannot read (a dict, None, ...)."""


class UnsupportedError(SymdivError, ValueError):
    """The engine cannot handle this request (an undecidable support, an unknown family ...)."""


class ParseError(SymdivError, ValueError):
    """Untrusted text (a name, a claim, a command-line value) could not be read safely."""
