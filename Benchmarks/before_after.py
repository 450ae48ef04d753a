"""Two builds of the process suite against each other and against the numpy peer, in one run.

    .venv/bin/python before_after.py BEFORE_BIN_PATH AFTER_BIN_PATH [--filter 'W[23]']
        [--threads 1 2] [--rounds 5]

Each BIN_PATH is the `--show-bin-path` of a `swift build -c release --product
ProcessBenchmarks` of this package at some commit (for example the merge base, extracted with
`git archive`, and the branch). For every workload and thread count the three sides (before,
after, numpy) run in fresh processes, one warm-up each, then `--rounds` measured runs in
rotating order, as `compare.py` does; the table gives the medians, after/before and each build
against numpy. numba is left out to keep the run short; `make bench` measures it.
"""

import argparse
import os
import re
import time
from functools import partial
from pathlib import Path

import compare
from compare import (Peer, SwiftSuite, alternate, benchmark_environment, millions,
                     rate_summary)


def workloads(executable, env, pattern):
    suite = SwiftSuite(executable, env)
    try:
        return [b["name"] for b in suite.benchmarks() if re.search(pattern, b["name"], re.I)]
    finally:
        suite.close()


def measure(before, after, name, threads, env, rounds):
    suite_env = dict(env, SCENGINE_BENCH_THREADS=str(threads))
    suites = {"before": SwiftSuite(before, suite_env), "after": SwiftSuite(after, suite_env)}
    numpy = Peer(compare.SUITES["ProcessBenchmarks"]["numpy"], env)
    try:
        runs, tags = {}, None
        for side, suite in suites.items():
            benchmark = next(b for b in suite.benchmarks() if b["name"] == name)
            tags = benchmark["configuration"]["tags"]
            runs[side] = partial(suite.run, benchmark)
        runs["numpy"] = partial(numpy.run, tags)
        times = alternate(runs, rounds, f"{name}, {threads} thread(s)")
    finally:
        for suite in suites.values():
            suite.close()
        numpy.close()
    values = int(tags["values"])
    return {side: rate_summary(values, times[side]) for side in times}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--filter", default="W[23]")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    env, _ = benchmark_environment()
    before = args.before / "ProcessBenchmarks"
    after = args.after / "ProcessBenchmarks"
    load, started = os.getloadavg()[0], time.monotonic()
    rows = []
    for name in workloads(after, env, args.filter):
        for threads in args.threads:
            rows.append((name, threads, measure(before, after, name, threads, env, args.rounds)))
    print(f"\nbefore {before}\nafter  {after}\n{args.rounds} runs per side after one warm-up, "
          f"rotating order; load average (1 min) {load:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end; {time.monotonic() - started:.0f} s")
    header = ("workload", "threads", "before M values/s", "after M values/s", "numpy M values/s",
              "after/before", "before/numpy", "after/numpy")
    print(" | ".join(header))
    for name, threads, r in rows:
        cell = {side: f"{millions(r[side]['median'])} ({millions(r[side]['min'])}-"
                      f"{millions(r[side]['max'])})" for side in r}
        print(" | ".join([name, str(threads), cell["before"], cell["after"], cell["numpy"],
                          f"{r['after']['median'] / r['before']['median']:.3f}",
                          f"{r['before']['median'] / r['numpy']['median']:.2f}",
                          f"{r['after']['median'] / r['numpy']['median']:.2f}"]))


if __name__ == "__main__":
    main()
