"""numba peer of the ProcessBenchmarks suite: the same price paths as fused @njit loops.

The same work as ``PathSimulator.simulate(paths:into:workspace:)`` over all paths, written the
way a numba user would write it for speed: one compiled loop over paths and steps per model,
drawing every random number inside it from a ``numpy.random.Generator`` (PCG64,
``numpy.random.default_rng``; numba compiles the Generator's methods, ziggurat normals
included, about four times faster than its legacy ``np.random.standard_normal``), and writing
path ``p`` into row ``p % block`` of one reused float64 buffer ``(block, steps + 1, assets)``,
as the numpy peer and scengine do. Nothing but prices is written.

* GBM, one asset: ``x += (mu - sigma^2/2) dt + sigma sqrt(dt) z``, ``price = s0 exp(x)``.
* GBM, several assets: per path, the ``(steps, assets)`` normals, then one ``np.dot`` with the
  transposed Cholesky factor (BLAS ``dgemm`` through SciPy, faster in numba than a
  hand-written triangular product per step: measured 47 against 27 M values/s with 50 assets,
  26 against 6 with 500), then the per-asset drift and volatility, ``exp``.
* Merton: the GBM step with the drift reduced by ``lambda kappa``, plus ``rng.poisson(lambda
  dt)`` jumps ``N``, and when ``N > 0`` a jump sum ``N mean + sqrt(N) sd z``.
* GARCH(1,1)-t: ``eps = sqrt(h) sqrt((nu - 2) / nu) rng.standard_t(nu)``, ``x += mean + eps``,
  ``h = omega + alpha eps^2 + beta h``, from the unconditional variance.
* Regimes: one uniform a step against the cumulative transition row of the current regime
  (the first step against the stationary distribution), then that regime's GBM step.

Threads: with ``threads=1`` the kernel, a plain ``@njit`` function, runs on the calling thread.
With ``threads=2``, ``in_parallel`` (``@njit(parallel=True)``) runs it in a ``prange`` over two
chunks of paths (``numba.set_num_threads(2)``), each chunk with its own generator
(``SeedSequence(seed).spawn(2)``) and its own block buffer. Compiled code is cached
(``cache=True``) in ``NUMBA_CACHE_DIR``, by default ``.venv/numba-cache`` beside this
directory; the warm-up run compiles whatever the cache lacks.

By hand: ``python peers/processes_numba.py model=gbm paths=100000 steps=252 assets=1 block=512
seed=1 mu=0.05 sigma=0.2 s0=100.0 year=252 threads=1`` (the tags of the Swift workload).
"""

import os
from pathlib import Path

from peerlib import (  # first: one BLAS thread
    asset_values, benchmark_correlation, floats, main, split_paths, thread_count, worker_streams)

os.environ.setdefault(
    "NUMBA_CACHE_DIR", str(Path(__file__).resolve().parent.parent / ".venv" / "numba-cache"))

import numba  # noqa: E402
import numpy as np  # noqa: E402
import scipy.linalg.cython_blas  # noqa: E402, F401 (the BLAS of numba's np.dot, loaded now)
from numba import njit, prange  # noqa: E402

from processes_numpy import Workload, stationary, touched  # noqa: E402


@njit(cache=True)
def gbm_one_asset(out, rng, count, params):
    """GBM of one asset; ``params = (s0, drift dt, sigma sqrt(dt))`` (drift without sigma^2/2)."""
    s0, drift, volatility = params
    block, steps = out.shape[0], out.shape[1] - 1
    log_s0 = np.log(s0)
    for p in range(count):
        row = out[p % block]
        row[0, 0] = s0
        x = log_s0
        for t in range(1, steps + 1):
            x += drift + volatility * rng.standard_normal()
            row[t, 0] = np.exp(x)


