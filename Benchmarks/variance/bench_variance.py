"""Variance reduction of the scenario key `sampling`: a European call priced from `scengine run`.

The option: a one-year at-the-money European call, S0 = K = 100, under risk-neutral GBM with
r = 5% and sigma = 20% a year (`measure: {risk_neutral: {rate: 0.05}}`, so the simulated drift
is r), simulated on 252 daily steps of dt = 1/252 (T = 252 dt = 1 year). Its Black–Scholes
price, S0 Phi(d1) - K e^{-rT} Phi(d2) = 10.450583572185565, is computed here (and checked
against that constant). The Monte Carlo price of a run is e^{-rT} mean(max(S_T - K, 0)) over
the terminal column of its prices.npy (time index 252).

Methods (the scenario's `sampling`): plain Monte Carlo (no key), `{antithetic: true}` (paths
2i and 2i+1 draw opposite normal shocks), `{sobol: {scramble: owen}}` and
`{sobol: {scramble: shift}}` (randomized Sobol' points with the Brownian bridge, point i for
path i, the scrambling keyed by the seed). For each path count (--paths) and each of --seeds
seeds, one `scengine run --paths N --seed S --threads T --progress none` per method, the methods
in turn, into a temporary folder (--dir) that is removed after each run; the time is the wall
clock of the whole process (start, simulation, the NPY file and its SHA-256, the risk summary,
the manifest). Reported per method and path count:

* RMSE: the root mean square of (price - Black–Scholes) over the seeds, and plain / method;
* for plain and antithetic also the RMSE that the runs' own spread predicts, pooled over the
  seeds: sd(payoff) / sqrt(N) for plain, sd(mean of pair 2i, 2i+1) / sqrt(N / 2) for
  antithetic (pairs are independent). It estimates the same RMSE with a standard error of a
  few percent, where 20 seeds leave about 16% on an RMSE (about 22% on a ratio of two);
* the mean run time, the product RMSE x time, and its improvement plain / method (the same
  accuracy in less time: time to reach a given error scales as (RMSE x time)^2 / time).

Acceptance lines, at 65,536 paths: RMSE plain / antithetic >= 1.3 (judged on the pooled
per-path estimate, the over-seeds ratio printed beside it), plain / Sobol (owen) >= 20 over
the seeds (shift reported too), and each method's RMSE x time improvement over plain.

By hand: `Benchmarks/.venv/bin/python variance/bench_variance.py --bin .build/release/scengine
[--threads 2] [--seeds 20] [--paths 1024 4096 16384 65536 262144] [--dir DIR]`;
`make bench-variance` builds the CLI and runs it.
"""

import argparse
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SPOT = STRIKE = 100.0
RATE = 0.05
VOLATILITY = 0.2
STEPS = 252
MATURITY = STEPS * (1 / STEPS)  # the scenario's grid: 252 steps of dt = 1/252 years
BLACK_SCHOLES = 10.450583572185565
FIRST_SEED = 20261203
TARGET_PATHS = 65536
TARGETS = {"antithetic": 1.3, "sobol owen": 20.0}

# Method -> the scenario's `sampling` value (None: the key is absent, plain Monte Carlo).
METHODS = {
    "plain": None,
    "antithetic": "{antithetic: true}",
    "sobol owen": "{sobol: {scramble: owen}}",
    "sobol shift": "{sobol: {scramble: shift}}",
}

SCENARIO = """name: variance-call
description: One-year at-the-money call under risk-neutral GBM ({method}).
seed: {seed}
paths: 1024
time: {{steps: {steps}, dt: 1/{steps}}}
assets: [S]
initial: {spot!r}
model:
  gbm: {{drift: {rate!r}, volatility: {volatility!r}}}
measure: {{risk_neutral: {{rate: {rate!r}}}}}
{sampling}output: {{format: npy, precision: float64, emit: [prices]}}
"""


def normal_cdf(x):
    """Phi(x) = erfc(-x / sqrt(2)) / 2."""
    return 0.5 * math.erfc(-x / math.sqrt(2))


def black_scholes_call(spot, strike, rate, volatility, maturity):
    """S0 Phi(d1) - K e^{-rT} Phi(d2), d1 = (ln(S0 / K) + (r + sigma^2 / 2) T) / (sigma sqrt(T)),
    d2 = d1 - sigma sqrt(T) (Black and Scholes 1973; Hull, Options, Futures and Other
    Derivatives, ch. 15)."""
    root = volatility * math.sqrt(maturity)
    d1 = (math.log(spot / strike) + (rate + 0.5 * volatility**2) * maturity) / root
    return spot * normal_cdf(d1) - strike * math.exp(-rate * maturity) * normal_cdf(d1 - root)


