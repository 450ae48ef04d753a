"""scengine against QuantLib (PyPI `QuantLib`), an independent implementation of the same pieces.

* Sobol' points: `scengine sobol --digits` against QuantLib's `SobolRsg` with its `JoeKuoD6`
  direction integers (Joe and Kuo's new-joe-kuo-6.21201, the table scengine uses). QuantLib
  skips the origin and walks the sequence in Gray-code order: its k-th point (k = 1, 2, …) is
  point k ^ (k >> 1) of the natural order that `scengine sobol` prints. QuantLib stops at
  21,200 dimensions, one short of scengine's table.
* Brownian bridge: a run with `sampling: {sobol: …}` of unit-volatility, zero-log-drift GBM
  (μ = σ²/2) writes log returns σ√dt·z; z must equal QuantLib's `BrownianBridge(steps)` applied
  to the normals of the run's Sobol' point (the point's coordinates `level · assets + asset`
  for asset `asset`, mapped by (digit + 0.5) / 2³² and the inverse normal), for every path,
  asset and step: the same construction, to rounding.
* Prices: European calls and puts on the terminal prices of risk-neutral GBM and Merton
  jump-diffusion runs against QuantLib's `AnalyticEuropeanEngine` (Black–Scholes) and
  `BatesEngine` with the variance held constant (Merton's 1976 model by Fourier integration;
  the Python module has no `JumpDiffusionEngine`), each within 4 standard errors of the Monte
  Carlo estimate; and the mean terminal price against the forward.
"""

import subprocess
from pathlib import Path

import numpy as np
import pytest
import QuantLib as ql
from scipy.special import ndtri


