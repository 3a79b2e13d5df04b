"""Helper functions of generated code as source text (Python, mpmath, C), and the constants of the
special functions that symdiv computes itself, each defined once here.

* ``digamma``: the recurrence psi(x) = psi(x + 1) - 1/x up to x >= :data:`DIGAMMA_SHIFT`, then
  the asymptotic series psi(x) ~ log x - 1/(2x) - sum_k B_2k/(2k x^2k) (:data:`DIGAMMA_SERIES`);
  reflection for x < 0. The Python and C helper texts are rendered from these constants, and the
  NumPy runtime (:func:`symdiv.gencode.runtime.digamma`, the same algorithm on arrays) evaluates
  the same series with :func:`alternating`, term for term as the texts write it.
* ``gammaln`` (NumPy runtime only; ``math.lgamma`` and C's ``lgamma`` exist): Stirling's series
  sum_k B_2k/(2k(2k - 1) x^(2k - 1)) (:data:`GAMMALN_SERIES`) after the same recurrence.
* ``erfcx(x) = exp(x*x)*erfc(x)``: the product for 0 <= x < :data:`ERFCX_ASYMPTOTIC`, beyond it the
  asymptotic series 1/(x sqrt(pi)) sum_k (-1)^k (2k-1)!!/(2x^2)^k (:data:`ERFCX_SERIES`), and
  2*exp(x*x) - erfcx(-x) for x < 0. The Python text is the single definition for Python source,
  the math backend and the NumPy runtime (which applies the compiled text per element, see
  :func:`python_helpers`); the C text is rendered from the same constants.

Helper texts are compiled only when used (:func:`python_helpers`, :func:`mpmath_helpers`), never
at import.
"""

from __future__ import annotations

import functools
import math
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from string import Template
from types import MappingProxyType
from typing import Any

import mpmath
import sympy as sp


def _bernoulli(n: int) -> Fraction:
    b = sp.bernoulli(n)
    return Fraction(int(b.p), int(b.q))


#: the recurrence shifts x up to this value before the asymptotic series of digamma and log Gamma
#: (truncation error below 1e-16 there)
DIGAMMA_SHIFT = 10
#: |B_2k|/(2k), k = 1..7: psi(x) ~ log x - 1/(2x) - f*(c_1 - f*(c_2 - ...)) with f = 1/x^2
DIGAMMA_SERIES = tuple(abs(_bernoulli(2 * k)) / (2 * k) for k in range(1, 8))
#: |B_2k|/(2k(2k - 1)), k = 1..7: log Gamma(x) ~ (x - 1/2) log x - x + log(2 pi)/2 + (c_1 - f*(c_2 - ...))/x
GAMMALN_SERIES = tuple(abs(_bernoulli(2 * k)) / (2 * k * (2 * k - 1)) for k in range(1, 8))
#: erfcx uses its asymptotic series from here on (exp(x*x) of 25**2 is still a double)
ERFCX_ASYMPTOTIC = 25
#: (2k - 1)!!, k = 0..11: erfcx(x) ~ (c_1 - f*(c_2 - ...))/(x sqrt(pi)) with f = 1/(2 x^2); the
#: first omitted term is below 1e-25 at x = 25
ERFCX_SERIES = tuple(Fraction(math.prod(range(1, 2 * k, 2))) for k in range(12))
#: below -ERFCX_OVERFLOW, erfcx(x) ~ 2 exp(x*x) exceeds the largest double (and math.exp raises
#: a little further out, at -26.64)
ERFCX_OVERFLOW = 26.63
SQRT_PI = math.sqrt(math.pi)
#: log1pmx(r) = log(1 + r) - r = -r**2 (1/2 - r (1/3 - ... - r/LOG1PMX_LAST)) for |r| < LOG1PMX_SERIES
#: (the first omitted term is below 1e-17 there); log1p(r) - r beyond, where it loses 3 bits at most
LOG1PMX_LAST = 30
LOG1PMX_SERIES = 0.25
#: B_2k/(2k(2k - 1)) with their signs, k = 1..7: Stirling's series sum_k c_k x**(1 - 2k) of log Gamma
GAMMALN_SIGNED = tuple(float(c) * (-1) ** k for k, c in enumerate(GAMMALN_SERIES))
#: expm1mx(z) = exp(z) - 1 - z by its Taylor series z**2 (1/2 + z (1/6 + ...)) for |z| < EXPM1MX_SERIES
#: (EXPM1MX_LAST terms: the first omitted one is below 1e-17 there)
EXPM1MX_SERIES = 0.5
EXPM1MX_LAST = 20
#: log(2 pi)/2, the constant of Stirling's series
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def alternating(f: Any, coeffs: Sequence[Fraction]) -> Any:
    """``c_1 - f*(c_2 - f*(... - f*c_n))`` for a number or an array ``f``, evaluated as the helper
    texts write it (:func:`_series_text`), so that the NumPy runtime rounds as the helpers do.

    >>> alternating(0.5, (Fraction(1), Fraction(1), Fraction(3)))    # 1 - 0.5*(1 - 0.5*3)
    1.25
    """
    *head, last = coeffs
    if last.denominator == 1:
        t = f * last.numerator
    elif last.numerator == 1:
        t = f / last.denominator
    else:
        t = f * last.numerator / last.denominator
    for c in reversed(head[1:]):
        t = f * (float(c) - t)
    return float(head[0]) - t


