import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile("dev", max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


# ---------------------------------------------------------------- tiers by measured duration
#: seconds from which a measured test is in the slow tier
SLOW_SECONDS = 0.5  # the fast tier under 3 minutes on 2 cores (measured: 2.0 gave 4 min 23 s, 1.0 3 min 12 s)
_DURATIONS = Path(__file__).with_name("durations.txt")


def _measured() -> dict[str, float]:
    if not _DURATIONS.exists():
        return {}
    out = {}
    for line in _DURATIONS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            seconds, nodeid = line.split(" ", 1)
            out[nodeid] = float(seconds)
    return out


_MEASURED = _measured()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tiers follow the clock: a test measured (tests/durations.txt, written by tests/mark_slow.py)
    at SLOW_SECONDS or more is slow, one measured faster is not, whatever its file says; a
    ``slow`` mark in a test file decides only for tests not measured yet."""
    for item in items:
        seconds = _MEASURED.get(item.nodeid)
        if seconds is None:
            continue
        if seconds >= SLOW_SECONDS:
            item.add_marker(pytest.mark.slow)
        else:
            item.own_markers[:] = [m for m in item.own_markers if m.name != "slow"]
