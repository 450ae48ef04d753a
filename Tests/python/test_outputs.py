"""The files of `scengine run`, read the way a backtesting harness reads them: numpy, hashlib, json.

The binary is $SCENGINE_BIN (set by `make test`) or, when unset, .build/release/scengine in the
repository. A missing binary fails the tests; nothing is skipped.
"""

import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "Scenarios" / "quickstart.yaml"
PATHS = 300


@pytest.fixture(scope="module")
def run_dir(scengine, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("quickstart") / "out"
    result = subprocess.run(
        [str(scengine), "run", str(QUICKSTART), "--out", str(out), "--paths", str(PATHS),
         "--progress", "none"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def manifest(run_dir) -> dict:
    return json.loads((run_dir / "manifest.json").read_text())


def npy_records(manifest):
    return [f for f in manifest["files"] if f["path"].endswith(".npy")]


def test_arrays_open_memory_mapped_with_the_manifest_shape_and_dtype(run_dir, manifest):
    records = npy_records(manifest)
    assert {r["path"] for r in records} == {
        f"{v}/{s}.npy" for v in ("baseline", "selloff") for s in ("prices", "returns")
    }
    for record in records:
        array = np.load(run_dir / record["path"], mmap_mode="r")
        assert isinstance(array, np.memmap)
        assert list(array.shape) == record["shape"]
        assert array.dtype.str == record["dtype"]
        assert array.flags["C_CONTIGUOUS"]
    prices = np.load(run_dir / "baseline" / "prices.npy", mmap_mode="r")
    assert prices.shape == (PATHS, manifest["steps"] + 1, len(manifest["assets"]))
    assert np.all(prices[:, 0, :] == np.asarray(manifest["initial"]))
    assert np.all(np.isfinite(prices)) and np.all(prices > 0)


def test_every_file_matches_its_sha256(run_dir, manifest):
    listed = {f["path"] for f in manifest["files"]}
    on_disk = {
        str(p.relative_to(run_dir)) for p in run_dir.rglob("*") if p.is_file()
    } - {"manifest.json"}
    assert listed == on_disk
    for record in manifest["files"]:
        data = (run_dir / record["path"]).read_bytes()
        assert len(data) == record["bytes"], record["path"]
        assert hashlib.sha256(data).hexdigest() == record["sha256"], record["path"]


def test_returns_are_the_log_price_differences(run_dir):
    for variant in ("baseline", "selloff"):
        prices = np.load(run_dir / variant / "prices.npy", mmap_mode="r")
        returns = np.load(run_dir / variant / "returns.npy", mmap_mode="r")
        np.testing.assert_allclose(returns, np.diff(np.log(prices), axis=1), rtol=0, atol=1e-12)


def expected_figures(terminal: np.ndarray) -> dict:
    """VaR and ES as Sources/Risk/ReturnDistributionSummary.swift documents them.

    VaR_a = -quantile(r, 1 - a) (numpy's default linear method); ES_a = minus the mean of the
    k = max(1, floor(N (1 - a))) smallest returns.
    """
    ordered = np.sort(terminal)
    n = len(ordered)

    def shortfall(tail_percent):
        k = max(1, n * tail_percent // 100)
        return -ordered[:k].mean()

    return {
        "mean": terminal.mean(),
        "standard_deviation": terminal.std(ddof=1),
        "var_95": -np.quantile(terminal, 0.05),
        "var_99": -np.quantile(terminal, 0.01),
        "es_95": shortfall(5),
        "es_99": shortfall(1),
    }


@pytest.mark.parametrize("variant", ["baseline", "selloff"])
def test_summary_risk_figures_match_a_numpy_recomputation(run_dir, manifest, variant):
    prices = np.load(run_dir / variant / "prices.npy")
    summary = json.loads((run_dir / variant / "summary.json").read_text())
    assert summary["paths"] == PATHS
    weights = np.asarray(manifest["portfolio"])
    relative = prices / prices[:, :1, :]
    value = (relative * weights).sum(axis=2)
    portfolio_returns = value[:, -1] / value[:, 0] - 1
    series = {"portfolio": portfolio_returns}
    for a, name in enumerate(manifest["assets"]):
        series[name] = prices[:, -1, a] / prices[:, 0, a] - 1
    for name, terminal in series.items():
        reported = (summary["portfolio"] if name == "portfolio" else summary["assets"][name])[
            "terminal_return"
        ]
        for key, expected in expected_figures(terminal).items():
            assert reported[key] == pytest.approx(expected, abs=1e-9), f"{variant} {name} {key}"
        assert reported["es_95"] >= reported["var_95"]


def first_stressed_step(scengine, variant):
    """The planner's first stressed step of `variant`, from `scengine check`."""
    result = subprocess.run(
        [str(scengine), "check", str(QUICKSTART)], capture_output=True, text=True,
        stdin=subprocess.DEVNULL, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    block = result.stdout.split(f"\n  {variant}", 1)[1]
    return int(re.search(r"first stressed step: (\d+)", block).group(1))


def test_stressed_and_baseline_paths_agree_before_the_first_stressed_step(scengine, run_dir):
    k = first_stressed_step(scengine, "selloff")
    assert k == 21
    baseline = np.load(run_dir / "baseline" / "prices.npy", mmap_mode="r")
    stressed = np.load(run_dir / "selloff" / "prices.npy", mmap_mode="r")
    # Step k moves prices from time index k - 1 to k: indices 0 .. k-1 are untouched.
    assert np.array_equal(baseline[:, :k, :], stressed[:, :k, :])
    assert not np.array_equal(baseline[:, k, :], stressed[:, k, :])


@pytest.mark.parametrize("cpus", ["one", "all"])
def test_default_threads_are_the_processors_the_process_may_use(scengine, tmp_path, cpus):
    """Without --threads a run uses the CPUs of its affinity mask (a Slurm allocation, a cpuset,
    `taskset`), as `nproc` counts them, not every core of the machine."""
    mask = os.sched_getaffinity(0)
    allowed = {min(mask)} if cpus == "one" else mask
    out = tmp_path / "out"
    result = subprocess.run(
        [str(scengine), "run", str(QUICKSTART), "--out", str(out), "--paths", "40",
         "--progress", "none"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300,
        preexec_fn=lambda: os.sched_setaffinity(0, allowed),
    )
    assert result.returncode == 0, result.stderr
    threads = json.loads((out / "manifest.json").read_text())["threads"]
    assert threads == min(len(allowed), 1024), (
        f"expected {min(len(allowed), 1024)} threads on CPUs {sorted(allowed)}, got {threads}")


def run_quickstart(scengine, out: Path, *options) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(scengine), "run", str(QUICKSTART), "--out", str(out), "--progress", "none",
         *options],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)
    assert result.returncode == 0, result.stderr
    return result


def test_float32_csv_holds_the_float32_npy_prices(scengine, tmp_path):
    """`--format csv --precision float32` prints each price rounded to float32, the shortest
    text of that float: read as float32 it is the float32 NPY file, value for value."""
    csv_run = run_quickstart(scengine, tmp_path / "csv", "--paths", "40", "--format", "csv",
                             "--precision", "float32")
    run_quickstart(scengine, tmp_path / "npy", "--paths", "40", "--precision", "float32")
    # The file emits returns too, which CSV cannot hold: said on standard error.
    assert "note: --format csv writes prices only: output.emit's returns not written" in (
        csv_run.stderr), csv_run.stderr
    npy = np.load(tmp_path / "npy" / "baseline" / "prices.npy")
    assets = json.loads((tmp_path / "csv" / "manifest.json").read_text())["assets"]
    rows = (tmp_path / "csv" / "baseline" / "prices.csv").read_text().splitlines()[1:]
    texts = [row.rsplit(",", 1)[1] for row in rows]
    assert max(len(t) for t in texts) <= 15, "float32 prices need at most 9 significant digits"
    csv = np.array(texts, dtype=np.float32).reshape(npy.shape[0], npy.shape[1], len(assets))
    assert np.array_equal(csv, npy), "CSV prices read as float32 differ from the float32 NPY"


def test_one_path_summary_has_null_for_the_undefined_standard_deviation(scengine, tmp_path):
    run_quickstart(scengine, tmp_path / "one", "--paths", "1")
    summary = json.loads((tmp_path / "one" / "baseline" / "summary.json").read_text())
    text = (tmp_path / "one" / "baseline" / "summary.json").read_text()
    assert "NaN" not in text, "summary.json must hold JSON numbers or null, not the string NaN"
    figures = summary["assets"]["EQ"]["terminal_return"]
    assert figures["standard_deviation"] is None
    assert isinstance(figures["var_99"], float)
