"""A correlation matrix at the edge of the eigenvalue tolerance (smallest eigenvalue -0.9e-10 x
assets, inside the README's -1e-10 x assets) whose Cholesky factor still meets a negative pivot
beyond the factor's tolerance: refused the same way as the scenario's correlation and as a
stress target (whatever the weight), with a message that says the eigenvalue is within the
tolerance; and `repair: nearest` repairs it in both places.

The matrix is built with numpy: random eigenvectors, the smallest eigenvalue shifted to the
target, the diagonal renormalised, repeated until both hold.
"""

import subprocess

import numpy as np
import pytest

ASSETS = 20


def edge_matrix(n=ASSETS, fraction=-0.9):
    rng = np.random.default_rng(n)
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    c = q @ np.diag(rng.uniform(0.2, 2, n)) @ q.T
    target = fraction * 1e-10 * n
    for _ in range(60):
        d = np.sqrt(np.diag(c))
        c = c / np.outer(d, d)
        w, v = np.linalg.eigh(c)
        c = c - (w[0] - target) * np.outer(v[:, 0], v[:, 0])
    np.fill_diagonal(c, 1.0)
    return (c + c.T) / 2


def scenario(tmp_path, matrix, where, weight=0.5, repair=""):
    names = [f"A{i}" for i in range(len(matrix))]
    rows = "[" + ", ".join("[" + ", ".join(repr(float(x)) for x in r) + "]" for r in matrix) + "]"
    text = (f"name: edge\nseed: 1\npaths: 10\ntime: {{steps: 10, dt: 1/252}}\n"
            f"assets: [{', '.join(names)}]\ninitial: 100\n")
    if where == "top":
        text += f"correlation: {{matrix: {rows}{repair}}}\n"
    text += "model:\n  gbm: {drift: 0.01, volatility: 0.1}\nvariants:\n  baseline: {}\n"
    if where == "stress":
        text += (f"  c:\n    stresses:\n      - correlation: {{from: 1, to: 5, "
                 f"toward: {{matrix: {rows}{repair}}}, weight: {weight}}}\n")
    path = tmp_path / f"edge-{where}-{weight}{'-r' if repair else ''}.yaml"
    path.write_text(text)
    return path


def check(scengine, path):
    return subprocess.run([str(scengine), "check", str(path)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def matrix():
    m = edge_matrix()
    smallest = np.linalg.eigvalsh(m)[0]
    assert -1e-10 * ASSETS < smallest < 0, smallest
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.cholesky(m)
    return m


@pytest.mark.parametrize("where,weight", [("top", 0), ("stress", 0.5), ("stress", 1)])
def test_edge_matrix_refused_alike(scengine, tmp_path, matrix, where, weight):
    result = check(scengine, scenario(tmp_path, matrix, where, weight))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "is within the tolerance" in result.stderr, result.stderr
    assert "repair: nearest" in result.stderr, result.stderr
    field = "correlation.matrix" if where == "top" else "stresses[0].correlation.toward.matrix"
    assert field in result.stderr, result.stderr


@pytest.mark.parametrize("where", ["top", "stress"])
def test_edge_matrix_repaired_when_asked(scengine, tmp_path, matrix, where):
    result = check(scengine, scenario(tmp_path, matrix, where, repair=", repair: nearest"))
    assert result.returncode == 0, result.stderr
    assert "REPAIRED" in result.stdout or "repaired by repair: nearest" in result.stdout, \
        result.stdout
