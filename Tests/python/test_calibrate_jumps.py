"""`scengine calibrate --model merton|kou` against a maximum-likelihood fit written here with scipy.

Prices are simulated with numpy (fixed seeds) from known Merton and Kou parameters and written as
a CSV (`date,A`, ISO dates); the binary's fit.json must reach a log-likelihood at least scipy's
best of several starts minus 0.01, with every parameter within a tenth of its standard error of
scipy's estimate. The likelihood here is computed independently of the engine's: Merton's Poisson
mixture of normals, and Kou's mixture of normal-plus-Gamma laws (Kou 2002, Prop. B.1 and B.3)
with the Hh functions from scipy's erfc/erfcx and their recursion (forward where it is stable or
loses few digits, Miller's backward algorithm normalized by erfcx elsewhere).

The Kou fit with scipy takes one to two minutes.

The binary is $SCENGINE_BIN or .build/release/scengine; the tests are skipped while the binary
has no `calibrate` command.
"""

import datetime as _dt
import json
import os
import subprocess
from math import comb
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize, special

REPO = Path(__file__).resolve().parents[2]
DT = 1.0 / 252
TRUNCATION = 1e-12
MAX_JUMPS_PER_STEP = 10.0

MERTON_TRUTH = {"drift": 0.08, "volatility": 0.15, "jumps.intensity": 25.0,
                "jumps.mean": -0.02, "jumps.stdev": 0.03}
KOU_TRUTH = {"drift": 0.06, "volatility": 0.15, "jumps.intensity": 25.0,
             "jumps.up_probability": 0.3, "jumps.up_mean": 0.02, "jumps.down_mean": 0.03}
KEYS = {"merton": ["drift", "volatility", "jumps.intensity", "jumps.mean", "jumps.stdev"],
        "kou": ["drift", "volatility", "jumps.intensity", "jumps.up_probability",
                "jumps.up_mean", "jumps.down_mean"]}


# ---------------------------------------------------------------------------------------------
# Simulation (numpy), per-step log returns of the models as the engine defines them.

def compensator(model, v):
    if model == "merton":
        return np.exp(v[3] + 0.5 * v[4] ** 2) - 1
    p, u, w = v[3], v[4], v[5]
    return p / (1 - u) + (1 - p) / (1 + w) - 1


def simulate_returns(model, truth, n, seed):
    rng = np.random.default_rng(seed)
    v = [truth[k] for k in KEYS[model]]
    mu, sigma, lam = v[0], v[1], v[2]
    c = (mu - lam * compensator(model, v) - 0.5 * sigma ** 2) * DT
    x = c + sigma * np.sqrt(DT) * rng.standard_normal(n)
    counts = rng.poisson(lam * DT, n)
    if model == "merton":
        x += counts * v[3] + np.sqrt(counts) * v[4] * rng.standard_normal(n)
    else:
        total = counts.sum()
        up = rng.random(total) < v[3]
        sizes = np.where(up, rng.exponential(v[4], total), -rng.exponential(v[5], total))
        owner = np.repeat(np.arange(n), counts)
        x += np.bincount(owner, weights=sizes, minlength=n)
    return x


def write_prices(path, returns, start=100.0):
    prices = start * np.exp(np.concatenate([[0.0], np.cumsum(returns)]))
    day = _dt.date(2000, 1, 3)
    lines = ["date,A"]
    for p in prices:
        lines.append(f"{day.isoformat()},{float(p)!r}")
        day += _dt.timedelta(days=1)
        while day.weekday() >= 5:
            day += _dt.timedelta(days=1)
    Path(path).write_text("\n".join(lines) + "\n")
    # The returns the binary sees: log ratios of the written prices.
    return np.diff(np.log(prices))


# ---------------------------------------------------------------------------------------------
# Likelihoods (scipy), independent of the engine's code.