def _series_text(coeffs: Sequence[Fraction], c: bool = False) -> str:
    """The source text that :func:`alternating` evaluates, in Python or (``c``) in C, with f as the
    variable: ``1 / 12 - f * (1 / 120 - ... - f / 12)``."""

    def number(n: int) -> str:
        return f"{n}.0" if c else str(n)

    def coeff(q: Fraction) -> str:
        return number(q.numerator) if q.denominator == 1 else f"{number(q.numerator)} / {q.denominator}"

    *head, last = coeffs
    if last.denominator == 1:
        tail = f"f * {number(last.numerator)}"
    elif last.numerator == 1:
        tail = f"f / {last.denominator}"
    else:
        tail = f"f * {coeff(last)}"
    text = tail
    for q in reversed(head[1:]):
        text = f"f * ({coeff(q)} - {text})"
    return f"{coeff(head[0])} - {text}"


def _render(template: str, width: int, c: bool = False) -> str:
    """A helper text from its template: ``$series_digamma`` and ``$series_erfcx`` are the series,
    the other placeholders constants; a line longer than ``width`` is broken before a `` - `` and
    continued under the right-hand side of its assignment."""
    text = Template(template).substitute(
        series_digamma=_series_text(DIGAMMA_SERIES, c), series_erfcx=_series_text(ERFCX_SERIES, c),
        series_gammaln=_series_text(GAMMALN_SERIES, c), half_log_2pi=repr(HALF_LOG_2PI),
        shift=DIGAMMA_SHIFT, expm1mx_series=EXPM1MX_SERIES, expm1mx_last=EXPM1MX_LAST,
        log1pmx_last=LOG1PMX_LAST, log1pmx_series=LOG1PMX_SERIES,
        asymptotic=ERFCX_ASYMPTOTIC, overflow=ERFCX_OVERFLOW, sqrt_pi=repr(SQRT_PI),
        tiny=repr(sys.float_info.min), huge=repr(sys.float_info.max),
        gammaln_signed=", ".join(repr(c) for c in GAMMALN_SIGNED),
        gammaln_terms=len(GAMMALN_SIGNED))
    lines = []
    for line in text.split("\n"):
        if len(line) > width and " = " in line:
            indent = " " * (line.index(" = ") + 3)
            first, *parts = line.split(" - ")
            for part in parts:
                if len(first) + 3 + len(part) > width:
                    lines.append(first)
                    first = f"{indent}- {part}"
                else:
                    first += f" - {part}"
            line = first
        lines.append(line)
    return "\n".join(lines)


