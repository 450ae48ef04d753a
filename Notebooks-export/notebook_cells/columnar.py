"""04-columnar: Parquet path files in polars and DuckDB, row-group pruning, VaR in SQL."""

NAME = "04-columnar"

CELLS = [
    ("markdown", """# 04 · Columnar: Parquet path files in polars and DuckDB

With `--format parquet` scengine writes one `paths.parquet` per variant: a long table with one
row per (path, step) and a column per asset, readable by pyarrow, polars, DuckDB or Spark with no
glue. This notebook runs the quickstart's baseline with **200,000 paths** (50.6 million rows,
about 2 GB), then queries it without loading it: a lazy scan in polars, SQL in DuckDB, and a
`WHERE path BETWEEN …` filter that reads one row group out of 61, thanks to the min/max statistics
scengine writes for every row group. The 99% VaR computed in SQL equals `summary.json`."""),
    ("code", """import json, os, re, resource, subprocess, time
from pathlib import Path
os.environ["POLARS_MAX_THREADS"] = "2"         # two threads for polars and DuckDB, as on CI
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import polars as pl
import duckdb
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
%matplotlib inline
plt.rcParams.update({"figure.dpi": 110, "axes.grid": True, "grid.alpha": 0.3})

scengine = os.environ["SCENGINE_BIN"]          # the built CLI (make_notebooks.py --bin)
run = Path("out/notebooks/columnar")
PATHS = 200_000
start = time.monotonic()
result = subprocess.run([scengine, "run", "Scenarios/quickstart.yaml", "--out", str(run),
                         "--variant", "baseline", "--paths", str(PATHS), "--format", "parquet",
                         "--emit", "prices", "--progress", "none"],
                        capture_output=True, text=True, check=True)
print(result.stdout)
print(f"run took {time.monotonic() - start:.1f} s")
manifest = json.loads((run / "manifest.json").read_text())
file = run / "baseline/paths.parquet"
summary = json.loads((run / "baseline/summary.json").read_text())
entry = next(f for f in manifest["files"] if f["path"] == "baseline/paths.parquet")
print(f"{entry['path']}: {entry['rows']:,} rows, {entry['bytes'] / 1e9:.2f} GB, sha256 {entry['sha256'][:16]}…")
assert entry["rows"] == PATHS * (manifest["steps"] + 1)
pd.DataFrame(entry["schema"])"""),
    ("markdown", """## Row groups and their statistics

Each row group holds a fixed number of whole paths (as many as fit in 32 MiB of row data), and
every column chunk carries its min/max. pyarrow reads them from the footer alone."""),
    ("code", """meta = pq.ParquetFile(file).metadata
path_column = meta.schema.names.index("path")
groups = pd.DataFrame([{"row group": g, "rows": meta.row_group(g).num_rows,
                        "path min": meta.row_group(g).column(path_column).statistics.min,
                        "path max": meta.row_group(g).column(path_column).statistics.max}
                       for g in range(meta.num_row_groups)]).set_index("row group")
assert meta.num_rows == entry["rows"] and groups["rows"].sum() == meta.num_rows
assert (groups["path min"].iloc[1:].to_numpy() == groups["path max"].iloc[:-1].to_numpy() + 1).all()
print(f"{meta.num_row_groups} row groups of "
      f"{groups['path max'].iloc[0] - groups['path min'].iloc[0] + 1} paths "
      f"({groups['rows'].iloc[0]:,} rows) each, the last one shorter")
pd.concat([groups.head(3), groups.tail(2)])"""),
    ("markdown", """## polars: a lazy scan

`pl.scan_parquet` builds a query plan; nothing is read until `collect()`. The plan shows the
filter pushed down into the scan and only the needed columns read (`PROJECT`). Here: the
buy-and-hold portfolio's terminal return on every path (step 252 against step 0, joined on
`path`), and its 99% VaR (the linear quantile, as `summary.json`'s)."""),
    ("code", """weights = dict(zip(manifest["assets"], manifest["portfolio"]))
steps = manifest["steps"]
scan = pl.scan_parquet(file)
first = scan.filter(pl.col("step") == 0).select("path", *weights)
last = scan.filter(pl.col("step") == steps).select("path", *weights)
terminal = (last.join(first, on="path", suffix="_0")
            .select((sum(w * pl.col(a) / pl.col(f"{a}_0") for a, w in weights.items()) - 1)
                    .alias("r")))
query = terminal.select((-pl.col("r").quantile(0.01, interpolation="linear")).alias("var99"))
print(query.explain())"""),
    ("code", """start = time.monotonic()
var99_polars = query.collect().item()
print(f"polars: VaR99 = {var99_polars:.6%} over {PATHS:,} paths in {time.monotonic() - start:.2f} s;"
      f" summary.json: {summary['portfolio']['terminal_return']['var_99']:.6%}")
assert abs(var99_polars - summary["portfolio"]["terminal_return"]["var_99"]) < 1e-12"""),
    ("markdown", """## DuckDB: SQL over 50 million rows

DuckDB queries the file in place: `FROM 'paths.parquet'` is a table. Its memory is capped at 256 MB
here, an eighth of the file, to show that nothing is loaded whole. The same VaR in SQL, asserted
equal to `summary.json`:"""),
    ("code", """con = duckdb.connect()
con.execute("SET memory_limit = '256MB'"); con.execute("SET threads = 2")
start = time.monotonic()
rows, paths = con.execute(f"SELECT count(*), count(DISTINCT path) FROM '{file}'").fetchone()
print(f"{rows:,} rows, {paths:,} paths, counted in {time.monotonic() - start:.2f} s")
assert rows == entry["rows"] and paths == PATHS

value = " + ".join(f't."{a}" * {w!r} / s."{a}"' for a, w in weights.items())
sql = f\"\"\"
SELECT -quantile_cont({value} - 1, 0.01) AS var99
FROM '{file}' t JOIN '{file}' s ON s.path = t.path AND s.step = 0
WHERE t.step = {steps}\"\"\"
print(sql)
start = time.monotonic()
(var99_duckdb,) = con.execute(sql).fetchone()
print(f"DuckDB: VaR99 = {var99_duckdb:.6%} in {time.monotonic() - start:.2f} s;"
      f" summary.json: {summary['portfolio']['terminal_return']['var_99']:.6%}")
assert abs(var99_duckdb - summary["portfolio"]["terminal_return"]["var_99"]) < 1e-12"""),
    ("markdown", """A fan chart straight from SQL: the 5, 25, 50, 75 and 95% quantiles of `EQ` at every step
over the first 20,000 paths (5 million rows), one row per step back to Python."""),
    ("code", """start = time.monotonic()
fan = con.execute(f\"\"\"
SELECT date, quantile_cont(EQ, [0.05, 0.25, 0.5, 0.75, 0.95]) AS q
FROM '{file}' WHERE path < 20000 GROUP BY date ORDER BY date\"\"\").df()
print(f"{len(fan)} dates in {time.monotonic() - start:.2f} s")
q = np.array(fan["q"].tolist())
assert len(fan) == steps + 1 and np.all(q[0] == 100.0)
days = pd.to_datetime(fan["date"])
fig, ax = plt.subplots(figsize=(10, 4.5))
ax.fill_between(days, q[:, 0], q[:, 4], alpha=0.2, color="tab:blue", label="5–95%")
ax.fill_between(days, q[:, 1], q[:, 3], alpha=0.4, color="tab:blue", label="25–75%")
ax.plot(days, q[:, 2], color="tab:blue", label="median")
ax.set_xlabel("date (business days)"); ax.set_ylabel("EQ price (start = 100)")
ax.set_title("EQ baseline quantiles per date over 20,000 paths, computed by DuckDB from Parquet")
ax.legend(loc="upper left"); plt.show()"""),
    ("markdown", """## Row-group pruning on `WHERE path BETWEEN …`

Paths 100,000 to 100,999 lie in one row group: the statistics tell DuckDB to skip the other 60.
`EXPLAIN ANALYZE` reports the row groups it scanned and the bytes it read."""),
    ("code", """lo, hi = 100_000, 100_999
needed = groups[(groups["path max"] >= lo) & (groups["path min"] <= hi)].index.tolist()
print(f"row groups whose path range meets [{lo}, {hi}]: {needed}")
profile = con.execute(f"EXPLAIN ANALYZE SELECT avg(EQ) FROM '{file}' "
                  f"WHERE path BETWEEN {lo} AND {hi}").fetchall()[0][1]
print(profile)
scanned, total = map(int, re.search(r"Row Groups Scanned: (\\d+) / (\\d+)", profile).groups())
assert (scanned, total) == (len(needed), meta.num_row_groups) == (1, 61)
(mean_eq,) = con.execute(f"SELECT avg(EQ) FROM '{file}' WHERE path BETWEEN {lo} AND {hi}").fetchone()
check = pq.read_table(file, columns=["EQ"], filters=[("path", ">=", lo), ("path", "<=", hi)])
assert check.num_rows == (hi - lo + 1) * (steps + 1)
assert abs(mean_eq - np.mean(check.column("EQ").to_numpy())) < 1e-9
print(f"mean EQ over paths {lo:,}–{hi:,}: {mean_eq:.4f} (pyarrow with the same filter agrees)")"""),
    ("markdown", """## Memory

Every query above streamed the file: the kernel's peak resident memory (Python, numpy, pandas,
polars, DuckDB and their buffers together, two threads each) stays under a third of the file's
size."""),
    ("code", """peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024   # bytes (ru_maxrss is kB on Linux)
print(f"peak memory of this notebook's kernel: {peak / 1e6:,.0f} MB; the Parquet file: "
      f"{entry['bytes'] / 1e6:,.0f} MB ({entry['rows']:,} rows)")
assert peak < entry["bytes"] / 3"""),
]
