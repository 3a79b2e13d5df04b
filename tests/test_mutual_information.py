"""Mutual information: MultivariateNormal coordinates and JointCategorical tables, against
independent numerics (mpmath determinants and direct sums, not symdiv's engine), its textbook
forms, and its properties (I >= 0, I = 0 under independence, symmetry)."""

from __future__ import annotations

import random
import subprocess
import sys

import mpmath
import pytest
import sympy as sp

import symdiv as sd
from symdiv.numeric import evaluate

R = sp.Rational
DIGITS = 25


def spd(rng: random.Random, n: int) -> list[list[sp.Rational]]:
    """A random symmetric positive-definite matrix of rationals: L L^T + I/4."""
    low = [[R(rng.randint(-9, 9), rng.randint(1, 5)) if j <= i else R(0) for j in range(n)] for i in range(n)]
    return [[sum((low[i][k] * low[j][k] for k in range(n)), R(0)) + (R(1, 4) if i == j else 0)
             for j in range(n)] for i in range(n)]


def mp_det(m: list[list[sp.Rational]], idx: list[int]) -> mpmath.mpf:
    return mpmath.det(mpmath.matrix([[mpmath.mpf(int(m[a][b].p)) / int(m[a][b].q) for b in idx] for a in idx]))


def mp_mi_gauss(m: list[list[sp.Rational]], a: list[int], b: list[int]) -> mpmath.mpf:
    return -mpmath.log(mp_det(m, a + b) / (mp_det(m, a) * mp_det(m, b))) / 2


def mp_mi_table(t: list[list[sp.Rational]]) -> mpmath.mpf:
    p = [[mpmath.mpf(int(v.p)) / int(v.q) for v in row] for row in t]
    rows = [sum(r) for r in p]
    cols = [sum(p[i][j] for i in range(len(p))) for j in range(len(p[0]))]
    return sum(p[i][j] * mpmath.log(p[i][j] / (rows[i] * cols[j]))
               for i in range(len(p)) for j in range(len(p[0])) if p[i][j] != 0)


def table(rng: random.Random, k1: int, k2: int, zeros: int = 0) -> list[list[sp.Rational]]:
    w = [rng.randint(1, 50) for _ in range(k1 * k2)]
    for z in rng.sample(range(k1 * k2), zeros):
        w[z] = 0
    total = sum(w)
    return [[R(w[i * k2 + j], total) for j in range(k2)] for i in range(k1)]


def close(a: mpmath.mpf, b: mpmath.mpf) -> bool:
    return abs(a - b) <= mpmath.mpf(10) ** -DIGITS * max(1, abs(b))


# ---------------------------------------------------------------- multivariate normal
SPLITS = {2: [([0], [1])], 3: [([0], [1, 2]), ([2], [0]), ([1], [0, 2])], 4: [([0, 1], [2, 3]), ([3], [0, 2]),
                                                                              ([1], [2])]}


@pytest.mark.slow
@pytest.mark.parametrize("n", [2, 3, 4])
@pytest.mark.parametrize("seed", [0, 1])
def test_mvn_matches_log_determinants(n: int, seed: int) -> None:
    rng = random.Random(100 * n + seed)
    sigma = spd(rng, n)
    P = sd.MultivariateNormal([rng.randint(-3, 3) for _ in range(n)], sigma)
    for a, b in SPLITS[n]:
        d = sd.mutual_information(P, a, b)
        assert d.is_complete and not d.expr.free_symbols
        with mpmath.workdps(40):
            assert close(mpmath.mpf(sp.N(d.expr, 40)._mpf_ if d.expr != 0 else 0), mp_mi_gauss(sigma, a, b)), (a, b)


def textbook(sigma: sp.MatrixBase, a: list[int], b: list[int]) -> sp.Expr:
    det = lambda idx: sp.Matrix(sigma).extract(idx, idx).det()  # noqa: E731
    return -sp.log(det(a + b) / (det(a) * det(b))) / 2


