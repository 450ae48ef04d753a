"""The report tells a fat-tailed, clustered market from a Gaussian one.

"Real" is one long path (4,500 daily steps) that scengine simulates from a GARCH(1,1) with
Student-t innovations (nu = 6, alpha = 0.08, beta = 0.90: the stylized facts of an equity index).
Then:
- the same GARCH-t scenario, with another seed and 400 paths of the same length, must put the
  real excess kurtosis and the real sum of the |r| autocorrelations (lags 1..50) inside its
  5-95% bands;
- a GBM fitted to the real series by `scengine calibrate --model gbm` (same variance, no tails,
  no clustering), 400 paths of the same length, must put both outside its bands.
Seeds are fixed, so the outcome is deterministic; the bands are 5-95%, so a same-model real
series lands inside each with probability 0.9 for a random seed (both seeds here do).
"""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from validate_support import run_scenario, scengine, scengine_binary, validate, write_csv

STEPS = 4500
PATHS = 400

GARCH_T = """\
name: garch-t-market
description: GARCH(1,1) with Student-t innovations, the stand-in for a real equity index.
seed: {seed}
paths: {paths}
time: {{steps: {steps}, dt: 1/252}}
assets: [SPX]
initial: 100
model:
  garch:
    type: garch
    mean: 0.0003
    omega: 2.0e-6
    alpha: 0.08
    beta: 0.90
    innovations: {{student_t: 6}}
    initial_variance: unconditional
output: {{format: npy, precision: float64, emit: [prices]}}
variants:
  baseline: {{}}
"""


def band(report: dict, name: str) -> dict:
    statistics = report["variants"][0]["assets"][0]["statistics"]
    return next(s["band"] for s in statistics if s["name"] == name)


def describe(name: str, b: dict) -> str:
    return (f"{name}: real {b['real']:.4g}, band [{b['p05']:.4g}, {b['p95']:.4g}] "
            f"(median {b['median']:.4g}, rank {b['rank']:.1f}), inside={b['inside']}")


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    binary = scengine_binary()
    folder = tmp_path_factory.mktemp("discrimination")
    real_yaml = folder / "real.yaml"
    real_yaml.write_text(GARCH_T.format(seed=20080915, paths=1, steps=STEPS))
    real_run = run_scenario(binary, real_yaml, folder / "real-run")
    prices = np.load(real_run / "baseline" / "prices.npy")[0]  # [steps + 1, 1]
    csv = write_csv(folder / "real.csv", ["SPX"], prices)

    fitted = folder / "gbm.yaml"
    result = scengine(binary, "calibrate", csv, "--model", "gbm", "--out", fitted)
    assert result.returncode == 0, result.stderr
    text, count = re.subn(r"steps:\s*\d+", f"steps: {STEPS}", fitted.read_text(), count=1)
    assert count == 1, f"no `steps:` in the fitted scenario:\n{fitted.read_text()}"
    fitted.write_text(text)

    garch_yaml = folder / "garch.yaml"
    garch_yaml.write_text(GARCH_T.format(seed=19871019, paths=PATHS, steps=STEPS))
    out = {}
    for name, scenario in (("garch", garch_yaml), ("gbm", fitted)):
        run = run_scenario(binary, scenario, folder / f"{name}-run", "--paths", PATHS)
        manifest = json.loads((run / "manifest.json").read_text())
        assert manifest["steps"] == STEPS and manifest["paths"] == PATHS
        out[name] = validate(binary, run, folder / f"{name}-report", "--real", csv)
        assert out[name]["shorter"] == "equal" and out[name]["returns_compared"] == STEPS
    return out


@pytest.mark.parametrize("statistic", ["excess_kurtosis", "acf_abs_sum"])
def test_the_same_garch_t_model_puts_the_real_value_inside_its_band(reports, statistic):
    b = band(reports["garch"], statistic)
    assert b["inside"] is True, "GARCH-t paths should cover the real " + describe(statistic, b)


@pytest.mark.parametrize("statistic", ["excess_kurtosis", "acf_abs_sum"])
def test_a_fitted_gbm_puts_the_real_value_outside_its_band(reports, statistic):
    b = band(reports["gbm"], statistic)
    assert b["inside"] is False, "GBM paths should not cover the real " + describe(statistic, b)


def test_the_garch_t_model_scores_higher_than_the_gbm(reports):
    garch, gbm = reports["garch"]["score"], reports["gbm"]["score"]
    assert garch > gbm, f"score: GARCH-t {garch}, GBM {gbm}"