#: Python definitions emitted into generated source when used (math backend and codegen)
PY_HELPERS = {name: _render(text, 120) for name, text in {
    "xlogy": '''
def xlogy(x, y):
    """x*log(y), and 0 where x == 0 (0*log(0) = 0); x*(-inf) where y == 0."""
    if x == 0:
        return 0.0
    return x * -math.inf if y == 0 else x * math.log(y)
''',
    "xlog1py": '''
def xlog1py(x, y):
    """x*log(1 + y), and 0 where x == 0; x*(-inf) where y == -1."""
    if x == 0:
        return 0.0
    return x * -math.inf if y == -1 else x * math.log1p(y)
''',
    "logratio": '''
def logratio(a, b):
    """log(a/b); log(a) - log(b) where a/b overflows or underflows (a = 1e-200, b = 1e200)."""
    r = a / b
    if $tiny <= r <= $huge or not (a > 0 and b > 0):
        return math.log(r)
    return math.log(a) - math.log(b)
''',
    "xlogratio": '''
def xlogratio(x, a, b):
    """x*log(a/b) with logratio, and 0 where x == 0; x*(-inf) where a == 0."""
    if x == 0:
        return 0.0
    return x * -math.inf if a == 0 else x * logratio(a, b)
''',
    "xlogratio1p": '''
def xlogratio1p(x, d, a, b):
    """x*log(a/b) with d = a - b computed exactly by the caller: x*log1p(d/b) where 1/2 <= a/b <= 2,
    x*logratio(a, b) elsewhere (d/b rounds to -1 where a << b); 0 where x == 0."""
    if x == 0:
        return 0.0
    r = d / b
    return x * (math.log1p(r) if -0.5 <= r <= 1.0 else logratio(a, b))
''',
    "log1pmx": '''
def log1pmx(r):
    """log(1 + r) - r: the series -r*r*(1/2 - r*(1/3 - ...)) for |r| < $log1pmx_series, the difference beyond."""
    if abs(r) >= $log1pmx_series:
        return math.log1p(r) - r
    s = 1.0 / $log1pmx_last
    for k in range($log1pmx_last - 1, 1, -1):
        s = 1.0 / k - r * s
    return -r * r * s
''',
    "kl_div": '''
def kl_div(x, y):
    """x*log(x/y) - x + y for x >= 0, y > 0: y*((1 + r)*log1p(r) - r) with r = (x - y)/y, about
    y*r*r/2, where x/y is in [1/2, 2]; the three terms elsewhere."""
    if x == 0:
        return y
    r = (x - y) / y
    if not -0.5 <= r <= 1.0:
        return x * logratio(x, y) - x + y
    return y * (log1pmx(r) + r * math.log1p(r))
''',
    "digamma": '''
def digamma(x):
    """psi(x): recurrence up to x >= $shift, then the asymptotic series; reflection for x < 0."""
    if x <= 0 and x == math.floor(x):
        return -math.inf if x == 0 else math.nan
    result = 0.0
    if x < 0:
        result -= math.pi / math.tan(math.pi * (x - round(x)))
        x = 1.0 - x
    while x < $shift.0:
        result -= 1.0 / x
        x += 1.0
    f = 1.0 / (x * x)
    series = f * ($series_digamma)
    return result + math.log(x) - 0.5 / x - series
''',
    "loggamma_rem": '''
def loggamma_rem(x):
    """lgamma(x) - ((x - 1/2)*log(x) - x + log(2*pi)/2) for x > 0: Stirling's series from $shift on
    (about 1/(12 x), no cancellation), the difference below."""
    if x < $shift.0:
        return math.lgamma(x) - (x - 0.5) * math.log(x) + x - $half_log_2pi
    s = 1.0 / x
    f = s * s
    return s * ($series_gammaln)
''',
    "digamma_rem": '''
def digamma_rem(x):
    """log(x) - psi(x) for x > 0: the asymptotic series from $shift on (about 1/(2 x), no
    cancellation), the difference below."""
    if x < $shift.0:
        return math.log(x) - digamma(x)
    f = 1.0 / (x * x)
    return 0.5 / x + f * ($series_digamma)
''',
    "erfcx": '''
def erfcx(x):
    """exp(x*x)*erfc(x) without overflow: the product for 0 <= x < $asymptotic, the asymptotic series
    beyond; 2*exp(x*x) - erfcx(-x) for x < 0 (inf below -$overflow, where that overflows)."""
    if x < -$overflow:
        return math.inf
    if x < 0:
        return 2.0 * math.exp(x * x) - erfcx(-x)
    if x < $asymptotic.0:
        return math.exp(x * x) * math.erfc(x)
    f = 1.0 / (2.0 * x * x)
    series = $series_erfcx
    return series / (x * $sqrt_pi)
''',
    "kl_div_d": '''
def kl_div_d(x, y, d):
    """x*log(x/y) - x + y for x >= 0, y >= 0 with d = x - y computed exactly by the caller:
    y*((1 + r)*log1p(r) - r) with r = d/y where x/y is in [1/2, 2]; the three terms elsewhere."""
    if x == 0:
        return y
    if y == 0:
        return math.inf
    r = d / y
    if not -0.5 <= r <= 1.0:
        return x * logratio(x, y) - x + y
    return y * (log1pmx(r) + r * math.log1p(r))
''',
    "powlog_bregman": '''
def powlog_bregman(n, d, a, b):
    """(a/b)**n - 1 - n*log(a/b) with d = a - b computed exactly by the caller: -log1pmx(z) with
    z = (a/b)**n - 1 formed from d/b where a/b is in [1/2, 2]; the terms elsewhere."""
    u = d / b
    if not -0.5 <= u <= 1.0:
        return (a / b) ** n - 1.0 - n * logratio(a, b)
    z = u if n == 1 else math.expm1(n * math.log1p(u))
    return -log1pmx(z)
''',
    "nonneg": '''
def nonneg(x):
    """A divergence as computed, 0 where rounding made it negative (nan stays nan)."""
    return 0.0 if x < 0 else x
''',
    "expdiff": '''
def expdiff(x, y, d):
    """exp(x) - exp(y) with d = x - y: -exp(x)*expm1(-d) for d >= 0, exp(y)*expm1(d) otherwise."""
    if d >= 0:
        return -math.exp(x) * math.expm1(-d)
    return math.exp(y) * math.expm1(d)
''',
    "expm1mx": '''
def expm1mx(z):
    """exp(z) - 1 - z: the series z*z*(1/2 + z*(1/6 + ...)) for |z| < $expm1mx_series, the difference beyond."""
    if not abs(z) < $expm1mx_series:
        return math.expm1(z) - z
    s = 0.0
    for k in range($expm1mx_last, 1, -1):
        s = (1.0 + z * s) / k
    return z * z * s
''',
    "lgamma_bregman": '''
def lgamma_bregman(a, d):
    """lgamma(a + d) - lgamma(a) - d*digamma(a) for a, a + d > 0. Where (a + d)/a is in [1/2, 2]: the
    recurrence up to min(a, a + d) >= $shift (terms -log1pmx(d/a) >= 0), then Stirling's series:
    a*((1 + u)*log1p(u) - u) - log1pmx(u)/2 + sum_k c_k a**(1 - 2k) f_k(u), u = d/a, with
    f_k(u) = (1 + u)**(1 - 2k) - 1 + (2k - 1)*u as a sum of terms >= 0; the difference elsewhere."""
    if d == 0:
        return 0.0
    u = d / a
    if not -0.5 <= u <= 1.0:
        return math.lgamma(a + d) - math.lgamma(a) - d * digamma(a)
    acc = 0.0
    while min(a, a + d) < $shift.0:
        acc -= log1pmx(d / a)
        a += 1.0
    u = d / a
    v = 1.0 / (1.0 + u)
    s = 1.0 / a
    f = s * s
    inner = 0.0
    outer = 0.0
    vi = 1.0
    series = 0.0
    i = 0
    for k, c in enumerate(($gammaln_signed)):
        while i < 2 * k + 1:
            inner += vi
            vi *= v
            outer += inner
            i += 1
        series += c * s * outer
        s *= f
    return acc + a * (log1pmx(u) + u * math.log1p(u)) - 0.5 * log1pmx(u) + u * (u * v) * series
''',
}.items()}

