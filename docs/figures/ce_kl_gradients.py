"""Cross-entropy and KL divergence as losses in Q, for a fixed P: parallel curves, equal gradients.

P = Normal(0, 1) is fixed and Q = Normal(m, 1) moves. symdiv derives the three closed forms

    H(P, Q)     = m**2/2 + 1/2 + log(2*pi)/2
    KL(P || Q)  = m**2/2
    H(P)        = 1/2 + log(2*pi)/2

so, as functions of m, H(P, Q) and KL(P || Q) differ by the constant H(P) and their derivatives in
m are the same function. Nothing here is typed in by hand: the curves are the derived closed forms
compiled with ``Derivation.to_function("numpy")``, the gradients are ``Derivation.diff("m")``
compiled with ``sympy.lambdify``, and the gradient identity is proved by ``symdiv.check`` before
anything is drawn.

    python docs/figures/ce_kl_gradients.py            # writes docs/img/ce-kl-gradients.png
    python docs/figures/ce_kl_gradients.py --small    # fewer points, low resolution (smoke test)
    python docs/figures/ce_kl_gradients.py --out fig.png --no-plot

matplotlib is imported only to draw the figure.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

import symdiv as sd

OUT = Path(__file__).resolve().parent.parent / "img" / "ce-kl-gradients.png"
M_RANGE = (-3.0, 3.0)


@dataclass(frozen=True)
class Curves:
    """The derived closed forms, their derivatives in m, numeric versions and the verdicts."""

    ce: sd.Derivation  #: H(P, Q)
    kl: sd.Derivation  #: KL(P || Q)
    h: sd.Derivation  #: H(P)
    d_ce: sp.Expr  #: d H(P, Q) / dm
    d_kl: sp.Expr  #: d KL(P || Q) / dm
    ce_fn: Callable[..., Any]
    kl_fn: Callable[..., Any]
    d_ce_fn: Callable[..., Any]
    d_kl_fn: Callable[..., Any]
    gradients_equal: sd.Verdict  #: d/dm H(P, Q) = d/dm KL(P || Q)
    values_equal: sd.Verdict  #: H(P, Q) = KL(P || Q): false, they differ by H(P)
    offset: sd.Verdict  #: H(P, Q) - KL(P || Q) = H(P)


def derive() -> Curves:
    """Derive everything from symdiv for P = Normal(0, 1), Q = Normal(m, 1)."""
    P, Q = sd.Normal(0, 1), sd.Normal("m", 1)
    ce, kl, h = sd.cross_entropy(P, Q), sd.kl_divergence(P, Q), sd.entropy(P)
    (m,) = Q.free_symbols
    d_ce, d_kl = ce.diff("m"), kl.diff("m")
    return Curves(
        ce, kl, h, d_ce, d_kl,
        ce.to_function("numpy"), kl.to_function("numpy"),
        sp.lambdify(m, d_ce, "numpy"), sp.lambdify(m, d_kl, "numpy"),
        sd.check("d/dm H(P, Q) = d/dm KL(P || Q)", P, Q),
        sd.check("H(P, Q) = KL(P || Q)", P, Q),
        sd.check("H(P, Q) - KL(P || Q) = H(P)", P, Q),
    )


def report(c: Curves, ms: np.ndarray) -> str:
    """The closed forms, the verdicts, and the numeric agreement on the grid ``ms``."""
    ce, kl = c.ce_fn(ms), c.kl_fn(ms)
    d_ce, d_kl = np.broadcast_to(c.d_ce_fn(ms), ms.shape), np.broadcast_to(c.d_kl_fn(ms), ms.shape)
    h = float(sp.N(c.h.expr, 17))
    return "\n".join([
        f"H(P, Q)    = {sp.sstr(c.ce.expr)}",
        f"KL(P || Q) = {sp.sstr(c.kl.expr)}",
        f"H(P)       = {sp.sstr(c.h.expr)} = {h:.6f}",
        f"d/dm H(P, Q) = {sp.sstr(c.d_ce)}, d/dm KL(P || Q) = {sp.sstr(c.d_kl)}",
        f"d/dm H(P, Q) = d/dm KL(P || Q): {c.gradients_equal.verdict}",
        f"H(P, Q) = KL(P || Q): {c.values_equal.verdict}",
        f"H(P, Q) - KL(P || Q) = H(P): {c.offset.verdict}",
        f"on {ms.size} points in [{ms[0]:g}, {ms[-1]:g}]: max |CE - KL - H(P)| = {np.max(np.abs(ce - kl - h)):.1e}, "
        f"max |dCE/dm - dKL/dm| = {np.max(np.abs(d_ce - d_kl)):.1e}",
    ])


def plot(c: Curves, ms: np.ndarray, out: Path, small: bool = False) -> Path:
    """Two panels: the losses against m (left) and their derivatives (right); a PNG (Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h = float(sp.N(c.h.expr))
    ce, kl = c.ce_fn(ms), c.kl_fn(ms)
    d_ce, d_kl = np.broadcast_to(c.d_ce_fn(ms), ms.shape), np.broadcast_to(c.d_kl_fn(ms), ms.shape)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6), dpi=60 if small else 120)

    left.plot(ms, ce, color="tab:blue", lw=2, label=f"${c.ce.latex()}$")  # the derived closed forms, as LaTeX
    left.plot(ms, kl, color="tab:red", lw=2, ls="--", label=f"${c.kl.latex()}$")
    left.annotate("", xy=(0, h), xytext=(0, 0), arrowprops={"arrowstyle": "<->", "color": "0.3"})
    left.text(0, h + 0.5, rf"$H(P) = {h:.3f}$", color="0.3", ha="center", va="center", fontsize=9)
    left.set(xlabel="$m$", ylabel="loss (nats)", title="the losses differ by the constant $H(P)$")

    right.plot(ms, d_ce, color="tab:blue", lw=5, alpha=0.35,
               label=rf"$\partial H(P, Q) / \partial m = {sp.latex(c.d_ce)}$")
    right.plot(ms, d_kl, color="tab:red", lw=2, ls="--",
               label=rf"$\partial D_{{\mathrm{{KL}}}}(P \parallel Q) / \partial m = {sp.latex(c.d_kl)}$")
    right.axhline(0, color="0.8", lw=0.8)
    right.set(xlabel="$m$", ylabel="derivative in $m$", title="their gradients in $Q$ are the same")

    for ax in (left, right):
        ax.set_xlim(*M_RANGE)
        ax.legend(loc="upper center", fontsize=8, frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.suptitle(r"$P = \mathcal{N}(0, 1)$ fixed, $Q = \mathcal{N}(m, 1)$", fontsize=10)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, metadata={"Software": None})
    plt.close(fig)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cross-entropy and KL divergence in Q for a fixed P: "
                                                 "parallel curves, identical gradients.")
    parser.add_argument("--small", action="store_true", help="fewer points and a low resolution (smoke test)")
    parser.add_argument("--out", type=Path, default=OUT,
                        help="the PNG to write (default: docs/img/ce-kl-gradients.png)")
    parser.add_argument("--no-plot", action="store_true", help="print the numbers only")
    args = parser.parse_args(argv)
    curves = derive()
    if curves.gradients_equal.holds is not True or curves.offset.holds is not True:
        print("the gradient identity was not proved: refusing to draw", file=sys.stderr)
        return 1
    ms = np.linspace(*M_RANGE, 61 if args.small else 601)
    print(report(curves, ms))
    if not args.no_plot:
        print(f"wrote {plot(curves, ms, args.out, small=args.small)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
