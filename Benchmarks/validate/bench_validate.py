"""Times `scengine validate` against peer_validate.py (numpy/scipy) on the same files, side by side.

Generates once: a run of Benchmarks/scenarios/validate-garch3.yaml (three GJR-GARCH-t assets,
10,000 paths x 252 steps, float64 NPY) and a 5,000-day real series (a numpy GARCH(1,1)-t with
correlated shocks, fixed seed, `date,EQ,RATES,FX`). Then, in rounds that alternate the sides (after
one unmeasured warm-up each, so the files are in the page cache for both), runs
- `scengine validate RUN --real real.csv --out OUT` (every core, its default), and
- `python peer_validate.py RUN --real real.csv --out peer.json`,
each a fresh process, timed by wall clock from start to exit; the best of the rounds is the
figure. Also shown: scengine with --threads 1, the peer's compute time after its imports, and
the largest relative difference between the peer's numbers and report.json (the peer doubles as
a check of the engine).

Usage: python bench_validate.py --bin PATH/TO/scengine [--rounds 3] [--work DIR]
"""

import argparse
import datetime
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SCENARIO = HERE.parent / "scenarios" / "validate-garch3.yaml"
PEER = HERE / "peer_validate.py"
TARGET = 5.0
ASSETS = ["EQ", "RATES", "FX"]
REAL_DAYS = 5000


def business_days(count: int, start=datetime.date(2006, 1, 2)) -> list[str]:
    days, d = [], start
    while len(days) < count:
        if d.weekday() < 5:
            days.append(d.isoformat())
        d += datetime.timedelta(days=1)
    return days


def write_real(path: Path, rows: int = REAL_DAYS, seed: int = 20061011):
    """GARCH(1,1) with Student-t (nu = 5) shocks of correlation 0.3, three assets."""
    rng = np.random.default_rng(seed)
    a, nu = len(ASSETS), 5.0
    chol = np.linalg.cholesky(np.full((a, a), 0.3) + 0.7 * np.eye(a))
    z = rng.standard_normal((rows - 1, a)) @ chol.T
    z *= np.sqrt((nu - 2) / rng.chisquare(nu, (rows - 1, 1)))
    omega, alpha, beta = np.array([2e-6, 4e-7, 1e-6]), 0.08, 0.9
    s2 = omega / (1 - alpha - beta)
    r = np.empty_like(z)
    for t in range(rows - 1):
        r[t] = np.sqrt(s2) * z[t]
        s2 = omega + alpha * r[t] ** 2 + beta * s2
    prices = np.array([100.0, 100.0, 1.1]) * np.exp(
        np.vstack([np.zeros(a), np.cumsum(r, axis=0)]))
    with path.open("w") as f:
        f.write("date," + ",".join(ASSETS) + "\n")
        for day, row in zip(business_days(rows), prices):
            f.write(day + "," + ",".join(repr(float(x)) for x in row) + "\n")


def timed(command: list[str], env=None) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                            env=env)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr}")
    return seconds, result.stderr


