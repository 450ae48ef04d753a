"""Variance reduction of the scenario key `sampling`, through the binary.

`sampling: {antithetic: true}` makes paths 2i and 2i+1 draw opposite normal shocks;
`sampling: {sobol: {scramble: owen | shift}}` draws path i's shocks from point i of a
randomized Sobol' sequence through the Brownian bridge, the scrambling keyed by the seed.
The option priced here: a one-year at-the-money European call, S0 = K = 100, under
risk-neutral GBM with r = 5% and sigma = 20% (`measure: {risk_neutral: {rate: 0.05}}`), on 16
steps of dt = 1/16 (T = 1), from the terminal prices: e^{-rT} mean(max(S_T - K, 0)) against
Black–Scholes 10.450583572185565 (the exact GBM step has no discretisation bias).

* Antithetic: the RMSE that the runs' own spread predicts (pooled over 20 seeds of 16,384
  paths: sd(payoff) / sqrt(N) for plain, sd(pair mean) / sqrt(N / 2) for antithetic, a few
  percent of standard error) is at least 1.2 times lower (the theory for this payoff: 1.41);
  each method's price is unbiased and its RMSE over the seeds agrees with the prediction.
* Sobol': the RMSE over 20 seeds of 16,384 paths at least 10 times (owen) or 5 times (shift)
  below plain Monte Carlo's.
* Antithetic pairs: with emit [prices, returns], the log returns of paths 2i and 2i+1 add up
  to twice the step's log drift (mu - sigma^2/2) dt: exact negatives when mu = sigma^2/2.
* Reproducibility: the same files with 1 and 2 threads and from 3 merged shards (whose
  boundaries split antithetic pairs); Sobol' with the same seed gives the same file, with
  another seed other prices.

Every test first checks that the binary accepts the key, and fails (never skips) with a clear
message when it does not.
"""

import hashlib
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import chi2

RATE = 0.05
VOLATILITY = 0.2
STEPS = 16
PATHS = 16384
SEEDS = range(20261203, 20261203 + 20)
BLACK_SCHOLES = 10.450583572185565

SAMPLINGS = {
    "plain": None,
    "antithetic": "{antithetic: true}",
    "sobol owen": "{sobol: {scramble: owen}}",
    "sobol shift": "{sobol: {scramble: shift}}",
}


def scenario(sampling, *, drift=RATE, volatility=VOLATILITY, steps=STEPS, paths=PATHS,
             measure="{risk_neutral: {rate: 0.05}}", emit="[prices]", assets=("S",)):
    """A GBM scenario with `sampling` (a value of SAMPLINGS) on `steps` steps of 1/steps."""
    key = "" if sampling is None else f"sampling: {sampling}\n"
    return f"""name: sampling
seed: 1
paths: {paths}
time: {{steps: {steps}, dt: 1/{steps}}}
assets: [{", ".join(assets)}]
initial: 100.0
model:
  gbm: {{drift: {drift!r}, volatility: {volatility!r}}}
measure: {measure}
{key}output: {{format: npy, precision: float64, emit: {emit}}}
"""


def run(scengine, path, *arguments):
    """`scengine ARGUMENTS`, failing the test with its stderr when it fails."""
    result = subprocess.run([str(scengine), *map(str, arguments)], capture_output=True,
                            text=True)
    if result.returncode != 0:
        pytest.fail(f"scengine {' '.join(map(str, arguments))} exited {result.returncode}:\n"
                    f"{result.stderr}")
    return result


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def black_scholes_call(spot, strike, rate, volatility, maturity):
    """S0 Phi(d1) - K e^{-rT} Phi(d2) (Black and Scholes 1973)."""
    root = volatility * math.sqrt(maturity)
    d1 = (math.log(spot / strike) + (rate + 0.5 * volatility**2) * maturity) / root
    phi = lambda x: 0.5 * math.erfc(-x / math.sqrt(2))  # noqa: E731
    return spot * phi(d1) - strike * math.exp(-rate * maturity) * phi(d1 - root)


