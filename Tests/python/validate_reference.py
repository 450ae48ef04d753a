"""An independent recomputation of `scengine validate`'s report.json with numpy, scipy and statsmodels.

Written from the definitions of issue 11 (one path at a time, with the library function each
definition names), not from the engine's code, so that an agreement to 1e-9 relative means
something. Shared by the test_validate*.py files.

Conventions: r_t = ln(P_t / P_{t-1}); n = min(steps, m) returns compared (the first n of every
path, the last n of the real series); the ensemble is the first N paths of each variant.
"""

import csv
import json
import math
from pathlib import Path

import numpy as np
from scipy import stats
from statsmodels.tsa.stattools import acf

# (key, group) of the scalar statistics, in the report's order.
SCALARS = [
    ("ann_mean", "moments"),
    ("ann_vol", "moments"),
    ("skewness", "moments"),
    ("excess_kurtosis", "moments"),
    ("hill_left", "tails"),
    ("hill_right", "tails"),
    ("quantile_01", "tails"),
    ("quantile_99", "tails"),
    ("acf_1", "autocorrelation"),
    ("acf_2", "autocorrelation"),
    ("acf_5", "autocorrelation"),
    ("acf_10", "autocorrelation"),
    ("acf_20", "autocorrelation"),
    ("acf_abs_sum", "volatility_clustering"),
    ("acf_sq_sum", "volatility_clustering"),
    ("leverage_sum", "leverage"),
    ("kurtosis_5", "aggregational"),
    ("kurtosis_21", "aggregational"),
    ("max_drawdown", "drawdown"),
]
CURVES = {"acf_abs": list(range(1, 51)), "acf_sq": list(range(1, 51)), "leverage": list(range(1, 11))}
HORIZONS = [1, 5, 21]
FAN_LEVELS = [0.05, 0.25, 0.5, 0.75, 0.95]
HISTOGRAM_TAIL = 0.0005
HISTOGRAM_BINS = 60
DRAWDOWN_BINS = 40


