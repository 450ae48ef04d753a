"""The statistics of `scengine validate`, computed the way a quant would with numpy and scipy.

Reads a run directory (manifest.json, every variant's prices.npy and summary.json) and a real
price CSV, and computes every figure of report.json as issue 11 defines it: per path and asset
the scalar statistics (moments, Hill tails, quantiles, return ACF, |r| and r^2 ACF sums,
leverage, aggregational kurtosis, maximum drawdown) as arrays over paths, the same for the real
window, the 5/50/95% bands with rank and verdict, the per-lag curves (ACF of |r| and r^2 for lags
1..50, leverage for 1..10), the correlation matrices and their distances, the KS and Wasserstein-1
distances of pooled returns at horizons 1, 5 and 21, the chart data (fan quantiles, histograms,
QQ quantiles, drawdown histogram) and the risk table from summary.json. Vectorised over paths:
one array operation per statistic, no Python loop over paths.

Usage: python peer_validate.py RUN_DIR --real PRICES.csv [--out peer.json]
Prints the compute time (after imports) on stderr as `compute_seconds=...`.
"""

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

SCALARS = [
    ("ann_mean", "moments"), ("ann_vol", "moments"), ("skewness", "moments"),
    ("excess_kurtosis", "moments"), ("hill_left", "tails"), ("hill_right", "tails"),
    ("quantile_01", "tails"), ("quantile_99", "tails"), ("acf_1", "autocorrelation"),
    ("acf_2", "autocorrelation"), ("acf_5", "autocorrelation"), ("acf_10", "autocorrelation"),
    ("acf_20", "autocorrelation"), ("acf_abs_sum", "volatility_clustering"),
    ("acf_sq_sum", "volatility_clustering"), ("leverage_sum", "leverage"),
    ("kurtosis_5", "aggregational"), ("kurtosis_21", "aggregational"),
    ("max_drawdown", "drawdown"),
]
FAN_LEVELS = [0.05, 0.25, 0.5, 0.75, 0.95]
QQ_PROBABILITIES = None  # taken from the engine's report when given (--qq-from), else a grid