@pytest.mark.slow
def test_symbolic_2x2_is_the_textbook_form() -> None:
    P = sd.MultivariateNormal(["mu_0", "mu_1"], [["s_0", "c"], ["c", "s_1"]])
    d = sd.mutual_information(P, 0, 1)
    form = textbook(P.Sigma, [0], [1])
    assert sp.count_ops(d.expr) <= sp.count_ops(form)
    v = sd.check(sp.Eq(d.expr, form), P)  # proved by symdiv's claim resolver
    assert v.holds is True, v
    kinds = [s.kind for s in d.steps]
    assert kinds == [sd.StepKind.DEFINITION, *[sd.StepKind.EXPECTATION] * 3, sd.StepKind.TIDY]
    assert "H(X_A) + H(X_B) - H(X_A, X_B)" in d.steps[0].note


def test_correlation_form() -> None:
    rho = sp.Symbol("rho", real=True)
    d = sd.mutual_information(sd.MultivariateNormal([0, 0], [[1, rho], [rho, 1]]), 0, 1)
    target = -sp.log(1 - rho**2) / 2
    for r in (R(1, 3), R(-7, 10), R(99, 100)):
        assert abs(sp.N((d.expr - target).subs(rho, r), 40)) < 1e-30
    assert sp.count_ops(d.expr) <= sp.count_ops(target) + 1


@pytest.mark.slow
def test_numeric_3x3_is_the_textbook_form() -> None:
    sigma = [[4, 1, R(1, 2)], [1, 3, -1], [R(1, 2), -1, 2]]
    P = sd.MultivariateNormal([0, 1, 2], sigma)
    for a, b in SPLITS[3]:
        d = sd.mutual_information(P, a, b)
        form = textbook(sp.Matrix(sigma), a, b)
        assert sp.simplify(d.expr - form) == 0 and abs(sp.N(d.expr - form, 50)) < 1e-45
        assert sp.count_ops(d.expr) <= sp.count_ops(form)


@pytest.mark.slow
def test_symbolic_dimension_uses_the_matrix_elements() -> None:
    P = sd.MultivariateNormal.symbolic("m", "S", "k")
    d = sd.mutual_information(P, 0, 1)
    S = P.Sigma
    assert d.expr.free_symbols == {S}
    assert any(str(a) == "k > 1" for a in d.assumptions)
    explicit = sd.mutual_information(sd.MultivariateNormal.symbolic("m", "S", 2), 0, 1).expr
    s = {str(x): x for x in explicit.free_symbols}
    assert sp.simplify(d.expr.xreplace({S[0, 0]: s["S_00"], S[1, 1]: s["S_11"], S[0, 1]: s["S_01"]}) - explicit) == 0


@pytest.mark.slow
def test_mvn_zero_and_symmetry_and_nonnegative() -> None:
    diag = sd.MultivariateNormal([0, 0, 0], [[2, 0, 0], [0, 3, 0], [0, 0, 5]])
    assert sd.mutual_information(diag, [0], [1, 2]).expr == 0
    blocks = sd.MultivariateNormal([0, 0, 0], [[2, 1, 0], [1, 3, 0], [0, 0, 5]])
    assert sd.mutual_information(blocks, [0, 1], 2).expr == 0
    rng = random.Random(5)
    for n in (2, 3, 4):
        sigma = spd(rng, n)
        P = sd.MultivariateNormal([0] * n, sigma)
        for a, b in SPLITS[n]:
            ab, ba = sd.mutual_information(P, a, b).expr, sd.mutual_information(P, b, a).expr
            assert sp.N(ab, 30) >= 0 and abs(sp.N(ab - ba, 30)) < 1e-25


@pytest.mark.slow
def test_symbolic_symmetry_and_nonnegativity_at_sampled_points() -> None:
    P = sd.MultivariateNormal.symbolic("m", "S", 3)
    ab, ba = sd.mutual_information(P, [0], [1, 2]), sd.mutual_information(P, [1, 2], [0])
    rng = random.Random(2)
    for _ in range(5):
        point = P.sample(rng)
        x, y = evaluate(ab.expr, point, P), evaluate(ba.expr, point, P)
        assert x >= 0 and abs(x - y) < mpmath.mpf(10) ** -25


@pytest.mark.slow
def test_mvn_steps_preserve_the_value() -> None:
    P = sd.MultivariateNormal(["mu_0", "mu_1", "mu_2"], spd(random.Random(3), 3))
    d = sd.mutual_information(P, [0, 2], [1])
    values = [evaluate(s.expr, {P.mu[0]: 1, P.mu[1]: 2, P.mu[2]: 0}, P) for s in d.steps[3:]]
    assert all(abs(v - values[-1]) < mpmath.mpf(10) ** -25 for v in values)