@njit(cache=True)
def gbm_correlated(out, rng, count, params):
    """GBM of several correlated assets; ``params = (s0, drift dt, sigma sqrt(dt), L^T)``."""
    s0, drift, volatility, lower_t = params
    block, steps, assets = out.shape[0], out.shape[1] - 1, out.shape[2]
    normals = np.empty((steps, assets))
    shocks = np.empty((steps, assets))
    x = np.empty(assets)
    log_s0 = np.log(s0)
    for p in range(count):
        for t in range(steps):
            for a in range(assets):
                normals[t, a] = rng.standard_normal()
        np.dot(normals, lower_t, shocks)
        row = out[p % block]
        for a in range(assets):
            row[0, a] = s0
            x[a] = log_s0
        for t in range(steps):
            for a in range(assets):
                x[a] += drift[a] + volatility[a] * shocks[t, a]
                row[t + 1, a] = np.exp(x[a])


@njit(cache=True)
def merton(out, rng, count, params):
    """Merton, one asset; ``params = (s0, drift dt, sigma sqrt(dt), lambda dt, mean, sd)``."""
    s0, drift, volatility, jump_rate, jump_mean, jump_sd = params
    block, steps = out.shape[0], out.shape[1] - 1
    log_s0 = np.log(s0)
    for p in range(count):
        row = out[p % block]
        row[0, 0] = s0
        x = log_s0
        for t in range(1, steps + 1):
            x += drift + volatility * rng.standard_normal()
            jumps = rng.poisson(jump_rate)
            if jumps > 0:
                x += jumps * jump_mean + np.sqrt(jumps) * jump_sd * rng.standard_normal()
            row[t, 0] = np.exp(x)


@njit(cache=True)
def garch_t(out, rng, count, params):
    """GARCH(1,1) with unit-variance Student-t innovations, one asset;
    ``params = (s0, mean, omega, alpha, beta, nu, start variance)``."""
    s0, mean, omega, alpha, beta, nu, start_variance = params
    block, steps = out.shape[0], out.shape[1] - 1
    scale = np.sqrt((nu - 2) / nu)
    log_s0 = np.log(s0)
    for p in range(count):
        row = out[p % block]
        row[0, 0] = s0
        x = log_s0
        h = start_variance
        for t in range(1, steps + 1):
            eps = np.sqrt(h) * scale * rng.standard_t(nu)
            x += mean + eps
            row[t, 0] = np.exp(x)
            h = omega + alpha * eps * eps + beta * h


@njit(cache=True)
def regimes(out, rng, count, params):
    """Markov regime-switching GBM, one asset; ``params = (s0, drift dt per regime,
    sigma sqrt(dt) per regime, cumulative initial distribution, cumulative transition rows)``,
    the cumulative sums without their last entry (1)."""
    s0, drift, volatility, cumulative_initial, cumulative_rows = params
    block, steps = out.shape[0], out.shape[1] - 1
    log_s0 = np.log(s0)
    for p in range(count):
        row = out[p % block]
        row[0, 0] = s0
        x = log_s0
        cumulative = cumulative_initial
        for t in range(1, steps + 1):
            u = rng.random()
            regime = 0  # the number of cumulative probabilities that u reaches
            while regime < len(cumulative) and u >= cumulative[regime]:
                regime += 1
            x += drift[regime] + volatility[regime] * rng.standard_normal()
            row[t, 0] = np.exp(x)
            cumulative = cumulative_rows[regime]


@njit(parallel=True, cache=True)
def in_parallel(kernel, outs, rngs, counts, params):
    """``kernel(outs[w], rngs[w], counts[w], params)`` for every chunk ``w``, one per thread."""
    for w in prange(len(counts)):
        kernel(outs[w], rngs[w], counts[w], params)


