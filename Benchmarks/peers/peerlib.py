"""What every numpy peer shares: the benchmark correlation, BLAS settings and the protocol.

A peer is a script with a ``setup(tags) -> run`` function: ``setup`` builds everything outside
the measured region from the tags of the Swift benchmark (all values are strings) and returns a
zero-argument ``run`` that does the measured work once. ``main(setup)`` then serves it:

* ``peer.py --serve``: reads one JSON object per line on stdin, ``{"run": {tags}}``, and
  answers each with one line ``{"seconds": s}`` (or ``{"error": "..."}``); the first line it
  writes describes the peer (numpy version, BLAS libraries in use). ``compare.py`` talks to
  peers this way, so that numpy is imported once and runs alternate with the Swift suite's.
* ``peer.py key=value ...``: runs the workload given by the tags on the command line (one
  warm-up, then ``--runs`` measured runs, default 5) and prints the timings, for use by hand.
"""

import argparse
import json
import os
import sys
import time

# One thread, whatever the machine says; must be set before numpy loads its BLAS.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402


def benchmark_correlation(assets):
    """The matrix of ``BenchmarkCorrelation.oneFactor(assets:)`` in Sources/BenchmarkSupport.

    ``C[i][j] = 0.3 + k_i k_j / 50000`` off the diagonal, 1 on it, ``k_i = (41 i mod 101) - 50``:
    the same integer product, division and addition as the Swift code, so bit-identical.
    """
    k = (41 * np.arange(assets, dtype=np.int64)) % 101 - 50
    c = 0.3 + np.outer(k, k).astype(np.float64) / 50_000
    np.fill_diagonal(c, 1.0)
    return c


def asset_values(tag, assets):
    """The per-asset values of an ``AssetSpread`` tag (Sources/BenchmarkSupport): ``"0.05"`` for
    every asset, or ``"0.02..0.1"`` spaced linearly, ``first + (last - first) * a / (n - 1)``,
    the same operations as the Swift side, so bit-identical."""
    first, _, last = tag.partition("..")
    first, last = float(first), float(last or first)
    if assets == 1 or first == last:
        return np.full(assets, first)
    return first + (last - first) * np.arange(assets, dtype=np.float64) / (assets - 1)


def floats(tag):
    """A comma-separated list of numbers, as an array."""
    return np.array([float(x) for x in tag.split(",")])


def describe():
    """numpy's version and the BLAS libraries it loaded (threadpoolctl)."""
    blas = [
        {key: lib.get(key) for key in ("internal_api", "version", "architecture", "num_threads",
                                       "threading_layer", "filepath")}
        for lib in threadpool_info() if lib.get("user_api") == "blas"
    ]
    return {"numpy": np.__version__, "blas": blas}


def _timed(setup, tags):
    run = setup(tags)
    start = time.perf_counter_ns()
    run()
    return (time.perf_counter_ns() - start) / 1e9


def _serve(setup):
    out = sys.stdout
    out.write(json.dumps({"peer": describe()}) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            reply = {"seconds": _timed(setup, request["run"])}
        except Exception as error:  # report, keep serving
            reply = {"error": f"{type(error).__name__}: {error}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


def main(setup):
    parser = argparse.ArgumentParser(description=sys.modules["__main__"].__doc__)
    parser.add_argument("--serve", action="store_true", help="answer run requests on stdin")
    parser.add_argument("--runs", type=int, default=5, help="measured runs (default 5)")
    parser.add_argument("tags", nargs="*", metavar="key=value", help="workload tags")
    args = parser.parse_args()
    with threadpool_limits(limits=1):
        if args.serve:
            _serve(setup)
            return
        tags = dict(tag.split("=", 1) for tag in args.tags)
        print(json.dumps(describe()))
        _timed(setup, tags)  # warm-up
        seconds = sorted(_timed(setup, tags) for _ in range(args.runs))
        values = int(tags["values"]) if "values" in tags else None
        for s in seconds:
            rate = f"  {values / s:.4g} values/s" if values else ""
            print(f"{s:.4f} s{rate}")
        print(f"median {seconds[len(seconds) // 2]:.4f} s")