# ---------------------------------------------------------------- joint tables
@pytest.mark.parametrize(("k1", "k2", "zeros"), [(2, 2, 0), (2, 3, 1), (3, 3, 2), (4, 2, 0), (3, 4, 3)])
def test_table_matches_a_direct_sum(k1: int, k2: int, zeros: int) -> None:
    rng = random.Random(k1 * 10 + k2 + zeros)
    for _ in range(2):
        t = table(rng, k1, k2, zeros)
        P = sd.JointCategorical(t)
        with mpmath.workdps(40):
            direct = mp_mi_table(t)
            for a, b in ((0, 1), (1, 0)):
                d = sd.mutual_information(P, a, b)
                assert d.is_complete
                ours = mpmath.mpf(sp.Float(sp.N(d.expr, 45), 45)._mpf_) if d.expr != 0 else mpmath.mpf(0)
                assert close(ours, direct), (t, d.expr)
                assert ours >= 0


def test_symbolic_table_is_the_kl_form() -> None:
    P = sd.JointCategorical.symbolic("p", 2, 3)
    d = sd.mutual_information(P, 0, 1)
    p = P.table
    rows = [sum(p.row(i)) for i in range(2)]
    cols = [sum(p.col(j)) for j in range(3)]
    form = sp.Add(*(p[i, j] * sp.log(p[i, j] / (rows[i] * cols[j])) for i in range(2) for j in range(3)))
    assert sp.count_ops(d.expr) <= sp.count_ops(form)
    rng = random.Random(9)
    for _ in range(4):
        point = P.sample(rng)
        with mpmath.workdps(40):
            direct = mp_mi_table(P.at(point).table.tolist())
        assert close(evaluate(d.expr, point, P, dps=40), direct)
    assert [s.kind for s in d.steps][0] is sd.StepKind.DEFINITION and "KL(P_XY || P_X (x) P_Y)" in d.steps[0].note
    assert any(s.kind is sd.StepKind.EXPECTATION for s in d.steps)


def test_table_steps_preserve_the_value() -> None:
    P = sd.JointCategorical.symbolic("p", 2, 2)
    d = sd.mutual_information(P, 0, 1)
    point = P.sample(random.Random(4))
    values = [evaluate(s.expr, point, P) for s in d.steps]
    assert all(abs(v - values[-1]) < mpmath.mpf(10) ** -25 for v in values)


def test_product_table_is_independent() -> None:
    rows, cols = [R(1, 5), R(4, 5)], [R(1, 2), R(1, 3), R(1, 6)]
    P = sd.JointCategorical([[r * c for c in cols] for r in rows])
    assert sd.mutual_information(P, 0, 1).expr == 0
    assert sd.mutual_information(P.product_of_marginals(), 1, 0).expr == 0


def test_joint_categorical_family() -> None:
    P = sd.JointCategorical([[R(1, 2), 0], [R(1, 4), R(1, 4)]])
    assert P.support().pairs == ((0, 0), (1, 0), (1, 1))
    assert P.marginal(0) == sd.Categorical([R(1, 2), R(1, 2)])
    assert P.marginal(1) == sd.Categorical([R(3, 4), R(1, 4)])
    assert sd.entropy(P).expr == sp.Rational(3, 2) * sp.log(2)
    Q = sd.JointCategorical([[R(1, 4)] * 2] * 2)
    assert abs(sp.N(sd.kl_divergence(P, Q).expr - sd.entropy(Q).expr + sd.entropy(P).expr)) < 1e-25
    assert sd.kl_divergence(Q, P).expr == sp.oo
    ce = sd.cross_entropy(P, Q).expr  # -sum p_ij log q_ij, summed here directly
    assert abs(sp.N(ce - 2 * sp.log(2), 30)) < 1e-25


@pytest.mark.parametrize(("value", "words"), [
    ([[R(1, 2), R(1, 2)], [R(1, 2), 0]], "sum to 3/2"),
    ([[R(1, 2), R(1, 2)]], "need K1, K2 >= 2"),
    ([[R(1, 2), R(1, 4)], [R(1, 4)]], "rows of different lengths"),
    ([[R(3, 2), R(-1, 2)], [0, 0]], "table[0,0]"),
    ("p", "expected a table"),
])
def test_bad_tables(value: object, words: str) -> None:
    with pytest.raises(sd.InvalidParameterError) as err:
        sd.JointCategorical(value)
    assert "JointCategorical" in str(err.value) and "table" in str(err.value) and words in str(err.value)


