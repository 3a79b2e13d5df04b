"""Work budgets: every SymPy call that can run long (integration, summation, heavy rewrites) runs
through :func:`within_budget`, which gives up after a time limit and returns a fallback.

On POSIX the work runs in a forked child process (copy-on-write: it sees every cache and object
of the parent at no cost), which sends its result back pickled; the parent waits at most the
budget and kills the child when it is spent. This bounds even loops that never return to the
Python interpreter (where ``signal.alarm`` cannot interrupt them) and contains memory blow-ups
(the child's address space is capped). Where ``fork`` is unavailable the work runs in-process
with no limit.

The limit is :data:`settings` ``.seconds`` (default 8 s, ``SYMDIV_BUDGET`` in the environment, or
:func:`set_budget`); 0 or a negative value runs everything in-process without a limit.

Inside :func:`shared_budget` (every public derivation opens one) the attempts also share that
limit: a derivation whose first integral gave up after 8 s does not spend 8 s more on each of the
next ones. An attempt cut short by the shared budget raises :class:`BudgetSpent` instead of
returning its fallback, so that caches do not keep a result that a fresh budget might improve.
"""

from __future__ import annotations

import io
import os
import pickle
import select
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

import sympy as sp

_UNEVALUATED: dict[type, type] = {}


def _as_built(cls: type) -> type:
    """A stand-in for the SymPy class ``cls`` whose construction does not evaluate."""
    if cls not in _UNEVALUATED:
        def new(_: type, *args: object) -> object:
            return cls(*args, evaluate=False)  # type: ignore[call-arg]

        _UNEVALUATED[cls] = type(f"Unevaluated{cls.__name__}", (), {"__new__": new})
    return _UNEVALUATED[cls]


class _AsBuilt(pickle.Unpickler):
    """Unpickles a child's result as the child built it. Unpickling calls each SymPy constructor
    again, and an evaluating function or power would redo the work the child kept unevaluated
    (digamma(10**300) as a harmonic number, 3**(10**300)): a hang outside any budget. Functions
    and powers are rebuilt unevaluated (their arguments are already what the child had); sums and
    products are rebuilt as usual, so expressions stay canonical."""

    def find_class(self, module: str, name: str) -> Any:
        cls = super().find_class(module, name)
        if isinstance(cls, type) and issubclass(cls, (sp.Function, sp.Pow)) and not issubclass(cls, sp.Lambda):
            return _as_built(cls)
        return cls

__all__ = ["within_budget", "set_budget", "budget", "settings", "OutOfBudget", "BudgetSpent", "shared_budget",
           "own_budget"]

T = TypeVar("T")


@dataclass
class _Settings:
    #: seconds one budgeted attempt may take
    seconds: float = float(os.environ.get("SYMDIV_BUDGET", "8"))
    #: bytes of address space a budgeted child may use
    memory: int = 6 * 2**30


settings = _Settings()


class OutOfBudget(Exception):
    """Raised inside the engine when an attempt ran out of time or memory (never escapes the package)."""


class BudgetSpent(OutOfBudget):
    """An attempt cut short (or not started) because the derivation's shared budget is spent."""


#: the monotonic time at which the enclosing shared budget ends (None outside one)
_DEADLINE: ContextVar[float | None] = ContextVar("symdiv_shared_deadline", default=None)
#: an attempt is not started with less than this many seconds left
_MIN_ATTEMPT = 0.25


@contextmanager
def shared_budget(seconds: float | None = None) -> Iterator[None]:
    """Every budgeted attempt inside shares one limit (default: one attempt's, ``settings.seconds``).

    Nested blocks keep the outermost limit.
    """
    limit = settings.seconds if seconds is None else seconds
    if _DEADLINE.get() is not None or limit <= 0:
        yield
        return
    token = _DEADLINE.set(time.monotonic() + limit)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


@contextmanager
def own_budget() -> Iterator[None]:
    """A derivation started inside another one's :func:`shared_budget` gets a budget of its own
    (its result is cached: it must not be cut short by what the outer derivation has spent)."""
    token = _DEADLINE.set(None)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def set_budget(seconds: float) -> float:
    """Set the time (seconds) one integration or summation attempt may take; returns the old value.

    >>> import symdiv.budget as b
    >>> old = b.set_budget(3); b.set_budget(old)
    3.0
    """
    old, settings.seconds = settings.seconds, float(seconds)
    return old


@contextmanager
def budget(seconds: float):  # type: ignore[no-untyped-def]
    """``with budget(2): ...`` runs the block with another per-attempt time limit."""
    old = set_budget(seconds)
    try:
        yield
    finally:
        set_budget(old)


def _can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform != "win32"


def within_budget(work: Callable[[], T], fallback: Callable[[BaseException | None], T],
                  seconds: float | None = None) -> T:
    """``work()`` if it finishes within the budget without raising, else ``fallback(reason)``
    (the exception it raised, or :class:`OutOfBudget`)."""
    limit = settings.seconds if seconds is None else seconds
    shared = _DEADLINE.get()
    cut = False
    if shared is not None and limit > 0:
        left = shared - time.monotonic()
        if left < _MIN_ATTEMPT:
            raise BudgetSpent("the derivation's work budget is spent")
        cut, limit = left < limit, min(limit, left)
    if limit <= 0 or not _can_fork():
        try:
            return work()
        except Exception as exc:  # an attempt that fails is a fallback, never a crash
            return fallback(exc)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, exit without running the parent's cleanup
        os.close(read_end)
        code = 0
        try:
            try:
                import resource

                resource.setrlimit(resource.RLIMIT_AS, (settings.memory, settings.memory))
            except (ImportError, ValueError, OSError):
                pass
            try:
                payload = pickle.dumps((True, work()), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as exc:  # noqa: BLE001 - reported to the parent
                try:
                    payload = pickle.dumps((False, exc))
                except Exception:
                    payload = pickle.dumps((False, RuntimeError(repr(exc))))
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = time.monotonic() + limit
    reason: BaseException | None = None
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                reason = (BudgetSpent if cut else OutOfBudget)(f"gave up after {limit:g} s")
                break
            ready, _, _ = select.select([read_end], [], [], left)
            if not ready:
                continue
            chunk = os.read(read_end, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    except BaseException:  # interrupted (Ctrl-C, an alarm): the child must not outlive the call
        reason = OutOfBudget("interrupted")
        raise
    finally:
        os.close(read_end)
        if reason is not None:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        os.waitpid(pid, 0)
    if isinstance(reason, BudgetSpent):
        raise reason  # cut short by the shared budget: not a result to keep
    if reason is not None:
        return fallback(reason)
    try:
        ok, value = _AsBuilt(io.BytesIO(b"".join(chunks))).load()
    except Exception as exc:  # the child died (memory cap) or sent nothing
        return fallback(OutOfBudget(f"the attempt failed ({type(exc).__name__})"))
    return value if ok else fallback(value)
