"""`scengine check` of a many-asset correlation against numpy's LAPACK doing the same work.

A correlation matrix is validated once per scenario (and once per correlation stress or
regime): scengine computes its smallest eigenvalue (Householder tridiagonalisation and QL,
EISPACK's tred2/tql2) and its semi-definite Cholesky factor, both in its own loops with a
fixed order of operations so that the bits are the same on every CPU. The peer is
`numpy.linalg.eigvalsh` plus `numpy.linalg.cholesky` of the same matrix (LAPACK's dsyevd and
dpotrf through OpenBLAS, blocked and CPU-tuned, one thread).

For each size, a one-factor correlation (C_ij = b_i b_j, loadings 0.2 ... 0.9) is written as
a scenario; then, alternately, ROUNDS times each: the wall time of `scengine check` of it (the
whole command: start-up, YAML, validation, the factor), and the time numpy's two calls take
inside an already started Python (numpy's start-up and the matrix's construction excluded,
which favours numpy), the two never at once. Reported: the median (min-max) of each side and numpy / scengine (above
1: scengine is faster), and scengine's peak RSS.

With `--stresses K` the scenario also has a variant of K correlation stresses, stress j over
step j toward the constant correlation 0.31 + 0.6 j / K with weight 0.5. scengine then checks
each target (its smallest eigenvalue) and factors each blend; numpy's side adds, per stress,
`eigvalsh` of the target and `cholesky` of the blend.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "merge"))
from bench_merge import timed  # noqa: E402  (the wall time and peak RSS of one command)


def loadings(n):
    return [0.2 + 0.7 * ((i * 7919) % 1000) / 1000 for i in range(n)]


def target(j, stresses):
    return round(0.31 + 0.6 * j / stresses, 4)


def scenario(n, stresses):
    names = [f"A{i}" for i in range(n)]
    factor = ", ".join(f"{a}: {b:.3f}" for a, b in zip(names, loadings(n)))
    text = (
        f"name: correlation-{n}\nseed: 1\npaths: 4\n"
        f"time: {{steps: {max(10, stresses)}, dt: 1/252}}\n"
        f"assets: [{', '.join(names)}]\ninitial: 100\n"
        f"correlation: {{one_factor: {{loadings: {{{factor}}}}}}}\n"
        "model:\n  gbm: {drift: 0.05, volatility: 0.2}\nvariants:\n  baseline: {}\n"
    )
    if stresses:
        text += "  stressed:\n    stresses:\n" + "".join(
            f"      - correlation: {{from: {j + 1}, to: {j + 1}, "
            f"toward: {{constant: {target(j, stresses)}}}, weight: 0.5}}\n"
            for j in range(stresses))
    return text


def peer(n, rounds, stresses):
    """Runs in a child process with one BLAS thread: prints one time per round."""
    import numpy as np

    b = np.round(np.array(loadings(n)), 3)
    c = np.outer(b, b)
    np.fill_diagonal(c, 1.0)
    for _ in range(rounds):
        sys.stdin.readline()  # the parent's turn is over
        start = time.perf_counter()
        smallest = np.linalg.eigvalsh(c)[0]
        np.linalg.cholesky(c)
        for j in range(stresses):
            t = np.full((n, n), target(j, stresses))
            np.fill_diagonal(t, 1.0)
            smallest = min(smallest, np.linalg.eigvalsh(t)[0])
            np.linalg.cholesky(0.5 * c + 0.5 * t)
        print(time.perf_counter() - start, smallest, flush=True)


def spread(values):
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", help="the scengine executable")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000])
    parser.add_argument("--stresses", type=int, default=0,
                        help="correlation stresses of a second variant (default none)")
    parser.add_argument("--peer", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer:
        peer(args.peer, args.rounds, args.stresses)
        return
    if not args.bin:
        parser.error("--bin is required")
    environment = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    environment.pop("OPENBLAS_CORETYPE", None)
    stressed = f", and {args.stresses} correlation stresses" if args.stresses else ""
    print(f"scengine check of an n-asset one-factor correlation{stressed} against numpy "
          f"eigvalsh + cholesky (one BLAS thread), {args.rounds} rounds, seconds: median (min-max)")
    print(f"{'assets':>7} | {'scengine check s':>22} | {'numpy s':>22} | numpy/scengine | RSS MiB")
    with tempfile.TemporaryDirectory(prefix="bench-correlation-") as work:
        for n in args.sizes:
            path = os.path.join(work, f"c{n}.yaml")
            with open(path, "w") as f:
                f.write(scenario(n, args.stresses))
            child = subprocess.Popen(
                [sys.executable, __file__, "--peer", str(n), "--rounds", str(args.rounds),
                 "--stresses", str(args.stresses)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=environment)
            ours, theirs, rss = [], [], []
            for _ in range(args.rounds):
                seconds, peak = timed([args.bin, "check", path])
                ours.append(seconds)
                rss.append(peak)
                child.stdin.write("\n")
                child.stdin.flush()
                theirs.append(float(child.stdout.readline().split()[0]))
            child.wait()
            ratio = statistics.median(theirs) / statistics.median(ours)
            print(f"{n:>7} | {spread(ours):>22} | {spread(theirs):>22} | {ratio:>14.2f} | "
                  f"{max(rss):7.0f}", flush=True)


if __name__ == "__main__":
    main()
