"""numpy peer of the ProcessBenchmarks suite: price paths of GBM, Merton, GARCH-t and regimes.

The same work as ``PathSimulator.simulate(paths:into:workspace:)`` over all paths: for each
block of ``block`` paths, the float64 prices ``(block, steps + 1, assets)`` (time index 0 holds
the initial price) are written into one reused buffer. Idiomatic numpy, vectorised over the
paths of a block, looping over time only where the model needs it (GARCH, regimes), with
``numpy.random.default_rng(stream)`` (PCG64; ``--bitgen philox``:
``Generator(Philox(stream))``, ``peerlib.generator``). With ``threads=2`` the paths are split
in two halves, each simulated on its own thread (a ``ThreadPoolExecutor``) with its own
generator (``SeedSequence(seed).spawn(2)``), its own model buffers and its own block buffer;
numpy releases the GIL in its random and ufunc loops, BLAS runs one thread per worker:

* GBM: correlated normals (``@ L.T`` above one asset), log increments
  ``(mu - sigma^2/2) dt + sigma sqrt(dt) e``, cumulative sum along time, ``exp``.
* Merton: as GBM with the drift reduced by ``lambda kappa``, plus ``rng.poisson(lambda dt)``
  jump counts ``N`` and jump sums ``N mean + sqrt(N) sd Z``.
* GARCH(1,1)-t: ``rng.standard_t(nu) * sqrt((nu - 2) / nu)``, then the variance recursion,
  one step at a time over the paths of the block; cumulative sum, ``exp``.
* Regimes: one uniform per step compared against the cumulative transition row of each path's
  current regime (the first step against the stationary distribution), one step at a time;
  then the regimes' increments, cumulative sum, ``exp``.

Buffers are allocated and written in ``setup`` (outside the measured region) and reused with
``out=`` where numpy offers it; ``rng.poisson`` and ``rng.standard_t`` allocate their results.

By hand: ``python peers/processes_numpy.py model=gbm paths=100000 steps=252 assets=1 block=512
seed=1 mu=0.05 sigma=0.2 s0=100.0 year=252 threads=1`` (the tags of the Swift workload;
``--bitgen philox`` before them for Philox).
"""

from functools import partial

from peerlib import (  # first: one BLAS thread
    asset_values, benchmark_correlation, floats, generator, main, run_in_threads, split_paths,
    thread_count, worker_streams)

import numpy as np  # noqa: E402


def touched(*shape, dtype=np.float64):
    """A buffer whose pages are already mapped (``np.zeros`` may leave them untouched)."""
    buffer = np.empty(shape, dtype=dtype)
    buffer.fill(0)
    return buffer


def flat_view(buffer, *shape):
    """A C-contiguous view of the first ``prod(shape)`` elements of a flat buffer."""
    return buffer[:int(np.prod(shape))].reshape(shape)


def write_prices(log_increments, prices, s0):
    """``prices[:, 0] = s0``, ``prices[:, 1:] = s0 exp(cumsum(log_increments, time))``.

    ``log_increments`` is ``(paths, steps, assets)`` (any strides); ``prices`` is
    ``(paths, steps + 1, assets)``.
    """
    path = prices[:, 1:]
    np.cumsum(log_increments, axis=1, out=path)
    path += np.log(s0)
    np.exp(path, out=path)
    prices[:, 0] = s0


class Workload:
    """What every model reads from the tags."""

    def __init__(self, tags):
        self.paths, self.steps = int(tags["paths"]), int(tags["steps"])
        self.assets, self.block = int(tags["assets"]), int(tags["block"])
        self.seed = int(tags["seed"])
        self.dt = 1.0 / int(tags["year"])
        self.s0 = float(tags["s0"])

    def single_asset(self, model):
        if self.assets != 1:
            raise ValueError(f"the {model} peer simulates one asset, got {self.assets}")


class GBM(Workload):
    """Multi-asset GBM, exact on the grid; correlation ``benchmark_correlation(assets)``."""

    def __init__(self, tags):
        super().__init__(tags)
        mu, sigma = asset_values(tags["mu"], self.assets), asset_values(tags["sigma"], self.assets)
        self.drift = (mu - self.compensation(tags) - 0.5 * sigma * sigma) * self.dt
        self.volatility = sigma * np.sqrt(self.dt)
        shape = (self.block, self.steps, self.assets)
        self.normals = touched(*shape)
        self.lower_t = None
        if self.assets > 1:
            factor = np.linalg.cholesky(benchmark_correlation(self.assets))
            self.lower_t = np.ascontiguousarray(factor.T)
            self.correlated = touched(*shape)

    def compensation(self, tags):
        """The drift correction of jumps, ``lambda kappa`` (none here)."""
        return 0.0

    def log_increments(self, rng, count):
        """``(count, steps, assets)`` log increments of the diffusion, in a reused buffer."""
        z = self.normals[:count]
        rng.standard_normal(out=z)
        if self.lower_t is not None:
            e = self.correlated[:count]
            np.matmul(z.reshape(-1, self.assets), self.lower_t, out=e.reshape(-1, self.assets))
            z = e
        z *= self.volatility
        z += self.drift
        return z

    def fill(self, rng, prices):
        write_prices(self.log_increments(rng, len(prices)), prices, self.s0)