def poisson_weights(mean):
    """P(N = n), n = 0..n_max, truncated where the omitted mass is below 1e-12."""
    if mean <= 0:
        return np.array([1.0])
    n = int(mean + 12 * np.sqrt(mean) + 30)
    pmf = np.exp(special.xlogy(np.arange(n + 1), mean) - mean - special.gammaln(np.arange(n + 1) + 1))
    tail = special.pdtrc(np.arange(n + 1), mean)  # P(N > k)
    keep = int(np.argmax(tail < TRUNCATION))
    return pmf[:keep + 1]


def merton_logpdf(x, v):
    mu, sigma, lam, m, d = v
    c = (mu - lam * compensator("merton", v) - 0.5 * sigma ** 2) * DT
    w = poisson_weights(lam * DT)
    n = np.arange(len(w))[:, None]
    var = sigma ** 2 * DT + n * d * d
    terms = np.log(w)[:, None] - 0.5 * np.log(2 * np.pi * var) - (x[None, :] - c - n * m) ** 2 / (2 * var)
    return special.logsumexp(terms, axis=0)


def kou_sum_weights(n, p, u, w):
    """Kou (2002) Prop. B.1: P_{n,k}, Q_{n,k}, k = 1..n."""
    a, b, q = w / (u + w), u / (u + w), 1 - p
    P, Q = np.zeros(n + 1), np.zeros(n + 1)
    for k in range(1, n):
        for i in range(k, n):
            cc = comb(n - k - 1, i - k) * comb(n, i)
            P[k] += cc * a ** (i - k) * b ** (n - i) * p ** i * q ** (n - i)
            Q[k] += cc * a ** (n - i) * b ** (i - k) * p ** (n - i) * q ** i
    P[n], Q[n] = p ** n, q ** n
    return P, Q


def log_normal_gamma(y, kmax, eta, s):
    """ln density of s Z + Gamma(k, rate eta) at y, k = 1..kmax (rows)."""
    z = eta * s - y / s
    out = np.full((kmax, y.size), -np.inf)
    base = eta ** 2 * s ** 2 / 2 - eta * y
    neg = z < 0
    # z < 0: forward recursion of Hh (positive terms).
    if neg.any():
        zn = z[neg]
        prev = np.exp(-zn ** 2 / 2)
        cur = np.sqrt(np.pi / 2) * special.erfc(zn / np.sqrt(2))
        hh = [cur]
        for n in range(1, kmax):
            prev, cur = cur, (prev - zn * cur) / n
            hh.append(cur)
        for k in range(1, kmax + 1):
            out[k - 1, neg] = base[neg] + np.log(hh[k - 1])
    # z >= 0: G_n(z) = e^{z²/2} Hh_n(z) from G_0 = sqrt(pi/2) erfcx(z/sqrt 2): forward
    # (n G_n = G_{n-2} - z G_{n-1}) for z < 2, where it loses at most about e^{4 sqrt(kmax)};
    # Miller's backward recursion from order kmax + 150, normalized by G_0, above.
    pos = ~neg
    if pos.any():
        zp = z[pos]
        g0 = np.sqrt(np.pi / 2) * special.erfcx(zp / np.sqrt(2))
        g = np.zeros((kmax, zp.size))
        g[0] = g0
        small = zp < 2
        prev, cur = np.ones(small.sum()), g0[small]
        for n in range(1, kmax):
            prev, cur = cur, (prev - zp[small] * cur) / n
            g[n, small] = cur
        big = ~small
        if big.any():
            zb = zp[big]
            top = kmax + 150
            hi, lo = np.zeros(zb.size), np.full(zb.size, 1e-300)  # G_{top+1}, G_top
            for n in range(top, 0, -1):
                # G_{n-1} = (n + 1) G_{n+1} + z G_n
                hi, lo = lo, (n + 1) * hi + zb * lo
                if n - 1 < kmax:
                    g[n - 1, big] = lo
                if n % 4 == 0 and np.any(lo > 1e200):
                    scale = np.maximum(lo, 1e-300)
                    hi, lo = hi / scale, lo / scale
                    g[:, big] /= scale
            g[:, big] *= g0[big] / g[0, big]
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:, pos] = -0.5 * (y[pos] / s) ** 2 + np.log(g)
    k = np.arange(1, kmax + 1)[:, None]
    return out + k * np.log(eta) + (k - 1) * np.log(s) - 0.5 * np.log(2 * np.pi)


