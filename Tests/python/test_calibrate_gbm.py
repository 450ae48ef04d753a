"""`scengine calibrate --model gbm` checked with numpy: the closed-form estimates, Ledoit-Wolf
constant-correlation shrinkage (written out here from the paper), a refit of paths simulated by
`scengine run`, and the round trip calibrate -> run.

The binary is $SCENGINE_BIN (set by `make test`) or, when unset, .build/release/scengine.
"""

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
DT = 1 / 252


def call(scengine, *args, cwd):
    result = subprocess.run(
        [str(scengine), *args], capture_output=True, text=True, stdin=subprocess.DEVNULL,
        timeout=300, cwd=cwd,
    )
    assert result.returncode == 0, result.stderr
    return result


def write_csv(path, dates, names, prices):
    lines = ["date," + ",".join(names)]
    for d, row in zip(dates, prices):
        lines.append(str(d) + "," + ",".join(repr(float(p)) for p in row))
    path.write_text("\n".join(lines) + "\n")


def business_days(start, count):
    return np.busday_offset(np.datetime64(start), np.arange(count), roll="forward")


def ledoit_wolf_constant_correlation(x):
    """Ledoit & Wolf (2004), "Honey, I shrunk the sample covariance matrix": returns the
    shrinkage intensity and the shrunk correlation matrix of the columns of x (T x N)."""
    t, n = x.shape
    y = x - x.mean(axis=0)
    sample = y.T @ y / t
    sd = np.sqrt(np.diag(sample))
    r = sample / np.outer(sd, sd)
    r_bar = (r.sum() - n) / (n * (n - 1))
    target = r_bar * np.outer(sd, sd)
    np.fill_diagonal(target, np.diag(sample))
    # pi_ij: asymptotic variance of sqrt(T) s_ij.
    pi_mat = np.einsum("ti,tj->ij", y**2, y**2) / t - sample**2
    pi_hat = pi_mat.sum()
    # theta_ii,ij: asymptotic covariance of sqrt(T) s_ii and sqrt(T) s_ij.
    theta = np.einsum("ti,tj->ij", y**3, y) / t - np.diag(sample)[:, None] * sample
    ratio = np.outer(1 / sd, sd)  # sqrt(s_jj / s_ii)
    off = ~np.eye(n, dtype=bool)
    rho_hat = np.trace(pi_mat) + r_bar * (ratio * theta)[off].sum()
    gamma_hat = ((target - sample) ** 2).sum()
    delta = max(0.0, min(1.0, (pi_hat - rho_hat) / gamma_hat / t))
    shrunk = delta * target + (1 - delta) * sample
    return delta, shrunk / np.outer(sd, sd)


@pytest.fixture(scope="module")
def correlated_prices(tmp_path_factory):
    """Four assets, 600 business days of correlated normal log returns."""
    folder = tmp_path_factory.mktemp("calibrate")
    rng = np.random.default_rng(20261202)
    loadings = np.array([0.9, 0.7, 0.4, -0.3])
    common = rng.standard_normal(600)
    z = loadings * common[:, None] + rng.standard_normal((600, 4)) * np.sqrt(1 - loadings**2)
    returns = 0.0002 + 0.012 * z
    prices = 100 * np.exp(np.vstack([np.zeros(4), np.cumsum(returns, axis=0)]))
    dates = business_days("2022-03-01", 601)
    write_csv(folder / "prices.csv", dates, ["A", "B", "C", "D"], prices)
    return folder, np.diff(np.log(prices), axis=0), dates, prices


