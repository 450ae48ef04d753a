"""What every peer shares: the benchmark correlation, threads, BLAS settings and the protocol.

A peer is a script with a ``setup(tags) -> run`` function: ``setup`` builds everything outside
the measured region from the tags of the Swift benchmark (all values are strings) and returns a
zero-argument ``run`` that does the measured work once. ``main(setup)`` then serves it:

* ``peer.py --serve``: reads one JSON object per line on stdin, ``{"run": {tags}}``, and
  answers each with one line ``{"seconds": s}`` (or ``{"error": "..."}``); the first line it
  writes describes the peer (numpy version, BLAS libraries in use, and what ``main``'s
  ``describe`` adds). ``compare.py`` talks to peers this way, so that numpy is imported once
  and runs alternate with the Swift suite's.
* ``peer.py key=value ...``: runs the workload given by the tags on the command line (one
  warm-up, then ``--runs`` measured runs, default 5) and prints the timings, for use by hand.

The random numbers come from ``generator(stream)``: ``numpy.random.default_rng(stream)``
(PCG64, what a numpy user reaches for) unless ``--bitgen philox`` chose
``Generator(Philox(stream))``, the counter-based generator that scengine also uses.

The ``threads`` tag (default 1) is the number of worker threads: the paths are split into that
many contiguous parts (``split_paths``), each simulated by one thread with its own random
stream (``worker_streams``) and its own buffers; ``run_in_threads`` runs them. BLAS uses one
thread in every worker.
"""

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

# One BLAS thread per worker, whatever the machine says; must be set before numpy loads its BLAS.
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


def thread_count(tags):
    """The ``threads`` tag: the number of worker threads (default 1)."""
    return int(tags.get("threads", "1"))


def split_paths(paths, threads):
    """The path counts of ``threads`` contiguous parts of ``paths`` paths, as equal as can be."""
    return [paths * (w + 1) // threads - paths * w // threads for w in range(threads)]


def worker_streams(seed, threads):
    """One independent ``SeedSequence`` per worker thread, spawned from ``seed``."""
    return np.random.SeedSequence(seed).spawn(threads)


# The bit generators a peer can draw from (``--bitgen``), and the one in use.
BIT_GENERATORS = ("pcg64", "philox")
_bit_generator = "pcg64"


def use_bit_generator(name):
    """Makes ``generator`` draw from ``name``, one of ``BIT_GENERATORS``."""
    global _bit_generator
    if name not in BIT_GENERATORS:
        raise ValueError(f"unknown bit generator {name!r}; expected one of {BIT_GENERATORS}")
    _bit_generator = name


def bit_generator():
    """The name of the bit generator in use: ``pcg64`` (the default) or ``philox``."""
    return _bit_generator


def generator(stream):
    """A ``numpy.random.Generator`` seeded by ``stream`` (a ``SeedSequence`` or an integer):
    ``numpy.random.default_rng(stream)`` (PCG64), or ``Generator(Philox(stream))`` after
    ``use_bit_generator("philox")``."""
    if _bit_generator == "philox":
        return np.random.Generator(np.random.Philox(stream))
    return np.random.default_rng(stream)


_pools = {}


def run_in_threads(jobs):
    """Runs the zero-argument callables ``jobs``, one per thread, and waits for them all.

    One job runs on the calling thread; more run on a pool of as many threads, created once per
    process and then reused (numpy releases the GIL in its random and ufunc loops).
    """
    if len(jobs) == 1:
        jobs[0]()
        return
    pool = _pools.get(len(jobs))
    if pool is None:
        pool = _pools[len(jobs)] = ThreadPoolExecutor(len(jobs))
    for _ in pool.map(lambda job: job(), jobs):  # re-raises a worker's exception
        pass


def describe():
    """numpy's version, the bit generator and the BLAS libraries loaded (threadpoolctl)."""
    blas = [
        {key: lib.get(key) for key in ("internal_api", "version", "architecture", "num_threads",
                                       "threading_layer", "filepath")}
        for lib in threadpool_info() if lib.get("user_api") == "blas"
    ]
    return {"numpy": np.__version__, "bitgen": _bit_generator, "blas": blas}


def _timed(setup, tags):
    run = setup(tags)
    start = time.perf_counter_ns()
    run()
    return (time.perf_counter_ns() - start) / 1e9


def _serve(setup, description):
    out = sys.stdout
    out.write(json.dumps({"peer": description}) + "\n")
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


def main(setup, describe_peer=None):
    """Serves or runs ``setup``; ``describe_peer()`` adds to the description (a dict)."""
    parser = argparse.ArgumentParser(description=sys.modules["__main__"].__doc__)
    parser.add_argument("--serve", action="store_true", help="answer run requests on stdin")
    parser.add_argument("--runs", type=int, default=5, help="measured runs (default 5)")
    parser.add_argument("--bitgen", choices=BIT_GENERATORS, default="pcg64",
                        help="bit generator: pcg64 (numpy.random.default_rng, the default) or "
                             "philox (Generator(Philox()))")
    parser.add_argument("tags", nargs="*", metavar="key=value", help="workload tags")
    args = parser.parse_args()
    use_bit_generator(args.bitgen)
    with threadpool_limits(limits=1):
        description = dict(describe(), **(describe_peer() if describe_peer else {}))
        if args.serve:
            _serve(setup, description)
            return
        tags = dict(tag.split("=", 1) for tag in args.tags)
        print(json.dumps(description))
        _timed(setup, tags)  # warm-up
        seconds = sorted(_timed(setup, tags) for _ in range(args.runs))
        values = int(tags["values"]) if "values" in tags else None
        for s in seconds:
            rate = f"  {values / s:.4g} values/s" if values else ""
            print(f"{s:.4f} s{rate}")
        print(f"median {seconds[len(seconds) // 2]:.4f} s")