def scenario_text(method, seed=FIRST_SEED, steps=STEPS):
    """The scenario of `method` (a key of METHODS)."""
    sampling = METHODS[method]
    return SCENARIO.format(
        method=method, seed=seed, steps=steps, spot=SPOT, rate=RATE, volatility=VOLATILITY,
        sampling="" if sampling is None else f"sampling: {sampling}\n")


def discounted_payoffs(prices_file):
    """e^{-rT} max(S_T - K, 0) of every path of a prices.npy (its last time index)."""
    terminal = np.load(prices_file, mmap_mode="r")[:, -1, 0]
    return math.exp(-RATE * MATURITY) * np.maximum(terminal - STRIKE, 0.0)


def predicted_square_error(method, payoffs):
    """The squared standard error of the price that the run's own spread predicts: plain
    var(payoff) / N, antithetic var(pair mean) / (N / 2); None for Sobol' (its points are not
    independent)."""
    if method == "plain":
        return payoffs.var(ddof=1) / len(payoffs)
    if method == "antithetic":
        pairs = payoffs[: len(payoffs) // 2 * 2].reshape(-1, 2).mean(axis=1)
        return pairs.var(ddof=1) / len(pairs)
    return None


def run_once(binary, scenario, out, paths, seed, threads):
    """One `scengine run`: its wall-clock seconds and the discounted payoffs of its paths."""
    command = [str(binary), "run", str(scenario), "--out", str(out), "--paths", str(paths),
               "--seed", str(seed), "--threads", str(threads), "--progress", "none"]
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with status {result.returncode}:\n"
                         f"{result.stderr.strip()}")
    payoffs = discounted_payoffs(out / "base" / "prices.npy")
    shutil.rmtree(out)
    return seconds, payoffs


def check_sampling(binary, folder):
    """Stops with a clear message when the binary does not accept the `sampling` key."""
    for method in METHODS:
        scenario = folder / "check.yaml"
        scenario.write_text(scenario_text(method))
        result = subprocess.run([str(binary), "check", str(scenario)], capture_output=True,
                                text=True)
        if result.returncode != 0:
            raise SystemExit(f"{binary} refuses the scenario of '{method}' (sampling: "
                             f"{METHODS[method]}); does it know the `sampling` key?\n"
                             f"{result.stderr.strip()}")


def measure(binary, folder, sizes, seeds, threads):
    """Every method at every path count and seed, the methods in turn within a seed; returns
    {(method, paths): {"prices": [...], "seconds": [...], "predicted": [...]}}."""
    scenarios = {}
    for method in METHODS:
        scenarios[method] = folder / f"{method.replace(' ', '-')}.yaml"
        scenarios[method].write_text(scenario_text(method))
    results = {(m, n): {"prices": [], "seconds": [], "predicted": []}
               for n in sizes for m in METHODS}
    for paths in sizes:
        for k, seed in enumerate(range(FIRST_SEED, FIRST_SEED + seeds)):
            for method in METHODS:
                seconds, payoffs = run_once(binary, scenarios[method], folder / "out", paths,
                                            seed, threads)
                cell = results[(method, paths)]
                cell["prices"].append(float(payoffs.mean()))
                cell["seconds"].append(seconds)
                square = predicted_square_error(method, payoffs)
                if square is not None:
                    cell["predicted"].append(square)
            print(f"{paths} paths: seed {k + 1}/{seeds}", file=sys.stderr, flush=True)
    return results


def rmse(prices):
    """sqrt(mean((price - Black–Scholes)^2))."""
    return math.sqrt(statistics.fmean((p - BLACK_SCHOLES) ** 2 for p in prices))


def summarise(results):
    """Adds RMSE, the pooled predicted RMSE, the mean time and RMSE x time to every cell."""
    for cell in results.values():
        cell["rmse"] = rmse(cell["prices"])
        cell["bias"] = statistics.fmean(cell["prices"]) - BLACK_SCHOLES
        cell["pooled"] = (math.sqrt(statistics.fmean(cell["predicted"]))
                          if cell["predicted"] else None)
        cell["time"] = statistics.fmean(cell["seconds"])
        cell["product"] = cell["rmse"] * cell["time"]


def print_table(title, header, lines):
    """`lines` under `header`, the first column left-aligned, the others right-aligned."""
    widths = [max(len(line[i]) for line in [header] + lines) for i in range(len(header))]
    rule = "-" * (sum(widths) + 3 * (len(widths) - 1))
    print(title)
    print(rule)
    for line in [header] + lines:
        print(" | ".join(text.ljust(w) if i == 0 else text.rjust(w)
                         for i, (text, w) in enumerate(zip(line, widths))))
        if line is header:
            print(rule)
    print(rule)


