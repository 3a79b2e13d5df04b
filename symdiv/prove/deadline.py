"""Time budgets for a check: a deadline (a ``time.monotonic()`` value, ``math.inf`` for none) that
interrupts the proof attempt and the numeric search."""

from __future__ import annotations

import gc
import math
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["OutOfTime", "interrupt_at", "tick"]

#: seconds after which a timed-out body is interrupted again if the first interruption was lost
_RETRY = 0.05


class OutOfTime(BaseException):
    """A stage's time budget ran out. A BaseException, so that no ``except Exception`` inside SymPy
    or mpmath can swallow it."""


def tick(deadline: float) -> None:
    """Raise :class:`OutOfTime` when ``deadline`` has passed.

    >>> tick(math.inf)
    """
    if time.monotonic() >= deadline:
        raise OutOfTime


#: functions in whose frames an exception is not propagated but reported as "unraisable"
_SWALLOWING = frozenset({"__del__", "unraisablehook", "unraisable_hook", "_unraisablehook"})


def _swallowed_here(frame: Any) -> bool:
    """Whether an exception raised in ``frame`` would be swallowed instead of reaching the body: the
    frame or one it was called from is a ``__del__``, a garbage-collector callback (hypothesis has
    one), a weakref finaliser or the unraisable-exception hook (pytest's imports modules while the
    alarm may fire again). Raised there, :class:`OutOfTime` would be reported as an error of
    whatever runs the hook and the body would go on; the alarm retries shortly instead.

    >>> import inspect
    >>> _swallowed_here(inspect.currentframe())
    False
    """
    callbacks = {getattr(c, "__code__", None) for c in gc.callbacks}
    hook = getattr(getattr(sys.unraisablehook, "func", sys.unraisablehook), "__code__", None)
    while frame is not None:
        code = frame.f_code
        if (code.co_name in _SWALLOWING or code in callbacks or code is hook
                or code.co_filename.endswith(("weakref.py", "unraisableexception.py"))):
            return True
        frame = frame.f_back
    return False


@contextmanager
def interrupt_at(deadline: float) -> Iterator[None]:
    """Interrupt the body at ``deadline`` (a ``time.monotonic()`` value) with :class:`OutOfTime`.

    SIGALRM does it in the main thread of a POSIX process when no other interval timer is running
    (the previous handler is restored after); elsewhere only the body's :func:`tick` calls do. With
    ``deadline = math.inf`` nothing is armed.

    >>> with interrupt_at(time.monotonic() + 60):
    ...     tick(time.monotonic() + 60)
    """
    tick(deadline)
    if not (deadline < math.inf and hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()
            and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)):
        yield
        return
    armed = True

    def alarm(signum: int, frame: Any) -> None:
        if armed:
            left = deadline - time.monotonic()
            if left > 0:  # woken early: wait for the rest
                signal.setitimer(signal.ITIMER_REAL, left)
                return
            # again soon: in case this one is swallowed, and when it lands where it would be
            signal.setitimer(signal.ITIMER_REAL, _RETRY)
            if not _swallowed_here(frame):
                raise OutOfTime

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, max(deadline - time.monotonic(), 1e-3))
    try:
        yield
    finally:
        try:
            armed = False  # from here on the handler does nothing
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
