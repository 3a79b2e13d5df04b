"""Forward vs reverse KL: fit one Gaussian Q = N(m, s^2) to a two-mode Gaussian mixture P.

P = 0.5 N(-2, 0.6^2) + 0.5 N(2, 0.6^2). Two fits of Q(m, s):

* forward: minimise KL(P || Q) over Q -- the maximum-likelihood direction. Its minimiser matches
  the moments of P, m = E_P[X] = 0 and s^2 = Var_P[X] = 0.6^2 + 2^2 = 4.36: Q covers both modes
  (mass-covering).
* reverse: minimise KL(Q || P) over Q -- the direction of variational inference. It is
  mode-seeking: Q locks onto one component, m ~ 2, s ~ 0.6, and KL(Q || P) ~ log 2.

Nothing is taken from those closed forms. Every KL value and every gradient is an integral of
the definition over the real line, computed with mpmath quadrature; a descent (scipy's BFGS when
scipy is installed, else gradient descent with backtracking) in double precision finds the basin
of the minimum, and Newton's method (``mpmath.findroot``) on the exact gradient integrals then
polishes it at ``DPS`` = 20 digits. (Newton alone, from (1, 1), converges to a stationary point of
the reverse KL between the modes that is not a minimum.)

    python docs/figures/forward_reverse.py            # writes docs/img/forward-reverse-kl.png
    python docs/figures/forward_reverse.py --small    # coarser quadrature, fewer iterations
    python docs/figures/forward_reverse.py --out fig.png --no-plot

matplotlib is imported only to draw the figure.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mpmath

#: the mixture P: (weight, mean, standard deviation) of each component, as strings (exact decimals)
MIXTURE = (("0.5", "-2", "0.6"), ("0.5", "2", "0.6"))
DPS = 20
OUT = Path(__file__).resolve().parent.parent / "img" / "forward-reverse-kl.png"


@dataclass(frozen=True)
class Settings:
    """One run's precision: digits for the polish, the quadrature degree, iteration budgets."""

    dps: int = DPS
    maxdegree: int = 8
    maxiter: int = 100
    newton_steps: int = 20


FULL = Settings()
SMALL = Settings(dps=12, maxdegree=5, maxiter=30, newton_steps=5)


@dataclass(frozen=True)
class Fit:
    """A fitted Q = N(m, s^2) and both divergences there."""

    direction: str  #: "forward" (min over Q of KL(P||Q)) or "reverse" (min over Q of KL(Q||P))
    m: Any
    s: Any
    kl_pq: Any  #: KL(P || Q) at the fit
    kl_qp: Any  #: KL(Q || P) at the fit


# ---------------------------------------------------------------- log-densities (ctx: mpmath.mp or mpmath.fp)
def _mixture(ctx: Any) -> list[tuple[Any, Any, Any]]:
    return [(ctx.mpf(w), ctx.mpf(mu), ctx.mpf(sd)) for w, mu, sd in MIXTURE]


def log_q(ctx: Any, x: Any, m: Any, s: Any) -> Any:
    """log N(x; m, s^2), written out (never the log of an underflowed density)."""
    return -((x - m) ** 2) / (2 * s**2) - ctx.log(s) - ctx.log(2 * ctx.pi) / 2


def log_p(ctx: Any, x: Any) -> Any:
    """log p(x) by log-sum-exp over the components."""
    terms = [ctx.log(w) + log_q(ctx, x, mu, sd) for w, mu, sd in _mixture(ctx)]
    top = max(terms)
    return top + ctx.log(ctx.fsum(ctx.exp(t - top) for t in terms))


def dlog_p(ctx: Any, x: Any) -> Any:
    """(log p)'(x) = sum_k r_k(x) (mu_k - x) / sd_k^2, r_k the responsibilities."""
    comps = _mixture(ctx)
    logs = [ctx.log(w) + log_q(ctx, x, mu, sd) for w, mu, sd in comps]
    top = max(logs)
    weights = [ctx.exp(t - top) for t in logs]
    return ctx.fsum(r * (mu - x) / sd**2 for r, (_, mu, sd) in zip(weights, comps)) / ctx.fsum(weights)


def _quad(ctx: Any, f: Callable, centres: tuple, cfg: Settings) -> Any:
    """The integral of f over the real line, split at the centres (where the mass is)."""
    points = [-ctx.inf, *sorted({ctx.mpf(c) for c in centres}), ctx.inf]
    if ctx is mpmath.fp:
        return ctx.quad(f, points)
    return ctx.quad(f, points, maxdegree=cfg.maxdegree)


