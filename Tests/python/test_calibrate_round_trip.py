"""calibrate -> run starts from the fitted current state: for a GJR-t fit of the S&P 500 (from
arch's bundled data, loaded at test time) the simulated paths start at the last price and
their first step's conditional variance is the fit's one-step-ahead forecast; for a 2-regime
fit the run's initial regime distribution is the fit's one-step-ahead probabilities, that is
the last filtered probabilities times the transition matrix.

The binary is $SCENGINE_BIN (set by `make test`) or, when unset, .build/release/scengine.
"""

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def prices(tmp_path_factory) -> tuple[Path, float]:
    from arch.data import sp500

    close = sp500.load()["Adj Close"].iloc[-1500:]
    path = tmp_path_factory.mktemp("spx") / "spx.csv"
    lines = ["date,SPX"] + [f"{d:%Y-%m-%d},{float(p)!r}" for d, p in close.items()]
    path.write_text("\n".join(lines) + "\n")
    return path, float(close.iloc[-1])


def call(scengine, *args):
    result = subprocess.run([str(scengine), *map(str, args)], capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, timeout=600)
    assert result.returncode == 0, result.stderr
    return result


def test_garch_run_starts_from_last_price_and_forecast_variance(scengine, prices, tmp_path):
    csv, last = prices
    call(scengine, "calibrate", csv, "--model", "gjr", "--innovations", "student_t",
         "--out", tmp_path / "fitted.yaml", "--report", tmp_path / "fit.json")
    report = json.loads((tmp_path / "fit.json").read_text())
    forecast = report["forecast"]["SPX"]["variance_next"]
    call(scengine, "run", tmp_path / "fitted.yaml", "--out", tmp_path / "run", "--paths", "64",
         "--emit", "prices,variance", "--progress", "none")
    p = np.load(tmp_path / "run" / "baseline" / "prices.npy", mmap_mode="r")
    v = np.load(tmp_path / "run" / "baseline" / "variance.npy", mmap_mode="r")
    assert np.all(p[:, 0, 0] == last), f"expected initial price {last}, observed {p[:5, 0, 0]}"
    assert np.allclose(v[:, 0, 0], forecast, rtol=1e-12, atol=0), (
        f"expected first-step variance {forecast}, observed {v[:5, 0, 0]}")


def test_regime_run_starts_from_one_step_ahead_probabilities(scengine, prices, tmp_path):
    csv, last = prices
    call(scengine, "calibrate", csv, "--model", "regime", "--regimes", "2",
         "--out", tmp_path / "fitted.yaml", "--report", tmp_path / "fit.json",
         "--probabilities", tmp_path / "probs.csv")
    rows = (tmp_path / "probs.csv").read_text().splitlines()
    header, final = rows[0].split(","), rows[-1].split(",")
    filtered = np.array([float(final[i]) for i, h in enumerate(header) if h.startswith("filtered_")])
    call(scengine, "run", tmp_path / "fitted.yaml", "--out", tmp_path / "run", "--paths", "64",
         "--progress", "none")
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    transition = np.array(manifest["model"]["transition"])
    initial = np.array(manifest["model"]["initial"])
    expected = filtered @ transition
    assert np.allclose(initial, expected / expected.sum(), rtol=0, atol=1e-12), (
        f"expected initial regime distribution {expected}, observed {initial}")
    p = np.load(tmp_path / "run" / "baseline" / "prices.npy", mmap_mode="r")
    assert np.all(p[:, 0, 0] == last), f"expected initial price {last}, observed {p[:5, 0, 0]}"
