r"""Breaking long right-hand sides of aligned equations into lines that fit a page.

SymPy prints a sum on one line however long it is; in an ``align*`` block pdflatex then reports
an overfull box and the formula runs off the page (the Bernoulli decomposition proof of the
formula sheet did). :func:`broken` splits the printed sum at its top-level ``+`` and ``-`` signs
and packs the terms greedily into lines of at most ``width`` visible characters; each further
line starts with ``&\quad`` so it aligns under the right-hand side.
"""

from __future__ import annotations

import re

__all__ = ["broken", "visible_length", "top_level_terms", "LINE_WIDTH"]

#: visible characters of mathematics on one line of an A4/letter page at 10-11pt, after the
#: left-hand side and the ``&=``; a little less than the text width, to keep away from the margin
LINE_WIDTH = 64

_ZERO_WIDTH = re.compile(r"\\(left|right|big|Big|bigg|Bigg)\b|\\(mathrm|operatorname|text|mathbb|mathcal|bm)"
                         r"(?=\{)|[{}]|\\[,;:! ]|\\quad|\\qquad")
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_WORDS = {"log": 3, "ln": 2, "exp": 3, "infty": 1, "cdot": 1, "frac": 0, "dfrac": 0, "tfrac": 0,
          "sqrt": 1, "sum": 2, "prod": 2, "int": 2, "lvert": 1, "rvert": 1, "parallel": 1}


def visible_length(tex: str) -> int:
    r"""An estimate of how many characters wide ``tex`` is once typeset (commands count as the
    glyphs they draw, braces and sizing as nothing; a fraction as its wider part is not modelled:
    it counts both parts, which errs on the side of breaking).

    >>> visible_length(r"\left(a_{1} - a_{2}\right) \psi\left(a_{1}\right)")
    15
    """
    text = _ZERO_WIDTH.sub("", tex)
    text = _COMMAND.sub(lambda m: "x" * _WORDS.get(m.group(1), 1), text)
    text = re.sub(r"\s+", " ", text.replace("_", "").replace("^", "").replace("&", ""))
    return len(text.strip())  # the spaces SymPy prints around + and - stand for the typeset spacing


def top_level_terms(tex: str) -> list[str]:
    r"""``tex`` split before each ``+`` or ``-`` that joins terms at depth 0 (outside braces,
    brackets and ``\left``/``\right`` pairs); each piece keeps its sign.

    >>> top_level_terms(r"a - \left(b + c\right) + \frac{d - e}{2}")
    ['a', '- \\left(b + c\\right)', '+ \\frac{d - e}{2}']
    """
    pieces: list[str] = []
    depth, start, i = 0, 0, 0
    while i < len(tex):
        if tex.startswith(r"\left", i) and i + 5 < len(tex) and not tex[i + 5].isalpha():
            depth += 1
            i += 5
            continue
        if tex.startswith(r"\right", i) and i + 6 < len(tex) and not tex[i + 6].isalpha():
            depth -= 1
            i += 6
            continue
        ch = tex[i]
        if ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
        elif depth == 0 and ch in "+-" and tex[i - 1: i] == " " and tex[i + 1: i + 2] == " " and i > start:
            pieces.append(tex[start:i].strip())
            start = i
        i += 1
    pieces.append(tex[start:].strip())
    return [p for p in pieces if p]


def _groups(tex: str) -> list[tuple[int, int, int, int]]:
    r"""The outermost ``\left( ... \right)`` and ``\left[ ... \right]`` groups of ``tex`` that lie
    outside every brace group (a line may break only there): (start of ``\left``, start of the
    inside, end of the inside, end of the closing delimiter)."""
    out: list[tuple[int, int, int, int]] = []
    lefts: list[tuple[int, str, int]] = []  # (position, delimiter, brace depth) of open \left
    braces, i = 0, 0
    while i < len(tex):
        if tex.startswith("\\left", i) and i + 5 < len(tex) and not tex[i + 5].isalpha():
            lefts.append((i, tex[i + 5], braces))
            i += 6
            continue
        if tex.startswith("\\right", i) and i + 6 < len(tex) and not tex[i + 6].isalpha():
            if lefts:
                start, delim, depth = lefts.pop()
                closing = {"(": ")", "[": "]"}.get(delim)
                if not lefts and depth == 0 and closing is not None and tex[i + 6] == closing:
                    out.append((start, start + 6, i, i + 7))
            i += 7
            continue
        if tex[i] == "{" and tex[i - 1: i] != "\\":
            braces += 1
        elif tex[i] == "}" and tex[i - 1: i] != "\\":
            braces -= 1
        i += 1
    return out


def _break_inside(term: str, width: int) -> str | None:
    r"""A term too wide for a line, broken inside its widest ``\left( ... \right)`` or
    ``\left[ ... \right]`` group whose inside is a sum: ``\right.`` ends a line and ``\left.``
    opens the next (TeX's way of splitting a delimited group over lines)."""
    best = None
    for _, inner_start, inner_end, _ in _groups(term):
        inside = term[inner_start:inner_end]
        if len(top_level_terms(inside)) > 1 and (best is None or len(inside) > best[1] - best[0]):
            best = (inner_start, inner_end)
    if best is None:
        return None
    inner_start, inner_end = best
    open_delim, close_delim = term[inner_start - 1], term[inner_end + 6]
    pieces = top_level_terms(term[inner_start:inner_end])
    lines: list[list[str]] = [[]]
    used = visible_length(term[:inner_start])
    for piece in pieces:
        size = visible_length(piece)
        if lines[-1] and used + size > width:
            lines.append([])
            used = 4
        lines[-1].append(piece)
        used += size
    if len(lines) < 2:
        return None
    body = " \\right. \\\\\n&\\quad \\left. {} ".join(" ".join(line) for line in lines)
    return f"{term[:inner_start - 1]}{open_delim}{body} \\right{close_delim}{term[inner_end + 7:]}"


def broken(tex: str, width: int = LINE_WIDTH, first: int = 0) -> str:
    r"""``tex`` with line breaks (``\\`` then ``&\quad``) between top-level terms so that no line is
    wider than ``width`` visible characters; ``first`` is what the first line already holds (the
    left-hand side). A single term wider than a line is broken inside its widest delimited sum
    (``\left[ ... \right.`` / ``\left. ... \right]``), or stays whole.

    >>> print(broken("a + b + c", width=5))
    a + b \\
    &\quad {} + c
    """
    terms = top_level_terms(tex)
    if visible_length(tex) + first <= width:
        return tex
    lines: list[list[str]] = [[]]
    used = first
    for term in terms:
        size = visible_length(term)
        if lines[-1] and used + size > width:
            lines.append([])
            used = 4  # the \quad indent
        lines[-1].append(term)
        used += size
    out = []
    for k, line in enumerate(lines):
        text = " ".join(line)
        if visible_length(text) + (first if k == 0 else 4) > width and len(line) == 1:
            text = _break_inside(text, width - (first if k == 0 else 4)) or text
        out.append(text)
    return " \\\\\n&\\quad {} ".join(out)  # {} + b: a binary sign, spaced as in the sum
