"""The command line shared by the scripts that generate documentation pages: write the page,
or with ``--check`` exit 1 when the committed page differs from what would be written."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path


def page_main(argv: Sequence[str] | None, what: str, generate: Callable[[], str], default: Path) -> int:
    parser = argparse.ArgumentParser(description=f"Generate {what}.")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs from what would be written")
    parser.add_argument("-o", "--output", type=Path, default=default, help=f"where to write (default: {what})")
    args = parser.parse_args(argv)
    text = generate()
    script = Path(sys.argv[0]).name if sys.argv and sys.argv[0].endswith(".py") else "the generator"
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date: run python docs/{script}", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0
