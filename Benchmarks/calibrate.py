"""Times `scengine calibrate` against the peers that quants fit these models with: arch's
`arch_model(...).fit()` for a GARCH(1,1) with Student-t innovations and statsmodels'
`MarkovRegression(..., switching_variance=True).fit()` for two regimes, on the same 5,000
returns, side by side in one run (the rounds alternate the sides).

Fit against fit: the scengine figure is the fit's own wall time as `calibrate` records it in
fit.json (`seconds`: every start, the standard errors, the forecasts), the peers' the fit call
alone in a warm Python process (their import and data preparation are not counted). The whole
command as a user runs it (a fresh process that reads the CSV, fits, checks that `run` accepts
the fitted scenario and writes fitted.yaml and fit.json) is printed beside it. Each row also prints both log-likelihoods, so that the speed is that of reaching the
same optimum. One thread each (OPENBLAS_NUM_THREADS=1 and friends are set before numpy loads).

Usage: .venv/bin/python calibrate.py --bin PATH/TO/scengine [--rounds 5]
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[name] = "1"

import numpy as np  # noqa: E402


def business_days(n, start=datetime.date(2005, 1, 3)):
    days, d = [], start
    while len(days) < n:
        if d.weekday() < 5:
            days.append(d.isoformat())
        d += datetime.timedelta(days=1)
    return days


def write_prices(path, returns):
    prices = 100.0 * np.exp(np.concatenate([[0.0], np.cumsum(returns)]))
    with open(path, "w") as f:
        f.write("date,A\n")
        for day, p in zip(business_days(len(prices)), prices):
            f.write(f"{day},{float(p)!r}\n")


def garch_t_returns(n, seed):
    """GARCH(1,1)-t per-step decimal returns: sigma2' = w + a e^2 + b sigma2, nu = 6."""
    rng = np.random.default_rng(seed)
    omega, alpha, beta, nu, mu = 2e-6, 0.08, 0.9, 6.0, 3e-4
    z = rng.standard_t(nu, n) / np.sqrt(nu / (nu - 2))
    r = np.empty(n)
    s2 = omega / (1 - alpha - beta)
    for t in range(n):
        e = np.sqrt(s2) * z[t]
        r[t] = mu + e
        s2 = omega + alpha * e * e + beta * s2
    return r


def regime_returns(n, seed):
    """Two Gaussian regimes: calm (0.05%, 0.7% a day) and stressed (-0.1%, 2% a day)."""
    rng = np.random.default_rng(seed)
    p = np.array([[0.99, 0.01], [0.03, 0.97]])
    mean, sd = np.array([5e-4, -1e-3]), np.array([0.007, 0.02])
    s, r = 0, np.empty(n)
    for t in range(n):
        s = 0 if rng.random() < p[s, 0] else 1
        r[t] = mean[s] + sd[s] * rng.standard_normal()
    return r


def time_scengine(binary, csv, args, folder):
    start = time.perf_counter()
    subprocess.run(
        [binary, "calibrate", csv, *args, "--out", f"{folder}/fitted.yaml",
         "--report", f"{folder}/fit.json"],
        check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    with open(f"{folder}/fit.json") as f:
        report = json.load(f)
    return elapsed, report["seconds"], report["loglik"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    warnings.simplefilter("ignore")
    from arch import arch_model
    import arch
    import statsmodels
    from statsmodels.tsa.regime_switching.markov_regression import MarkovRegression

    n = 5000
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        cases = []
        r = garch_t_returns(n, 7)
        write_prices(f"{folder}/garch.csv", r)

        def arch_fit(r=r):
            res = arch_model(100 * r, mean="Constant", vol="GARCH", p=1, q=1, dist="t").fit(
                disp="off")
            # The loglik of the decimal returns: the density scales by 1/100 per return.
            return res.loglikelihood + len(r) * np.log(100.0)

        cases.append(("GARCH(1,1)-t, 5,000 returns", f"{folder}/garch.csv",
                      ["--model", "garch", "--innovations", "student_t"],
                      f"arch {arch.__version__} arch_model(dist='t').fit()", arch_fit))
        q = regime_returns(n, 11)
        write_prices(f"{folder}/regime.csv", q)

        def markov_fit(q=q):
            res = MarkovRegression(q, k_regimes=2, trend="c", switching_variance=True).fit()
            return res.llf

        cases.append(("2-regime Markov switching, 5,000 returns", f"{folder}/regime.csv",
                      ["--model", "regime", "--regimes", "2"],
                      f"statsmodels {statsmodels.__version__} MarkovRegression.fit()",
                      markov_fit))
        for name, csv, args, peer_name, peer in cases:
            ours, command, theirs, ll_ours, ll_theirs = [], [], [], None, None
            time_scengine(options.bin, csv, args, folder)  # warm-up
            peer()
            for k in range(options.rounds):
                sides = ["scengine", "peer"] if k % 2 == 0 else ["peer", "scengine"]
                for side in sides:
                    if side == "scengine":
                        whole, fit, ll_ours = time_scengine(options.bin, csv, args, folder)
                        ours.append(fit)
                        command.append(whole)
                    else:
                        start = time.perf_counter()
                        ll_theirs = peer()
                        theirs.append(time.perf_counter() - start)
            rows.append((name, peer_name, statistics.median(ours), min(ours), max(ours),
                         statistics.median(theirs), min(theirs), max(theirs), ll_ours,
                         ll_theirs, statistics.median(command)))
    print(f"scengine calibrate vs its peers, {options.rounds} rounds per side after a warm-up, "
          f"sides alternating; {os.uname().nodename} ({os.cpu_count()} cores), "
          f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
    print("-" * 170)
    print(f"{'fit':40} | {'scengine fit s: median (min-max)':32} | {'peer':44} | "
          f"{'peer s':22} | {'speed-up':8} | {'command s':9} | loglik scengine / peer")
    print("-" * 170)
    for name, peer_name, m, lo, hi, pm, plo, phi, ll, pll, whole in rows:
        print(f"{name:40} | {m:8.4f} ({lo:.4f}-{hi:.4f}){'':8} | {peer_name:44} | "
              f"{pm:.4f} ({plo:.3f}-{phi:.3f}) | {pm / m:7.1f}x | {whole:9.4f} | "
              f"{ll:.3f} / {pll:.3f}")
    print("-" * 170)
    slow = [r[0] for r in rows if r[5] / r[2] < 5]
    print("target (at least 5x the peer):", "met" if not slow else "NOT met for " + ", ".join(slow))


if __name__ == "__main__":
    sys.exit(main())
