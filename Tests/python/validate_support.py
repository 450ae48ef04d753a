"""Fixtures' plumbing for the test_validate*.py files: the binary, scenarios, price CSVs, and a
comparison of report.json with its recomputation that names what differs."""

import datetime
import json
import math
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
RTOL = 1e-9
ATOL = 1e-12


def scengine_binary() -> Path:
    binary = Path(os.environ.get("SCENGINE_BIN") or REPO / ".build" / "release" / "scengine")
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(f"scengine binary not found at {binary}; build it or set SCENGINE_BIN")
    probe = subprocess.run([str(binary), "validate", "--help"], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=60)
    if probe.returncode != 0:
        pytest.skip("this scengine has no validate command")
    return binary


def scengine(binary: Path, *args, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=timeout)


def run_scenario(binary: Path, scenario: Path, out: Path, *args) -> Path:
    result = scengine(binary, "run", scenario, "--out", out, "--progress", "none", *args)
    assert result.returncode == 0, result.stderr
    return out


def validate(binary: Path, run: Path, out: Path, *args) -> dict:
    result = scengine(binary, "validate", run, "--out", out, *args)
    assert result.returncode == 0, f"scengine validate {run} {' '.join(map(str, args))}: " + (
        result.stderr)
    assert (out / "report.html").is_file(), "report.html was not written"
    return json.loads((out / "report.json").read_text())


def business_days(count: int, start=datetime.date(2006, 1, 2)) -> list[str]:
    days, d = [], start
    while len(days) < count:
        if d.weekday() < 5:
            days.append(d.isoformat())
        d += datetime.timedelta(days=1)
    return days


def garch_t_prices(rows: int, assets: int, seed: int, correlation: float = 0.3) -> np.ndarray:
    """Prices from a GARCH(1,1) with Student-t (nu = 5) shocks, correlated across assets."""
    rng = np.random.default_rng(seed)
    nu = 5.0
    chol = np.linalg.cholesky(np.full((assets, assets), correlation)
                              + (1 - correlation) * np.eye(assets))
    z = rng.standard_normal((rows - 1, assets)) @ chol.T
    z *= np.sqrt((nu - 2) / rng.chisquare(nu, (rows - 1, 1)))
    omega, alpha, beta = 2e-6 * np.linspace(1, 0.3, assets), 0.08, 0.9
    s2 = omega / (1 - alpha - beta)
    r = np.empty_like(z)
    for t in range(rows - 1):
        r[t] = 2e-4 + np.sqrt(s2) * z[t]
        s2 = omega + alpha * (r[t] - 2e-4) ** 2 + beta * s2
    start = np.linspace(100, 60, assets)
    return start * np.exp(np.vstack([np.zeros(assets), np.cumsum(r, axis=0)]))


def write_csv(path: Path, columns: list[str], prices: np.ndarray, labels: list[str] | None = None,
              blank: dict | None = None) -> Path:
    """A price CSV `date,A,B,...`; `blank` = {row: column} leaves those cells empty."""
    labels = labels or business_days(len(prices))
    with path.open("w") as f:
        f.write(",".join(["date", *columns]) + "\n")
        for i, (label, row) in enumerate(zip(labels, prices)):
            cells = [repr(float(x)) for x in row]
            if blank and i in blank:
                cells[columns.index(blank[i])] = ""
            f.write(",".join([label, *cells]) + "\n")
    return path


def plain(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


def differences(expected, observed, where: str = "report") -> list[str]:
    """Every place where observed (report.json) differs from expected (the recomputation):
    numbers to RTOL relative (ATOL absolute near 0), NaN matching null (or an absent key), the
    rest exactly."""
    expected = plain(expected)
    out = []
    if isinstance(expected, dict):
        if not isinstance(observed, dict):
            return [f"{where}: expected an object, observed {observed!r:.80}"]
        for key, value in expected.items():
            if key not in observed:
                if plain(value) is None:
                    continue  # an absent optional reads as null
                out.append(f"{where}.{key}: missing (expected {plain(value)!r:.80})")
            else:
                out += differences(value, observed[key], f"{where}.{key}")
        return out
    if isinstance(expected, (list, tuple)):
        if not isinstance(observed, list) or len(observed) != len(expected):
            return [f"{where}: expected {len(expected)} items, observed "
                    f"{len(observed) if isinstance(observed, list) else repr(observed)}"]
        for i, (e, o) in enumerate(zip(expected, observed)):
            out += differences(e, o, f"{where}[{i}]")
        return out
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return [] if observed is None else [f"{where}: expected null, observed {observed!r}"]
    if isinstance(expected, bool) or isinstance(expected, str):
        return [] if observed == expected else [
            f"{where}: expected {expected!r}, observed {observed!r}"]
    if isinstance(expected, int) and not isinstance(observed, bool) and isinstance(observed, int):
        return [] if observed == expected else [
            f"{where}: expected {expected}, observed {observed}"]
    if not isinstance(observed, (int, float)) or isinstance(observed, bool):
        return [f"{where}: expected {expected!r}, observed {observed!r}"]
    if math.isclose(observed, expected, rel_tol=RTOL, abs_tol=ATOL):
        return []
    relative = abs(observed - expected) / max(abs(expected), 1e-300)
    return [f"{where}: expected {expected!r}, observed {observed!r} (relative difference "
            f"{relative:.3g}, tolerance {RTOL:g} relative, {ATOL:g} absolute)"]


def assert_same(expected, observed, where: str = "report", show: int = 25):
    found = differences(expected, observed, where)
    if found:
        more = f"\n... and {len(found) - show} more" if len(found) > show else ""
        pytest.fail(f"{len(found)} figure(s) differ from the recomputation:\n"
                    + "\n".join(found[:show]) + more)