@pytest.fixture(scope="module")
def sampling_scengine(scengine, tmp_path_factory):
    """The binary, once it has accepted every `sampling` value (`scengine check`)."""
    folder = tmp_path_factory.mktemp("check")
    for name, sampling in SAMPLINGS.items():
        if sampling is None:
            continue
        path = folder / f"{name.replace(' ', '-')}.yaml"
        path.write_text(scenario(sampling))
        result = subprocess.run([str(scengine), "check", str(path)], capture_output=True,
                                text=True)
        if result.returncode != 0:
            pytest.fail(f"{scengine} refuses `sampling: {sampling}` ({name}); does this binary "
                        f"implement the scenario key `sampling`?\n{result.stderr.strip()}")
    return scengine


@pytest.fixture(scope="module")
def call_prices(sampling_scengine, tmp_path_factory):
    """For every sampling: the price of every seed, and for plain and antithetic the square of
    the standard error that each run's own spread predicts."""
    folder = tmp_path_factory.mktemp("call")
    discount = math.exp(-RATE * 1.0)
    results = {}
    for name, sampling in SAMPLINGS.items():
        path = folder / f"{name.replace(' ', '-')}.yaml"
        path.write_text(scenario(sampling))
        prices, squares = [], []
        for seed in SEEDS:
            out = folder / "out"
            run(sampling_scengine, path, "run", path, "--out", out, "--seed", seed,
                "--threads", 2, "--progress", "none")
            terminal = np.load(out / "base" / "prices.npy")[:, -1, 0]
            payoffs = discount * np.maximum(terminal - 100.0, 0.0)
            prices.append(payoffs.mean())
            if name == "plain":
                squares.append(payoffs.var(ddof=1) / len(payoffs))
            elif name == "antithetic":
                pairs = payoffs.reshape(-1, 2).mean(axis=1)
                squares.append(pairs.var(ddof=1) / len(pairs))
            shutil.rmtree(out)
        results[name] = {"prices": np.array(prices), "squares": np.array(squares)}
    return results


def rmse(prices):
    return float(np.sqrt(np.mean((prices - BLACK_SCHOLES) ** 2)))


def test_black_scholes_reference():
    price = black_scholes_call(100.0, 100.0, RATE, VOLATILITY, 1.0)
    print(f"Black–Scholes: expected {BLACK_SCHOLES!r}, computed {price!r}")
    assert abs(price - BLACK_SCHOLES) < 1e-12


@pytest.mark.parametrize("name", ["plain", "antithetic"])
def test_monte_carlo_prices_are_unbiased_with_the_predicted_error(call_prices, name):
    """Mean price within 4 standard errors of Black–Scholes; the RMSE over the seeds within
    the 1e-4 and 1 - 1e-4 chi-square(20) bounds of the predicted one."""
    prices, squares = call_prices[name]["prices"], call_prices[name]["squares"]
    predicted = math.sqrt(squares.mean())
    bias, tolerance = prices.mean() - BLACK_SCHOLES, 4 * predicted / math.sqrt(len(prices))
    print(f"{name}: mean price {prices.mean():.5f}, expected {BLACK_SCHOLES:.5f}, "
          f"difference {bias:+.5f}, tolerance {tolerance:.5f}")
    assert abs(bias) <= tolerance
    n = len(prices)
    low, high = (math.sqrt(chi2.ppf(q, n) / n) * predicted for q in (1e-4, 1 - 1e-4))
    observed = rmse(prices)
    print(f"{name}: RMSE over {n} seeds {observed:.5f}, predicted {predicted:.5f}, "
          f"bounds [{low:.5f}, {high:.5f}]")
    assert low <= observed <= high


def test_antithetic_lowers_the_error(call_prices):
    plain = math.sqrt(call_prices["plain"]["squares"].mean())
    antithetic = math.sqrt(call_prices["antithetic"]["squares"].mean())
    over_seeds = rmse(call_prices["plain"]["prices"]) / rmse(call_prices["antithetic"]["prices"])
    print(f"RMSE plain / antithetic from the runs' spread: observed {plain / antithetic:.3f}, "
          f"expected about 1.41, required >= 1.2 (over the seeds: {over_seeds:.2f})")
    assert plain / antithetic >= 1.2


