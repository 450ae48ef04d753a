"""`scengine run` to Parquet against numpy + pyarrow writing the same table, one thread each.

The table: PATHS paths x 252 steps x 1 asset of GBM (drift 5%, volatility 20%, S0 = 100,
dt = 1/252), one row per (path, step) with the columns `path` (int64), `step` (int32) and the
asset's price `A00` (float64), rows in (path, step) order, uncompressed, PLAIN, with min/max
statistics, in row groups of the same number of paths as scengine's (as many whole paths as
fit in 32 MiB of row data).

* scengine: `scengine run --format parquet --threads 1` of that scenario into a fresh folder
  (the time of the whole process: simulation, the file, its SHA-256, the risk summary and the
  manifest). One thread simulates and writes; the file's SHA-256 is computed beside it on a
  second thread, so the CPU seconds of both sides are reported too.
* numpy + pyarrow: a fresh Python process that simulates the same prices with
  `numpy.random.default_rng` (PCG64, normals by the Ziggurat), one row group's paths at a time,
  builds each row group as a pyarrow table and writes it with `pyarrow.parquet.ParquetWriter`
  (`write_table` per row group: one call for the whole table would hold all of it in memory)
  with `compression="none"`, `use_dictionary=False` and statistics; pyarrow's CPU and I/O
  pools set to one thread, OMP/OpenBLAS to one thread. Python's start-up and imports are
  timed too, as scengine's start-up is.

Both sides run ROUNDS times after one warm-up each, alternately, into the same temporary
folder (--dir), each file removed after its round. Reported: median seconds, million rows per
second of each side, the ratio numpy / scengine (the target is >= 2), the file sizes, and that
both files have the same schema, rows and row groups.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STEPS = 252
ROW_GROUP_BYTES = 32 << 20
ROW_BYTES = 8 + 4 + 8  # path, step, one price

SCENARIO = """name: parquet-gbm1
description: Parquet speed check, {paths} paths x 252 steps x 1 asset of GBM.
seed: 20261203
paths: {paths}
time: {{steps: 252, dt: 1/252}}
assets: [A00]
initial: 100.0
model:
  gbm:
    drift: [0.05]
    volatility: [0.2]
output: {{format: parquet, precision: float64, emit: [prices]}}
variants:
  base: {{}}
"""

PEER = r'''
import os, sys
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = "1"
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

pa.set_cpu_count(1)
pa.set_io_thread_count(1)
path, paths, steps, per_group = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
mu, sigma, dt, s0 = 0.05, 0.2, 1 / 252, 100.0
drift, vol = (mu - 0.5 * sigma * sigma) * dt, sigma * np.sqrt(dt)
rng = np.random.default_rng(20261203)
schema = pa.schema([pa.field("path", pa.int64(), nullable=False),
                    pa.field("step", pa.int32(), nullable=False),
                    pa.field("A00", pa.float64(), nullable=False)])
steps_column = np.tile(np.arange(steps + 1, dtype=np.int32), per_group)
with pq.ParquetWriter(path, schema, compression="none", use_dictionary=False,
                      write_statistics=True) as writer:
    for first in range(0, paths, per_group):
        count = min(per_group, paths - first)
        log = np.empty((count, steps + 1))
        log[:, 0] = np.log(s0)
        increments = rng.standard_normal((count, steps))
        increments *= vol
        increments += drift
        np.cumsum(increments, axis=1, out=log[:, 1:])
        log[:, 1:] += log[:, :1]
        prices = np.exp(log)
        table = pa.table({
            "path": np.repeat(np.arange(first, first + count, dtype=np.int64), steps + 1),
            "step": steps_column[: count * (steps + 1)],
            "A00": prices.reshape(-1),
        }, schema=schema)
        writer.write_table(table, row_group_size=count * (steps + 1))
'''


def timed(arguments, env=None):
    """Runs a command; returns (wall seconds, CPU seconds of the process: user + system)."""
    start = time.perf_counter()
    process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env=env)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        sys.exit(f"{' '.join(map(str, arguments))} failed: {process.stderr.read().decode()}")
    return seconds, usage.ru_utime + usage.ru_stime


def describe(path):
    import pyarrow.parquet as pq
    meta = pq.ParquetFile(path).metadata
    return (str(meta.schema.to_arrow_schema()), meta.num_rows, meta.num_row_groups)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", required=True, help="the scengine executable")
    parser.add_argument("--paths", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dir", default=None, help="where to write (default: TMPDIR)")
    args = parser.parse_args()
    per_group = max(1, ROW_GROUP_BYTES // (ROW_BYTES * (STEPS + 1)))
    rows = args.paths * (STEPS + 1)
    work = Path(tempfile.mkdtemp(prefix="bench-parquet-", dir=args.dir))
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    try:
        scenario = work / "parquet-gbm1.yaml"
        scenario.write_text(SCENARIO.format(paths=args.paths))
        peer = work / "peer.py"
        peer.write_text(PEER)
        engine_file = work / "engine" / "base" / "paths.parquet"
        peer_file = work / "peer.parquet"

        def engine():
            shutil.rmtree(work / "engine", ignore_errors=True)
            return timed([args.bin, "run", str(scenario), "--out", str(work / "engine"),
                          "--threads", "1", "--progress", "none"], env)

        def numpy_pyarrow():
            peer_file.unlink(missing_ok=True)
            return timed([sys.executable, str(peer), str(peer_file), str(args.paths),
                          str(STEPS), str(per_group)], env)

        sides = {"scengine": engine, "numpy+pyarrow": numpy_pyarrow}
        for side in sides.values():
            side()  # warm-up
        same = describe(engine_file) == describe(peer_file)
        sizes = {"scengine": engine_file.stat().st_size, "numpy+pyarrow": peer_file.stat().st_size}
        times = {name: [] for name in sides}
        cpu = {name: [] for name in sides}
        for r in range(args.rounds):
            order = list(sides) if r % 2 == 0 else list(reversed(sides))
            for name in order:
                wall, used = sides[name]()
                times[name].append(wall)
                cpu[name].append(used)
        load = os.getloadavg()[0]
        print(f"run to Parquet, {args.paths} paths x {STEPS} steps x 1 asset = {rows:,} rows, "
              f"{per_group} paths per row group, one thread each, {args.rounds} rounds "
              f"(load average {load:.1f} at the end), medians:")
        for name in sides:
            t = statistics.median(times[name])
            print(f"  {name:<14} {t:7.2f} s  {rows / t / 1e6:7.1f} M rows/s  "
                  f"file {sizes[name] / 1e6:8.1f} MB  (range {min(times[name]):.2f}-"
                  f"{max(times[name]):.2f} s; CPU {statistics.median(cpu[name]):.2f} s)")
        ratio = statistics.median(times["numpy+pyarrow"]) / statistics.median(times["scengine"])
        print(f"  numpy+pyarrow / scengine: {ratio:.2f} (target >= 2)")
        cpu_ratio = statistics.median(cpu["numpy+pyarrow"]) / statistics.median(cpu["scengine"])
        print(f"  in CPU seconds (scengine hashes the file on a second thread): {cpu_ratio:.2f}")
        print(f"  same schema, rows and row groups: {'yes' if same else 'NO'}")
        return 0 if ratio >= 2 and same else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