def kou_logpdf(x, v):
    mu, sigma, lam, p, u, w = v
    c = (mu - lam * compensator("kou", v) - 0.5 * sigma ** 2) * DT
    s = sigma * np.sqrt(DT)
    y = x - c
    pw = poisson_weights(lam * DT)
    N = len(pw) - 1
    terms = [np.log(pw[0]) - 0.5 * np.log(2 * np.pi) - np.log(s) - 0.5 * (y / s) ** 2]
    if N >= 1:
        A, B = np.zeros(N + 1), np.zeros(N + 1)
        for n in range(1, N + 1):
            P, Q = kou_sum_weights(n, p, u, w)
            A[:n + 1] += pw[n] * P
            B[:n + 1] += pw[n] * Q
        up = log_normal_gamma(y, N, 1 / u, s)
        down = log_normal_gamma(-y, N, 1 / w, s)
        with np.errstate(divide="ignore"):
            terms += list(np.log(A[1:])[:, None] + up) + list(np.log(B[1:])[:, None] + down)
    return special.logsumexp(np.array(terms), axis=0)


def loglik(model, x, v):
    f = merton_logpdf if model == "merton" else kou_logpdf
    return float(np.sum(f(x, v)))


def fit_scipy(model, x):
    """The MLE by L-BFGS-B from several moment-matched starts, on scaled parameters
    [c/sd, sigma sqrt(dt)/sd, lambda dt, jump sizes (log sizes / sd)]."""
    sd = x.std()
    k1, v = x.mean(), x.var()
    k3 = np.mean((x - k1) ** 3)
    k4 = np.mean((x - k1) ** 4) - 3 * v * v
    logsize = [True, True] if model == "merton" else [False, True, True]
    scale = np.array([sd if f else 1.0 for f in logsize])
    if model == "merton":
        jlo, jhi = [-5, 1e-6 * sd], [5, 5]
    else:
        jlo, jhi = [0, 1e-6 * sd, 1e-6 * sd], [1, 0.99, 5]

    def natural(t):
        sigma = t[1] * sd / np.sqrt(DT)
        lam = t[2] / DT
        jumps = list(np.array(t[3:]) * scale)
        vv = [0.0, sigma, lam] + jumps
        vv[0] = t[0] * sd / DT + lam * compensator(model, vv) + 0.5 * sigma ** 2
        return vv

    def objective(t):
        val = -loglik(model, x, natural(t)) / x.size
        return val if np.isfinite(val) else 1e10

    bounds = ([(None, None), (1e-3, 10 * np.sqrt(DT) / sd), (0, MAX_JUMPS_PER_STEP)]
              + [(lo / sc, hi / sc) for lo, hi, sc in zip(jlo, jhi, scale)])
    best = None
    for ell in [0.01, 0.05, 0.2, 0.8]:
        if model == "merton":
            d2 = min(np.sqrt(k4 / (3 * ell)) if k4 > 0 else 0.5 * v / ell, 0.8 * v / ell)
            m = np.clip(k3 / (3 * ell * d2), -np.sqrt(max(0.9 * v / ell - d2, 0)),
                        np.sqrt(max(0.9 * v / ell - d2, 0)))
            jumps, jm, j2 = [m, np.sqrt(d2)], m, m * m + d2
        else:
            a = (k4 / (24 * ell)) ** 0.25 if k4 > 0 else np.sqrt(0.25 * v / ell)
            a = min(a, np.sqrt(0.4 * v / ell))
            p = float(np.clip(0.5 + k3 / (12 * ell * a ** 3), 0.1, 0.9))
            up = min(a, 0.5)
            jumps, jm, j2 = [p, up, a], p * up - (1 - p) * a, 2 * (p * up ** 2 + (1 - p) * a ** 2)
        diff = max(v - ell * j2, 0.1 * v)
        t0 = [(k1 - ell * jm) / sd, np.sqrt(diff) / sd, ell] + list(np.array(jumps) / scale)
        t0 = [min(max(t, lo if lo is not None else -np.inf), hi if hi is not None else np.inf)
              for t, (lo, hi) in zip(t0, bounds)]
        r = optimize.minimize(objective, t0, method="L-BFGS-B", bounds=bounds,
                              options={"ftol": 1e-14, "gtol": 1e-10, "maxiter": 2000})
        if best is None or r.fun < best.fun:
            best = r
    v_hat = natural(best.x)
    return {"parameters": dict(zip(KEYS[model], v_hat)), "loglik": loglik(model, x, v_hat)}