@pytest.mark.parametrize("name, factor", [("sobol owen", 10), ("sobol shift", 5)])
def test_sobol_lowers_the_error(call_prices, name, factor):
    """Sobol' RMSE over the seeds against plain Monte Carlo's predicted RMSE (a few percent of
    standard error; the seeds' own plain RMSE is printed beside it)."""
    plain = math.sqrt(call_prices["plain"]["squares"].mean())
    observed = rmse(call_prices[name]["prices"])
    print(f"{name}: RMSE {observed:.2e} over {len(SEEDS)} seeds, plain {plain:.2e} "
          f"(over the seeds {rmse(call_prices['plain']['prices']):.2e}); plain / {name} "
          f"{plain / observed:.1f}, required >= {factor}")
    assert plain / observed >= factor


@pytest.mark.parametrize("drift", [0.03125, 0.05])
def test_antithetic_pairs_mirror_each_other(sampling_scengine, tmp_path, drift):
    """Log returns of paths 2i and 2i+1 add up to 2 (mu - sigma^2/2) dt: 0 for mu = sigma^2/2
    (sigma = 0.25, mu = 0.03125, both exact in binary), under the real-world measure."""
    volatility, steps = 0.25, 16
    path = tmp_path / "pairs.yaml"
    path.write_text(scenario(SAMPLINGS["antithetic"], drift=drift, volatility=volatility,
                             steps=steps, paths=64, measure="real_world",
                             emit="[prices, returns]", assets=("A", "B")))
    run(sampling_scengine, path, "run", path, "--out", tmp_path / "out", "--progress", "none")
    returns = np.load(tmp_path / "out" / "base" / "returns.npy")
    assert returns.shape == (64, steps, 2)
    step_drift = (drift - 0.5 * volatility**2) * (1 / steps)
    sums = returns[0::2] + returns[1::2]
    worst = float(np.abs(sums - 2 * step_drift).max())
    print(f"mu {drift}: r(2i) + r(2i+1) expected {2 * step_drift!r}, worst difference "
          f"{worst:.1e}, tolerance 1e-13")
    assert worst <= 1e-13
    assert not np.array_equal(returns[0::2], returns[1::2])


@pytest.mark.parametrize("name", ["antithetic", "sobol owen", "sobol shift"])
def test_same_files_whatever_the_threads_and_shards(sampling_scengine, tmp_path, name):
    """1 thread, 2 threads, and 3 shards (paths 0-332, 333-665, 666-999: the boundaries split
    antithetic pairs) merged: the same prices.npy and returns.npy."""
    path = tmp_path / "scenario.yaml"
    path.write_text(scenario(SAMPLINGS[name], paths=1000, emit="[prices, returns]",
                             assets=("A", "B", "C")))
    outputs = {}
    for threads in (1, 2):
        out = tmp_path / f"threads-{threads}"
        run(sampling_scengine, path, "run", path, "--out", out, "--threads", threads,
            "--progress", "none")
        outputs[f"{threads} thread(s)"] = out
    shards = []
    for k in range(3):
        shards.append(tmp_path / f"shard-{k}")
        run(sampling_scengine, path, "run", path, "--out", shards[-1], "--shard", f"{k}/3",
            "--threads", 2, "--progress", "none")
    run(sampling_scengine, path, "merge", tmp_path / "merged", *shards)
    outputs["3 shards merged"] = tmp_path / "merged"
    for file in ("prices.npy", "returns.npy"):
        hashes = {label: sha256(out / "base" / file) for label, out in outputs.items()}
        print(f"{name} {file}: {hashes}")
        assert len(set(hashes.values())) == 1


@pytest.mark.parametrize("name", ["sobol owen", "sobol shift"])
def test_sobol_scrambling_is_keyed_by_the_seed(sampling_scengine, tmp_path, name):
    path = tmp_path / "scenario.yaml"
    path.write_text(scenario(SAMPLINGS[name], paths=256))
    files = {}
    for label, seed in (("first", 7), ("again", 7), ("other", 8)):
        out = tmp_path / label
        run(sampling_scengine, path, "run", path, "--out", out, "--seed", seed,
            "--progress", "none")
        files[label] = out / "base" / "prices.npy"
    print(f"{name}: " + ", ".join(f"{label} {sha256(f)[:16]}" for label, f in files.items()))
    assert sha256(files["first"]) == sha256(files["again"])
    first, other = np.load(files["first"]), np.load(files["other"])
    equal = float(np.mean(first[:, 1:] == other[:, 1:]))
    print(f"{name}: share of equal prices after time 0 with seeds 7 and 8: {equal:.4f}, "
          f"required < 0.01")
    assert equal < 0.01
