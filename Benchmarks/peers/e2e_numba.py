"""numba peer of the EndToEndBenchmarks suite: a numba script that simulates and saves paths.

As ``e2e_numpy.py``, whose scenario check and child process it shares, but the script a numba
user would write: ``python peers/e2e_numba.py --save DIR key=value ...`` (interpreter start,
``import numba`` and loading the cached compiled code included) simulates the GBM of the
scenario with the ``gbm_correlated`` kernel of ``processes_numba.py`` straight into one
``(paths, steps + 1, assets)`` array of the ``precision`` tag (float64, or float32: the kernel
computes in float64 and stores float32) (path ``p`` into row ``p``; with ``threads=2`` the two
halves in a ``prange``, each with its own ``default_rng`` generator) and ``np.save``-s it as
``DIR/prices.npy``.

By hand: ``python peers/e2e_numba.py paths=10000 steps=252 assets=50 block=8 seed=1
mu=0.02..0.1 sigma=0.1..0.4 s0=100.0 year=252 threads=1 scenario=scenarios/e2e-gbm50.yaml``.
"""

from pathlib import Path

from e2e_numpy import child_main, child_setup, precision  # first: one BLAS thread
from peerlib import split_paths, thread_count
from processes_numba import MODELS, Workload, describe_numba, simulate, use_threads

import numpy as np  # noqa: E402


def save_paths(directory, tags):
    """The numba script: simulate every path of the scenario and ``np.save`` the prices."""
    workload, threads = Workload(tags), thread_count(tags)
    use_threads(threads)
    kernel, params = MODELS["gbm"](tags, workload)
    prices = np.empty((workload.paths, workload.steps + 1, workload.assets),
                      dtype=precision(tags))
    counts = split_paths(workload.paths, threads)
    starts = np.cumsum([0] + counts)
    parts = tuple(prices[start:start + count] for start, count in zip(starts, counts))
    simulate(kernel, params, parts, workload.seed, counts)
    np.save(Path(directory) / "prices.npy", prices)


def setup(tags):
    return child_setup(__file__, "numba", tags)


if __name__ == "__main__":
    child_main("numba", setup, save_paths, describe_numba)