def run(scengine: Path, folder: Path, yaml: str) -> Path:
    """Runs the scenario `yaml` into folder/out and returns the output folder."""
    scenario = folder / "s.yaml"
    scenario.write_text(yaml)
    out = folder / "out"
    result = subprocess.run(
        [str(scengine), "run", str(scenario), "--out", str(out), "--progress", "none"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return out


def sobol_digits(scengine: Path, dimensions: int, points: int, *extra) -> np.ndarray:
    """`scengine sobol --digits`: points × dimensions 32-bit digits, natural order."""
    result = subprocess.run(
        [str(scengine), "sobol", "--dimensions", str(dimensions), "--points", str(points),
         "--digits", *map(str, extra)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return np.array(result.stdout.split(), dtype=np.uint64).reshape(points, dimensions)


@pytest.mark.parametrize("dimensions, count", [(1, 1023), (40, 1023), (1111, 127), (21200, 7)])
def test_sobol_points_match_quantlib_joe_kuo(scengine, dimensions, count):
    generator = ql.SobolRsg(dimensions, 0, ql.SobolRsg.JoeKuoD6)
    theirs = np.array([generator.nextInt32Sequence() for _ in range(count)], dtype=np.uint64)
    k = np.arange(1, count + 1)
    natural = k ^ (k >> 1)  # QuantLib's k-th point in scengine's (natural) numbering
    ours = sobol_digits(scengine, dimensions, int(natural.max()) + 1)[natural]
    mismatched = np.argwhere(ours != theirs)
    assert mismatched.size == 0, (
        f"{len(mismatched)} digits differ; first at (QuantLib point {mismatched[0][0] + 1}, "
        f"dimension {mismatched[0][1] + 1}): expected {theirs[tuple(mismatched[0])]}, "
        f"observed {ours[tuple(mismatched[0])]}")


@pytest.mark.parametrize("steps, assets, scramble", [
    (8, 1, "none"), (13, 1, "none"), (252, 1, "owen"), (12, 3, "owen"), (21, 2, "shift"),
])
def test_brownian_bridge_matches_quantlib(scengine, tmp_path, steps, assets, scramble):
    paths = 64
    names = [f"A{a}" for a in range(assets)]
    out = run(scengine, tmp_path, f"""name: bridge
seed: 7
paths: {paths}
time: {{steps: {steps}, dt: 1/{steps}}}
assets: [{", ".join(names)}]
initial: 100
model:
  gbm: {{drift: 0.5, volatility: 1}}
sampling: {{sobol: {{scramble: {scramble}}}}}
output: {{emit: [prices, returns]}}
""")
    z = np.load(out / "base" / "returns.npy") * np.sqrt(steps)  # paths × steps × assets
    # The run's path i is point i when scrambled (keyed by the seed), point i + 1 without.
    first = 1 if scramble == "none" else 0
    digits = sobol_digits(scengine, steps * assets, paths, "--first", first,
                          "--scramble", scramble, "--seed", 7)
    normals = ndtri((digits.astype(np.float64) + 0.5) / 2.0**32)
    bridge = ql.BrownianBridge(steps)
    worst = 0.0
    for i in range(paths):
        for a in range(assets):
            expected = np.array(bridge.transform(list(normals[i, a::assets])))
            worst = max(worst, float(np.max(np.abs(expected - z[i, :, a]))))
    print(f"steps {steps}, assets {assets}, {scramble}: largest |difference| {worst:.3g}")
    assert worst <= 1e-12, (
        f"the run's normals against QuantLib's BrownianBridge: expected agreement within 1e-12, "
        f"observed {worst:.3g}")


RATE, DIVIDEND, VOLATILITY, SPOT, MATURITY = 0.05, 0.02, 0.25, 100.0, 1.0
STRIKES = (80.0, 100.0, 120.0)
MERTON = dict(intensity=0.8, mean=-0.12, stdev=0.15)


def quantlib_prices(jumps: bool) -> dict:
    """QuantLib's prices of the calls and puts of STRIKES, keyed by (type, strike)."""
    today = ql.Date(4, 1, 2027)
    ql.Settings.instance().evaluationDate = today
    day_count = ql.Actual365Fixed()
    expiry = today + ql.Period(365, ql.Days)  # one year of Actual/365
    spot = ql.QuoteHandle(ql.SimpleQuote(SPOT))
    rate = ql.YieldTermStructureHandle(ql.FlatForward(today, RATE, day_count))
    dividend = ql.YieldTermStructureHandle(ql.FlatForward(today, DIVIDEND, day_count))
    vol = ql.BlackVolTermStructureHandle(
        ql.BlackConstantVol(today, ql.NullCalendar(), VOLATILITY, day_count))
    if jumps:
        # Bates (1996) is Heston's stochastic variance plus Merton's log-normal jumps; with the
        # variance held at σ² (v0 = θ = σ², a volatility of variance of 1e-4) it is Merton's
        # model, priced by QuantLib's Fourier integral (within 1e-7 of Merton's series here).
        process = ql.BatesProcess(
            rate, dividend, spot, VOLATILITY**2, 1.0, VOLATILITY**2, 1e-4, 0.0,
            MERTON["intensity"], MERTON["mean"], MERTON["stdev"])
        engine = ql.BatesEngine(ql.BatesModel(process))
    else:
        engine = ql.AnalyticEuropeanEngine(ql.BlackScholesMertonProcess(spot, dividend, rate, vol))
    prices = {}
    for kind, name in ((ql.Option.Call, "call"), (ql.Option.Put, "put")):
        for strike in STRIKES:
            option = ql.VanillaOption(ql.PlainVanillaPayoff(kind, strike),
                                      ql.EuropeanExercise(expiry))
            option.setPricingEngine(engine)
            prices[(name, strike)] = option.NPV()
    return prices


@pytest.mark.parametrize("model", ["gbm", "merton"])
def test_european_prices_match_quantlib(scengine, tmp_path, model):
    paths = 400_000
    jumps = model == "merton"
    body = (f"merton: {{volatility: {VOLATILITY}, jumps: {{intensity: {MERTON['intensity']}, "
            f"mean: {MERTON['mean']}, stdev: {MERTON['stdev']}}}}}" if jumps
            else f"gbm: {{volatility: {VOLATILITY}}}")
    out = run(scengine, tmp_path, f"""name: european
seed: 20261205
paths: {paths}
time: {{steps: 4, dt: 1/4}}
assets: [S]
initial: {SPOT}
measure: {{risk_neutral: {{rate: {RATE}, dividend: {DIVIDEND}}}}}
model: {{{body}}}
output: {{precision: float64, emit: [prices]}}
""")
    terminal = np.load(out / "base" / "prices.npy", mmap_mode="r")[:, -1, 0]
    discount = np.exp(-RATE * MATURITY)
    failures = []
    for (name, strike), expected in quantlib_prices(jumps).items():
        payoff = np.maximum(terminal - strike, 0) if name == "call" else np.maximum(
            strike - terminal, 0)
        price = discount * payoff.mean()
        se = discount * payoff.std(ddof=1) / np.sqrt(paths)
        line = (f"{model} {name} K={strike:g}: QuantLib {expected:.5f}, scengine {price:.5f}, "
                f"SE {se:.5f}, z {(price - expected) / se:+.2f}")
        print(line)
        if abs(price - expected) > 4 * se:
            failures.append(line)
    forward = SPOT * np.exp((RATE - DIVIDEND) * MATURITY)
    mean, se = terminal.mean(), terminal.std(ddof=1) / np.sqrt(paths)
    if abs(mean - forward) > 4 * se:
        failures.append(f"E[S_T]: expected {forward:.5f}, observed {mean:.5f}, SE {se:.5f}")
    assert not failures, "outside 4 SE of QuantLib:\n" + "\n".join(failures)
