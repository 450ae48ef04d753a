"""`scengine validate` against an independent recomputation of every figure of report.json.

The run is Scenarios/volatility-clustering-garch.yaml (two assets, GJR-GARCH-t, variants
`baseline` and `shock`) with 300 paths; the real series are prices simulated here from a
correlated GARCH(1,1)-t with a fixed seed, written as `date,EQ,BOND` CSVs of ISO dates. For each
case validate_reference.recompute() rebuilds report.json from prices.npy, summary.json and the
CSV with numpy, scipy and statsmodels, following issue 11's definitions; every number must agree
to 1e-9 relative (1e-12 absolute near 0). A second run (one asset, 9,000 steps, 1,000 paths)
checks the ensemble cap N = min(P, max(200, floor(2^23 / ((steps + 1) A)))) < P.

Bad input (no manifest, a SHA-256 mismatch, an unknown variant, too few real rows, columns not
in the run or not in the CSV) must exit 2 with a message on stderr naming the culprit and write
nothing.
"""

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import validate_reference as ref
from validate_support import (REPO, assert_same, garch_t_prices, run_scenario, scengine,
                              scengine_binary, validate, write_csv)

SCENARIO = REPO / "Scenarios" / "volatility-clustering-garch.yaml"
PATHS = 300
ASSETS = ["EQ", "BOND"]

LONG_SCENARIO = """\
name: validate-long
seed: 20261202
paths: 1000
time: {steps: 9000, dt: 1/252}
assets: [X]
initial: 50
model:
  gbm: {drift: 0.05, volatility: 0.2}
output: {format: npy, precision: float32, emit: [prices]}
variants:
  baseline: {}
"""


@pytest.fixture(scope="module")
def binary() -> Path:
    return scengine_binary()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("validate")


@pytest.fixture(scope="module")
def run_dir(binary, folder) -> Path:
    return run_scenario(binary, SCENARIO, folder / "run", "--paths", PATHS)


@pytest.fixture(scope="module")
def real_long(folder) -> Path:
    """701 rows, one with an empty cell: 699 returns > 252 steps (shorter = synthetic)."""
    return write_csv(folder / "real-long.csv", ASSETS, garch_t_prices(701, 2, seed=11),
                     blank={350: "BOND"})


def expected_report(run: Path, real: Path | None, **options) -> dict:
    expected = ref.recompute(run, real, **options)
    manifest = json.loads((run / "manifest.json").read_text())
    validated = options.get("columns") or manifest["assets"]
    index = [manifest["assets"].index(a) for a in validated]
    expected["run"] = {
        "scenario": manifest["scenario"]["name"], "seed": manifest["seed"],
        "paths": manifest["paths"], "steps": manifest["steps"], "dt": manifest["dt"],
        "assets": manifest["assets"], "validated_assets": validated,
        "initial": [manifest["initial"][i] for i in index], "dates": manifest.get("dates"),
        "manifest_sha256": hashlib.sha256((run / "manifest.json").read_bytes()).hexdigest(),
    }
    expected["engine"] = "scengine"
    expected["format_version"] = 1
    return expected


def check(report: dict, run: Path, real: Path | None, **options):
    # The QQ plot's probabilities are the engine's choice: any increasing grid inside (0, 1),
    # the same for every chart; the quantiles at them are checked.
    qq = report["variants"][0]["assets"][0]["charts"]["qq_probabilities"]
    assert len(qq) >= 10 and all(0 < a < b < 1 for a, b in zip(qq, qq[1:])), qq
    expected = expected_report(run, real, qq_probabilities=qq, **options)
    # The structure first, so that a missing statistic is named rather than skipped.
    for variant in report["variants"]:
        for asset in variant["assets"]:
            assert [s["name"] for s in asset["statistics"]] == [k for k, _ in ref.SCALARS]
            assert [s["group"] for s in asset["statistics"]] == [g for _, g in ref.SCALARS]
            assert {c["name"]: c["lags"] for c in asset["curves"]} == ref.CURVES
    assert_same(expected, report)
    if real is None:
        assert report.get("score") is None and report.get("real") is None
    else:
        assert 0 <= report["score"] <= 1
        assert report["real"]["file"] == str(real)
    return expected


def test_report_with_a_longer_real_series_matches_the_recomputation(binary, run_dir, real_long,
                                                                    folder):
    report = validate(binary, run_dir, folder / "out-long", "--real", real_long)
    assert report["shorter"] == "synthetic" and report["returns_compared"] == 252
    assert report["real"]["rows_dropped"] == 1 and report["real"]["returns"] == 699
    assert [v["name"] for v in report["variants"]] == ["baseline", "shock"]
    assert report["ensemble_paths"] == PATHS
    expected = check(report, run_dir, real_long)
    # The risk rows: the portfolio first, then each asset; the first variant's differences 0.
    assert [s["series"] for s in report["risk"][0]["series"]] == ["portfolio", *ASSETS]
    assert all(v == 0 for s in report["risk"][0]["series"] for v in s["difference"].values())
    assert expected["variants"][0]["scored"] == 2 * len(ref.SCALARS) + 1


