"""Explicit integrals and series that the engine returns when there is no closed form, and the
robust numerics behind their values.

:class:`ExplicitIntegral` and :class:`ExplicitSum` are ``sympy.Integral`` and ``sympy.Sum`` whose
numeric evaluation (``sympy.N``, ``evalf``, and every SymPy routine that calls them, such as
ordering terms for printing) is bounded and right:

* a series is summed term by term in mpmath from its largest terms outward (found by a doubling
  search), so Poisson(1000)'s 10^430-sized partial terms cancel nothing and nothing is
  extrapolated from the first terms; a window wider than :data:`MAX_TERMS` is summed by
  Euler-Maclaurin, and so is a slowly decaying infinite tail (``mpmath.nsum``'s extrapolation
  gets 1/k^2 from k = 20001 on wrong by a factor of 45);
* an integral is split at powers of ten around 0 and at the kinks of ``|a x + b|``, and ``exp`` is
  saturated at e^(+-10^100) beyond +-10^100 (a Gumbel's exp(-exp(-x)) at x = -10^40 would otherwise
  ask mpmath for e to millions of digits).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import sympy as sp
from sympy.core.evalf import prec_to_dps
from sympy.core.relational import Relational

from .budget import BudgetSpent, settings, within_budget

__all__ = ["lambdify", "ExplicitIntegral", "ExplicitSum", "sum_series", "integrate_numeric", "SAFE_MODULES",
           "safe_lambdify", "has_huge_numbers", "tree_value"]

#: the widest window of terms summed one by one; wider ones go to Euler-Maclaurin
MAX_TERMS = 20000
_HUGE = mpmath.mpf(10) ** 100
_HUGE_BITS = int(mpmath.mpf(10) ** 100 / mpmath.ln2)


#: how many times _safe_exp has saturated upward: a value computed through such an exp is not the
#: function's (e^(2x) e^(2x - e^(2x)) at x = 10^160 is a saturated huge times a saturated tiny = 2).
#: Saturating downward only makes a product of positive factors larger than the true value.
_SATURATED = [0]


def _safe_exp(z: Any) -> Any:
    """exp(z), exactly up to |z| = 10^100 (mpmath then needs ~330 extra bits, cheap); beyond, e^(+-10^100):
    exp(z) is then below 10^(-10^99) or above 10^(10^99), and computing it would ask mpmath for
    e to |z| bits (a Gumbel's exp(-exp(-x)) at x = -10^40 hangs otherwise)."""
    if isinstance(z, mpmath.mpc) or not mpmath.isfinite(z) or abs(z) <= _HUGE:
        return mpmath.exp(z)
    if z > 0:
        _SATURATED[0] += 1
    # 2^(+-10^100 / log 2): still 0 < . < oo, so log(exp(z)) stays finite and 0 * log 0 is not nan
    return mpmath.ldexp(mpmath.mpf(1), _HUGE_BITS if z > 0 else -_HUGE_BITS)


#: lambdify modules: mpmath with an exp that saturates instead of computing e to huge precision
SAFE_MODULES: list[Any] = [{"exp": _safe_exp}, "mpmath"]


_BINOMIAL, _FACTORIAL, _POWER = (sp.Function(n) for n in ("symdiv_binomial", "symdiv_factorial", "symdiv_power"))
_OPAQUE_NAMES = {"symdiv_binomial": mpmath.binomial, "symdiv_factorial": mpmath.factorial,
                 "symdiv_power": mpmath.power, "exp": _safe_exp}


def lambdify(args: Any, expr: Any, modules: Any = "mpmath") -> Callable[..., Any]:
    """``sympy.lambdify`` that prints sums in the order their terms are stored: SymPy's printer
    sorts the terms of every Add (a Categorical with K = 1000 spent seconds sorting 2000-term sums
    only to print them), and the order of a sum does not change its value."""
    from sympy.printing.pycode import MpmathPrinter, PythonCodePrinter

    spaces = modules if isinstance(modules, list) else [modules]
    user_functions = {k: k for m in reversed(spaces) if isinstance(m, dict) for k in m}
    printer_class = MpmathPrinter if "mpmath" in spaces else PythonCodePrinter
    printer = printer_class({"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": True,
                             "user_functions": user_functions, "order": "none"})
    return sp.lambdify(args, expr, modules=modules, printer=printer)


def safe_lambdify(args: Any, body: sp.Expr) -> Callable[..., Any]:
    """``sympy.lambdify`` to mpmath with no exact SymPy work on the way: binomial, factorial and
    powers of numbers become opaque calls to mpmath's, all at once (SymPy's printer rewrites
    binomial(10^12, k) through gamma(10^12 + 1), i.e. 10^12! exactly, and rebuilding
    (2/3)**(n - k) * 3**(-k) multiplies out 3**n); exp saturates (see :func:`_safe_exp`)."""
    opaque: dict[sp.Basic, sp.Basic] = {}
    for f in body.atoms(sp.binomial, sp.factorial, sp.Pow):
        if isinstance(f, sp.binomial):
            opaque[f] = _BINOMIAL(*f.args)
        elif isinstance(f, sp.factorial):
            opaque[f] = _FACTORIAL(*f.args)
        elif f.base.is_number and not f.exp.is_number:
            opaque[f] = _POWER(f.base, f.exp)
    return lambdify(args, body.xreplace(opaque) if opaque else body, modules=[_OPAQUE_NAMES, "mpmath"])


#: SymPy functions the tree evaluator knows, by their mpmath counterparts
_TREE_FUNCTIONS: dict[Any, Callable[..., Any]] = {
    sp.log: mpmath.log, sp.exp: _safe_exp, sp.loggamma: mpmath.loggamma, sp.gamma: mpmath.gamma,
    sp.digamma: mpmath.digamma, sp.polygamma: mpmath.polygamma, sp.erf: mpmath.erf, sp.erfc: mpmath.erfc,
    sp.Abs: abs, sp.beta: mpmath.beta, sp.sin: mpmath.sin, sp.cos: mpmath.cos, sp.atan: mpmath.atan,
}
_TREE_CONSTANTS = {sp.pi: lambda: +mpmath.pi, sp.E: lambda: +mpmath.e, sp.EulerGamma: lambda: +mpmath.euler,
                   sp.Catalan: lambda: +mpmath.catalan}


def tree_value(expr: sp.Basic, values: dict[sp.Basic, Any]) -> Any:
    """``expr`` evaluated by mpmath at the current precision, node by node (each distinct subtree
    once), with ``values`` for its symbols: for closed forms of thousands of terms, where printing
    and compiling a lambdify function took seconds (a Categorical with K = 1000). NotImplementedError
    for a node it does not know (the caller then lambdifies)."""
    memo: dict[sp.Basic, Any] = {}

    def ev(e: sp.Basic) -> Any:
        got = memo.get(e)
        if got is not None:
            return got
        if e.is_Symbol:
            if e not in values:
                raise NotImplementedError(f"no value for {e}")
            r = values[e]
        elif e.is_Rational:
            r = mpmath.mpf(int(e.p)) / int(e.q)
        elif e.is_Float:
            r = mpmath.mpf(e._mpf_)
        elif e in _TREE_CONSTANTS:
            r = _TREE_CONSTANTS[e]()
        elif e.is_Add:
            r = mpmath.fsum(ev(a) for a in e.args)
        elif e.is_Mul:
            r = ev(e.args[0]) * ev(e.args[1]) if len(e.args) == 2 else mpmath.fprod(ev(a) for a in e.args)
        elif e.is_Pow:
            base, exp = e.args
            r = ev(base) ** (int(exp) if exp.is_Integer else ev(exp))
        elif e.func in _TREE_FUNCTIONS:
            r = _TREE_FUNCTIONS[e.func](*(ev(a) for a in e.args))
        else:
            raise NotImplementedError(f"{e.func} is not evaluated node by node")
        memo[e] = r
        return r

    return ev(expr)


def _term_function(k: sp.Symbol, body: sp.Expr) -> Callable[[Any], Any]:
    f = safe_lambdify(k, body)

    def term(n: Any) -> Any:
        value = f(n)
        return value.real if isinstance(value, mpmath.mpc) and value.imag == 0 else value

    return term


#: a series whose terms hold numbers of more digits than this has no value here: its terms leave
#: the range of exp (see :func:`_safe_exp`: e^(10^100)) where they matter (a Poisson mean of 1e300
#: has its largest terms at k = 10^300, e^(k log(lam)) / k!); smaller ones are summed, a Poisson
#: mean of 1e60 included (see :func:`_wide_peak_sum`)
_SERIES_DIGITS = 100

#: terms summed one by one from the start of a range before Euler-Maclaurin takes the rest
_FIRST_TERMS = 2000

#: how far (in terms) the search for a series' largest terms may double; beyond, no value is given
_MAX_STEP = 10**15


def sum_series(term: Callable[[Any], Any], lo: Any, hi: Any, dps: int = 30, lost: int = 0) -> Any:
    """sum_{k=lo}^{hi} term(k) (lo an int or -mpmath.inf, hi an int or mpmath.inf) for terms of one
    sign, to ``dps`` digits: from the largest term outward until the terms are negligible. ``lost``:
    digits the terms lose to cancellation (k log(lam) - lam at lam = 1e30 loses 30), added to the
    working precision; the largest terms are looked for up to k = 10^(lost + 15)."""
    if lo == -mpmath.inf:  # two-sided: the negative integers as a second one-sided series
        if hi == mpmath.inf or hi >= 0:
            return (sum_series(term, 0, hi, dps, lost)
                    + sum_series(lambda n: term(-n), 1, mpmath.inf, dps, lost))
        return sum_series(lambda n: term(-n), -int(hi), mpmath.inf, dps, lost)
    with mpmath.workdps(dps + lost + 15):
        eps = mpmath.mpf(10) ** (-(dps + 8))
        last = hi if hi != mpmath.inf else None
        # doubling search for where the terms are largest: while they grow, as far as the working
        # precision tells k from k + 1 (a Poisson mean of 1e30); once they fall, up to 10^15 (a
        # heavy tail such as 1/k^2 never falls below eps: the walk and Euler-Maclaurin take it)
        reach = mpmath.mpf(10) ** (lost + 15)
        search = _unsaturated(term)
        best_k, best = lo, abs(search(lo))
        step = 1
        k = lo
        while True:
            k = lo + step
            if last is not None and k > last:
                break
            v = abs(search(k))
            if v > best:
                best_k, best = k, v
            elif v < best * eps and k > best_k:
                break
            step *= 2
            if step > (reach if best_k == k else _MAX_STEP):
                if best_k == k:  # the terms still grow: no value, not a wrong one
                    raise ArithmeticError(f"the largest terms of the series lie beyond k = {mpmath.nstr(reach, 3)}")
                break
        if hi == mpmath.inf and not _tail_decays(term, 1, _tail_points(k)):  # before walking thousands of terms
            raise ArithmeticError("the terms do not decay like k^-1.05 or faster")
        term = _unsaturated(term)
        # refine the peak by golden-section-like local search on integers
        left, right = max(lo, best_k - step // 2), best_k + step // 2 if last is None else min(last, best_k + step // 2)
        while right - left > 2:
            m1, m2 = left + (right - left) // 3, right - (right - left) // 3
            if abs(term(m1)) < abs(term(m2)):
                left = m1
            else:
                right = m2
        mode = max(range(left, right + 1), key=lambda j: abs(term(j)))
        wide = _wide_peak_sum(term, mode, lo, last, eps, dps)
        if wide is not None:
            return wide

        def walk(start: int, direction: int, stop: int | None) -> tuple[Any, int]:
            total, small, j, count = mpmath.mpf(0), 0, start, 0
            while stop is None or (j <= stop if direction > 0 else j >= stop):
                v = term(j)
                total += v
                count += 1
                small = small + 1 if abs(v) <= eps * max(abs(total), mpmath.mpf(10) ** -300) else 0
                if small >= 8 or count >= MAX_TERMS:
                    break
                j += direction
            return total, j

        down, end_down = walk(mode - 1, -1, lo) if mode > lo else (mpmath.mpf(0), lo)
        up, end_up = walk(mode, 1, last)
        total = down + up
        if end_down > lo and abs(term(end_down)) > eps * abs(total):  # a window wider than MAX_TERMS
            # the first terms one by one (near k = lo they vary on the scale of one term: log k!,
            # k^a), Euler-Maclaurin between, where they are smooth (a geometric ratio 1 - 10^-6)
            first = min(end_down - 1, lo + _FIRST_TERMS)
            total += mpmath.fsum(term(j) for j in range(lo, first + 1))
            if first < end_down - 1:
                total += _euler_maclaurin(term, first + 1, end_down - 1, peak_at_start=False)
        reached_end = last is not None and end_up >= last
        if not reached_end and abs(term(end_up)) > eps * abs(total):
            total += _euler_maclaurin(term, end_up + 1, mpmath.inf if last is None else last, peak_at_start=True)
        return +total


def _unsaturated(term: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``term`` raising ArithmeticError where an exp in it saturated upward (see :func:`_safe_exp`):
    a term such as e^(2e101) / Gamma(k + 1) of a Binomial(10^100, 1/3) is then not its value, and
    a sum of such terms would be a wrong number."""

    def checked(k: Any) -> Any:
        before = _SATURATED[0]
        value = term(k)
        if _SATURATED[0] != before:
            raise ArithmeticError("a term is beyond exp's range (e^(10^100))")
        return value

    return checked


def _wide_peak_sum(term: Callable[[Any], Any], mode: int, lo: int, last: int | None, eps: Any,
                   dps: int) -> Any:
    """The sum of terms that form one smooth peak far wider than :data:`MAX_TERMS` (a Poisson mean of
    1e30: 10^16 terms matter) and far from the ends of the range, or None when that is not the case.

    Every h-th term times h: for a function smooth on the scale of h, the sum with step h and the
    sum with step 1 both equal the integral up to aliasing terms that fall like exp(-2 pi^2 (w/h)^2)
    for a peak of width w (Poisson summation), so with some 4 (dps + 10) samples across each side
    they agree to far beyond ``dps`` digits. Confirmed, not assumed: the sums with steps h and 2h
    must agree to ``dps`` digits, otherwise None."""
    peak = abs(term(mode))

    def edge(direction: int) -> int | None:  # distance at which the terms are negligible
        d = 1
        while True:
            j = mode + direction * d
            if j < lo or (last is not None and j > last):
                return None  # the peak reaches an end of the range: boundary terms would matter
            if abs(term(j)) < eps * peak:
                return d
            d *= 2

    left = edge(-1)
    right = edge(1) if left is not None else None
    if left is None or right is None or left + right <= MAX_TERMS:
        return None
    samples = 4 * (dps + 10)
    h = min(left, right) // samples
    if h < 2 or (left + right) // h > 50 * samples:
        return None
    h -= 1 - h % 2  # odd: the step-2h grid then misses half of every residue class mod 2
    span = range(-(left // h) - 1, right // h + 2)
    values = {j: term(mode + j * h) for j in span}
    fine = h * mpmath.fsum(values.values())
    coarse = 2 * h * mpmath.fsum(v for j, v in values.items() if j % 2 == 0)
    # the grid moved by a third of a step: terms that depend on k mod something (a pmf on the even
    # numbers only) differ there, while a smooth peak does not notice
    shifted = h * mpmath.fsum(term(mode + h // 3 + j * h) for j in span)
    tol = mpmath.mpf(10) ** (-(dps + 2)) * abs(fine)
    if abs(fine - coarse) > tol or abs(fine - shifted) > tol:
        return None
    return +fine


def _tail_points(stop: int) -> tuple[int, ...]:
    """Exponents at which a series' tail is sampled: 10^5 .. 10^8, or beyond ``stop`` (where the
    search for the largest terms ended) when that lies further out (a geometric ratio 1 - 10^-6
    still grows at 10^5)."""
    first = max(_SERIES_TAIL[0], len(str(stop)))
    return tuple(range(first, first + len(_SERIES_TAIL)))


def _euler_maclaurin(term: Callable[[Any], Any], a: int, b: Any, peak_at_start: bool) -> Any:
    """sum_{k=a}^{b} term(k) by Euler-Maclaurin, its integral split at distances 1, 2, 4, ... from the
    end where the terms are largest (quadrature over [a, b] in one piece misses a narrow peak)."""
    if b == mpmath.inf and not _tail_decays(term, 1, _tail_points(a)):  # diverges (or converges too slowly)
        raise ArithmeticError("the terms do not decay like k^-1.05 or faster")
    points, w = [], 1
    span = mpmath.inf if b == mpmath.inf else b - a
    while w < span and w < 2**80:
        points.append(a + w if peak_at_start else b - w)
        w *= 2
    inner = sorted(points)
    integral, q_err = mpmath.quad(term, [a, *inner, b], error=True)
    value, em_err = mpmath.sumem(term, [a, b], integral=integral, error=True)
    if q_err + em_err > mpmath.eps * 2**20 * max(abs(value), 1):
        raise ArithmeticError(f"Euler-Maclaurin not accurate enough (error ~ {mpmath.nstr(q_err + em_err, 3)})")
    return value


def _bound(b: Any, dps: int) -> Any:
    if isinstance(b, mpmath.mpf):
        return b
    if b in (sp.oo, -sp.oo):
        return mpmath.inf if b == sp.oo else -mpmath.inf
    return mpmath.mpf(sp.Float(sp.N(b, dps), dps)._mpf_)  # exact numbers such as -pi included


def integrate_numeric(f: Callable[[Any], Any], lo: Any, hi: Any, kinks: tuple[Any, ...] = (),
                      dps: int = 30) -> Any:
    """int_lo^hi f, split at powers of ten around 0 (both signs) and at ``kinks``.

    At a node within 10^-(dps/2) of a finite end where f is nan (0*log 0 of a density that
    vanishes there, rounded to exactly 0) the integrand counts as 0, its limit; anything else
    that is not finite is an error. An infinite end whose integrand does not visibly decay is an
    error, never a number (:func:`_tail_decays`).
    """
    with mpmath.workdps(dps + 10):
        lo_m, hi_m = _bound(lo, dps + 10), _bound(hi, dps + 10)
        near = mpmath.mpf(10) ** (-(dps // 2))

        def g(t: Any) -> Any:
            v = f(t)
            if mpmath.isnan(v) and ((mpmath.isfinite(lo_m) and abs(t - lo_m) < near * max(1, abs(lo_m)))
                                    or (mpmath.isfinite(hi_m) and abs(hi_m - t) < near * max(1, abs(hi_m)))):
                return mpmath.mpf(0)
            return v

        marks = {mpmath.mpf(0)} | {s * mpmath.mpf(10) ** e for e in range(-3, 7) for s in (1, -1)}
        marks |= {mpmath.mpf(k) for k in kinks}
        inner = sorted(m for m in marks if lo_m < m < hi_m)

        def good(value: Any, err: Any, digits: int) -> bool:
            return bool(mpmath.isfinite(value) and err <= mpmath.mpf(10) ** (-digits) * max(abs(value), 1))

        if not (_tail_decays(g, 1) if hi_m == mpmath.inf else True) or not (
                _tail_decays(g, -1) if lo_m == -mpmath.inf else True):
            raise ArithmeticError("the integrand's tail does not decay like |x|^-1.05 or faster")
        value, err = mpmath.quad(g, [lo_m, *inner, hi_m], error=True)
        if good(value, err, dps):
            return value
        value, err = mpmath.quad(g, [lo_m, *inner, hi_m], error=True, maxdegree=10)
        # mpmath's error estimates are pessimistic: half the digits asked for is still a sound value
        if good(value, err, dps // 2):
            return value
        raise ArithmeticError(f"quadrature not accurate enough (error ~ {mpmath.nstr(err, 3)})")


#: where a tail is sampled: |x| = 10^e (far beyond any scale a catalog density has)
_TAIL_EXPONENTS = (40, 80, 160, 320)
#: for series: k = 10^5 .. 10^8, beyond the terms summed one by one (terms such as (k/2)^(k-1)/k! cannot
#: be evaluated at k = 10^40)
_SERIES_TAIL = (5, 6, 7, 8)
_NEGLIGIBLE = mpmath.mpf(10) ** -1000


def _tail_decays(g: Callable[[Any], Any], side: int, exponents: tuple[int, ...] = _TAIL_EXPONENTS) -> bool:
    """A necessary condition for int^{+-oo} g to converge, checked before quadrature (which can
    return a finite number for a divergent integral): |x|^1.05 |g(x)| does not grow along
    |x| = 10^40, 10^80, 10^160, 10^320. Tails of exp(-x) or x^-2 pass; 1/x, 1/(x log x) and
    1/(x log(x)^2) fail (the last converges, but too slowly for a reliable value). Points where an
    exp saturated upward (see :func:`_safe_exp`) are skipped; at least one must remain."""
    last = mpmath.inf
    reliable = 0
    for e in exponents:
        x = side * mpmath.mpf(10) ** e
        saturated = _SATURATED[0]
        try:
            size = abs(mpmath.mpmathify(g(x)))
        except (ArithmeticError, ValueError, TypeError):
            return False
        if _SATURATED[0] != saturated:  # an exp saturated upward on the way: not the function's value here
            continue
        reliable += 1
        if size < _NEGLIGIBLE:  # decayed
            continue
        v = size * abs(x) ** mpmath.mpf("1.05")
        if not mpmath.isfinite(v) or v > last * (1 + mpmath.mpf(10) ** -6):
            return False
        last = v
    return reliable > 0


def kinks_of(body: sp.Expr, x: sp.Symbol) -> tuple[Any, ...]:
    """Where ``body`` is not smooth in ``x``: the zeros of its |a x + b| terms and the break points
    x = c of its Piecewise conditions, Min and Max (numbers only)."""
    out = []
    args = [a.args[0] for a in body.atoms(sp.Abs)]
    for pw in body.atoms(sp.Piecewise):
        for _, cond in pw.args:
            args += [r.lhs - r.rhs for r in cond.atoms(Relational) if r.has(x)] if cond.has(x) else []
    for m in body.atoms(sp.Min, sp.Max):
        args += [a - b for a in m.args for b in m.args if a is not b and (a - b).has(x)]
    for arg in args:
        arg = sp.expand(arg)
        slope = arg.coeff(x)
        if slope.is_number and slope != 0 and (arg - slope * x).is_number:
            out.append(mpmath.mpf(sp.Float(-(arg - slope * x) / slope, 40)._mpf_))
    return tuple(dict.fromkeys(out))


_HUGE_EXPONENT = 1000
_HUGE_DIGITS = 60


def has_huge_numbers(expr: sp.Expr) -> bool:
    """Exact numbers or exponents large enough for SymPy to compute something enormous."""
    for a in expr.atoms(sp.Rational):
        if a.p.bit_length() > 3.33 * _HUGE_DIGITS or a.q.bit_length() > 3.33 * _HUGE_DIGITS:
            return True
    for pw in expr.atoms(sp.Pow):
        coeff = pw.exp.as_coeff_Add()[0] if pw.exp.is_Add else pw.exp
        if coeff.is_Number and abs(coeff) > _HUGE_EXPONENT:
            return True
    return any(lim[2].is_Integer and lim[2] > 4096 for s in expr.atoms(sp.Sum) for lim in s.limits)



class ExplicitIntegral(sp.Integral):
    """An integral kept explicit by the engine (no closed form found): its value is computed by
    :func:`integrate_numeric`, bounded and robust."""

    def _eval_evalf(self, prec: int) -> sp.Expr | None:
        if len(self.limits) != 1 or len(self.limits[0]) != 3 or self.free_symbols:
            return None
        x, lo, hi = self.limits[0]
        dps = prec_to_dps(prec)
        value = _bounded(self, dps, lambda: _integrate(self.function, x, lo, hi, dps))
        return None if value is None else sp.Float(value, dps)


def _integrate(body: sp.Expr, x: sp.Symbol, lo: sp.Expr, hi: sp.Expr, dps: int) -> Any:
    """int_lo^hi body dx by :func:`integrate_numeric`, or where that is not accurate enough (a
    strong singularity at an end) from the ends (:func:`_integrate_from_the_ends`)."""
    try:
        return integrate_numeric(safe_lambdify(x, body), lo, hi, kinks_of(body, x), dps)
    except ArithmeticError:
        if lo.is_infinite and hi.is_infinite:
            raise
        return _integrate_from_the_ends(body, x, lo, hi, dps)


def _integrate_from_the_ends(body: sp.Expr, x: sp.Symbol, lo: sp.Expr, hi: sp.Expr, dps: int) -> Any:
    """int_lo^hi body dx with each finite end moved to 0 (x = lo + u, x = hi - u, the halves
    meeting at the midpoint) and then to +oo (u = e^(-t)): a density's singularity at an end, such
    as (1 - x)^(-6/7) at 1, becomes the smooth tail e^(-t/7) (tanh-sinh on u^(-6/7) itself puts
    its nodes within 1e-30 of the end, where 1 - x kept no digit, and reached 6 digits, not 15)."""
    u, t = sp.Dummy("u", positive=True), sp.Dummy("t", real=True)
    kinks = kinks_of(body, x)
    ends = []  # (body in u >= 0, upper limit of u, kinks in u)
    if lo.is_finite and hi.is_finite:
        mid = (lo + hi) / 2
        ends = [(body.xreplace({x: lo + u}), mid - lo, [k - lo for k in kinks]),
                (body.xreplace({x: hi - u}), hi - mid, [hi - k for k in kinks])]
    elif lo.is_finite:
        ends = [(body.xreplace({x: lo + u}), sp.oo, [k - lo for k in kinks])]
    elif hi.is_finite:
        ends = [(body.xreplace({x: hi - u}), sp.oo, [hi - k for k in kinks])]
    else:
        return integrate_numeric(safe_lambdify(x, body), lo, hi, kinks, dps)
    total = mpmath.mpf(0)
    with mpmath.workdps(dps + 10):
        for part, top, marks in ends:
            near = sp.Min(top, 1) if top != sp.oo else sp.Integer(1)  # u in (0, near]: t = -log u
            cut = mpmath.mpf(sp.N(near, dps + 20))
            inner = tuple(-mpmath.log(k) for k in marks if 0 < k < cut)
            total += integrate_numeric(safe_lambdify(t, part.xreplace({u: sp.exp(-t)}) * sp.exp(-t)),
                                       -sp.log(near), sp.oo, inner, dps)
            if top == sp.oo or top > 1:
                rest = tuple(k for k in marks if k > cut)
                total += integrate_numeric(safe_lambdify(u, part), sp.Integer(1), top, rest, dps)
    return total


class ExplicitSum(sp.Sum):
    """A series kept explicit by the engine: its value is computed by :func:`sum_series`."""

    def _eval_evalf(self, prec: int) -> sp.Expr | None:
        if len(self.limits) != 1 or self.free_symbols:
            return None
        k, lo, hi = self.limits[0]
        if not (lo.is_Integer or lo == -sp.oo) or not (hi.is_Integer or hi == sp.oo):
            return None
        dps = prec_to_dps(prec)
        term = _term_function(k, self.function)
        # digits the terms lose to large parameters (k log(lam) - lam at lam = 1e30 cancels 30 digits)
        extra = max((len(str(abs(a.p))) + len(str(a.q)) for a in self.function.atoms(sp.Rational)), default=0)
        extra += max((int(mpmath.log10(abs(mpmath.mpf(f._mpf_)) + 1)) for f in self.function.atoms(sp.Float)),
                     default=0)
        if extra > _SERIES_DIGITS:  # a Poisson mean of 1e300: beyond exp's range where it matters
            return None
        value = _bounded(self, dps, lambda: sum_series(term, -mpmath.inf if lo == -sp.oo else int(lo),
                                                       mpmath.inf if hi == sp.oo else int(hi), dps + 5, extra))
        return None if value is None else sp.Float(value, dps)


#: seconds an explicit integral or series may take to evaluate (more than an integration attempt: a
#: quadrature on a loaded machine; still bounded, so printing never runs away)
EVALUATION_SECONDS = 30.0

#: (explicit object, digits) -> its value, or None where it has none (failures are remembered too)
_VALUES: dict[tuple[sp.Basic, int], Any] = {}
_VALUES_LIMIT = 4096
#: explicit objects that had no value (at some precision, within the budget)
_FAILED: set[sp.Basic] = set()


def _bounded(obj: sp.Basic, dps: int, compute: Callable[[], Any]) -> Any:
    """``compute()`` within the work budget, or None when it fails or runs out: an explicit
    integral or series then stays unevaluated rather than give a wrong value or run unbounded.
    Values are remembered: SymPy evaluates the terms of a sum again and again to order them even
    when it only prints it, and a slowly converging series must not make ``str`` take minutes."""
    key = (obj, dps)
    if key in _VALUES:
        return _VALUES[key]
    if obj in _FAILED:  # one attempt per object: no value at some precision, none asked again
        return None
    try:
        value = within_budget(compute, lambda _: None, seconds=max(EVALUATION_SECONDS, settings.seconds))
    except BudgetSpent:
        return None  # cut short by a derivation's shared budget: not remembered
    if len(_VALUES) >= _VALUES_LIMIT:
        _VALUES.clear()
        _FAILED.clear()
    _VALUES[key] = value
    if value is None:
        _FAILED.add(obj)
    return value
