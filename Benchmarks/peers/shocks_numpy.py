"""numpy peer of the ShockBenchmarks suite: correlated standard normal shocks.

The same work as ``CorrelatedShockGenerator.fill(paths:steps:into:)`` over all paths: for each
block of paths, ``default_rng(seed).standard_normal((block, steps, assets))`` (``--bitgen
philox``: ``Generator(Philox(seed))``, ``peerlib.generator``) and then
``@ L.T`` with ``L = numpy.linalg.cholesky(C)``, one thread. Buffers are allocated and touched
outside the measured region and reused (``out=``), and the product is one matrix product over
the block (``(block * steps) × assets`` by ``assets × assets``), numpy's fastest form of it.

By hand: ``python peers/shocks_numpy.py paths=10000 steps=252 assets=50 block=256 seed=1``.
"""

import numpy as np

from peerlib import benchmark_correlation, generator, main


def setup(tags):
    paths, steps, assets = int(tags["paths"]), int(tags["steps"]), int(tags["assets"])
    block, seed = int(tags["block"]), int(tags["seed"])
    lower_t = np.ascontiguousarray(np.linalg.cholesky(benchmark_correlation(assets)).T)
    normals = np.zeros((block, steps, assets))
    shocks = np.zeros((block, steps, assets))

    def run():
        rng = generator(seed)
        for start in range(0, paths, block):
            count = min(block, paths - start)
            z = normals[:count]
            rng.standard_normal(out=z)
            np.matmul(z.reshape(-1, assets), lower_t, out=shocks[:count].reshape(-1, assets))

    return run


if __name__ == "__main__":
    main(setup)
