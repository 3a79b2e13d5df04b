"""A Griffe extension (loaded by mkdocstrings, see mkdocs.yml) that makes symdiv's docstrings Markdown.

symdiv's docstrings are reST-flavoured prose: Sphinx roles (``:class:`Notation```), double-backtick
literals and doctest examples without an "Examples" heading. Before the docstrings are parsed
(style "sphinx") this extension

* fences every doctest (a run of ``>>>``/``...`` lines and their output, up to a blank line) as
  a ``pycon`` block, so it renders as code instead of nested block quotes;
* turns a role into a code span, linked to the API reference when it names a public object of
  ``symdiv`` (an entry of ``symdiv.__all__``), e.g. ``[`Notation`][symdiv.Notation]``;
* turns a reST literal block (a paragraph ending in ``::``) into a fenced block.

The package's docstrings are left untouched on disk.
"""

from __future__ import annotations

import re
from typing import Any

try:
    from griffe import Extension
except ImportError:  # pragma: no cover - importable without the docs extra (pytest --doctest-modules)
    Extension = object  # type: ignore[assignment,misc]

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|mod|data|obj|exc):`~?([^`]+)`")


def _public_names() -> set[str]:
    try:
        import symdiv
    except ImportError:  # pragma: no cover
        return set()
    return set(getattr(symdiv, "__all__", ()))


def convert_roles(text: str, public: set[str]) -> str:
    def repl(match: re.Match[str]) -> str:
        target = match.group(1).strip()
        name = target.removeprefix("symdiv.")
        if name in public:
            return f"[`{name}`][symdiv.{name}]"
        return f"`{target}`"

    return ROLE.sub(repl, text)


def fence_doctests(text: str) -> str:
    """Wrap each doctest run in a ```pycon fence (at the doctest's own indentation)."""
    lines = text.split("\n")
    out: list[str] = []
    k = 0
    in_fence = False
    while k < len(lines):
        line = lines[k]
        stripped = line.lstrip()
        if stripped.startswith("```"):
            in_fence = not in_fence
        if not in_fence and stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            block = []
            while k < len(lines) and lines[k].strip():
                block.append(lines[k][len(indent):] if lines[k].startswith(indent) else lines[k].lstrip())
                k += 1
            if out and out[-1].strip():
                out.append("")
            out += [indent + "```pycon", *(indent + b for b in block), indent + "```"]
            continue
        out.append(line)
        k += 1
    return "\n".join(out)


def fence_literal_blocks(text: str) -> str:
    """``Some text::`` followed by an indented block -> ``Some text:`` and a fenced block."""
    lines = text.split("\n")
    out: list[str] = []
    k = 0
    while k < len(lines):
        line = lines[k]
        if line.rstrip().endswith("::") and not line.strip().startswith(">>>"):
            out.append(line.rstrip()[:-1])
            k += 1
            while k < len(lines) and not lines[k].strip():
                k += 1
            base = len(line) - len(line.lstrip())
            block: list[str] = []
            while k < len(lines) and (not lines[k].strip() or len(lines[k]) - len(lines[k].lstrip()) > base):
                block.append(lines[k])
                k += 1
            while block and not block[-1].strip():
                block.pop()
            if block:
                cut = min(len(b) - len(b.lstrip()) for b in block if b.strip())
                out += ["", " " * base + "```text", *(" " * base + b[cut:] for b in block), " " * base + "```", ""]
            continue
        out.append(line)
        k += 1
    return "\n".join(out)


def to_markdown(text: str, public: set[str] | None = None) -> str:
    """The Markdown for one docstring.

    >>> md = to_markdown("See :class:`Notation`.\\n\\n>>> 1 + 1\\n2", {"Notation"})
    >>> md.splitlines()
    ['See [`Notation`][symdiv.Notation].', '', '```pycon', '>>> 1 + 1', '2', '```']
    """
    public = _public_names() if public is None else public
    return fence_doctests(fence_literal_blocks(convert_roles(text, public)))


class SymdivDocstrings(Extension):  # type: ignore[misc]
    """Rewrite each docstring to Markdown once the object tree is built (before parsing)."""

    def __init__(self) -> None:
        self.public = _public_names()

    def on_object(self, *, obj: Any, **kwargs: Any) -> None:
        if getattr(obj, "is_alias", False):  # its target is visited on its own
            return
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value, self.public)