def test_report_without_real_series_matches_the_recomputation(binary, run_dir, folder):
    report = validate(binary, run_dir, folder / "out-none")
    assert report["shorter"] == "synthetic" and report["returns_compared"] == 252
    check(report, run_dir, None)
    for variant in report["variants"]:
        assert variant.get("score") is None and variant["scored"] == 0
        for asset in variant["assets"]:
            assert asset.get("distributions") is None
            assert all(s["band"].get("inside") is None and s["band"].get("real") is None
                       for s in asset["statistics"])


def test_report_with_a_shorter_real_series_one_variant_and_one_column(binary, run_dir, folder):
    """120 rows (119 returns < 252 steps): per-path statistics over the first 119 steps."""
    csv = write_csv(folder / "real-short.csv", ASSETS, garch_t_prices(120, 2, seed=12))
    report = validate(binary, run_dir, folder / "out-short", "--real", csv, "--variant", "shock",
                      "--columns", "EQ")
    assert report["shorter"] == "real" and report["returns_compared"] == 119
    assert [v["name"] for v in report["variants"]] == ["shock"]
    assert report["run"]["validated_assets"] == ["EQ"]
    assert report["variants"][0].get("correlation") is None
    check(report, run_dir, csv, variants=["shock"], columns=["EQ"])


def test_report_with_a_real_series_as_long_as_the_run(binary, run_dir, folder):
    csv = write_csv(folder / "real-equal.csv", ASSETS, garch_t_prices(253, 2, seed=13))
    report = validate(binary, run_dir, folder / "out-equal", "--real", csv)
    assert report["shorter"] == "equal" and report["returns_compared"] == 252
    check(report, run_dir, csv)


def test_the_ensemble_is_capped_by_the_work_per_path(binary, folder):
    """9,000 steps of one asset: N = min(1000, max(200, floor(2^23 / 9001))) = 931 paths."""
    scenario = folder / "long.yaml"
    scenario.write_text(LONG_SCENARIO)
    run = run_scenario(binary, scenario, folder / "run-long")
    csv = write_csv(folder / "real-x.csv", ["X"], garch_t_prices(300, 1, seed=14))
    report = validate(binary, run, folder / "out-cap", "--real", csv)
    assert report["ensemble_paths"] == 931
    assert report["shorter"] == "real" and report["returns_compared"] == 299
    check(report, run, csv)


# Bad input ---------------------------------------------------------------------------------


def assert_refused(binary, args, out: Path, names: list[str]):
    result = scengine(binary, "validate", *args, "--out", out)
    assert result.returncode == 2, (
        f"expected exit 2, observed {result.returncode}; stderr: {result.stderr}")
    message = result.stderr.strip()
    assert message, "no message on stderr"
    assert any(name in message for name in names), (
        f"the message names none of {names}: {message}")
    written = list(out.iterdir()) if out.exists() else []
    assert not written, f"--out holds {written} after a refused validation"


def test_a_folder_without_manifest_is_refused(binary, run_dir, tmp_path):
    broken = tmp_path / "run"
    shutil.copytree(run_dir, broken, ignore=shutil.ignore_patterns("manifest.json"))
    assert_refused(binary, [broken], tmp_path / "out", ["manifest.json", "manifest"])


def test_a_path_file_whose_sha256_differs_is_refused(binary, run_dir, tmp_path):
    broken = tmp_path / "run"
    shutil.copytree(run_dir, broken)
    prices = broken / "baseline" / "prices.npy"
    data = bytearray(prices.read_bytes())
    data[len(data) // 2] ^= 0x01
    prices.write_bytes(bytes(data))
    assert_refused(binary, [broken], tmp_path / "out", ["baseline/prices.npy", "prices.npy"])
    # The same with --out left to its default, inside the run: nothing written there either.
    result = scengine(binary, "validate", broken)
    assert result.returncode == 2, result.stderr
    assert not (broken / "validation").exists() or not list((broken / "validation").iterdir())


def test_an_unknown_variant_is_refused(binary, run_dir, tmp_path):
    assert_refused(binary, [run_dir, "--variant", "no-such-variant"], tmp_path / "out",
                   ["no-such-variant"])


def test_a_real_series_with_too_few_rows_is_refused(binary, run_dir, tmp_path):
    """60 returns are the fewest: 60 rows (59 returns) are refused."""
    csv = write_csv(tmp_path / "few.csv", ASSETS, garch_t_prices(60, 2, seed=15))
    assert_refused(binary, [run_dir, "--real", csv], tmp_path / "out", ["few.csv"])


def test_columns_not_in_the_run_are_refused(binary, run_dir, tmp_path, real_long):
    assert_refused(binary, [run_dir, "--real", real_long, "--columns", "EQ,GOLD"],
                   tmp_path / "out", ["GOLD"])


def test_a_real_csv_without_a_column_of_the_run_is_refused(binary, run_dir, tmp_path):
    csv = write_csv(tmp_path / "eq-only.csv", ["EQ"], garch_t_prices(300, 1, seed=16))
    assert_refused(binary, [run_dir, "--real", csv], tmp_path / "out", ["BOND"])
