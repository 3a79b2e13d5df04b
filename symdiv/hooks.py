"""What lower layers reach in the layers above them, without importing upward.

Value objects keep a few conveniences (``Derivation.latex()``, ``.to_function()``, ``.diff()``,
``Family.from_density``); each calls :func:`provided` with a name, and the package's top level
(``symdiv/__init__.py``) wires every name to the module that implements it, imported on first
use. So `derivation.py` and `family.py` import nothing above them, and `import symdiv` stays light.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["provide", "provided"]

#: name -> (module, attribute), resolved on first call
_PROVIDERS: dict[str, tuple[str, str]] = {}


def provide(name: str, module: str, attribute: str) -> None:
    """Declare that ``module.attribute`` implements the hook ``name`` (called by the top level)."""
    _PROVIDERS[name] = (module, attribute)


def provided(name: str) -> Callable[..., Any]:
    """The implementation of hook ``name``.

    >>> import symdiv
    >>> provided("derivation_latex").__name__
    'derivation_latex'
    """
    module, attribute = _PROVIDERS[name]
    return getattr(importlib.import_module(module), attribute)  # type: ignore[no-any-return]
