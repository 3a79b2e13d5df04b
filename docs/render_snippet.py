"""Render the README's LaTeX snippet (the Normal KL derivation) to docs/img/kl-normal.png.

Needs pdflatex and pdftoppm. The page is compiled, rendered in grayscale, cropped to the
ink and written as PNG with the standard library only.

    python docs/render_snippet.py
"""

from __future__ import annotations

import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import symdiv as sd  # noqa: E402


def snippet() -> str:
    P, Q = sd.Normal("mu_1", "sigma_1"), sd.Normal("mu_2", "sigma_2")
    return sd.kl_divergence(P, Q).latex(steps=True, env="align*")


def write_png(path: Path, width: int, height: int, rows: list[bytes]) -> None:
    raw = b"".join(b"\x00" + row for row in rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grayscale
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9))
                     + chunk(b"IEND", b""))


def render(tex_body: str, out: Path, dpi: int = 150, margin: int = 12) -> None:
    doc = ("\\documentclass{article}\n\\usepackage[paperwidth=30cm,paperheight=16cm,margin=1cm]{geometry}\n"
           + sd.preamble() + "\n\\pagestyle{empty}\n\\begin{document}\n" + tex_body + "\n\\end{document}\n")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "s.tex").write_text(doc, encoding="utf-8")
        subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "s.tex"],
                       cwd=work, check=True, capture_output=True)
        subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), "-f", "1", "-l", "1", "s.pdf", "p"], cwd=work, check=True)
        (pgm,) = work.glob("p*.pgm")
        magic, w, h, _, pixels = pgm.read_bytes().split(maxsplit=4)
    width, height = int(w), int(h)
    rows = [pixels[r * width:(r + 1) * width] for r in range(height)]
    inked = [r for r in range(height) if min(rows[r]) < 200]
    cols = [c for c in range(width) if any(rows[r][c] < 200 for r in inked)]
    top, bottom = max(inked[0] - margin, 0), min(inked[-1] + margin, height - 1)
    left, right = max(cols[0] - margin, 0), min(cols[-1] + margin, width - 1)
    cropped = [rows[r][left:right + 1] for r in range(top, bottom + 1)]
    write_png(out, right - left + 1, bottom - top + 1, cropped)


if __name__ == "__main__":
    target = ROOT / "docs" / "img" / "kl-normal.png"
    render(snippet(), target)
    print(f"wrote {target.relative_to(ROOT)}")
