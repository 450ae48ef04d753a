"""`scengine calibrate --model regime` against statsmodels' Markov switching regression.

For a real series (the S&P 500 of `arch.data.sp500`, last 2,500 returns) and a simulated
two-regime series, the test writes a price file (`date,SPX`, ISO dates), runs

    scengine calibrate prices.csv --model regime --regimes K --out fitted.yaml
        --report fit.json --probabilities probs.csv

and fits `statsmodels.tsa.MarkovRegression(y, k_regimes=K, trend="c",
switching_variance=True)` to the same per-step decimal log returns from several starts (the
default start and `search_reps` random ones). Both use the stationary distribution of the
transition matrix for the first regime, so the log-likelihoods compare like for like; the
engine's must be at least statsmodels' best minus 0.05.

The binary is $SCENGINE_BIN or .build/release/scengine; a binary without the calibrate command
skips the tests.
"""

import json
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
TOLERANCE = 0.05


def sp500_prices(rows: int):
    sp500 = pytest.importorskip("arch.data.sp500")
    frame = sp500.load()["Adj Close"].dropna()
    frame = frame.iloc[-(rows + 1):]
    dates = [d.strftime("%Y-%m-%d") for d in frame.index]
    return dates, frame.to_numpy(dtype=float)


def simulated_prices(steps: int, seed: int):
    """Two regimes as the engine simulates them (annualized, dt = 1/252)."""
    rng = np.random.default_rng(seed)
    dt = 1 / 252
    drift, vol = np.array([0.12, -0.25]), np.array([0.10, 0.32])
    p = np.array([[0.99, 0.01], [0.03, 0.97]])
    state = rng.choice(2, p=[0.75, 0.25])  # the stationary distribution of p
    returns = np.empty(steps)
    for t in range(steps):
        if t:
            state = rng.choice(2, p=p[state])
        returns[t] = (drift[state] - vol[state] ** 2 / 2) * dt + vol[state] * np.sqrt(
            dt) * rng.standard_normal()
    prices = 100 * np.exp(np.concatenate([[0.0], np.cumsum(returns)]))
    days = np.busday_offset("2010-01-04", np.arange(steps + 1), roll="forward")
    return [str(d) for d in days], prices


def write_prices(path: Path, dates, prices):
    lines = ["date,SPX"] + [f"{d},{repr(float(p))}" for d, p in zip(dates, prices)]
    path.write_text("\n".join(lines) + "\n")


def statsmodels_best(returns: np.ndarray, regimes: int, search_reps: int) -> float:
    sm = pytest.importorskip("statsmodels.api")
    model = sm.tsa.MarkovRegression(
        returns, k_regimes=regimes, trend="c", switching_variance=True)
    best = -np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kwargs in ({}, {"search_reps": search_reps}):
            np.random.seed(20260101)
            result = model.fit(**kwargs)
            if np.isfinite(result.llf):
                best = max(best, float(result.llf))
    return best


def calibrate(scengine: Path, folder: Path, dates, prices, regimes: int):
    prices_file = folder / "prices.csv"
    write_prices(prices_file, dates, prices)
    out, report, probs = folder / "fitted.yaml", folder / "fit.json", folder / "probs.csv"
    result = subprocess.run(
        [str(scengine), "calibrate", str(prices_file), "--model", "regime", "--regimes",
         str(regimes), "--out", str(out), "--report", str(report), "--probabilities",
         str(probs)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(report.read_text()), out, probs


CASES = [
    ("sp500", 2, 20),
    ("sp500", 3, 5),
    ("simulated", 2, 20),
]


@pytest.mark.parametrize(("series", "regimes", "search_reps"), CASES)
def test_loglik_at_least_statsmodels_best(scengine, tmp_path, series, regimes, search_reps):
    if series == "sp500":
        dates, prices = sp500_prices(2500)
    else:
        dates, prices = simulated_prices(3000, seed=7)
    # The returns the calibrate command fits: log returns of consecutive rows, decimal, per step.
    returns = np.diff(np.log(prices))
    report, fitted, probs = calibrate(scengine, tmp_path, dates, prices, regimes)
    best = statsmodels_best(returns, regimes, search_reps)

    assert report["model"] == "regime"
    loglik = float(report["loglik"])
    assert loglik >= best - TOLERANCE, (
        f"{series}, K={regimes}: expected loglik >= statsmodels' best {best} - {TOLERANCE}, "
        f"observed {loglik}")

    transition = np.array(report["transition"], dtype=float)
    assert transition.shape == (regimes, regimes)
    assert np.allclose(transition.sum(axis=1), 1, atol=1e-9, rtol=0)
    durations = np.array(report["expected_durations"], dtype=float)
    assert np.allclose(durations, 1 / (1 - np.diag(transition)), rtol=1e-9)
    initial = np.array(report["initial_probabilities"], dtype=float)
    assert initial.shape == (regimes,) and abs(initial.sum() - 1) <= 1e-9

    text = fitted.read_text()
    assert "regime:" in text and "transition:" in text and "initial:" in text
    for k in range(regimes):
        assert f"regime{k}:" in text

    rows = [line for line in probs.read_text().splitlines() if line.strip()]
    assert len(rows) - 1 == len(returns), (
        f"expected a header and {len(returns)} rows of probabilities, observed {len(rows)} lines")