def report(results, sizes, seeds, threads, binary):
    """The tables and the acceptance lines."""
    header = ("method", *(f"{n:,} paths" for n in sizes))
    print(f"European call, S0 = K = {SPOT:g}, r = {RATE:.0%}, sigma = {VOLATILITY:.0%}, T = 1 "
          f"year on {STEPS} steps; Black–Scholes {BLACK_SCHOLES!r}; {seeds} seeds per cell; "
          f"`{binary} run --threads {threads}`")
    print_table(
        "RMSE of the price over the seeds (plain / method):", header,
        [(method, *(f"{results[(method, n)]['rmse']:.2e}" + (
            "" if method == "plain" else
            f" ({results[('plain', n)]['rmse'] / results[(method, n)]['rmse']:.1f}x)")
            for n in sizes)) for method in METHODS])
    print_table(
        "RMSE predicted by the runs' own spread, pooled over the seeds (plain / antithetic):",
        header,
        [(method, *(f"{results[(method, n)]['pooled']:.2e}" + (
            "" if method == "plain" else
            f" ({results[('plain', n)]['pooled'] / results[(method, n)]['pooled']:.2f}x)")
            for n in sizes)) for method in ("plain", "antithetic")])
    print_table(
        "mean bias of the price over the seeds (mean price - Black–Scholes):", header,
        [(method, *(f"{results[(method, n)]['bias']:+.1e}" for n in sizes))
         for method in METHODS])
    print_table("mean run time, seconds:", header,
                [(method, *(f"{results[(method, n)]['time']:.3f}" for n in sizes))
                 for method in METHODS])
    print_table(
        "RMSE x time (improvement plain / method):", header,
        [(method, *(f"{results[(method, n)]['product']:.2e}" + (
            "" if method == "plain" else
            f" ({results[('plain', n)]['product'] / results[(method, n)]['product']:.1f}x)")
            for n in sizes)) for method in METHODS])

    n = TARGET_PATHS if TARGET_PATHS in sizes else max(sizes)
    plain = results[("plain", n)]
    anti = results[("antithetic", n)]
    pooled = plain["pooled"] / anti["pooled"]
    over_seeds = plain["rmse"] / anti["rmse"]
    target = TARGETS["antithetic"]
    print(f"at {n:,} paths: RMSE plain / antithetic {pooled:.2f} from the runs' spread "
          f"(over the {seeds} seeds {over_seeds:.2f}, +-{over_seeds / math.sqrt(seeds):.2f}), "
          f"target >= {target}: {'met' if pooled >= target else 'NOT met'}")
    for method in ("sobol owen", "sobol shift"):
        ratio = plain["rmse"] / results[(method, n)]["rmse"]
        line = f"at {n:,} paths: RMSE plain / {method} {ratio:.1f} over the {seeds} seeds"
        if method in TARGETS:
            line += f", target >= {TARGETS[method]:g}: " + (
                "met" if ratio >= TARGETS[method] else "NOT met")
        print(line)
    for method in list(METHODS)[1:]:
        cell = results[(method, n)]
        pooled_product = ""
        if cell["pooled"] is not None:
            gain = plain["pooled"] * plain["time"] / (cell["pooled"] * cell["time"])
            pooled_product = f", {gain:.2f} from the runs' spread"
        print(f"at {n:,} paths: RMSE x time plain / {method} "
              f"{plain['product'] / cell['product']:.1f} over the seeds{pooled_product} (time "
              f"{cell['time']:.3f} s against {plain['time']:.3f} s)")
    if n != TARGET_PATHS:
        print(f"(the targets are stated at {TARGET_PATHS:,} paths; the largest count run was "
              f"{n:,})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", type=Path, required=True, help="the scengine binary")
    parser.add_argument("--threads", type=int, default=2, help="scengine run --threads")
    parser.add_argument("--seeds", type=int, default=20, help="seeds per method and path count")
    parser.add_argument("--paths", type=int, nargs="+", default=[1024, 4096, 16384, 65536],
                        help="path counts (even, for antithetic pairs)")
    parser.add_argument("--dir", type=Path, help="where the temporary folder goes")
    args = parser.parse_args()
    if any(n < 2 or n % 2 for n in args.paths):
        parser.error("--paths must be even numbers of at least 2")
    if args.seeds < 2:
        parser.error("--seeds must be at least 2")
    price = black_scholes_call(SPOT, STRIKE, RATE, VOLATILITY, MATURITY)
    if abs(price - BLACK_SCHOLES) > 1e-12:
        raise SystemExit(f"Black–Scholes price {price!r}, expected {BLACK_SCHOLES!r}")
    folder = Path(tempfile.mkdtemp(prefix="scengine-variance-", dir=args.dir))
    try:
        check_sampling(args.bin, folder)
        results = measure(args.bin, folder, sorted(args.paths), args.seeds, args.threads)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    summarise(results)
    report(results, sorted(args.paths), args.seeds, args.threads, args.bin)


if __name__ == "__main__":
    main()