# ---------------------------------------------------------------- bad input
MVN3 = sd.MultivariateNormal([0, 0, 0], [[2, 1, 0], [1, 2, 1], [0, 1, 2]])


@pytest.mark.parametrize(("P", "first", "second", "words"), [
    (MVN3, [0, 1], [1, 2], "disjoint"),
    (MVN3, [0], [3], "not a coordinate"),
    (MVN3, [], [1], "no index"),
    (MVN3, [0, 0], [1], "repeats"),
    (MVN3, "0", [1], "expected an index"),
    (MVN3, [0.5], [1], "not an integer"),
    (sd.JointCategorical.symbolic("p", 2, 2), 0, 2, "axes 0 and 1"),
    (sd.JointCategorical.symbolic("p", 2, 2), 0, 0, "disjoint"),
])
def test_bad_indices(P: sd.Family, first: object, second: object, words: str) -> None:
    with pytest.raises((ValueError, TypeError)) as err:
        sd.mutual_information(P, first, second)  # type: ignore[arg-type]
    assert isinstance(err.value, sd.SymdivError)
    assert P.name in str(err.value) and "allowed:" in str(err.value) and words in str(err.value)


def test_other_families_are_refused() -> None:
    with pytest.raises(sd.InvalidParameterTypeError, match="allowed: a MultivariateNormal"):
        sd.mutual_information(sd.Normal("mu", "sigma"), 0, 1)
    with pytest.raises(sd.InvalidParameterError, match="different sample spaces"):
        sd.kl_divergence(sd.JointCategorical.symbolic("p", 2, 2), sd.Categorical(["q_0", "q_1", "q_2", "q_3"]))


def test_registry_and_symbols() -> None:
    m = sd.measures.get("mi")
    assert m is sd.measures.get("I") is sd.measures.get("MI") and m.symmetric and m.arity == 1
    d = sd.mutual_information(MVN3, [0, 2], 1)
    assert d.symbol() == "I(X_{0,2}; X_1)" and str(d).startswith("I(X_{0,2}; X_1) = ")
    assert d.latex().startswith("I(X_{0,2}; X_{1}) = ")
    assert d.at().expr == d.expr
    assert sd.mutual_information(sd.MultivariateNormal([0, 0], [[1.5, 0.5], [0.5, 1.0]]), 0, 1).expr.is_Float


# ---------------------------------------------------------------- command line
def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "symdiv", *argv], capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_cli() -> None:
    from symdiv.cli import execute

    out, status = execute(["mi", "mvn", "--first", "0", "--second", "1", "--at", "k=2"])
    assert status == 0 and out is not None and out.startswith("I(X_0; X_1) = log(Sigma_1_00*Sigma_1_11/")
    out, _ = execute(["mi", "mvn", "--first", "0,1", "--second", "2", "--at", "k=3"])
    assert out is not None and out.startswith("I(X_{0,1}; X_2) = ")
    out, _ = execute(["mi", "joint", "--first", "0", "--second", "1"])
    assert out is not None and "p_00*log(p_00/((p_00 + p_01)*(p_00 + p_10)))" in out


@pytest.mark.parametrize("argv", [
    ["mi", "mvn", "--first", "0,,1", "--second", "2"],
    ["mi", "mvn", "--first", "0,1", "--second", "1"],
    ["mi", "mvn", "--first", "0", "--second", "5", "--at", "k=3"],
    ["mi", "normal", "--first", "0", "--second", "1"],
])
def test_cli_bad_lists(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from symdiv.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("symdiv: error: ") and err.count("\n") == 1


@pytest.mark.slow
def test_cli_bad_list_exits_2() -> None:
    result = run("mi", "mvn", "--first", "0,1", "--second", "1")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("symdiv: error: ") and result.stderr.count("\n") == 1


@pytest.mark.slow
def test_cli_symbolic_dimension() -> None:
    result = run("mi", "mvn", "--first", "0", "--second", "1")
    assert result.returncode == 0
    assert result.stdout.startswith("I(X_0; X_1) = log(Sigma_1[0, 0]*Sigma_1[1, 1]/")