#: mpmath definitions in the namespace of the mpmath backend's code (mpmath has no overflow)
MP_HELPERS = {
    "xlogy": "def xlogy(x, y):\n    return mpmath.mpf(0) if x == 0 else x * mpmath.log(y)\n",
    "xlog1py": "def xlog1py(x, y):\n    return mpmath.mpf(0) if x == 0 else x * mpmath.log1p(y)\n",
    "erfcx": "def erfcx(x):\n    return mpmath.erfc(x) * mpmath.exp(x * x)\n",
    "xlogratio1p": "def xlogratio1p(x, d, a, b):\n    r = d / b\n    if x == 0:\n        return mpmath.mpf(0)\n"
                   "    return x * (mpmath.log1p(r) if -0.5 <= r <= 1 else mpmath.log(a / b))\n",
    # x log(x/y) - x + y cancels down to (x - y)**2/(2 y): twice the bits that x and y share
    "kl_div": "def kl_div(x, y):\n    if x == 0 or x == y:\n        return x * 0 + (y if x == 0 else 0)\n"
              "    with mpmath.extraprec(2 * max(mpmath.mag(y) - mpmath.mag(x - y), 0) + 10):\n"
              "        return +(x * mpmath.log(x / y) - x + y)\n",
    # the Stirling rests cancel terms of size x log x down to 1/x: twice as many more bits as x has
    "loggamma_rem": "def loggamma_rem(x):\n    with mpmath.extraprec(2 * max(mpmath.mag(x), 0) + 10):\n"
                    "        return +(mpmath.loggamma(x) - (x - 0.5) * mpmath.log(x) + x\n"
                    "                 - mpmath.log(2 * mpmath.pi) / 2)\n",
    "digamma_rem": "def digamma_rem(x):\n    with mpmath.extraprec(2 * max(mpmath.mag(x), 0) + 10):\n"
                   "        return +(mpmath.log(x) - mpmath.digamma(x))\n",
    # the P ~ Q nodes: their plain forms, with the extra bits that their cancellation takes
    "kl_div_d": "def kl_div_d(x, y, d):\n    if x == 0 or d == 0:\n        return x * 0 + (y if x == 0 else 0)\n"
                "    if y == 0:\n        return mpmath.inf\n"
                "    with mpmath.extraprec(2 * max(mpmath.mag(y) - mpmath.mag(d), 0) + 10):\n"
                "        return +(x * mpmath.log(x / y) - x + y)\n",
    "powlog_bregman": "def powlog_bregman(n, d, a, b):\n    if d == 0:\n        return mpmath.mpf(0)\n"
                      "    with mpmath.extraprec(2 * max(mpmath.mag(b) - mpmath.mag(d), 0) + 10):\n"
                      "        return +((a / b) ** n - 1 - n * mpmath.log(a / b))\n",
    "nonneg": "def nonneg(x):\n    return mpmath.mpf(0) if x < 0 else x\n",
    "expdiff": "def expdiff(x, y, d):\n    if d >= 0:\n        return -mpmath.exp(x) * mpmath.expm1(-d)\n"
               "    return mpmath.exp(y) * mpmath.expm1(d)\n",
    "expm1mx": "def expm1mx(z):\n    if z == 0:\n        return mpmath.mpf(0)\n"
               "    with mpmath.extraprec(2 * max(-mpmath.mag(z), 0) + 10):\n"
               "        return +(mpmath.expm1(z) - z)\n",
    "lgamma_bregman": "def lgamma_bregman(a, d):\n    if d == 0:\n        return mpmath.mpf(0)\n"
                      "    bits = 2 * max(mpmath.mag(a) - mpmath.mag(d), 0) + 2 * max(mpmath.mag(a), 0) + 20\n"
                      "    with mpmath.extraprec(bits):\n"
                      "        return +(mpmath.loggamma(a + d) - mpmath.loggamma(a) - d * mpmath.digamma(a))\n",
}

