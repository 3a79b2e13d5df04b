"""Record measured test durations in tests/durations.txt, from which conftest.py sets the tiers.

    python -m pytest --durations=0 > durations.log    # the whole suite, as CI runs it
    python tests/mark_slow.py durations.log            # writes tests/durations.txt

A test measured (setup + call + teardown) at 0.5 s or more is in the slow tier (conftest.SLOW_SECONDS);
``python -m pytest -m "not slow"`` runs the rest, the fast tier. Tests faster than pytest's
reporting threshold (5 ms) are not listed: they are fast.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

OUT = Path(__file__).with_name("durations.txt")
SLOW_SECONDS = 0.5  # as in conftest.py


def measured(log: str) -> Counter[str]:
    per: Counter[str] = Counter()
    for line in log.splitlines():
        m = re.match(r"\s*([0-9.]+)s (call|setup|teardown)\s+(\S.*)$", line)
        if m:
            per[m.group(3).strip()] += float(m.group(1))
    return per


def main(path: str) -> None:
    per = measured(Path(path).read_text(encoding="utf-8"))
    if not per:
        raise SystemExit(f"{path}: no durations (run pytest with --durations=0)")
    OUT.write_text("# seconds nodeid: measured test durations (python tests/mark_slow.py LOG rewrites this file)\n"
                   + "".join(f"{per[t]:.2f} {t}\n" for t in sorted(per)), encoding="utf-8")
    slow = [t for t, s in per.items() if s >= SLOW_SECONDS]
    fast = sum(s for s in per.values() if s < SLOW_SECONDS)
    print(f"{len(per)} tests measured; {len(slow)} slow ({sum(per[t] for t in slow):.0f} s); "
          f"fast tier {fast:.0f} s of test time; wrote {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
