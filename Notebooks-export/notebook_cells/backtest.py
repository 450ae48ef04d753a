"""02-backtest-on-synthetic-paths: a backtesting harness over every path of two variants."""

NAME = "02-backtest-on-synthetic-paths"

CELLS = [
    ("markdown", """# 02 · Backtesting two allocation rules on synthetic paths

A backtesting harness that consumes scengine's path files: two rules, a **60/40 monthly
rebalance** of equities and bonds and a **volatility-targeting** rule, run over every one of the
10,000 paths of `Scenarios/quickstart.yaml`'s baseline and of its sell-off variant. Instead of one
historical backtest, each rule gets a *distribution* of Sharpe ratios and maximum drawdowns per
variant. The last section shows why the variants' common random numbers make the *difference*
between baseline and sell-off precise."""),
    ("code", """import json, os, subprocess
from pathlib import Path
import numpy as np
import pandas as pd
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
%matplotlib inline
plt.rcParams.update({"figure.dpi": 110, "axes.grid": True, "grid.alpha": 0.3})

scengine = os.environ["SCENGINE_BIN"]          # the built CLI (make_notebooks.py --bin)
run = Path("out/notebooks/backtest")
subprocess.run([scengine, "run", "Scenarios/quickstart.yaml", "--out", str(run),
                "--emit", "prices", "--progress", "none"], check=True, capture_output=True)
manifest = json.loads((run / "manifest.json").read_text())
assets, steps = manifest["assets"], manifest["steps"]
prices = {v: np.load(run / v / "prices.npy", mmap_mode="r") for v in ["baseline", "selloff"]}
print(assets, {v: p.shape for v, p in prices.items()})"""),
    ("markdown", """## The harness

`backtest(prices, rule)` takes a `[paths, steps + 1, assets]` price array and a rule that, at each
rebalancing date (every 21 trading days), returns target weights from the prices seen so far.
Between rebalancing dates the holdings drift with prices. It returns the portfolio value of every
path at every step; all paths are processed at once with numpy.

- **60/40**: 60% `EQ`, 40% `BOND`, reset monthly.
- **Volatility target**: `EQ` weight = min(1, 10% / σ̂), σ̂ the annualized realized volatility of
  `EQ` over the last 21 days (the rest in `BOND`); 60/40 until there are 21 days of history.

Sharpe ratio = mean / standard deviation of daily returns × √252 (annualized, risk-free rate 0);
maximum drawdown = the largest fall from a running peak, in % of that peak.

As a check of the harness, a buy-and-hold of the scenario's own portfolio (never rebalanced) must
give the 99% VaR that scengine wrote to `summary.json`."""),
    ("code", """EQ, BOND = assets.index("EQ"), assets.index("BOND")
MONTH, TARGET = 21, 0.10

def backtest(p, rule, every=MONTH):
    \"\"\"Portfolio value (start 1) of every path at every step under `rule`.\"\"\"
    p = np.asarray(p)
    value = np.ones(p.shape[:2])
    for start in range(0, steps, every):
        end = min(start + every, steps)
        w = rule(p, start)                                      # [paths, assets], sums to 1
        growth = p[:, start:end + 1] / p[:, start:start + 1]    # price relatives in the block
        value[:, start:end + 1] = value[:, start:start + 1] * np.einsum("pa,pta->pt", w, growth)
    return value

def sixty_forty(p, t):
    w = np.zeros((p.shape[0], p.shape[2])); w[:, EQ], w[:, BOND] = 0.6, 0.4
    return w

def vol_target(p, t):
    if t < MONTH:
        return sixty_forty(p, t)
    r = np.diff(np.log(p[:, t - MONTH:t + 1, EQ]), axis=1)
    sigma = r.std(axis=1, ddof=1) * np.sqrt(252)
    w = np.zeros((p.shape[0], p.shape[2]))
    w[:, EQ] = np.minimum(1.0, TARGET / sigma); w[:, BOND] = 1 - w[:, EQ]
    return w

def buy_and_hold(p, t):
    return np.broadcast_to(np.array(manifest["portfolio"]), (p.shape[0], p.shape[2]))

def sharpe(value):
    r = value[:, 1:] / value[:, :-1] - 1
    return r.mean(axis=1) / r.std(axis=1, ddof=1) * np.sqrt(252)

def max_drawdown(value):
    return (1 - value / np.maximum.accumulate(value, axis=1)).max(axis=1)

for variant, p in prices.items():
    hold = backtest(p, buy_and_hold, every=steps)[:, -1] - 1
    summary = json.loads((run / variant / "summary.json").read_text())["portfolio"]
    assert abs(-np.quantile(hold, 0.01) - summary["terminal_return"]["var_99"]) < 1e-12
    assert abs(np.median(max_drawdown(backtest(p, buy_and_hold, every=steps)))
               - summary["max_drawdown"]["quantiles"]["0.5"]) < 1e-12
print("buy-and-hold through the harness: VaR99 and median drawdown equal summary.json")"""),
    ("code", """rules = {"60/40 monthly": sixty_forty, "vol target 10%": vol_target}
results = []
for variant, p in prices.items():
    for rule, f in rules.items():
        value = backtest(p, f)
        results.append(pd.DataFrame({"variant": variant, "rule": rule, "sharpe": sharpe(value),
                                     "max_drawdown": 100 * max_drawdown(value),
                                     "return": 100 * (value[:, -1] - 1)}))
results = pd.concat(results, ignore_index=True)
table = results.groupby(["variant", "rule"]).agg(
    paths=("sharpe", "size"), sharpe_median=("sharpe", "median"),
    max_dd_median_pct=("max_drawdown", "median"),
    max_dd_p95_pct=("max_drawdown", lambda x: x.quantile(0.95)),
    return_mean_pct=("return", "mean"))
table.round(3)"""),
    ("markdown", """## Distributions of Sharpe ratio and maximum drawdown

One value per path: the spread is what a single historical backtest cannot show."""),
    ("code", """fig, axes = plt.subplots(1, 2, figsize=(12, 5))
colours = {"60/40 monthly": "tab:blue", "vol target 10%": "tab:orange"}
for ax, column, xlabel, bins in [
        (axes[0], "sharpe", "Sharpe ratio (annualized, risk-free rate 0)", np.linspace(-3, 4, 71)),
        (axes[1], "max_drawdown", "maximum drawdown (% of running peak)", np.linspace(0, 50, 101))]:
    for (variant, rule), group in results.groupby(["variant", "rule"]):
        ax.hist(group[column], bins=bins, histtype="step", lw=1.6, color=colours[rule],
                ls="-" if variant == "baseline" else "--", label=f"{rule}, {variant}")
    ax.set_xlabel(xlabel); ax.set_ylabel("number of paths (of 10,000)")
axes[0].set_title("Sharpe ratio per path"); axes[1].set_title("Maximum drawdown per path")
handles, labels = axes[0].get_legend_handles_labels()
fig.suptitle("Two rules over every path of the baseline (solid) and the sell-off (dashed)")
fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=9, frameon=False)
fig.tight_layout(rect=(0, 0.07, 1, 1)); plt.show()"""),
    ("markdown", """In the sell-off (a 15% equity drop on day 21, then doubled equity volatility to day 84)
the volatility-targeting rule cuts its equity weight once realized volatility jumps: its maximum
drawdowns are smaller than the 60/40 rule's, at the median and even more at the 95th percentile.
It pays for that: the cut comes *after* the drop, so it holds less equity during the recovery and
its median Sharpe ratio in the sell-off is lower than the 60/40 rule's. On the baseline the two
rules are close."""),
    ("code", """dd, dd95, sr = table["max_dd_median_pct"], table["max_dd_p95_pct"], table["sharpe_median"]
s, b = "selloff", "baseline"
assert dd[s, "vol target 10%"] < dd[s, "60/40 monthly"]
assert dd95[s, "60/40 monthly"] - dd95[s, "vol target 10%"] > dd[s, "60/40 monthly"] - dd[s, "vol target 10%"]
assert sr[s, "vol target 10%"] < sr[s, "60/40 monthly"]
assert abs(sr[b, "vol target 10%"] - sr[b, "60/40 monthly"]) < 0.05
print("sell-off, maximum drawdown median / 95th percentile: 60/40 %.1f%% / %.1f%%, vol target %.1f%% / %.1f%%"
      % (dd[s, "60/40 monthly"], dd95[s, "60/40 monthly"], dd[s, "vol target 10%"], dd95[s, "vol target 10%"]))
print("median Sharpe ratio, baseline → sell-off: 60/40 %.2f → %.2f, vol target %.2f → %.2f"
      % (sr[b, "60/40 monthly"], sr[s, "60/40 monthly"], sr[b, "vol target 10%"], sr[s, "vol target 10%"]))"""),
    ("markdown", """## Why common random numbers make the difference precise

Every variant of a scenario draws the same random numbers for the same path: path *i* of the
sell-off is path *i* of the baseline with the stresses applied. The effect of the stress on a rule
is then measured path by path, and the noise shared by both variants cancels in the paired
difference. Had the sell-off been simulated with independent numbers (here: the same scenario
with another seed), the difference of means would carry the full noise of both runs.

Standard error of the mean difference in Sharpe ratio (sell-off − baseline), 60/40 rule:
paired, SE = sd(dᵢ)/√n; independent, SE = √(var₁/n + var₂/n)."""),
    ("code", """other = Path("out/notebooks/backtest-seed2")
subprocess.run([scengine, "run", "Scenarios/quickstart.yaml", "--out", str(other), "--seed", "2",
                "--variant", "selloff", "--emit", "prices", "--progress", "none"],
               check=True, capture_output=True)
base = sharpe(backtest(prices["baseline"], sixty_forty))
same = sharpe(backtest(prices["selloff"], sixty_forty))              # same seed: paired
indep = sharpe(backtest(np.load(other / "selloff/prices.npy", mmap_mode="r"), sixty_forty))
n = len(base)
paired_se = (same - base).std(ddof=1) / np.sqrt(n)
indep_se = np.sqrt(base.var(ddof=1) / n + indep.var(ddof=1) / n)
print(f"mean Sharpe difference, paired (common random numbers): {(same - base).mean():+.4f}"
      f" ± {paired_se:.4f} (1 SE)")
print(f"mean Sharpe difference, independent runs (seed 2):      {indep.mean() - base.mean():+.4f}"
      f" ± {indep_se:.4f} (1 SE)")
print(f"the paired standard error is {indep_se / paired_se:.1f}x smaller: "
      f"as precise as {(indep_se / paired_se) ** 2:.0f}x as many independent paths")
assert paired_se < indep_se / 2.5
assert abs(indep.mean() - base.mean() - (same - base).mean()) < 4 * indep_se"""),
    ("code", """fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
ax = axes[0]
ax.scatter(base[:2000], same[:2000], s=4, alpha=0.4, label="same seed (paired)")
ax.scatter(base[:2000], indep[:2000], s=4, alpha=0.4, label="seed 2 (independent)")
lims = [-3, 4]; ax.plot(lims, lims, color="grey", lw=1)
ax.set_xlim(lims); ax.set_ylim(lims)
ax.set_xlabel("Sharpe ratio, baseline path i (annualized)")
ax.set_ylabel("Sharpe ratio, sell-off path i (annualized)")
ax.set_title("60/40 rule, first 2,000 paths"); ax.legend(loc="upper left", markerscale=4)
ax = axes[1]
bins = np.linspace(-4, 3, 71)
ax.hist(same - base, bins=bins, alpha=0.6, label=f"paired: SE of mean {paired_se:.4f}")
ax.hist(indep - base, bins=bins, alpha=0.6, label=f"independent: SE of mean {indep_se:.4f}")
ax.set_xlabel("Sharpe ratio difference per path, sell-off − baseline")
ax.set_ylabel("number of paths (of 10,000)")
ax.set_title("Per-path difference: paired vs independent"); ax.legend(loc="upper left")
fig.tight_layout(); plt.show()"""),
]