#: C definitions (static functions) emitted into generated source when used
C_HELPERS = {name: _render(text, 100, c=True) for name, text in {
    "symdiv_xlogy": """
/* x*log(y), and 0 where x == 0 (0*log(0) = 0) */
static double symdiv_xlogy(double x, double y)
{
    return x == 0.0 ? 0.0 : x * log(y);
}
""",
    "symdiv_xlog1py": """
/* x*log(1 + y), and 0 where x == 0 */
static double symdiv_xlog1py(double x, double y)
{
    return x == 0.0 ? 0.0 : x * log1p(y);
}
""",
    "symdiv_logratio": """
/* log(a/b); log(a) - log(b) where a/b overflows or underflows (a = 1e-200, b = 1e200) */
static double symdiv_logratio(double a, double b)
{
    double r = a / b;
    if ((r >= $tiny && r <= $huge) || !(a > 0.0 && b > 0.0))
        return log(r);
    return log(a) - log(b);
}
""",
    "symdiv_xlogratio": """
/* x*log(a/b) with symdiv_logratio, and 0 where x == 0 */
static double symdiv_xlogratio(double x, double a, double b)
{
    return x == 0.0 ? 0.0 : x * symdiv_logratio(a, b);
}
""",
    "symdiv_xlogratio1p": """
/* x*log(a/b) with d = a - b computed exactly by the caller: x*log1p(d/b) where 1/2 <= a/b <= 2,
   x*symdiv_logratio(a, b) elsewhere (d/b rounds to -1 where a << b); 0 where x == 0 */
static double symdiv_xlogratio1p(double x, double d, double a, double b)
{
    double r = d / b;
    if (x == 0.0)
        return 0.0;
    return x * (r >= -0.5 && r <= 1.0 ? log1p(r) : symdiv_logratio(a, b));
}
""",
    "symdiv_log1pmx": """
/* log(1 + r) - r: the series -r*r*(1/2 - r*(1/3 - ...)) for |r| < $log1pmx_series, the difference beyond */
static double symdiv_log1pmx(double r)
{
    double s = 1.0 / $log1pmx_last;
    int k;
    if (fabs(r) >= $log1pmx_series)
        return log1p(r) - r;
    for (k = $log1pmx_last - 1; k > 1; k--)
        s = 1.0 / k - r * s;
    return -r * r * s;
}
""",
    "symdiv_kl_div": """
/* x*log(x/y) - x + y for x >= 0, y > 0: y*((1 + r)*log1p(r) - r) with r = (x - y)/y, about
   y*r*r/2, where x/y is in [1/2, 2]; the three terms elsewhere */
static double symdiv_kl_div(double x, double y)
{
    double r = (x - y) / y;
    if (x == 0.0)
        return y;
    if (!(r >= -0.5 && r <= 1.0))
        return x * symdiv_logratio(x, y) - x + y;
    return y * (symdiv_log1pmx(r) + r * log1p(r));
}
""",
    "symdiv_digamma": """
/* psi(x): recurrence up to x >= $shift, then the asymptotic series; reflection for x < 0 */
static double symdiv_digamma(double x)
{
    double result = 0.0, f, series;
    if (x <= 0.0 && x == floor(x))
        return x == 0.0 ? -INFINITY : NAN;
    if (x < 0.0) {
        result -= 3.141592653589793 / tan(3.141592653589793 * (x - round(x)));
        x = 1.0 - x;
    }
    while (x < $shift.0) {
        result -= 1.0 / x;
        x += 1.0;
    }
    f = 1.0 / (x * x);
    series = f * ($series_digamma);
    return result + log(x) - 0.5 / x - series;
}
""",
    "symdiv_loggamma_rem": """
/* lgamma(x) - ((x - 1/2)*log(x) - x + log(2*pi)/2) for x > 0: Stirling's series from $shift on
   (about 1/(12 x), no cancellation), the difference below */
static double symdiv_loggamma_rem(double x)
{
    double s, f;
    if (x < $shift.0)
        return lgamma(x) - (x - 0.5) * log(x) + x - $half_log_2pi;
    s = 1.0 / x;
    f = s * s;
    return s * ($series_gammaln);
}
""",
    "symdiv_digamma_rem": """
/* log(x) - psi(x) for x > 0: the asymptotic series from $shift on (about 1/(2 x), no
   cancellation), the difference below */
static double symdiv_digamma_rem(double x)
{
    double f;
    if (x < $shift.0)
        return log(x) - symdiv_digamma(x);
    f = 1.0 / (x * x);
    return 0.5 / x + f * ($series_digamma);
}
""",
    "symdiv_erfcx": """
/* exp(x*x)*erfc(x) without overflow: the product for 0 <= x < $asymptotic, the asymptotic series
   beyond; 2*exp(x*x) - erfcx(-x) for x < 0 (inf below -$overflow, where that overflows) */
static double symdiv_erfcx(double x)
{
    double f, series;
    if (x < -$overflow)
        return INFINITY;
    if (x < 0.0)
        return 2.0 * exp(x * x) - symdiv_erfcx(-x);
    if (x < $asymptotic.0)
        return exp(x * x) * erfc(x);
    f = 1.0 / (2.0 * x * x);
    series = $series_erfcx;
    return series / (x * $sqrt_pi);
}
""",
    "symdiv_kl_div_d": """
/* x*log(x/y) - x + y for x >= 0, y >= 0 with d = x - y computed exactly by the caller:
   y*((1 + r)*log1p(r) - r) with r = d/y where x/y is in [1/2, 2]; the three terms elsewhere */
static double symdiv_kl_div_d(double x, double y, double d)
{
    double r;
    if (x == 0.0)
        return y;
    if (y == 0.0)
        return INFINITY;
    r = d / y;
    if (!(r >= -0.5 && r <= 1.0))
        return x * symdiv_logratio(x, y) - x + y;
    return y * (symdiv_log1pmx(r) + r * log1p(r));
}
""",
    "symdiv_powlog_bregman": """
/* (a/b)**n - 1 - n*log(a/b) with d = a - b computed exactly by the caller: -log1pmx(z) with
   z = (a/b)**n - 1 formed from d/b where a/b is in [1/2, 2]; the terms elsewhere */
static double symdiv_powlog_bregman(double n, double d, double a, double b)
{
    double u = d / b, z;
    if (!(u >= -0.5 && u <= 1.0))
        return pow(a / b, n) - 1.0 - n * symdiv_logratio(a, b);
    z = n == 1.0 ? u : expm1(n * log1p(u));
    return -symdiv_log1pmx(z);
}
""",
    "symdiv_nonneg": """
/* a divergence as computed, 0 where rounding made it negative (nan stays nan) */
static double symdiv_nonneg(double x)
{
    return x < 0 ? 0.0 : x;
}
""",
    "symdiv_expdiff": """
/* exp(x) - exp(y) with d = x - y: -exp(x)*expm1(-d) for d >= 0, exp(y)*expm1(d) otherwise */
static double symdiv_expdiff(double x, double y, double d)
{
    if (d >= 0)
        return -exp(x) * expm1(-d);
    return exp(y) * expm1(d);
}
""",
    "symdiv_expm1mx": """
/* exp(z) - 1 - z: the series z*z*(1/2 + z*(1/6 + ...)) for |z| < $expm1mx_series, the difference beyond */
static double symdiv_expm1mx(double z)
{
    double s = 0.0;
    int k;
    if (!(fabs(z) < $expm1mx_series))
        return expm1(z) - z;
    for (k = $expm1mx_last; k > 1; k--)
        s = (1.0 + z * s) / k;
    return z * z * s;
}
""",
    "symdiv_lgamma_bregman": """
/* lgamma(a + d) - lgamma(a) - d*digamma(a) for a, a + d > 0. Where (a + d)/a is in [1/2, 2]: the
   recurrence up to min(a, a + d) >= $shift, then Stirling's series as sums of terms of one sign
   (about d*d/(2 a), no cancellation); the difference elsewhere */
static double symdiv_lgamma_bregman(double a, double d)
{
    static const double c[] = {$gammaln_signed};
    double u, v, s, f, inner = 0.0, outer = 0.0, vi = 1.0, series = 0.0, acc = 0.0;
    int i = 0, k;
    if (d == 0.0)
        return 0.0;
    u = d / a;
    if (!(u >= -0.5 && u <= 1.0))
        return lgamma(a + d) - lgamma(a) - d * symdiv_digamma(a);
    while ((d < 0.0 ? a + d : a) < $shift.0) {
        acc -= symdiv_log1pmx(d / a);
        a += 1.0;
    }
    u = d / a;
    v = 1.0 / (1.0 + u);
    s = 1.0 / a;
    f = s * s;
    for (k = 0; k < $gammaln_terms; k++) {
        while (i < 2 * k + 1) {
            inner += vi;
            vi *= v;
            outer += inner;
            i++;
        }
        series += c[k] * s * outer;
        s *= f;
    }
    return acc + a * (symdiv_log1pmx(u) + u * log1p(u)) - 0.5 * symdiv_log1pmx(u) + u * (u * v) * series;
}
""",
}.items()}


