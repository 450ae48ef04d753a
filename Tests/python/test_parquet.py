"""`scengine run --format parquet`, read by the readers a data team uses: pyarrow, polars, DuckDB.

The same scenario and seed run to NPY and to Parquet must give the same values; the file's
metadata must show the promised row groups (a fixed number of paths each, in path order) with
min/max statistics that let a reader skip row groups on a `path` filter; DuckDB's 99% VaR of the
terminal portfolio return must equal summary.json; and the bytes must not depend on the thread
count or block size.

The binary is $SCENGINE_BIN or, when unset, .build/release/scengine in the repository.
"""

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "Scenarios" / "quickstart.yaml"
# Prices and returns of 3 assets with dates: 64 bytes a row, so 2^25 / (64 × 253) = 2072 paths
# a row group (ParquetPathLayout.pathsPerRowGroup): 5000 paths make 3 row groups.
PATHS = 5000
PATHS_PER_GROUP = 2072


def run(scengine, out, *extra):
    result = subprocess.run(
        [str(scengine), "run", str(QUICKSTART), "--out", str(out), "--paths", str(PATHS),
         "--progress", "none", "--emit", "prices,returns", *extra],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return json.loads((out / "manifest.json").read_text())


@pytest.fixture(scope="module")
def runs(scengine, tmp_path_factory):
    base = tmp_path_factory.mktemp("parquet")
    npy = base / "npy"
    parquet = base / "parquet"
    run(scengine, npy, "--format", "npy")
    manifest = run(scengine, parquet, "--format", "parquet", "--threads", "2")
    return npy, parquet, manifest


def npy_arrays(npy, variant):
    prices = np.load(npy / variant / "prices.npy")
    returns = np.load(npy / variant / "returns.npy")
    return prices, returns


def check_table(columns, manifest, prices, returns):
    """`columns` maps column names to numpy arrays (nulls as NaN) in file row order."""
    steps = manifest["steps"]
    rows = PATHS * (steps + 1)
    assert np.array_equal(columns["path"], np.repeat(np.arange(PATHS), steps + 1))
    assert np.array_equal(columns["step"], np.tile(np.arange(steps + 1), PATHS))
    dates = np.array(manifest["dates"], dtype="datetime64[D]")
    assert np.array_equal(columns["date"].astype("datetime64[D]"), np.tile(dates, PATHS))
    for a, asset in enumerate(manifest["assets"]):
        assert columns[asset].shape == (rows,)
        assert np.array_equal(columns[asset].reshape(PATHS, steps + 1), prices[:, :, a])
        r = columns[f"return_{asset}"].reshape(PATHS, steps + 1)
        assert np.all(np.isnan(r[:, 0]))
        assert np.array_equal(r[:, 1:], returns[:, :, a])


@pytest.mark.parametrize("variant", ["baseline", "selloff"])
def test_pyarrow_polars_and_duckdb_read_the_npy_values(runs, variant):
    npy, parquet, manifest = runs
    prices, returns = npy_arrays(npy, variant)
    file = parquet / variant / "paths.parquet"

    table = pq.read_table(file)
    assert table.schema.field("path").type == pa.int64()
    assert table.schema.field("step").type == pa.int32()
    assert table.schema.field("date").type == pa.date32()
    assert table.schema.field("EQ").type == pa.float64()
    assert not table.schema.field("EQ").nullable and table.schema.field("return_EQ").nullable
    check_table(
        {n: table.column(n).to_numpy(zero_copy_only=False) for n in table.column_names},
        manifest, prices, returns)

    frame = pl.read_parquet(file)
    assert frame.schema["date"] == pl.Date
    check_table(
        {n: frame[n].to_numpy() for n in frame.columns}, manifest, prices, returns)

    fetched = duckdb.sql(f"SELECT * FROM read_parquet('{file}') ORDER BY path, step").fetchnumpy()
    check_table(
        {n: np.ma.filled(v, np.nan) if np.ma.isMaskedArray(v) else np.asarray(v)
         for n, v in fetched.items()},
        manifest, prices, returns)


def test_manifest_lists_rows_schema_and_sha256(runs):
    _, parquet, manifest = runs
    records = [f for f in manifest["files"] if f["path"].endswith(".parquet")]
    assert [r["path"] for r in records] == ["baseline/paths.parquet", "selloff/paths.parquet"]
    for record in records:
        data = (parquet / record["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == record["sha256"]
        assert len(data) == record["bytes"]
        assert record["rows"] == PATHS * (manifest["steps"] + 1)
        names = [c["name"] for c in record["schema"]]
        assert names == pq.read_schema(parquet / record["path"]).names
        assert record["dtype"] is None and record["shape"] is None
    assert manifest["output"]["format"] == "parquet"


def test_row_groups_and_statistics(runs):
    npy, parquet, manifest = runs
    steps = manifest["steps"]
    prices, returns = npy_arrays(npy, "baseline")
    meta = pq.ParquetFile(parquet / "baseline" / "paths.parquet").metadata
    assert meta.num_rows == PATHS * (steps + 1)
    assert meta.created_by == "scengine version " + manifest["version"]
    starts = list(range(0, PATHS, PATHS_PER_GROUP))
    assert meta.num_row_groups == len(starts)
    names = meta.schema.names
    for g, first in enumerate(starts):
        last = min(first + PATHS_PER_GROUP, PATHS) - 1
        group = meta.row_group(g)
        assert group.num_rows == (last - first + 1) * (steps + 1)
        for c, name in enumerate(names):
            stats = group.column(c).statistics
            assert stats is not None and stats.has_min_max, name
            if name == "path":
                assert (stats.min, stats.max, stats.null_count) == (first, last, 0)
            elif name == "step":
                assert (stats.min, stats.max) == (0, steps)
            elif name in manifest["assets"]:
                values = prices[first:last + 1, :, manifest["assets"].index(name)]
                assert (stats.min, stats.max, stats.null_count) == (values.min(), values.max(), 0)
            elif name.startswith("return_"):
                values = returns[first:last + 1, :, manifest["assets"].index(name[7:])]
                assert (stats.min, stats.max) == (values.min(), values.max())
                assert stats.null_count == last - first + 1


def test_path_filters_read_only_the_needed_row_groups(runs):
    _, parquet, _ = runs
    file = parquet / "baseline" / "paths.parquet"
    (fragment,) = ds.dataset(file, format="parquet").get_fragments()
    lo, hi = PATHS_PER_GROUP + 10, PATHS_PER_GROUP + 20
    kept = fragment.subset(filter=(ds.field("path") >= lo) & (ds.field("path") <= hi))
    assert [g.id for g in kept.row_groups] == [1]
    kept = fragment.subset(filter=ds.field("path") < 5)
    assert [g.id for g in kept.row_groups] == [0]
    count = duckdb.sql(
        f"SELECT count(*), min(path), max(path) FROM read_parquet('{file}') "
        f"WHERE path BETWEEN {lo} AND {hi}").fetchall()[0]
    assert count == ((hi - lo + 1) * 253, lo, hi)


@pytest.mark.parametrize("variant", ["baseline", "selloff"])
def test_duckdb_var99_of_the_terminal_portfolio_equals_summary(runs, variant):
    _, parquet, manifest = runs
    file = parquet / variant / "paths.parquet"
    weights = dict(zip(manifest["assets"], manifest["portfolio"]))
    value = " + ".join(f'{w!r} * t."{a}" / s."{a}"' for a, w in weights.items())
    (var99,) = duckdb.sql(
        f"SELECT -quantile_cont(r, 0.01) FROM ("
        f"  SELECT {value} - 1 AS r FROM read_parquet('{file}') t"
        f"  JOIN read_parquet('{file}') s ON s.path = t.path AND s.step = 0"
        f"  WHERE t.step = {manifest['steps']})").fetchall()[0]
    summary = json.loads((parquet / variant / "summary.json").read_text())
    assert var99 == pytest.approx(summary["portfolio"]["terminal_return"]["var_99"], abs=1e-12)


def test_same_bytes_for_any_thread_count_and_block_size(scengine, runs, tmp_path):
    _, parquet, _ = runs
    expected = (parquet / "baseline" / "paths.parquet").read_bytes()
    for extra in (["--threads", "1"], ["--threads", "2", "--block-size", "77"]):
        out = tmp_path / "-".join(extra)
        run(scengine, out, "--format", "parquet", "--variant", "baseline", *extra)
        assert (out / "baseline" / "paths.parquet").read_bytes() == expected, extra


SERIES_COLUMNS = {"returns": "return_{}", "variance": "variance_{}", "jumps": "jumps_{}"}


@pytest.mark.parametrize(
    "scenario, emit, precision",
    [
        ("crisis-2008-regime", "prices,returns,regimes", "float64"),
        ("flash-crash-jumps", "prices,jumps", "float32"),
        ("volatility-clustering-garch", "prices,returns,variance", "float32"),
    ],
)
def test_latent_series_and_float32_match_npy(scengine, tmp_path, scenario, emit, precision):
    """Every emitted series, in its own column per asset (null at step 0), equals the NPY array;
    float32 prices are FLOAT columns holding the NPY file's float32 values."""
    paths = 40
    outs = {}
    for fmt in ("npy", "parquet"):
        outs[fmt] = tmp_path / fmt
        result = subprocess.run(
            [str(scengine), "run", str(REPO / "Scenarios" / f"{scenario}.yaml"), "--out",
             str(outs[fmt]), "--paths", str(paths), "--progress", "none", "--emit", emit,
             "--precision", precision, "--format", fmt, "--variant", "baseline"],
            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300,
        )
        assert result.returncode == 0, result.stderr
    manifest = json.loads((outs["parquet"] / "manifest.json").read_text())
    steps, assets = manifest["steps"], manifest["assets"]
    table = pq.read_table(outs["parquet"] / "baseline" / "paths.parquet")
    real = pa.float32() if precision == "float32" else pa.float64()
    prices = np.load(outs["npy"] / "baseline" / "prices.npy")
    for a, asset in enumerate(assets):
        assert table.schema.field(asset).type == real
        column = table.column(asset).to_numpy().reshape(paths, steps + 1)
        assert column.dtype == prices.dtype and np.array_equal(column, prices[:, :, a])
    for series in emit.split(",")[1:]:
        array = np.load(outs["npy"] / "baseline" / f"{series}.npy")
        if series == "regimes":
            assert table.schema.field("regime").type == pa.uint8()
            column = table.column("regime").to_numpy(zero_copy_only=False)
            values = column.reshape(paths, steps + 1)
            assert np.all(np.isnan(values[:, 0]))
            assert np.array_equal(values[:, 1:], array)
            continue
        for a, asset in enumerate(assets):
            name = SERIES_COLUMNS[series].format(asset)
            column = table.column(name)
            assert column.null_count == paths
            values = column.to_numpy(zero_copy_only=False).reshape(paths, steps + 1)
            assert np.all(np.isnan(values[:, 0]))
            assert np.array_equal(values[:, 1:], array[:, :, a])
    polars_frame = pl.read_parquet(outs["parquet"] / "baseline" / "paths.parquet")
    assert polars_frame.columns == table.column_names
    assert polars_frame.height == paths * (steps + 1)


def test_zstd_pages_hold_the_same_table(scengine, runs, tmp_path):
    """`--compression zstd`: every column chunk is ZSTD-compressed, pyarrow, polars and DuckDB
    read exactly the uncompressed file's table (nulls included), the statistics are those of
    the uncompressed file, the manifest says so, and the bytes do not depend on the thread
    count or block size."""
    _, parquet, _ = runs
    plain_path = parquet / "baseline" / "paths.parquet"
    outs = []
    for extra in (["--threads", "1"], ["--threads", "2", "--block-size", "13"]):
        out = tmp_path / "-".join(extra)
        manifest = run(scengine, out, "--format", "parquet", "--compression", "zstd",
                       "--variant", "baseline", *extra)
        assert manifest["output"]["compression"] == "zstd"
        outs.append(out / "baseline" / "paths.parquet")
    assert outs[0].read_bytes() == outs[1].read_bytes()
    zstd_path = outs[0]
    assert zstd_path.stat().st_size < plain_path.stat().st_size
    plain, packed = pq.ParquetFile(plain_path).metadata, pq.ParquetFile(zstd_path).metadata
    assert packed.num_row_groups == plain.num_row_groups and packed.num_rows == plain.num_rows
    for g in range(packed.num_row_groups):
        for c in range(packed.num_columns):
            chunk, reference = packed.row_group(g).column(c), plain.row_group(g).column(c)
            assert chunk.compression == "ZSTD" and reference.compression == "UNCOMPRESSED"
            assert chunk.statistics == reference.statistics, (g, c)
            # The page header is the one written: its compressed size may take fewer bytes.
            assert 0 <= reference.total_compressed_size - chunk.total_uncompressed_size <= 4, (g, c)
    assert pq.read_table(zstd_path).equals(pq.read_table(plain_path))
    assert pl.read_parquet(zstd_path).equals(pl.read_parquet(plain_path), null_equal=True)
    # Values, not sums: DuckDB's parallel sums depend on the order its threads finish in.
    query = "SELECT path, step, EQ, return_EQ FROM '{}' ORDER BY path, step"
    got, expected = (duckdb.sql(query.format(p)).fetchnumpy() for p in (zstd_path, plain_path))
    for name in ("path", "step", "EQ", "return_EQ"):
        assert np.array_equal(np.ma.filled(got[name], np.nan), np.ma.filled(expected[name], np.nan),
                              equal_nan=True), name


def test_compression_is_for_parquet_only(scengine, tmp_path):
    result = subprocess.run(
        [str(scengine), "run", str(QUICKSTART), "--out", str(tmp_path / "o"), "--paths", "10",
         "--compression", "zstd"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "--compression: zstd compresses Parquet files only, and the format is npy" in result.stderr
    assert not (tmp_path / "o").exists()


def test_a_million_paths_to_parquet_keep_peak_rss_under_300_mb(scengine, tmp_path):
    """1,000,000 x 252 x 1 GBM to Parquet (ZSTD pages: a 1.9 GB file instead of 5 GB, and the
    compressor's buffers on top of the writer's): the process's peak RSS stays under 300 MB,
    since row groups are written as they fill."""
    if shutil.disk_usage(tmp_path).free < 4 << 30:
        pytest.skip(f"less than 4 GiB free in {tmp_path} for a 1.9 GB Parquet file")
    scenario = REPO / "Benchmarks" / "scenarios" / "rss-gbm1.yaml"
    out = tmp_path / "rss"
    # The child's peak RSS is read by a small Python process that starts it: Linux keeps the
    # larger of a process's own peak and that of the memory it had before exec, and a child
    # forked or spawned by this test process starts from this (large) process's memory.
    measure = (
        "import os, subprocess, sys\n"
        "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)\n"
        "_, status, usage = os.wait4(p.pid, 0)\n"
        "print(status, usage.ru_maxrss)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", measure, str(scengine), "run", str(scenario), "--format",
         "parquet", "--compression", "zstd", "--out", str(out), "--progress", "none"],
        capture_output=True, text=True, timeout=600)
    status, maxrss = (int(v) for v in done.stdout.split())
    assert status == 0, done.stderr
    peak = maxrss / 1024
    metadata = pq.ParquetFile(out / "base" / "paths.parquet").metadata
    assert metadata.num_rows == 1_000_000 * 253
    shutil.rmtree(out)
    assert peak < 300, f"peak RSS {peak:.0f} MiB, expected under 300 MiB"
