"""Floors to read the benchmark table against: numpy's normal generation rate and the memory
write rate of this machine, one thread each, measured by ``compare.py`` at the start and at the
end of its run.

* Normals: ``rng.standard_normal(out=buffer)`` into a preallocated, cache-sized float64 buffer
  (2^17 values, 1 MiB, the block size of the process suite), 128 times a run, for
  ``numpy.random.default_rng()`` (PCG64) and ``Generator(Philox())`` (the numpy peers' generator).
* Memory writes: ``buffer.fill(1.0)`` of a preallocated, already mapped 256 MiB float64 buffer.

Prints one JSON object: for each floor, the rates of the ``--runs`` runs (after one warm-up),
in values per second (8 bytes a value).

By hand: ``python peers/floors.py [--runs 5]``.
"""

import argparse
import json
import time

import peerlib  # noqa: F401 (first: one BLAS thread)

import numpy as np  # noqa: E402

NORMAL_BLOCK = 1 << 17
NORMAL_REPEATS = 128
WRITE_VALUES = 1 << 25  # 256 MiB of float64


def rates(work, values, runs):
    """``values`` per second of ``work()``, for each of ``runs`` runs after one warm-up."""
    work()
    result = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        work()
        result.append(values / ((time.perf_counter_ns() - start) / 1e9))
    return result


def normal_rates(rng, runs):
    buffer = np.ones(NORMAL_BLOCK)

    def work():
        for _ in range(NORMAL_REPEATS):
            rng.standard_normal(out=buffer)

    return rates(work, NORMAL_BLOCK * NORMAL_REPEATS, runs)


def write_rates(runs):
    buffer = np.empty(WRITE_VALUES)
    buffer.fill(0.0)  # map every page before the measurement
    return rates(lambda: buffer.fill(1.0), WRITE_VALUES, runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs of each floor")
    args = parser.parse_args()
    print(json.dumps({
        "normals_pcg64": normal_rates(np.random.default_rng(), args.runs),
        "normals_philox": normal_rates(np.random.Generator(np.random.Philox()), args.runs),
        "memory_write": write_rates(args.runs),
    }))


if __name__ == "__main__":
    main()