# ---------------------------------------------------------------- the divergences, from their definitions
def kl_forward(m: Any, s: Any, cfg: Settings = FULL, ctx: Any = mpmath.mp) -> Any:
    """KL(P || Q) = integral of p log(p / q)."""
    return _quad(ctx, lambda x: ctx.exp(log_p(ctx, x)) * (log_p(ctx, x) - log_q(ctx, x, m, s)), (-2, 0, 2, m), cfg)


def kl_reverse(m: Any, s: Any, cfg: Settings = FULL, ctx: Any = mpmath.mp) -> Any:
    """KL(Q || P) = integral of q log(q / p)."""
    return _quad(ctx, lambda x: ctx.exp(log_q(ctx, x, m, s)) * (log_q(ctx, x, m, s) - log_p(ctx, x)),
                 (-2, 0, 2, m), cfg)


# ---------------------------------------------------------------- exact gradients in (m, t = log s)
def grad_forward(m: Any, t: Any, cfg: Settings = FULL, ctx: Any = mpmath.mp) -> tuple[Any, Any]:
    """d KL(P||Q) / d(m, log s) = (-E_P[X - m] / s^2, 1 - E_P[(X - m)^2] / s^2)."""
    s = ctx.exp(t)
    first = _quad(ctx, lambda x: ctx.exp(log_p(ctx, x)) * (x - m), (-2, 0, 2), cfg)
    second = _quad(ctx, lambda x: ctx.exp(log_p(ctx, x)) * (x - m) ** 2, (-2, 0, 2), cfg)
    return -first / s**2, 1 - second / s**2


def grad_reverse(m: Any, t: Any, cfg: Settings = FULL, ctx: Any = mpmath.mp) -> tuple[Any, Any]:
    """KL(Q||P) = -log(s sqrt(2 pi e)) - E_Z[log p(m + s Z)] with Z ~ N(0, 1), so
    d/dm = -E_Z[(log p)'(m + s Z)] and d/d(log s) = -1 - s E_Z[Z (log p)'(m + s Z)]."""
    s = ctx.exp(t)
    phi = lambda z: ctx.exp(log_q(ctx, z, 0, 1))  # noqa: E731
    centres = (0, (-2 - m) / s, (2 - m) / s)
    first = _quad(ctx, lambda z: phi(z) * dlog_p(ctx, m + s * z), centres, cfg)
    second = _quad(ctx, lambda z: phi(z) * z * dlog_p(ctx, m + s * z), centres, cfg)
    return -first, -1 - s * second


KL = {"forward": kl_forward, "reverse": kl_reverse}
GRAD = {"forward": grad_forward, "reverse": grad_reverse}


# ---------------------------------------------------------------- optimisation
def minimise(fun: Callable, x0: tuple[float, ...], gtol: float = 1e-8, maxiter: int = 100) -> tuple[float, ...]:
    """A local minimiser of ``fun(x) -> (value, gradient)`` that only goes downhill.

    scipy's BFGS when scipy is installed, else gradient descent with Armijo backtracking.
    """
    try:
        from scipy.optimize import minimize
    except ImportError:  # pragma: no cover - scipy is in the test extra
        return _descent(fun, x0, gtol, 20 * maxiter)
    res = minimize(lambda v: _floats(fun(tuple(v))), x0, jac=True, method="BFGS",
                   options={"gtol": gtol, "maxiter": maxiter})
    return tuple(float(v) for v in res.x)


def _floats(value_grad: tuple) -> tuple[float, list[float]]:
    value, grad = value_grad
    return float(value), [float(g) for g in grad]


def _descent(fun: Callable, x0: tuple[float, ...], gtol: float, maxiter: int) -> tuple[float, ...]:
    x = tuple(float(v) for v in x0)
    value, grad = _floats(fun(x))
    for _ in range(maxiter):
        norm2 = sum(g * g for g in grad)
        if norm2**0.5 < gtol:
            break
        step = 1.0
        while True:
            trial = tuple(xi - step * gi for xi, gi in zip(x, grad))
            t_value, t_grad = _floats(fun(trial))
            if t_value <= value - 1e-4 * step * norm2 or step < 1e-12:
                break
            step /= 2
        x, value, grad = trial, t_value, t_grad
    return x