def ensemble_size(paths: int, steps: int, assets: int) -> int:
    return min(paths, max(200, (2**23) // ((steps + 1) * assets)))


def log_returns(prices: np.ndarray) -> np.ndarray:
    """r_t = ln(P_t / P_{t-1}) along the first axis."""
    prices = np.asarray(prices, dtype=np.float64)
    return np.log(prices[1:] / prices[:-1])


def rho(x: np.ndarray, nlags: int) -> np.ndarray:
    """Sample autocorrelation at lags 1..nlags (statsmodels, adjusted=False); NaN for a constant."""
    x = np.asarray(x, dtype=np.float64)
    if np.sum((x - x.mean()) ** 2) == 0:
        return np.full(nlags, np.nan)
    return acf(x, nlags=nlags, adjusted=False, fft=False, missing="none")[1:]


def hill(x: np.ndarray, k: int) -> float:
    ordered = np.sort(x)[::-1]
    threshold = ordered[k]
    if not threshold > 0:
        return math.nan
    return k / float(np.sum(np.log(ordered[:k] / threshold)))


def central_moments(x: np.ndarray):
    d = x - x.mean()
    return np.mean(d**2), np.mean(d**3), np.mean(d**4)


def skewness(x: np.ndarray) -> float:
    m2, _, _ = central_moments(x)
    if m2 == 0:
        return math.nan
    return float(stats.skew(x))


def excess_kurtosis(x: np.ndarray) -> float:
    m2, _, _ = central_moments(x)
    if m2 == 0:
        return math.nan
    return float(stats.kurtosis(x))


def aggregate(r: np.ndarray, h: int) -> np.ndarray:
    """Non-overlapping sums of h consecutive returns along the last axis, from the first; a
    trailing part is dropped."""
    count = r.shape[-1] // h
    return r[..., : count * h].reshape(*r.shape[:-1], count, h).sum(axis=-1)


def max_drawdown(prices: np.ndarray) -> float:
    prices = np.asarray(prices, dtype=np.float64)
    return float(np.max(1.0 - prices / np.maximum.accumulate(prices)))


def path_statistics(prices: np.ndarray, dt: float) -> tuple[dict, dict]:
    """The scalar statistics and the curves of one price series P_0..P_n (n returns)."""
    r = log_returns(prices)
    n = len(r)
    out = {}
    out["ann_mean"] = float(np.mean(r) / dt)
    out["ann_vol"] = float(np.std(r, ddof=1) / math.sqrt(dt))
    out["skewness"] = skewness(r)
    out["excess_kurtosis"] = excess_kurtosis(r)
    k = max(2, int(math.floor(0.05 * n)))
    out["hill_left"] = hill(-r, k)
    out["hill_right"] = hill(r, k)
    out["quantile_01"] = float(np.quantile(r, 0.01))
    out["quantile_99"] = float(np.quantile(r, 0.99))
    acf_r = rho(r, 20)
    for lag in (1, 2, 5, 10, 20):
        out[f"acf_{lag}"] = float(acf_r[lag - 1])
    acf_abs = rho(np.abs(r), 50)
    acf_sq = rho(r**2, 50)
    out["acf_abs_sum"] = float(np.sum(acf_abs))
    out["acf_sq_sum"] = float(np.sum(acf_sq))
    leverage = np.array([np.corrcoef(r[:-lag], r[lag:] ** 2)[0, 1] for lag in range(1, 11)])
    out["leverage_sum"] = float(np.sum(leverage))
    out["kurtosis_5"] = excess_kurtosis(aggregate(r, 5))
    out["kurtosis_21"] = excess_kurtosis(aggregate(r, 21))
    out["max_drawdown"] = max_drawdown(prices)
    return out, {"acf_abs": acf_abs, "acf_sq": acf_sq, "leverage": leverage}


_PER_PATH: dict = {}


def per_path_statistics(run_dir: Path, variant: str, prices: np.ndarray, asset: int, n: int,
                        dt: float) -> list:
    """path_statistics of every ensemble path of one asset, kept for the other cases of the same
    run (prices: [N, steps + 1, A] of the run's assets)."""
    key = (str(Path(run_dir).resolve()), variant, asset, n, prices.shape[0])
    if key not in _PER_PATH:
        _PER_PATH[key] = [path_statistics(prices[p, : n + 1, asset], dt)
                          for p in range(prices.shape[0])]
    return _PER_PATH[key]


def band(values, real) -> dict:
    """Median, 5% and 95% of the finite per-path values; the real value's rank and verdict."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if real is not None and not math.isfinite(real):
        real = None
    if len(v) == 0:
        return {"median": None, "p05": None, "p95": None, "defined": 0, "real": real,
                "rank": None, "inside": None}
    median, p05, p95 = (float(q) for q in np.quantile(v, [0.5, 0.05, 0.95]))
    out = {"median": median, "p05": p05, "p95": p95, "defined": int(len(v)), "real": real,
           "rank": None, "inside": None}
    if real is not None:
        out["rank"] = float(stats.percentileofscore(v, real, kind="mean"))
        out["inside"] = bool(p05 <= real <= p95)
    return out


def read_real(csv_path: Path, columns: list[str]) -> tuple[list[str], np.ndarray, int]:
    """The rows of `columns` (first column: the date or index) with no empty cell."""
    labels, rows, dropped = [], [], 0
    with open(csv_path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        index = [header.index(c) for c in columns]
        for row in reader:
            if not row:
                continue
            cells = [row[i].strip() for i in index]
            if any(c == "" for c in cells):
                dropped += 1
                continue
            labels.append(row[0])
            rows.append([float(c) for c in cells])
    return labels, np.asarray(rows, dtype=np.float64), dropped


def histogram(samples: np.ndarray, lo: float, hi: float, bins: int):
    edges = np.linspace(lo, hi, bins + 1)
    counts, _ = np.histogram(samples, bins=edges)
    width = (hi - lo) / bins
    return edges, counts / (len(samples) * width)


def recompute(run_dir: Path, real_csv: Path | None = None, variants: list[str] | None = None,
              columns: list[str] | None = None, qq_probabilities=None) -> dict:
    """Everything report.json says, recomputed. `qq_probabilities`: the report's own (the
    definition leaves their choice to the engine)."""
    manifest = json.loads((Path(run_dir) / "manifest.json").read_text())
    steps, dt = manifest["steps"], float(manifest["dt"])
    assets = manifest["assets"]
    validated = columns or assets
    asset_index = [assets.index(a) for a in validated]
    names = variants or [v["name"] for v in manifest["variants"]]

    real = None
    m = None
    if real_csv is not None:
        labels, real_prices, dropped = read_real(real_csv, validated)
        m = len(real_prices) - 1
        real = {"labels": labels, "prices": real_prices, "dropped": dropped}
    n = steps if m is None else min(steps, m)
    shorter = "synthetic" if m is None or steps < m else ("real" if m < steps else "equal")

    report = {"returns_compared": n, "shorter": shorter, "variants": [], "risk": []}
    if real is not None:
        window = real["prices"][-(n + 1):]
        report["real"] = {
            "columns": validated, "first": real["labels"][0], "last": real["labels"][-1],
            "returns": m, "window_first": real["labels"][-(n + 1)],
            "window_last": real["labels"][-1], "rows_dropped": real["dropped"],
        }
    real_stats = {}
    if real is not None:
        for j, name in enumerate(validated):
            real_stats[name] = path_statistics(real["prices"][-(n + 1):, j], dt)

    first_risk = None
    for variant in names:
        prices_all = np.load(Path(run_dir) / variant / "prices.npy", mmap_mode="r")
        paths = prices_all.shape[0]
        N = ensemble_size(paths, steps, len(validated))
        report["ensemble_paths"] = N
        run_prices = np.asarray(prices_all[:N], dtype=np.float64)
        prices = run_prices[:, :, asset_index]
        variant_out = {"name": variant, "assets": [], "inside": 0, "scored": 0}
        for j, name in enumerate(validated):
            per_path = per_path_statistics(run_dir, variant, run_prices, asset_index[j], n, dt)
            statistics = []
            for key, group in SCALARS:
                real_value = real_stats[name][0][key] if real is not None else None
                b = band([s[key] for s, _ in per_path], real_value)
                statistics.append({"name": key, "group": group, "band": b})
                if b["inside"] is not None:
                    variant_out["scored"] += 1
                    variant_out["inside"] += int(b["inside"])
            curves = []
            for curve, lags in CURVES.items():
                matrix = np.array([c[curve] for _, c in per_path])
                bands = []
                for i in range(len(lags)):
                    real_value = float(real_stats[name][1][curve][i]) if real is not None else None
                    bands.append(band(matrix[:, i], real_value))
                curves.append({"name": curve, "lags": lags, "bands": bands})
            all_returns = log_returns(prices[:, :, j].T).T  # [N, steps]
            distributions = None
            real_returns = log_returns(real["prices"][:, j]) if real is not None else None
            if real is not None:
                distributions = []
                for h in HORIZONS:
                    syn = aggregate(all_returns, h).ravel()
                    rea = aggregate(real_returns, h)
                    distributions.append({
                        "horizon": h, "real_count": len(rea), "synthetic_count": len(syn),
                        "ks": float(stats.ks_2samp(rea, syn).statistic),
                        "wasserstein": float(stats.wasserstein_distance(rea, syn)),
                    })
            charts = charts_of(prices[:, :, j], all_returns, real, j, steps,
                               [s["max_drawdown"] for s, _ in per_path], qq_probabilities)
            variant_out["assets"].append({"name": name, "statistics": statistics,
                                          "curves": curves, "distributions": distributions,
                                          "charts": charts})
        if len(validated) >= 2:
            variant_out["correlation"] = correlation_of(prices, n, real)
            b = variant_out["correlation"]["statistic"]["band"]
            if b["inside"] is not None:
                variant_out["scored"] += 1
                variant_out["inside"] += int(b["inside"])
        else:
            variant_out["correlation"] = None
        variant_out["score"] = (variant_out["inside"] / variant_out["scored"]
                                if real is not None and variant_out["scored"] > 0 else None)
        report["variants"].append(variant_out)

        summary = json.loads((Path(run_dir) / variant / "summary.json").read_text())
        series = []
        if summary.get("portfolio") is not None:
            series.append(("portfolio", summary["portfolio"]))
        series += [(a, summary["assets"][a]) for a in validated]
        risk = {"variant": variant, "paths": summary["paths"], "series": []}
        for label, figures in series:
            t = figures["terminal_return"]
            flat = {"var_95": t["var_95"], "var_99": t["var_99"], "es_95": t["es_95"],
                    "es_99": t["es_99"]}
            for q, value in figures["max_drawdown"]["quantiles"].items():
                flat[f"max_drawdown_{q}"] = value
            risk["series"].append({"series": label, "var_95": t["var_95"], "var_99": t["var_99"],
                                   "es_95": t["es_95"], "es_99": t["es_99"],
                                   "drawdown": dict(figures["max_drawdown"]["quantiles"]),
                                   "flat": flat})
        if first_risk is None:
            first_risk = {s["series"]: s["flat"] for s in risk["series"]}
        for s in risk["series"]:
            base = first_risk[s["series"]]
            s["difference"] = {k: v - base[k] for k, v in s.pop("flat").items()}
        report["risk"].append(risk)
    report["score"] = report["variants"][0]["score"]
    return report


def correlation_of(prices: np.ndarray, n: int, real) -> dict:
    """prices: [N, steps+1, A] of the validated assets."""
    matrices = []
    for p in range(prices.shape[0]):
        r = log_returns(prices[p, : n + 1, :])  # [n, A]
        matrices.append(np.corrcoef(r, rowvar=False))
    matrices = np.array(matrices)
    finite = np.all(np.isfinite(matrices), axis=(1, 2))
    synthetic = matrices[finite].mean(axis=0)
    distances = np.sqrt(np.sum((matrices - synthetic) ** 2, axis=(1, 2)))
    out = {"synthetic": synthetic, "real": None, "distance": None}
    real_distance = None
    if real is not None:
        rr = log_returns(real["prices"][-(n + 1):])
        out["real"] = np.corrcoef(rr, rowvar=False)
        real_distance = float(np.sqrt(np.sum((out["real"] - synthetic) ** 2)))
        out["distance"] = real_distance
    out["statistic"] = {"name": "correlation_distance", "group": "correlation",
                        "band": band(distances, real_distance)}
    return out


def charts_of(prices, all_returns, real, j, steps, drawdowns, qq_probabilities) -> dict:
    """prices: [N, steps+1] of one asset; all_returns: [N, steps]."""
    out = {"fan_levels": FAN_LEVELS, "fan": np.quantile(prices, FAN_LEVELS, axis=0)}
    syn = all_returns.ravel()
    rea = None
    if real is not None:
        rows = len(real["prices"])
        out["real_history"] = real["prices"][-min(steps + 1, rows):, j]
        rea = log_returns(real["prices"][:, j])
    else:
        out["real_history"] = None
    # The range: every real return and the central 99.9% of the pooled synthetic ones.
    lo, hi = np.quantile(syn, [HISTOGRAM_TAIL, 1 - HISTOGRAM_TAIL])
    if rea is not None:
        lo, hi = min(lo, rea.min()), max(hi, rea.max())
    edges, density = histogram(syn, lo, hi, HISTOGRAM_BINS)
    out["histogram_edges"] = edges
    out["histogram_synthetic"] = density
    out["histogram_real"] = histogram(rea, lo, hi, HISTOGRAM_BINS)[1] if rea is not None else None
    centres = (edges[:-1] + edges[1:]) / 2
    out["histogram_normal"] = stats.norm.pdf(centres, loc=syn.mean(), scale=syn.std(ddof=1))
    if qq_probabilities is not None:
        p = np.asarray(qq_probabilities, dtype=np.float64)
        out["qq_probabilities"] = p
        out["qq_normal"] = stats.norm.ppf(p)
        out["qq_synthetic"] = np.quantile((syn - syn.mean()) / syn.std(ddof=1), p)
        out["qq_real"] = (np.quantile((rea - rea.mean()) / rea.std(ddof=1), p)
                          if rea is not None else None)
    d = np.asarray(drawdowns, dtype=np.float64)
    edges, density = histogram(d, 0.0, float(d.max()), DRAWDOWN_BINS)
    out["drawdown_edges"] = edges
    out["drawdown_density"] = density
    return out