def autocorrelation(x: np.ndarray, nlags: int) -> np.ndarray:
    """rho(1..nlags) of each row of x (biased autocovariance over the variance), by FFT."""
    d = x - x.mean(axis=1, keepdims=True)
    n = x.shape[1]
    size = 1 << (2 * n - 1).bit_length()
    f = np.fft.rfft(d, size, axis=1)
    acov = np.fft.irfft(f * np.conj(f), size, axis=1)[:, : nlags + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return acov[:, 1:] / acov[:, :1]


def hill(x: np.ndarray, k: int) -> np.ndarray:
    """Hill index of the upper tail of each row, from its k + 1 largest values."""
    top = -np.sort(-x, axis=1)[:, : k + 1]
    threshold = top[:, k:]
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = k / np.log(top[:, :k] / threshold).sum(axis=1)
    return np.where(threshold[:, 0] > 0, alpha, np.nan)


def leverage(r: np.ndarray, lags: int = 10) -> np.ndarray:
    """corr(r_t, r_{t+k}^2) of each row for k = 1..lags: shape [rows, lags]."""
    out = np.empty((r.shape[0], lags))
    for k in range(1, lags + 1):
        x, y = r[:, :-k], r[:, k:] ** 2
        x = x - x.mean(axis=1, keepdims=True)
        y = y - y.mean(axis=1, keepdims=True)
        out[:, k - 1] = (x * y).sum(1) / np.sqrt((x * x).sum(1) * (y * y).sum(1))
    return out


def aggregate(r: np.ndarray, h: int) -> np.ndarray:
    """Non-overlapping sums of h returns along the last axis, from the first."""
    count = r.shape[-1] // h
    return r[..., : count * h].reshape(*r.shape[:-1], count, h).sum(axis=-1)


def statistics(prices: np.ndarray, dt: float) -> tuple[dict, dict]:
    """Every per-path statistic of the rows of prices [rows, n + 1]."""
    r = np.log(prices[:, 1:] / prices[:, :-1])
    n = r.shape[1]
    k = max(2, int(0.05 * n))
    acf_r = autocorrelation(r, 20)
    acf_abs = autocorrelation(np.abs(r), 50)
    acf_sq = autocorrelation(r * r, 50)
    lev = leverage(r)
    q01, q99 = np.quantile(r, [0.01, 0.99], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        scalars = {
            "ann_mean": r.mean(axis=1) / dt,
            "ann_vol": r.std(axis=1, ddof=1) / math.sqrt(dt),
            "skewness": stats.skew(r, axis=1),
            "excess_kurtosis": stats.kurtosis(r, axis=1),
            "hill_left": hill(-r, k),
            "hill_right": hill(r, k),
            "quantile_01": q01,
            "quantile_99": q99,
            **{f"acf_{lag}": acf_r[:, lag - 1] for lag in (1, 2, 5, 10, 20)},
            "acf_abs_sum": acf_abs.sum(axis=1),
            "acf_sq_sum": acf_sq.sum(axis=1),
            "leverage_sum": lev.sum(axis=1),
            "kurtosis_5": stats.kurtosis(aggregate(r, 5), axis=1),
            "kurtosis_21": stats.kurtosis(aggregate(r, 21), axis=1),
            "max_drawdown": (1 - prices / np.maximum.accumulate(prices, axis=1)).max(axis=1),
        }
    return scalars, {"acf_abs": acf_abs, "acf_sq": acf_sq, "leverage": lev}


def bands(values: np.ndarray, real: np.ndarray | None) -> list[dict]:
    """Bands of the columns of values [paths, k] against real [k]."""
    out = []
    for i in range(values.shape[1]):
        v = values[:, i]
        v = v[np.isfinite(v)]
        x = None if real is None or not np.isfinite(real[i]) else float(real[i])
        median, p05, p95 = np.quantile(v, [0.5, 0.05, 0.95])
        out.append({
            "median": median, "p05": p05, "p95": p95, "defined": len(v), "real": x,
            "rank": None if x is None else stats.percentileofscore(v, x, kind="mean"),
            "inside": None if x is None else bool(p05 <= x <= p95),
        })
    return out


def correlations(returns: np.ndarray) -> np.ndarray:
    """The correlation matrix of each path's returns [paths, n, A]: [paths, A, A]."""
    d = returns - returns.mean(axis=1, keepdims=True)
    cov = np.einsum("pti,ptj->pij", d, d)
    sd = np.sqrt(np.einsum("pii->pi", cov))
    return cov / (sd[:, :, None] * sd[:, None, :])


def histogram(x: np.ndarray, lo: float, hi: float, bins: int):
    edges = np.linspace(lo, hi, bins + 1)
    counts, _ = np.histogram(x, bins=edges)
    return edges, counts / (len(x) * (hi - lo) / bins)


def read_real(path: Path, columns: list[str]):
    """The rows of `columns` without an empty cell, and their first-column labels."""
    header = path.open().readline().strip().split(",")
    use = [header.index(c) for c in columns]
    labels = np.loadtxt(path, delimiter=",", skiprows=1, usecols=0, dtype=str)
    prices = np.genfromtxt(path, delimiter=",", skip_header=1, usecols=use, ndmin=2)
    keep = ~np.isnan(prices).any(axis=1)
    return labels[keep], prices[keep]


def validate(run: Path, real_csv: Path, qq_probabilities) -> dict:
    manifest = json.loads((run / "manifest.json").read_text())
    steps, dt, assets = manifest["steps"], manifest["dt"], manifest["assets"]
    labels, real_prices = read_real(real_csv, assets)
    m = len(real_prices) - 1
    n = min(steps, m)
    real_r = np.log(real_prices[1:] / real_prices[:-1])  # [m, A]
    window = real_prices[-(n + 1):]
    real_stats = [statistics(window[:, a][None, :], dt) for a in range(len(assets))]
    report = {"returns_compared": n, "variants": [], "risk": []}
    first_risk = None
    for variant in [v["name"] for v in manifest["variants"]]:
        mapped = np.load(run / variant / "prices.npy", mmap_mode="r")
        ensemble = min(mapped.shape[0], max(200, 2**23 // ((steps + 1) * len(assets))))
        prices = np.asarray(mapped[:ensemble], dtype=np.float64)  # [N, steps + 1, A]
        report["ensemble_paths"] = ensemble
        returns = np.log(prices[:, 1:] / prices[:, :-1])  # [N, steps, A]
        out = {"name": variant, "assets": [], "inside": 0, "scored": 0}
        for a, asset in enumerate(assets):
            scalars, curves = statistics(prices[:, : n + 1, a], dt)
            real_scalars, real_curves = real_stats[a]
            names = [key for key, _ in SCALARS]
            stat_bands = bands(np.column_stack([scalars[k] for k in names]),
                               np.array([real_scalars[k][0] for k in names]))
            curve_out = [{"name": c, "bands": bands(curves[c], real_curves[c][0])}
                         for c in ("acf_abs", "acf_sq", "leverage")]
            pooled = returns[:, :, a]
            distributions = []
            for h in (1, 5, 21):
                syn, rea = aggregate(pooled, h).ravel(), aggregate(real_r[:, a], h)
                distributions.append({
                    "horizon": h, "real_count": len(rea), "synthetic_count": len(syn),
                    "ks": stats.ks_2samp(rea, syn).statistic,
                    "wasserstein": stats.wasserstein_distance(rea, syn),
                })
            syn, rea = pooled.ravel(), real_r[:, a]
            q_lo, q_hi = np.quantile(syn, [0.0005, 0.9995])
            lo, hi = min(q_lo, rea.min()), max(q_hi, rea.max())
            edges, hist_syn = histogram(syn, lo, hi, 60)
            centres = (edges[1:] + edges[:-1]) / 2
            mean, sd = syn.mean(), syn.std(ddof=1)
            probabilities = (np.asarray(qq_probabilities) if qq_probabilities is not None
                             else (np.arange(1, 200) / 200))
            drawdowns = scalars["max_drawdown"]
            dd_edges, dd_density = histogram(drawdowns, 0.0, drawdowns.max(), 40)
            charts = {
                "fan_levels": FAN_LEVELS,
                "fan": np.quantile(prices[:, :, a], FAN_LEVELS, axis=0),
                "real_history": real_prices[-min(steps + 1, len(real_prices)):, a],
                "histogram_edges": edges, "histogram_synthetic": hist_syn,
                "histogram_real": histogram(rea, lo, hi, 60)[1],
                "histogram_normal": stats.norm.pdf(centres, mean, sd),
                "qq_probabilities": probabilities, "qq_normal": stats.norm.ppf(probabilities),
                "qq_synthetic": np.quantile((syn - mean) / sd, probabilities),
                "qq_real": np.quantile((rea - rea.mean()) / rea.std(ddof=1), probabilities),
                "drawdown_edges": dd_edges, "drawdown_density": dd_density,
            }
            statistics_out = [{"name": k, "group": g, "band": b}
                              for (k, g), b in zip(SCALARS, stat_bands)]
            for b in stat_bands:
                out["scored"] += b["inside"] is not None
                out["inside"] += bool(b["inside"])
            out["assets"].append({"name": asset, "statistics": statistics_out,
                                  "curves": curve_out, "distributions": distributions,
                                  "charts": charts})
        if len(assets) >= 2:
            matrices = correlations(returns[:, :n, :])
            finite = np.isfinite(matrices).all(axis=(1, 2))
            synthetic = matrices[finite].mean(axis=0)
            distances = np.sqrt(((matrices - synthetic) ** 2).sum(axis=(1, 2)))
            real_matrix = np.corrcoef(np.log(window[1:] / window[:-1]), rowvar=False)
            distance = np.sqrt(((real_matrix - synthetic) ** 2).sum())
            b = bands(distances[:, None], np.array([distance]))[0]
            out["correlation"] = {"real": real_matrix, "synthetic": synthetic,
                                  "distance": distance,
                                  "statistic": {"name": "correlation_distance", "band": b}}
            out["scored"] += b["inside"] is not None
            out["inside"] += bool(b["inside"])
        out["score"] = out["inside"] / out["scored"]
        report["variants"].append(out)
        summary = json.loads((run / variant / "summary.json").read_text())
        series = ([("portfolio", summary["portfolio"])] if summary.get("portfolio") else [])
        series += [(a, summary["assets"][a]) for a in assets]
        rows = []
        for name, s in series:
            t, q = s["terminal_return"], s["max_drawdown"]["quantiles"]
            figures = {k: t[k] for k in ("var_95", "var_99", "es_95", "es_99")}
            figures.update({f"max_drawdown_{p}": v for p, v in q.items()})
            rows.append({"series": name, **{k: t[k] for k in ("var_95", "var_99", "es_95",
                                                               "es_99")},
                         "drawdown": q, "figures": figures})
        if first_risk is None:
            first_risk = {r["series"]: r["figures"] for r in rows}
        for r in rows:
            figures = r.pop("figures")
            r["difference"] = {k: v - first_risk[r["series"]][k] for k, v in figures.items()}
        report["risk"].append({"variant": variant, "paths": summary["paths"], "series": rows})
    report["score"] = report["variants"][0]["score"]
    return report


def plain(value):
    """JSON-ready: arrays to lists, numpy scalars to floats, NaN to None."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(value) else float(value)
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--real", type=Path, required=True)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--qq-from", type=Path,
                        help="a report.json whose QQ probabilities to use (for the comparison)")
    args = parser.parse_args()
    qq = None
    if args.qq_from:
        report = json.loads(args.qq_from.read_text())
        qq = report["variants"][0]["assets"][0]["charts"]["qq_probabilities"]
    start = time.perf_counter()
    report = validate(args.run, args.real, qq)
    seconds = time.perf_counter() - start
    if args.out:
        args.out.write_text(json.dumps(plain(report)))
    print(f"compute_seconds={seconds:.6f}", file=sys.stderr)


if __name__ == "__main__":
    main()
