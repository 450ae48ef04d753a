"""01-quickstart: run the quickstart scenario and use its files from Python."""

NAME = "01-quickstart"

CELLS = [
    ("markdown", """# 01 · Quickstart: run a scenario and use its files from Python

This notebook runs `Scenarios/quickstart.yaml` (three assets, a baseline and a sell-off variant
that share their random numbers), opens the path files with numpy without copying them, draws a
fan chart, computes the portfolio's value at risk per variant and checks every file against the
SHA-256 the manifest lists."""),
    ("code", """import hashlib, json, os, subprocess
from pathlib import Path
import numpy as np
import pandas as pd
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
%matplotlib inline

scengine = os.environ["SCENGINE_BIN"]          # the built CLI (make_notebooks.py --bin)
run = Path("out/notebooks/quickstart")
result = subprocess.run([scengine, "run", "Scenarios/quickstart.yaml", "--out", str(run),
                         "--progress", "none"], capture_output=True, text=True, check=True)
print(result.stdout)"""),
    ("markdown", """## The manifest says what is in the folder

Only the files the manifest lists belong to the run; each has its shape, dtype and SHA-256."""),
    ("code", """manifest = json.loads((run / "manifest.json").read_text())
assets, dates = manifest["assets"], manifest["dates"]
pd.DataFrame(manifest["files"])[["path", "dtype", "shape", "bytes"]]"""),
    ("markdown", """## Prices, memory-mapped

`prices.npy` is `[paths, steps + 1, assets]`, float64, C order: `mmap_mode="r"` reads only what
is touched."""),
    ("code", """base = np.load(run / "baseline/prices.npy", mmap_mode="r")
sell = np.load(run / "selloff/prices.npy", mmap_mode="r")
print(base.shape, base.dtype)
pd.DataFrame(base[0, :6], index=pd.to_datetime(dates[:6]), columns=assets)"""),
    ("markdown", """## Fan chart of the equity asset

Quantiles across paths at every date; the sell-off shares the baseline's shocks, so the two
fans differ only where the stresses act."""),
    ("code", """days = pd.to_datetime(dates)
fig, ax = plt.subplots(figsize=(9, 4.5))
for prices, colour, label in [(base, "tab:blue", "baseline"), (sell, "tab:red", "selloff")]:
    eq = np.asarray(prices[:, :, 0])
    q = np.quantile(eq, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    ax.fill_between(days, q[0], q[4], color=colour, alpha=0.15)
    ax.fill_between(days, q[1], q[3], color=colour, alpha=0.3)
    ax.plot(days, q[2], color=colour, label=f"{label} median (bands 5-95%, 25-75%)")
ax.set_ylabel(f"{assets[0]} price (start = {base[0, 0, 0]:.0f})")
ax.set_xlabel("date (business days)")
ax.set_title(f"{assets[0]}: quantiles across {base.shape[0]:,} paths per date, baseline vs sell-off")
ax.legend(loc="upper left"); ax.grid(alpha=0.3)
plt.show()"""),
    ("markdown", """## Value at risk of the portfolio, per variant

The buy-and-hold portfolio's terminal return from the prices, its 99% VaR and ES computed here,
beside what scengine wrote to `summary.json` (asserted equal)."""),
    ("code", """w = np.array(manifest["portfolio"])                 # weights in asset order
rows = []
for variant in ["baseline", "selloff"]:
    p = np.load(run / variant / "prices.npy", mmap_mode="r")
    r = (p[:, -1, :] / p[:, 0, :]) @ w - 1
    k = max(1, len(r) // 100)
    summary = json.loads((run / variant / "summary.json").read_text())["portfolio"]["terminal_return"]
    rows.append({"variant": variant,
                 "VaR99 (numpy)": -np.quantile(r, 0.01), "VaR99 (summary.json)": summary["var_99"],
                 "ES99 (numpy)": -np.sort(r)[:k].mean(), "ES99 (summary.json)": summary["es_99"]})
    assert abs(rows[-1]["VaR99 (numpy)"] - summary["var_99"]) < 1e-12
    assert abs(rows[-1]["ES99 (numpy)"] - summary["es_99"]) < 1e-12
pd.DataFrame(rows).set_index("variant")"""),
    ("markdown", """## Every file checks against the manifest"""),
    ("code", """for f in manifest["files"]:
    digest = hashlib.sha256((run / f["path"]).read_bytes()).hexdigest()
    assert digest == f["sha256"], f["path"]
print(f"{len(manifest['files'])} files match their SHA-256")"""),
]