def used_helpers(text: str, helpers: Mapping[str, str]) -> list[str]:
    """The helpers that ``text`` calls, directly or through another helper (``xlogratio`` calls
    ``logratio``), in the order of ``helpers`` (a helper comes after those it calls)."""
    used: set[str] = set()
    pending = [text]
    while pending:
        calls = pending.pop()
        for h in helpers:
            if h not in used and re.search(rf"(?<![\w.]){h}\(", calls):
                used.add(h)
                pending.append(helpers[h])
    return [h for h in helpers if h in used]


def _compiled(texts: Mapping[str, str], namespace: dict[str, Any]) -> Mapping[str, Callable[..., Any]]:
    for name, text in texts.items():
        exec(compile(text, f"<symdiv.gencode helper {name}>", "exec"), namespace)  # our own fixed helper source
    return MappingProxyType({name: namespace[name] for name in texts})


@functools.cache
def python_helpers() -> Mapping[str, Callable[..., float]]:
    """The functions of :data:`PY_HELPERS`, compiled on first use.

    >>> python_helpers()["xlogy"](0.0, 0.0)
    0.0
    """
    return _compiled(PY_HELPERS, {"math": math})


@functools.cache
def mpmath_helpers() -> Mapping[str, Callable[..., Any]]:
    """The functions of :data:`MP_HELPERS`, compiled on first use."""
    return _compiled(MP_HELPERS, {"mpmath": mpmath})