class Merton(GBM):
    """GBM plus compound-Poisson normal log jumps; the drift stays the expected return."""

    def __init__(self, tags):
        self.intensity = float(tags["lambda"])
        self.jump_mean, self.jump_sd = float(tags["jump_mean"]), float(tags["jump_sd"])
        super().__init__(tags)
        self.jump_normals = touched(self.block, self.steps, self.assets)
        self.jump_sums = touched(self.block, self.steps, self.assets)

    def compensation(self, tags):
        kappa = np.exp(self.jump_mean + 0.5 * self.jump_sd**2) - 1
        return self.intensity * kappa

    def fill(self, rng, prices):
        count = len(prices)
        increments = self.log_increments(rng, count)
        counts = rng.poisson(self.intensity * self.dt, size=increments.shape)
        z, sums = self.jump_normals[:count], self.jump_sums[:count]
        rng.standard_normal(out=z)
        np.sqrt(counts, out=sums)  # N mean + sqrt(N) sd Z
        sums *= self.jump_sd
        sums *= z
        np.multiply(counts, self.jump_mean, out=z)
        sums += z
        increments += sums
        write_prices(increments, prices, self.s0)


class GARCHT(Workload):
    """GARCH(1,1) with unit-variance Student-t innovations, from the unconditional variance."""

    def __init__(self, tags):
        super().__init__(tags)
        self.single_asset("garch-t")
        self.omega, self.alpha = float(tags["omega"]), float(tags["alpha"])
        self.beta, self.nu, self.mean = float(tags["beta"]), float(tags["nu"]), float(tags["mean"])
        self.start_variance = self.omega / (1 - self.alpha - self.beta)
        self.returns = touched(self.steps * self.block)  # time-major: one row per step
        self.variance, self.sd, self.eps = (touched(self.block) for _ in range(3))

    def fill(self, rng, prices):
        count, steps = len(prices), self.steps
        z = rng.standard_t(self.nu, size=(steps, count))
        z *= np.sqrt((self.nu - 2) / self.nu)
        r = flat_view(self.returns, steps, count)
        h, sd, eps = self.variance[:count], self.sd[:count], self.eps[:count]
        h.fill(self.start_variance)
        for t in range(steps):
            np.sqrt(h, out=sd)
            np.multiply(sd, z[t], out=eps)  # eps = sigma_t z_t
            np.add(eps, self.mean, out=r[t])  # r = mean + eps
            np.square(eps, out=eps)
            eps *= self.alpha
            h *= self.beta
            h += eps
            h += self.omega  # h = omega + alpha eps^2 + beta h
        write_prices(r.T[:, :, None], prices, self.s0)


class Regimes(Workload):
    """Markov regime-switching GBM; the first step's regime from the stationary distribution."""

    def __init__(self, tags):
        super().__init__(tags)
        self.single_asset("regimes")
        mu, sigma, stay = floats(tags["mu"]), floats(tags["sigma"]), floats(tags["stay"])
        k = len(stay)
        transition = np.diag(stay)
        transition += (1 - stay)[:, None] / max(1, k - 1) * (1 - np.eye(k))
        self.cumulative_rows = np.cumsum(transition, axis=1)[:, :-1]
        self.cumulative_initial = np.cumsum(stationary(transition))[:-1]
        self.drift = (mu - 0.5 * sigma * sigma) * self.dt
        self.volatility = sigma * np.sqrt(self.dt)
        size = self.steps * self.block  # time-major buffers: one row per step
        self.uniforms, self.normals, self.increments = (touched(size) for _ in range(3))
        self.regime = touched(size, dtype=np.intp)

    def fill(self, rng, prices):
        count, steps = len(prices), self.steps
        u = flat_view(self.uniforms, steps, count)
        rng.random(out=u)
        regime = flat_view(self.regime, steps, count)
        # The next regime is the number of cumulative probabilities the uniform reaches.
        np.sum(u[0][:, None] >= self.cumulative_initial, axis=1, out=regime[0])
        for t in range(1, steps):
            np.sum(u[t][:, None] >= self.cumulative_rows[regime[t - 1]], axis=1, out=regime[t])
        z = flat_view(self.normals, steps, count)
        rng.standard_normal(out=z)
        increments = flat_view(self.increments, steps, count)
        np.take(self.volatility, regime, out=increments)
        increments *= z
        np.take(self.drift, regime, out=z)
        increments += z
        write_prices(increments.T[:, :, None], prices, self.s0)


def stationary(transition):
    """``pi = pi P`` with ``sum(pi) = 1``."""
    k = len(transition)
    a = transition.T - np.eye(k)
    a[-1] = 1
    b = np.zeros(k)
    b[-1] = 1
    return np.linalg.solve(a, b)


MODELS = {"gbm": GBM, "merton": Merton, "garch-t": GARCHT, "regimes": Regimes}


def simulate(model, prices, stream, paths):
    """Simulates ``paths`` paths of ``model`` from ``stream``, block by block, into ``prices``."""
    rng = generator(stream)
    block = len(prices)
    for start in range(0, paths, block):
        model.fill(rng, prices[:min(block, paths - start)])


def setup(tags):
    threads = thread_count(tags)
    models = [MODELS[tags["model"]](tags) for _ in range(threads)]  # buffers of each worker
    first = models[0]
    prices = [touched(first.block, first.steps + 1, first.assets) for _ in models]
    counts = split_paths(first.paths, threads)

    def run():
        streams = worker_streams(first.seed, threads)
        run_in_threads([partial(simulate, *worker)
                        for worker in zip(models, prices, streams, counts)])

    return run


if __name__ == "__main__":
    main(setup)