def leaves(value, where=""):
    """(path, number) for every number, lists of named objects keyed by their name."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            label = i
            if isinstance(item, dict):
                label = next((item[k] for k in ("name", "variant", "series", "horizon")
                              if isinstance(item.get(k), (str, int))), i)
            yield from leaves(item, f"{where}[{label}]")
    elif isinstance(value, bool) or value is None or isinstance(value, str):
        yield where, value
    elif isinstance(value, (int, float)):
        yield where, float(value)


def agreement(peer: dict, report: dict) -> tuple[float, str, int, list[str]]:
    """The largest relative difference over the peer's numbers (1e-12 absolute floor near 0),
    where it is, how many numbers were compared, and mismatched verdicts or nulls."""
    engine = dict(leaves(report))
    worst, where, count, mismatches = 0.0, "", 0, []
    for path, value in leaves(peer):
        if path not in engine:
            if value is not None:
                mismatches.append(f"{path}: not in report.json")
            continue
        other = engine[path]
        if not isinstance(value, float) or not isinstance(other, float):
            if value != other:
                mismatches.append(f"{path}: peer {value!r}, engine {other!r}")
            continue
        count += 1
        difference = abs(value - other) / abs(value) if abs(value - other) > 1e-12 else 0.0
        if difference > worst:
            worst, where = difference, path
    return worst, where, count, mismatches


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True, help="the scengine binary")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", type=Path, help="folder for the run and the reports "
                        "(default: a temporary folder, removed afterwards)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="scengine-bench-validate-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    try:
        run, real = work / "run", work / "real.csv"
        if not (run / "manifest.json").is_file():
            subprocess.run([args.bin, "run", str(SCENARIO), "--out", str(run), "--progress",
                            "none", "--force"], check=True, stdin=subprocess.DEVNULL,
                           capture_output=True)
        write_real(real)
        manifest = json.loads((run / "manifest.json").read_text())
        shape = f"{manifest['paths']:,} paths x {manifest['steps']} steps x " \
                f"{len(manifest['assets'])} assets"

        engine = [args.bin, "validate", str(run), "--real", str(real), "--out",
                  str(work / "engine")]
        engine1 = engine[:-1] + [str(work / "engine-1")] + ["--threads", "1"]
        peer = [sys.executable, str(PEER), str(run), "--real", str(real), "--out",
                str(work / "peer.json"), "--qq-from", str(work / "engine" / "report.json")]
        sides = {"scengine validate": engine, "scengine validate --threads 1": engine1,
                 "numpy/scipy peer": peer}
        times = {name: [] for name in sides}
        compute = []
        timed(engine, env)  # warm-up (and the report whose QQ probabilities the peer uses)
        timed(engine1, env)
        timed(peer, env)
        load = [os.getloadavg()[0]]
        for r in range(args.rounds):
            order = list(sides)[r % 3:] + list(sides)[: r % 3]
            for name in order:
                seconds, stderr = timed(sides[name], env)
                times[name].append(seconds)
                if name == "numpy/scipy peer":
                    compute.append(float(stderr.split("compute_seconds=")[1].split()[0]))
        load.append(os.getloadavg()[0])

        report = json.loads((work / "engine" / "report.json").read_text())
        peer_report = json.loads((work / "peer.json").read_text())
        worst, where, count, mismatches = agreement(peer_report, report)

        best = {name: min(t) for name, t in times.items()}
        peer_best = best["numpy/scipy peer"]
        print(f"scengine validate vs numpy/scipy: {shape}, real series {REAL_DAYS:,} days; "
              f"best of {args.rounds} wall-clock runs per side (fresh processes, rounds "
              f"alternate the sides, one warm-up each)")
        print(f"machine: {platform.node()} ({platform.machine()}, {os.cpu_count()} cores), "
              f"numpy {np.__version__}, scipy {__import__('scipy').__version__}; load average "
              f"(1 min) {load[0]:.1f} at the start, {load[1]:.1f} at the end")
        print("-" * 94)
        print(f"{'side':32} | {'best s':>8} | {'runs s':>26} | {'peer / side':>11}")
        print("-" * 94)
        for name, t in times.items():
            runs = " ".join(f"{x:.2f}" for x in t)
            print(f"{name:32} | {best[name]:8.2f} | {runs:>26} | {peer_best / best[name]:10.1f}x")
        compute_runs = " ".join(f"{x:.2f}" for x in compute)
        print(f"{'peer compute (after imports)':32} | {min(compute):8.2f} | {compute_runs:>26} |")
        print("-" * 94)
        ratio = peer_best / best["scengine validate"]
        strict = min(compute) / best["scengine validate"]
        print(f"speed-up of scengine validate: {ratio:.1f}x the peer's whole process, "
              f"{strict:.1f}x its compute alone; target >= {TARGET:.0f}x: "
              f"{'met' if strict >= TARGET else ('met for the process' if ratio >= TARGET else 'NOT met')}")
        print(f"engine's own figure (report.json seconds): {report['seconds']:.2f} s; "
              f"ensemble {report['ensemble_paths']:,} paths, {report['returns_compared']} returns "
              f"compared")
        print(f"agreement: {count:,} numbers compared, largest relative difference {worst:.2e}"
              f"{' at ' + where if where else ''}; {len(mismatches)} verdict/null mismatches"
              + ("".join("\n  " + m for m in mismatches[:10])))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