def fit(direction: str, start: tuple[float, float] = (1.0, 1.0), cfg: Settings = FULL) -> Fit:
    """Minimise KL(P||Q) ("forward") or KL(Q||P) ("reverse") over Q = N(m, s^2), from ``start`` = (m, s)."""
    kl, grad = KL[direction], GRAD[direction]
    fp = mpmath.fp

    def value_and_gradient(v: tuple[float, float]) -> tuple[Any, Any]:
        m, t = v
        return kl(m, fp.exp(t), cfg, fp), grad(m, t, cfg, fp)

    m0, t0 = minimise(value_and_gradient, (float(start[0]), float(mpmath.log(start[1]))), maxiter=cfg.maxiter)
    with mpmath.workdps(cfg.dps):
        tol = mpmath.mpf(10) ** (-2 * (cfg.dps - 4))  # findroot's tol bounds the squared step
        m, t = mpmath.findroot(lambda m, t: grad(m, t, cfg), (mpmath.mpf(m0), mpmath.mpf(t0)),
                               tol=tol, maxsteps=cfg.newton_steps)
        s = mpmath.exp(t)
        return Fit(direction, +m, +s, kl_forward(m, s, cfg), kl_reverse(m, s, cfg))


def fit_both(cfg: Settings = FULL) -> tuple[Fit, Fit]:
    """The forward and the reverse fit, both started from (m, s) = (1, 1)."""
    return fit("forward", cfg=cfg), fit("reverse", cfg=cfg)


def report(fits: tuple[Fit, ...], digits: int = 6) -> str:
    """The fitted numbers, one line per fit, ``digits`` decimals."""

    def fixed(v: Any) -> str:
        text = f"{float(v):.{digits}f}"
        return "0." + "0" * digits if text.lstrip("-") == "0." + "0" * digits else text  # no "-0.000000"

    return "\n".join(f"{f.direction:7s}  m = {fixed(f.m)}  s = {fixed(f.s)}  s^2 = {fixed(f.s**2)}  "
                     f"KL(P||Q) = {fixed(f.kl_pq)}  KL(Q||P) = {fixed(f.kl_qp)}" for f in fits)


def plot(fits: tuple[Fit, ...], out: Path, small: bool = False) -> Path:
    """P and the fitted Gaussians on one axis, written as a PNG (matplotlib, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fp = mpmath.fp
    n = 241 if small else 1201
    xs = [-6 + 12 * k / (n - 1) for k in range(n)]
    fig, ax = plt.subplots(figsize=(7.5, 3.6), dpi=60 if small else 120)
    ax.fill_between(xs, [fp.exp(log_p(fp, x)) for x in xs], color="0.88", lw=0,
                    label=r"$P = \frac{1}{2}\,\mathcal{N}(-2, 0.6^2) + \frac{1}{2}\,\mathcal{N}(2, 0.6^2)$")
    styles = {"forward": ("tab:blue", "-", r"forward: $\min_Q \, \mathrm{KL}(P \,\|\, Q)$, mass-covering"),
              "reverse": ("tab:red", "--", r"reverse: $\min_Q \, \mathrm{KL}(Q \,\|\, P)$, mode-seeking")}
    for f in fits:
        color, ls, label = styles[f.direction]
        m, s = float(f.m), float(f.s)
        ax.plot(xs, [fp.exp(log_q(fp, x, m, s)) for x in xs], color=color, ls=ls, lw=2,
                label=f"{label} ($m = {m:.2f}$, $s = {s:.2f}$)")
    ax.set(xlabel="$x$", ylabel="density", xlim=(-6, 6), ylim=(0, 0.85))
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, metadata={"Software": None})
    plt.close(fig)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fit one Gaussian to a two-mode mixture by forward and reverse KL.")
    parser.add_argument("--small", action="store_true", help="coarser quadrature and fewer iterations (smoke test)")
    parser.add_argument("--out", type=Path, default=OUT,
                        help="the PNG to write (default: docs/img/forward-reverse-kl.png)")
    parser.add_argument("--no-plot", action="store_true", help="print the numbers only")
    args = parser.parse_args(argv)
    fits = fit_both(SMALL if args.small else FULL)
    print(report(fits))
    if not args.no_plot:
        print(f"wrote {plot(fits, args.out, small=args.small)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