# ---------------------------------------------------------------------------------------------
# The comparison (also used by a local harness).

def compare(model, report_asset, reference, se_fraction=0.1):
    """Problems of the binary's fit against scipy's (empty when it agrees)."""
    problems = []
    ll = report_asset["loglik"]
    if ll < reference["loglik"] - 0.01:
        problems.append(f"loglik {ll} below scipy's {reference['loglik']} - 0.01")
    for key in KEYS[model]:
        p = report_asset["parameters"][key]
        ref = reference["parameters"][key]
        se = p.get("std_error")
        if se is None:
            # No standard error: only for an estimate on a bound, which scipy must share.
            if abs(p["estimate"] - ref) > 1e-6 * max(1, abs(ref)):
                problems.append(f"{key}: {p['estimate']} (on a bound) against scipy's {ref}")
            continue
        if abs(p["estimate"] - ref) > se_fraction * se:
            problems.append(
                f"{key}: {p['estimate']} against scipy's {ref}, tolerance {se_fraction} SE = "
                f"{se_fraction * se}")
    return problems


# ---------------------------------------------------------------------------------------------
# The tests.

@pytest.mark.parametrize("model,truth,seed", [("merton", MERTON_TRUTH, 1976),
                                              ("kou", KOU_TRUTH, 2002)])
def test_calibrate_matches_a_scipy_fit_of_the_same_likelihood(scengine, tmp_path, model, truth,
                                                               seed):
    x = write_prices(tmp_path / "prices.csv", simulate_returns(model, truth, 3000, seed))
    report = tmp_path / "fit.json"
    result = subprocess.run(
        [str(scengine), "calibrate", str(tmp_path / "prices.csv"), "--model", model,
         "--report", str(report), "--out", str(tmp_path / "fitted.yaml")],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)
    assert result.returncode == 0, result.stderr
    fit = json.loads(report.read_text())
    assert fit["model"] == model
    asset = fit["assets"]["A"]
    assert asset["nobs"] == 3000
    reference = fit_scipy(model, x)
    # The binary's likelihood at its own estimate is the likelihood written here.
    own = {k: asset["parameters"][k]["estimate"] for k in KEYS[model]}
    assert abs(loglik(model, x, [own[k] for k in KEYS[model]]) - asset["loglik"]) < 1e-6 * abs(
        asset["loglik"]), "the binary's log-likelihood differs from the one written here"
    problems = compare(model, asset, reference)
    assert not problems, "; ".join(problems)
    # The truth within 3 standard errors.
    for key, value in truth.items():
        p = asset["parameters"][key]
        assert p["std_error"] is not None and abs(p["estimate"] - value) <= 3 * p["std_error"], (
            f"{key}: truth {value}, estimate {p['estimate']}, SE {p['std_error']}")