def gbm(tags, workload, compensation=0.0):
    """The GBM kernel and its parameters (one kernel for one asset, one for several)."""
    assets, dt = workload.assets, workload.dt
    mu, sigma = asset_values(tags["mu"], assets), asset_values(tags["sigma"], assets)
    drift = (mu - compensation - 0.5 * sigma * sigma) * dt
    volatility = sigma * np.sqrt(dt)
    if assets == 1:
        return gbm_one_asset, (workload.s0, drift[0], volatility[0])
    lower_t = np.ascontiguousarray(np.linalg.cholesky(benchmark_correlation(assets)).T)
    return gbm_correlated, (workload.s0, drift, volatility, lower_t)


def merton_model(tags, workload):
    """The Merton kernel and its parameters."""
    workload.single_asset("merton")
    intensity = float(tags["lambda"])
    jump_mean, jump_sd = float(tags["jump_mean"]), float(tags["jump_sd"])
    kappa = np.exp(jump_mean + 0.5 * jump_sd**2) - 1
    _, (s0, drift, volatility) = gbm(tags, workload, compensation=intensity * kappa)
    return merton, (s0, drift, volatility, intensity * workload.dt, jump_mean, jump_sd)


def garch_model(tags, workload):
    """The GARCH(1,1)-t kernel and its parameters."""
    workload.single_asset("garch-t")
    omega, alpha, beta = float(tags["omega"]), float(tags["alpha"]), float(tags["beta"])
    start_variance = omega / (1 - alpha - beta)
    return garch_t, (workload.s0, float(tags["mean"]), omega, alpha, beta, float(tags["nu"]),
                     start_variance)


def regimes_model(tags, workload):
    """The regime-switching kernel and its parameters."""
    workload.single_asset("regimes")
    mu, sigma, stay = floats(tags["mu"]), floats(tags["sigma"]), floats(tags["stay"])
    k = len(stay)
    transition = np.diag(stay)
    transition += (1 - stay)[:, None] / max(1, k - 1) * (1 - np.eye(k))
    cumulative_rows = np.ascontiguousarray(np.cumsum(transition, axis=1)[:, :-1])
    cumulative_initial = np.cumsum(stationary(transition))[:-1]
    return regimes, (workload.s0, (mu - 0.5 * sigma * sigma) * workload.dt,
                     sigma * np.sqrt(workload.dt), cumulative_initial, cumulative_rows)


MODELS = {"gbm": gbm, "merton": merton_model, "garch-t": garch_model, "regimes": regimes_model}


def simulate(kernel, params, outs, seed, counts):
    """Simulates ``counts[w]`` paths into ``outs[w]`` for every worker ``w``, each from its own
    generator: on this thread for one worker, in a ``prange`` for more."""
    rngs = tuple(np.random.default_rng(stream) for stream in worker_streams(seed, len(outs)))
    if len(outs) == 1:
        kernel(outs[0], rngs[0], counts[0], params)
    else:
        in_parallel(kernel, outs, rngs, np.array(counts), params)


def use_threads(threads):
    """Sets numba's thread count for ``in_parallel``."""
    if threads > 1:
        numba.set_num_threads(threads)


def setup(tags):
    """The workload of ``tags``: kernel, parameters and one block buffer per worker."""
    workload, threads = Workload(tags), thread_count(tags)
    use_threads(threads)
    kernel, params = MODELS[tags["model"]](tags, workload)
    outs = tuple(touched(workload.block, workload.steps + 1, workload.assets)
                 for _ in range(threads))
    counts = split_paths(workload.paths, threads)
    return lambda: simulate(kernel, params, outs, workload.seed, counts)


def describe_numba():
    """numba's version, its threads, its threading layer and where it caches compiled code."""
    from numba.np.ufunc.parallel import _launch_threads  # what the first prange would do

    _launch_threads()
    return {"numba": numba.__version__, "numba_threads": numba.config.NUMBA_NUM_THREADS,
            "numba_threading_layer": numba.threading_layer(),
            "numba_cache": os.environ["NUMBA_CACHE_DIR"]}


if __name__ == "__main__":
    main(setup, describe_numba)
