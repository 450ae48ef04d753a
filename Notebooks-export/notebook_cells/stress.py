"""03-stress-testing: the supervisory scenario, its variants side by side, the portfolio's tail."""

NAME = "03-stress-testing"

CELLS = [
    ("markdown", """# 03 · Stress testing with the supervisory scenario

`Scenarios/supervisory.yaml` has a baseline, an adverse and a severely adverse variant in the style
of supervisory stress tests: one year of four asset classes (equities `EQ`, real estate `REIT`,
investment-grade credit `IG_CREDIT`, 10-year Treasuries `UST10`), with quarterly drift and
volatility overrides, a day-5 shock and a correlation spike in the severe case. This notebook
runs it, puts the variants side by side, draws the portfolio's loss distributions and reads its
tail: VaR and ES per variant (equal to scengine's `summary.json`) and which assets the worst paths
lose on."""),
    ("code", """import json, os, subprocess
from pathlib import Path
import numpy as np
import pandas as pd
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
%matplotlib inline
plt.rcParams.update({"figure.dpi": 110, "axes.grid": True, "grid.alpha": 0.3})
pd.set_option("display.max_colwidth", None)

scengine = os.environ["SCENGINE_BIN"]          # the built CLI (make_notebooks.py --bin)
run = Path("out/notebooks/supervisory")
result = subprocess.run([scengine, "run", "Scenarios/supervisory.yaml", "--out", str(run),
                         "--progress", "none"], capture_output=True, text=True, check=True)
print(result.stdout)
manifest = json.loads((run / "manifest.json").read_text())
assets, variants = manifest["assets"], [v["name"] for v in manifest["variants"]]
weights = np.array(manifest["portfolio"])
prices = {v: np.load(run / v / "prices.npy", mmap_mode="r") for v in variants}
summary = {v: json.loads((run / v / "summary.json").read_text()) for v in variants}
dates = pd.to_datetime(manifest["dates"])"""),
    ("markdown", """## The variants side by side

What each variant changes, as the manifest records it (steps are business days; the year's four
quarters are steps 1–63, 64–126, 127–189 and 190–252), and each asset's median price at the end
of every quarter (start 100)."""),
    ("code", """pd.DataFrame({"variant": v["name"], "stresses": "; ".join(v["stresses"]) or "none"}
             for v in manifest["variants"]).set_index("variant")"""),
    ("code", """quarters = [63, 126, 189, 252]
rows = {(v, a): np.median(np.asarray(prices[v][:, quarters, i]), axis=0)
        for v in variants for i, a in enumerate(assets)}
medians = pd.DataFrame(rows, index=[f"Q{q} ({dates[s]:%Y-%m-%d})"
                                    for q, s in enumerate(quarters, 1)]).T
medians.index.names = ["variant", "asset"]
medians.round(1)"""),
    ("markdown", """The scenario file's comments promise an expected equity level (a drift is an expected rate of
return) of about 70% of the start after two quarters of the adverse variant, exp(−0.70 × 0.5), and
about 44% after three quarters of the severely adverse one, 0.9 × exp(−0.95 × 0.75) with its −10%
day-5 shock. The simulated means agree within four standard errors:"""),
    ("code", """for variant, step, expected in [("adverse", 126, np.exp(-0.70 * 0.5)),
                                ("severely-adverse", 189, 0.9 * np.exp(-0.95 * 0.75))]:
    eq = np.asarray(prices[variant][:, step, 0]) / 100
    se = eq.std(ddof=1) / np.sqrt(len(eq))
    print(f"{variant:17s} E[EQ] at step {step}: simulated {eq.mean():.4f} ± {se:.4f}, "
          f"expected {expected:.4f}")
    assert abs(eq.mean() - expected) < 4 * se"""),
    ("code", """fig, axes = plt.subplots(2, 2, figsize=(12, 8), sharex=True)
colours = {"baseline": "tab:blue", "adverse": "tab:orange", "severely-adverse": "tab:red"}
for ax, (i, asset) in zip(axes.flat, enumerate(assets)):
    for v in variants:
        q = np.quantile(np.asarray(prices[v][:, :, i]), [0.05, 0.5, 0.95], axis=0)
        ax.fill_between(dates, q[0], q[2], color=colours[v], alpha=0.12)
        ax.plot(dates, q[1], color=colours[v], label=f"{v}: median, 5–95% band")
    ax.set_title(asset); ax.set_ylabel("price (start = 100)")
for ax in axes[1]:
    ax.set_xlabel("date (business days, 2027)")
    ax.tick_params(axis="x", rotation=30)
fig.suptitle("Supervisory scenario: price paths per asset and variant (10,000 paths each)")
handles, labels = axes[0, 0].get_legend_handles_labels()
fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.955), ncol=3, frameon=False)
fig.tight_layout(rect=(0, 0, 1, 0.93)); plt.show()"""),
    ("markdown", """## Loss distributions of the portfolio

The buy-and-hold portfolio (40% `EQ`, 10% `REIT`, 25% `IG_CREDIT`, 25% `UST10`): its loss over the
year, one value per path, in % of the initial value (a negative loss is a gain)."""),
    ("code", """loss = {v: -100 * ((np.asarray(prices[v][:, -1]) / np.asarray(prices[v][:, 0])) @ weights - 1)
        for v in variants}
fig, ax = plt.subplots(figsize=(12, 4.8))
bins = np.linspace(-40, 70, 221)
for v in variants:
    var99 = 100 * summary[v]["portfolio"]["terminal_return"]["var_99"]
    ax.hist(loss[v], bins=bins, histtype="stepfilled", alpha=0.35, color=colours[v], label=v)
    ax.axvline(var99, color=colours[v], ls="--", lw=1.5, label=f"{v}: VaR99 = {var99:.1f}%")
ax.set_xlabel("portfolio loss over one year (% of initial value)")
ax.set_ylabel("number of paths (of 10,000)")
ax.set_title("Loss distribution per variant; dashed: 99% value at risk")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9)
fig.tight_layout(); plt.show()"""),
    ("markdown", """## The tail: VaR and ES per variant

VaR_α is the loss not exceeded with probability α (minus the linear 1 − α quantile of returns, as
numpy's default); ES_α is the mean of the k = ⌊N(1 − α)⌋ worst returns. Computed here from the
prices and asserted equal to what scengine wrote to `summary.json`."""),
    ("code", """rows = []
for v in variants:
    r = -loss[v] / 100
    worst = np.sort(r)
    ours = {"VaR95": -np.quantile(r, 0.05), "ES95": -worst[:len(r) // 20].mean(),
            "VaR99": -np.quantile(r, 0.01), "ES99": -worst[:len(r) // 100].mean()}
    theirs = summary[v]["portfolio"]["terminal_return"]
    for key, name in [("VaR95", "var_95"), ("ES95", "es_95"), ("VaR99", "var_99"), ("ES99", "es_99")]:
        assert abs(ours[key] - theirs[name]) < 1e-12, (v, key, ours[key], theirs[name])
    rows.append({"variant": v, **{f"{k} (%)": 100 * x for k, x in ours.items()},
                 "max drawdown p95 (%)": 100 * summary[v]["portfolio"]["max_drawdown"]["quantiles"]["0.95"]})
tail = pd.DataFrame(rows).set_index("variant")
print("VaR and ES computed with numpy equal summary.json for every variant")
tail.round(2)"""),
    ("markdown", """## What the worst paths lose on

For the 1% worst paths of each variant (those beyond VaR99), the mean contribution of each asset
to the portfolio's return: weight × the asset's return. The contributions add up to the mean
return of those paths, minus ES99."""),
    ("code", """contrib = {}
for v in variants:
    p = np.asarray(prices[v])
    asset_returns = p[:, -1] / p[:, 0] - 1
    worst = np.argsort(-loss[v], kind="stable")[:len(loss[v]) // 100]
    contrib[v] = 100 * weights * asset_returns[worst].mean(axis=0)
    es99 = 100 * summary[v]["portfolio"]["terminal_return"]["es_99"]
    assert abs(contrib[v].sum() + es99) < 1e-9, (v, contrib[v].sum(), es99)
contrib = pd.DataFrame(contrib, index=assets).T
fig, ax = plt.subplots(figsize=(11, 4.2))
bottom_neg, bottom_pos = np.zeros(len(variants)), np.zeros(len(variants))
for asset, colour in zip(assets, ["tab:red", "tab:purple", "tab:olive", "tab:cyan"]):
    values = contrib[asset].to_numpy()
    start = np.where(values < 0, bottom_neg, bottom_pos)
    ax.barh(variants, values, left=start, color=colour, label=asset, alpha=0.85)
    bottom_neg += np.minimum(values, 0); bottom_pos += np.maximum(values, 0)
ax.scatter(-tail["ES99 (%)"], variants, color="black", zorder=3, label="total = −ES99")
ax.axvline(0, color="grey", lw=1)
ax.set_xlabel("mean contribution to the portfolio's return in the worst 1% of paths (% of initial value)")
ax.set_title("Where the tail losses come from")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9)
ax.invert_yaxis(); fig.tight_layout(); plt.show()
contrib.round(2)"""),
]
