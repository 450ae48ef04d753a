"""05-calibrate-validate: calibrate a GARCH model to the S&P 500, run it, validate it."""

NAME = "05-calibrate-validate"

CELLS = [
    ("markdown", """# 05 · Calibrate and validate on a real series: the S&P 500

The daily S&P 500 closes of 1999–2018 ship inside the `arch` package (`arch.data.sp500`); this
notebook loads them at run time, writes the CSV that `scengine calibrate` reads, fits a GARCH(1,1)
with Student-t innovations, checks the fit against arch's own maximum likelihood estimate, runs the
calibrated scenario for the next business year, and asks `scengine validate` whether the simulated
paths behave like the real series (fat tails, volatility clustering, drawdowns…)."""),
    ("code", """import json, os, subprocess
from pathlib import Path
import numpy as np
import pandas as pd
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
%matplotlib inline
plt.rcParams.update({"figure.dpi": 110, "axes.grid": True, "grid.alpha": 0.3})
from arch import arch_model
from arch.data import sp500

scengine = os.environ["SCENGINE_BIN"]          # the built CLI (make_notebooks.py --bin)
work = Path("out/notebooks/sp500")
work.mkdir(parents=True, exist_ok=True)
closes = sp500.load()["Adj Close"].dropna().rename("SPX")
csv = work / "sp500.csv"
closes.to_csv(csv, index_label="date", date_format="%Y-%m-%d")
print(f"{len(closes)} daily closes, {closes.index[0]:%Y-%m-%d} to {closes.index[-1]:%Y-%m-%d}")
print(csv.read_text().splitlines()[:3])"""),
    ("markdown", """## Calibrate

`scengine calibrate` fits by maximum likelihood on the daily log returns (decimal, per step) and
writes a scenario that starts from the last close with the one-step-ahead variance forecast, plus
`fit.json` with estimates and standard errors."""),
    ("code", """result = subprocess.run([scengine, "calibrate", str(csv), "--model", "garch",
                         "--innovations", "student_t", "--out", str(work / "garch.yaml"),
                         "--report", str(work / "fit.json")],
                        capture_output=True, text=True, check=True)
print(result.stdout)
fit = json.loads((work / "fit.json").read_text())
params = fit["assets"]["SPX"]["parameters"]
returns = np.diff(np.log(closes.to_numpy()))
assert fit["assets"]["SPX"]["nobs"] == len(returns) and fit["assets"]["SPX"]["converged"]"""),
    ("markdown", """## The same fit with arch

arch fits `arch_model(100 × log returns, mean="Constant", vol="GARCH", p=1, q=1, dist="t")`: on
returns in percent, so scengine's estimates are carried to that scale (mean × 100, ω × 100²; α, β
and ν are unchanged) and the log-likelihood shifts by T ln 100. Every parameter agrees with arch's
within a twentieth of arch's standard error, and the log-likelihoods within 0.01."""),
    ("code", """ref = arch_model(100 * returns, mean="Constant", vol="GARCH", p=1, q=1, dist="t").fit(disp="off")
ours = {"mu": params["mean"]["estimate"] * 100, "omega": params["omega"]["estimate"] * 1e4,
        "alpha[1]": params["alpha"]["estimate"], "beta[1]": params["beta"]["estimate"],
        "nu": params["innovations.student_t"]["estimate"]}
compare = pd.DataFrame({"scengine": pd.Series(ours), "arch": ref.params, "arch std err": ref.std_err})
compare["difference / std err"] = (compare["scengine"] - compare["arch"]) / compare["arch std err"]
assert (compare["difference / std err"].abs() < 0.05).all(), compare
loglik = fit["assets"]["SPX"]["loglik"] - len(returns) * np.log(100)
print(f"log-likelihood: scengine {loglik:.4f}, arch {ref.loglikelihood:.4f}")
assert abs(loglik - ref.loglikelihood) < 0.01
compare"""),
    ("markdown", """## Run the calibrated scenario

10,000 paths of the next 252 business days from the last close (2018-12-31), starting from the
fitted one-step-ahead variance."""),
    ("code", """run = work / "run"
result = subprocess.run([scengine, "run", str(work / "garch.yaml"), "--out", str(run),
                         "--progress", "none"], capture_output=True, text=True, check=True)
print(result.stdout)
manifest = json.loads((run / "manifest.json").read_text())
prices = np.load(run / "baseline/prices.npy", mmap_mode="r")[:, :, 0]
assert prices[0, 0] == closes.iloc[-1]
dates = pd.to_datetime(manifest["dates"])
q = np.quantile(prices, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
history = closes[closes.index >= "2016-01-01"]
fig, ax = plt.subplots(figsize=(11, 4.5))
ax.plot(history.index, history, color="black", lw=1, label="S&P 500 (real, adjusted close)")
ax.fill_between(dates, q[0], q[4], color="tab:blue", alpha=0.2, label="simulated 5–95%")
ax.fill_between(dates, q[1], q[3], color="tab:blue", alpha=0.4, label="simulated 25–75%")
ax.plot(dates, q[2], color="tab:blue", label="simulated median")
ax.set_xlabel("date"); ax.set_ylabel("index level (points)")
ax.set_title("S&P 500 history and the calibrated GARCH(1,1)-t scenario's next year")
ax.legend(loc="upper left"); plt.show()"""),
    ("markdown", """## Validate against the real series

`scengine validate` computes the stylized facts of every simulated path and of the real series'
last 252 returns, and places each real value in the ensemble's 5–95% band. The `score` is the
share of statistics inside."""),
    ("code", """result = subprocess.run([scengine, "validate", str(run), "--real", str(csv)],
                        capture_output=True, text=True, check=True)
print(result.stdout)
report = json.loads((run / "validation/report.json").read_text())
variant = report["variants"][0]
stats = pd.DataFrame([{"statistic": s["label"], "group": s["group"], "real": s["band"]["real"],
                       "p05": s["band"]["p05"], "median": s["band"]["median"],
                       "p95": s["band"]["p95"], "rank (%)": s["band"]["rank"],
                       "inside": s["band"]["inside"]}
                      for s in variant["assets"][0]["statistics"]])
assert stats["inside"].sum() == variant["inside"] and len(stats) == variant["scored"]
assert abs(variant["score"] - variant["inside"] / variant["scored"]) < 1e-12
assert f"score {report['score']:.2f}" in result.stdout
# One statistic recomputed here: the annualized volatility of the last 252 real returns.
real = returns[-report["returns_compared"]:]
ann_vol = stats.set_index("statistic").loc["Annualized volatility", "real"]
assert abs(ann_vol - real.std(ddof=1) * np.sqrt(252)) < 1e-12
print(f"score {report['score']:.3f}: {variant['inside']} of {variant['scored']} statistics "
      f"inside their band; outside: {', '.join(stats.loc[~stats['inside'], 'statistic'])}")
stats.round(4)"""),
    ("code", """fig, ax = plt.subplots(figsize=(10, 0.32 * len(stats) + 2))
y = np.arange(len(stats))
ax.axvspan(5, 95, color="tab:blue", alpha=0.12, label="ensemble 5–95% band")
ax.axvline(50, color="tab:blue", lw=1, label="ensemble median")
ax.scatter(stats["rank (%)"], y, c=np.where(stats["inside"], "tab:green", "tab:red"), zorder=3,
           clip_on=False, label="real S&P 500 (green inside, red outside)")
ax.set_yticks(y, stats["statistic"]); ax.invert_yaxis()
ax.set_xlim(0, 100); ax.set_xlabel("percentile rank of the real value among the 10,000 paths (%)")
ax.set_title(f"Stylized facts of the last year of the S&P 500 against the GARCH-t ensemble "
             f"(score {report['score']:.2f})")
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.07 * 19 / len(stats) - 0.04), ncol=3,
          fontsize=9, frameon=False)
fig.tight_layout(); plt.show()"""),
    ("markdown", """The fitted GARCH(1,1) reproduces the fat tails and volatility clustering of the index; a
symmetric GARCH cannot produce the leverage effect (returns and later volatility negatively
correlated), which is where the real series falls outside. A GJR or EGARCH fit
(`--model gjr`, `--model egarch`) adds that asymmetry. `validate` also wrote a self-contained page
with its own charts: `out/notebooks/sp500/run/validation/report.html`."""),
    ("code", """outside = stats.loc[~stats["inside"], "group"].tolist()
assert outside and set(outside) <= {"leverage"}, outside
for _, s in stats.loc[~stats["inside"]].iterrows():
    print(f"outside: {s['statistic']}: real {s['real']:.3f}, ensemble 5–95% band "
          f"[{s['p05']:.3f}, {s['p95']:.3f}]")"""),
]