def test_closed_form_and_ledoit_wolf_match_numpy(scengine, correlated_prices):
    folder, r, _, _ = correlated_prices
    call(scengine, "calibrate", "prices.csv", "--model", "gbm", "--shrinkage", "ledoit-wolf",
         "--report", "fit.json", cwd=folder)
    report = json.loads((folder / "fit.json").read_text())
    m = r.mean(axis=0)
    s = r.std(axis=0)  # 1/n: the maximum-likelihood estimate
    n = len(r)
    for i, name in enumerate("ABCD"):
        p = report["assets"][name]["parameters"]
        vol = s[i] / np.sqrt(DT)
        assert p["volatility"]["estimate"] == pytest.approx(vol, rel=1e-12)
        assert p["drift"]["estimate"] == pytest.approx(m[i] / DT + vol**2 / 2, rel=1e-10)
        assert p["volatility"]["std_error"] == pytest.approx(s[i] / np.sqrt(2 * n * DT), rel=1e-12)
        assert report["assets"][name]["nobs"] == n
    delta, expected = ledoit_wolf_constant_correlation(r)
    assert 0 < delta < 1
    assert report["shrinkage"]["intensity"] == pytest.approx(delta, abs=1e-12)
    np.testing.assert_allclose(np.array(report["correlation"]), expected, rtol=0, atol=1e-12)
    assert report["parameters_count"] == 4 * 2 + 6
    # The joint normal likelihood at the shrunk covariance.
    cov = expected * np.outer(s, s)
    sample = np.cov(r.T, bias=True)
    sign, logdet = np.linalg.slogdet(cov)
    loglik = -n / 2 * (4 * np.log(2 * np.pi) + logdet + np.trace(np.linalg.solve(cov, sample)))
    assert report["loglik"] == pytest.approx(loglik, rel=1e-10)


def test_sample_correlation_without_shrinkage(scengine, correlated_prices):
    folder, r, _, _ = correlated_prices
    call(scengine, "calibrate", "prices.csv", "--model", "gbm", "--report", "plain.json",
         cwd=folder)
    report = json.loads((folder / "plain.json").read_text())
    np.testing.assert_allclose(np.array(report["correlation"]), np.corrcoef(r.T), atol=1e-12)


def test_round_trip_calibrate_then_run(scengine, correlated_prices):
    folder, _, dates, prices = correlated_prices
    call(scengine, "calibrate", "prices.csv", "--model", "gbm", "--out", "fitted.yaml",
         cwd=folder)
    call(scengine, "run", "fitted.yaml", "--paths", "50", "--out", "run", "--progress", "none",
         cwd=folder)
    paths = np.load(folder / "run" / "baseline" / "prices.npy")
    assert paths.shape == (50, 253, 4)
    assert np.all(paths[:, 0, :] == prices[-1])
    manifest = json.loads((folder / "run" / "manifest.json").read_text())
    assert manifest["dates"][0] == str(dates[-1])
    assert manifest["assets"] == ["A", "B", "C", "D"]


def test_refit_of_simulated_paths_within_three_standard_errors(scengine, tmp_path):
    truth = {"EQ": (0.09, 0.22), "FX": (-0.02, 0.08)}
    rho = 0.35
    (tmp_path / "truth.yaml").write_text(
        "name: truth\nseed: 77\npaths: 1\ntime: {steps: 6000, dt: 1/252}\n"
        "assets: [EQ, FX]\ninitial: {EQ: 100, FX: 1.1}\n"
        f"correlation: {{matrix: [[1, {rho}], [{rho}, 1]]}}\n"
        "model:\n  gbm:\n"
        f"    drift: {{EQ: {truth['EQ'][0]}, FX: {truth['FX'][0]}}}\n"
        f"    volatility: {{EQ: {truth['EQ'][1]}, FX: {truth['FX'][1]}}}\n"
    )
    call(scengine, "run", "truth.yaml", "--out", "truth", "--progress", "none", cwd=tmp_path)
    path = np.load(tmp_path / "truth" / "base" / "prices.npy")[0]
    lines = ["step,EQ,FX"] + [f"{k},{p[0]!r},{p[1]!r}" for k, p in enumerate(path.tolist())]
    (tmp_path / "sim.csv").write_text("\n".join(lines) + "\n")
    call(scengine, "calibrate", "sim.csv", "--model", "gbm", "--report", "fit.json",
         cwd=tmp_path)
    report = json.loads((tmp_path / "fit.json").read_text())
    for name, (drift, vol) in truth.items():
        p = report["assets"][name]["parameters"]
        for key, value in (("drift", drift), ("volatility", vol)):
            est, se = p[key]["estimate"], p[key]["std_error"]
            assert abs(est - value) < 3 * se, f"{name} {key}: {est} vs {value}, 3 se = {3 * se}"
    se_rho = (1 - rho**2) / np.sqrt(6000)
    assert abs(report["correlation"][0][1] - rho) < 3 * se_rho
