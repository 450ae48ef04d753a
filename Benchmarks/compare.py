"""Runs each scengine benchmark and its numpy and numba peers alternately and prints one table.

For every workload of every suite in SUITES and every thread count of ``--threads``: fresh
processes for each side (the scengine suite executable with SCENGINE_BENCH_THREADS, the numpy
peer with ``numpy.random.default_rng`` (PCG64), the same peer with ``Generator(Philox())``,
the numba peer, and for the end-to-end rows the write floor), one warm-up run of each, then
``--rounds`` measured runs of each, alternating the order of the sides from round to round
(round r starts with side r mod the number of sides). The processes are then closed and each
one's peak RSS is read with ``os.wait4``. A row reports, for each side, values per second,
median (min-max), the ratios of the medians scengine / numpy, scengine / numpy Philox and
scengine / numba (every target is against numpy, default_rng), and the peak RSS. A second
table gives each side's speed-up from one thread to two; a third, for the end-to-end rows,
each side's median time against the write floor (``peers/write_floor.py``: the file's bytes
written from memory to a new file in the same directory), scengine / floor. Around the
tables: numpy's normal generation rates and the memory write rate (``peers/floors.py``, at the
start and at the end of the run) and the peak RSS of three large ``scengine run``-s to NPY.
All sides run in the same environment, one BLAS thread per worker, with OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE unset. Raw timings go to results/.

The Swift side is an ordo-one/benchmark suite executable. It is driven the way the package's own
BenchmarkTool drives it (see Sources/Benchmark/BenchmarkRunner+ReadWrite.swift in
ordo-one/benchmark): length-prefixed JSON requests on a pipe, ``list`` once, then one ``run``
per measurement; with SCENGINE_BENCH_WARMUP=0 and SCENGINE_BENCH_ITERATIONS=1 each run is one
iteration, whose wall clock comes back in an HDR histogram. Driving the executable directly
keeps the suite process alive between runs, which ``swift package benchmark`` (about 25 s of
tool rebuilding per invocation) cannot do.

Usage: .venv/bin/python compare.py [--rounds N] [--filter REGEX] [--threads 1 2]
[--bin-path DIR] (``make bench`` builds, creates the venv and runs this.)
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import struct
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Suite executable (Benchmarks/<Suite>/, an ordo-one benchmark target) -> its peers: side ->
# the peer script and its arguments. Each workload of a suite is one table row per thread
# count. ShockBenchmarks (and its peer peers/shocks_numpy.py) is left out: it times a part of
# W2 and W3 that the table covers.
PHILOX = ("--bitgen", "philox")
SUITES = {
    "ProcessBenchmarks": {"numpy": ("peers/processes_numpy.py",),
                          "numpy Philox": ("peers/processes_numpy.py", *PHILOX),
                          "numba": ("peers/processes_numba.py",)},
    "EndToEndBenchmarks": {"numpy": ("peers/e2e_numpy.py",),
                           "numpy Philox": ("peers/e2e_numpy.py", *PHILOX),
                           "numba": ("peers/e2e_numba.py",),
                           "floor": ("peers/write_floor.py",)},
}
# The sides in table order; `floor` is not a simulation: it is reported against scengine's time
# in the end-to-end table only.
SIDES = ("scengine", "numpy", "numpy Philox", "numba", "floor")
PEERS = ("numpy", "numpy Philox", "numba")
# The targets of the end-to-end rows: scengine's time over the write floor's, and scengine's
# speed-up from one thread to two.
FLOOR_TARGET = 1.5
E2E_SPEEDUP_TARGET = 1.7

# They slow OpenBLAS (numpy's and scengine's) down on some machines: unset for every side.
UNSET = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# The peak-RSS checks: `scengine run` of each scenario, its shape and its target in MB. Peak
# memory must not grow with the number of paths (DESIGN invariant 6).
RSS_CHECKS = (
    ("scenarios/rss-gbm1.yaml", "1000000x252x1 GBM to NPY", 100),
    ("scenarios/rss-gbm1-10m.yaml", "10000000x252x1 GBM to float32 NPY", 150),
    ("scenarios/rss-gbm10-portfolio.yaml",
     "1000000x252x10 GBM with a portfolio to float32 NPY", 300),
)


def log(message):
    print(message, file=sys.stderr, flush=True)


def benchmark_environment():
    """The environment of every side, and the variables it removed (with their values)."""
    env = dict(os.environ)
    removed = {name: env.pop(name) for name in UNSET if name in env}
    env.update(ONE_THREAD)
    return env, removed


def output_root(env):
    """``$TMPDIR/scengine-bench-e2e``, where the end-to-end runs write (their suite's rule)."""
    return Path(env.get("TMPDIR") or "/tmp") / "scengine-bench-e2e"


def reap(process, timeout=60):
    """Waits for `process` (killing it after `timeout` s) and returns its peak RSS in KiB.

    ``os.wait4`` reports the larger of the process's own peak and that of the children it
    waited for (the CLI or the numpy script of an end-to-end run).
    """
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_maxrss
        if time.monotonic() > deadline:
            process.kill()
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            return usage.ru_maxrss
        time.sleep(0.01)


# ---------------------------------------------------------------------------------------------
# The Swift side: an ordo-one benchmark executable, spoken to over its host protocol.


def histogram_values(histogram):
    """The values recorded in a serialized hdrhistogram-swift Histogram, in increasing order.

    Values are bucketed to 3 significant digits; a single value (the usual case here, one
    iteration per run) is returned exactly, from the recorded minimum.
    """
    if histogram["_totalCount"] == 1:
        return [histogram["minNonZeroValue"] or histogram["maxValue"]]
    half_magnitude = histogram["subBucketHalfCountMagnitude"]
    half_count = 1 << half_magnitude
    unit = histogram["unitMagnitude"]
    values = []
    for index, count in enumerate(histogram["counts"]):
        if count:
            bucket = (index >> half_magnitude) - 1
            sub_bucket = (index & (half_count - 1)) + half_count
            if bucket < 0:
                sub_bucket -= half_count
                bucket = 0
            values += [sub_bucket << (bucket + unit)] * count
    return values


class SwiftSuite:
    """A running suite executable answering ``list`` and ``run`` requests."""

    def __init__(self, executable, env):
        to_child_read, self._to_child = os.pipe()
        self._from_child, from_child_write = os.pipe()
        env = dict(env, SCENGINE_BENCH_WARMUP="0", SCENGINE_BENCH_ITERATIONS="1")
        # Like the benchmark plugin, preload the malloc interposer when it was built.
        interposer = executable.parent / "libMallocInterposerSwift.so"
        if interposer.exists():
            env["LD_PRELOAD"] = ":".join(filter(None, [str(interposer), env.get("LD_PRELOAD")]))
        self.process = subprocess.Popen(
            [str(executable), "--input-fd", str(to_child_read), "--output-fd",
             str(from_child_write), "--quiet", "true"],
            pass_fds=(to_child_read, from_child_write), env=env, stdout=sys.stderr)
        os.close(to_child_read)
        os.close(from_child_write)
        self.name = executable.name

    def _send(self, message):
        data = json.dumps(message).encode()
        os.write(self._to_child, struct.pack("=q", len(data)) + data)

    def _read(self, count):
        data = b""
        while len(data) < count:
            chunk = os.read(self._from_child, count - len(data))
            if not chunk:
                code = self.process.wait()
                raise SystemExit(f"{self.name} exited (status {code}) during a request")
            data += chunk
        return data

    def _receive(self):
        (length,) = struct.unpack("=q", self._read(8))
        return json.loads(self._read(length))

    def _replies(self, request):
        self._send(request)
        while True:
            reply = self._receive()
            if "end" in reply:
                return
            if "error" in reply:
                error = reply["error"]
                raise SystemExit(f"{self.name}: {' '.join(map(str, error.values()))}")
            yield reply

    def benchmarks(self):
        """The suite's benchmarks, as the executable describes them."""
        return [reply["list"]["benchmark"] for reply in self._replies({"list": {}})]

    def run(self, benchmark):
        """Runs `benchmark` (one iteration) and returns its wall-clock time in seconds."""
        request = json.loads(json.dumps(benchmark))
        request["configuration"]["metrics"] = [{"wallClock": {}}]
        nanoseconds = []
        for reply in self._replies({"run": {"benchmark": request}}):  # read up to `end`
            for result in reply.get("result", {}).get("results", []):
                if "wallClock" in result["metric"]:
                    nanoseconds += histogram_values(result["statistics"]["histogram"])
        if not nanoseconds:
            raise SystemExit(f"{self.name}: no wall-clock result for {benchmark['name']}")
        return statistics.median(nanoseconds) / 1e9

    def close(self):
        """Ends the suite and returns its peak RSS in KiB."""
        try:
            self._send({"end": {}})
            os.close(self._to_child)
        except OSError:
            pass
        os.close(self._from_child)
        return reap(self.process)


# ---------------------------------------------------------------------------------------------
# The peers: a script serving run requests (peers/peerlib.py).


class Peer:
    """A running peer script answering ``run`` requests, one JSON line each way."""

    def __init__(self, command, env):
        script, *arguments = command
        self.name = " ".join([Path(script).name, *arguments])
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / script), "--serve", *arguments], env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.description = self._receive()["peer"]

    def _receive(self):
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"{self.name} exited (status {self.process.wait()})")
        return json.loads(line)

    def run(self, tags):
        """Runs the workload of `tags` once and returns its wall-clock time in seconds."""
        self.process.stdin.write(json.dumps({"run": tags}) + "\n")
        self.process.stdin.flush()
        reply = self._receive()
        if "error" in reply:
            raise SystemExit(f"{self.name}: {reply['error']}")
        return reply["seconds"]

    def close(self):
        """Ends the peer and returns its peak RSS in KiB."""
        try:
            self.process.stdin.close()
        except OSError:
            pass
        return reap(self.process)


# ---------------------------------------------------------------------------------------------
# One workload at one thread count.


def alternate(runs, rounds, label):
    """One warm-up call of each of `runs` (side -> a function that runs once and returns its
    seconds), then `rounds` rounds calling every side once, round r starting with side r mod
    the number of sides; returns each side's seconds."""
    sides = list(runs)
    log(f"{label}: warm-up")
    for side in sides:
        runs[side]()
    times = {side: [] for side in sides}
    for round_index in range(rounds):
        shift = round_index % len(sides)
        for side in sides[shift:] + sides[:shift]:
            times[side].append(runs[side]())
        log(f"{label}: round {round_index + 1}/{rounds}: " + ", ".join(
            f"{side} {times[side][-1]:.3f} s" for side in sides))
    return times


def measure(executable, peer_commands, name, threads, env, rounds):
    """The row of workload `name` on `threads` threads: fresh processes for every side, one
    warm-up run each, `rounds` measured runs each in rotating order, then each side's peak RSS.
    Also returns the peers' descriptions."""
    suite = SwiftSuite(executable, dict(env, SCENGINE_BENCH_THREADS=str(threads)))
    peers = {}
    try:
        for side, command in peer_commands.items():
            peers[side] = Peer(command, env)
        benchmark = next((b for b in suite.benchmarks() if b["name"] == name), None)
        if benchmark is None:
            raise SystemExit(f"{suite.name}: no benchmark {name!r} with {threads} threads")
        tags = benchmark["configuration"]["tags"]
        if tags.get("threads") != str(threads):
            raise SystemExit(f"{suite.name}: {name} has threads={tags.get('threads')}, "
                             f"expected {threads}")
        runs = {"scengine": partial(suite.run, benchmark)}
        runs.update({side: partial(peer.run, tags) for side, peer in peers.items()})
        sides = [side for side in SIDES if side in runs]
        times = alternate({side: runs[side] for side in sides}, rounds,
                          f"{name}, {threads} thread(s)")
    finally:
        rss = {"scengine": suite.close()}
        rss.update({side: peer.close() for side, peer in peers.items()})
    values = int(tags["values"])
    row = {"workload": name, "threads": threads, "tags": tags, "seconds": times,
           "peak_rss_kib": rss}
    row.update({side: rate_summary(values, times[side]) for side in sides})
    for side in sides[1:]:
        row[f"ratio_{side}"] = row["scengine"]["median"] / row[side]["median"]
    if "floor" in sides:  # a ratio of times: scengine's median over the floor's
        row["scengine_over_floor"] = (statistics.median(times["scengine"])
                                      / statistics.median(times["floor"]))
    return row, {side: peer.description for side, peer in peers.items()}


def workload_names(executable, env, pattern):
    """The names of the suite's benchmarks that match `pattern` (case-insensitive)."""
    suite = SwiftSuite(executable, dict(env, SCENGINE_BENCH_THREADS="1"))
    try:
        return [b["name"] for b in suite.benchmarks()
                if re.search(pattern, b["name"], re.IGNORECASE)]
    finally:
        suite.close()


def floors(env, runs):
    """numpy's normal generation rates and the memory write rate (peers/floors.py)."""
    result = subprocess.run([sys.executable, str(HERE / "peers/floors.py"), "--runs", str(runs)],
                            env=env, check=True, capture_output=True, text=True)
    return {name: {"rates": rates, **summary(rates)}
            for name, rates in json.loads(result.stdout).items()}


def rss_check(bin_path, env, threads, scenario):
    """Peak RSS and wall clock of `scengine run` of `scenario` on `threads` threads, a fresh
    child writing its prices.npy (2 to 10 GB) under output_root(env), deleted afterwards."""
    directory = output_root(env) / "rss"
    shutil.rmtree(directory, ignore_errors=True)
    command = [str(bin_path / "scengine"), "run", str(HERE / scenario), "--out",
               str(directory), "--threads", str(threads), "--progress", "none"]
    log(f"peak RSS check: {' '.join(command)}")
    start = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    peak = reap(process, timeout=1800)
    seconds = time.monotonic() - start
    shutil.rmtree(directory, ignore_errors=True)
    try:
        output_root(env).rmdir()
    except OSError:
        pass
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with status {process.returncode}")
    return {"command": command, "threads": threads, "peak_rss_kib": peak, "seconds": seconds}


# ---------------------------------------------------------------------------------------------
# The report.


def scengine_openblas(executable, env):
    """The OpenBLAS the suite executable links, with the kernel it picks in `env`."""
    try:
        ldd = subprocess.run(["ldd", str(executable)], capture_output=True, text=True).stdout
        path = re.search(r"libopenblas\S*\s+=>\s+(\S+)", ldd).group(1)
    except OSError:
        return "not found"
    except AttributeError:
        return "none linked (own products, Cholesky factor and eigensolver)"
    probe = (
        "import ctypes, sys\n"
        "lib = ctypes.CDLL(sys.argv[1])\n"
        "for name in ('openblas_get_corename', 'openblas_get_config'):\n"
        "    getattr(lib, name).restype = ctypes.c_char_p\n"
        "print(lib.openblas_get_config().decode(), '| kernel',\n"
        "      lib.openblas_get_corename().decode())\n")
    result = subprocess.run([sys.executable, "-c", probe, os.path.realpath(path)], env=env,
                            capture_output=True, text=True)
    return f"{os.path.realpath(path)}: {result.stdout.strip() or result.stderr.strip()}"


def numpy_openblas(description):
    """The BLAS libraries of a peer's description, one after the other."""
    return "; ".join(
        f"{lib['filepath']}: {lib['internal_api']} {lib['version']} | kernel {lib['architecture']}"
        f" | {lib['num_threads']} thread(s)" for lib in description["blas"]) or "no BLAS found"


def numba_summary(description):
    """numba's version, threading layer and cache, and the BLAS libraries, of a description."""
    return (f"numba {description['numba']}, threading layer {description['numba_threading_layer']}"
            f", cache {description['numba_cache']}; BLAS: {numpy_openblas(description)}")


def summary(rates):
    """Median, min and max of `rates`."""
    return {"median": statistics.median(rates), "min": min(rates), "max": max(rates)}


def rate_summary(values, seconds):
    """The summary of `values` per second over runs of `seconds` each."""
    return summary([values / s for s in seconds])


def millions(value):
    """`value` in millions, to three significant figures."""
    value /= 1e6
    digits = max(0, 3 - len(str(int(value)))) if value >= 1 else 3
    return f"{value:.{digits}f}"


def cell(rates):
    """``median (min–max)`` of a summary in millions, or a dash for a side that was not run."""
    if rates is None:
        return "–"
    low, high = millions(rates["min"]), millions(rates["max"])
    return f"{millions(rates['median'])} ({low}–{high})"


def mebibytes(kib):
    """KiB as whole MiB, or a dash."""
    return "–" if kib is None else f"{kib / 1024:.0f}"


def ratio(value):
    """A ratio to two decimals, or a dash."""
    return "–" if value is None else f"{value:.2f}"


def print_table(header, lines):
    """Prints `lines` (tuples of strings) under `header`, the first column left-aligned."""
    widths = [max(len(line[i]) for line in [header] + lines) for i in range(len(header))]
    rule = "-" * (sum(widths) + 3 * (len(widths) - 1))
    print(rule)
    for line in [header] + lines:
        print(" | ".join(text.ljust(width) if i == 0 else text.rjust(width)
                         for i, (text, width) in enumerate(zip(line, widths))))
        if line is header:
            print(rule)
    print(rule)


def print_rows(rows):
    """The main table: one line per workload and thread count."""
    header = ("workload", "threads", "scengine M values/s: median (min–max)",
              "numpy M values/s", "numpy Philox", "numba", "scengine/numpy",
              "/numpy Philox", "/numba", "peak RSS MiB: scengine", "numpy", "numba")
    print_table(header, [
        (row["workload"], str(row["threads"]), cell(row["scengine"]),
         *(cell(row.get(side)) for side in PEERS),
         *(ratio(row.get(f"ratio_{side}")) for side in PEERS),
         *(mebibytes(row["peak_rss_kib"].get(side)) for side in ("scengine", "numpy", "numba")))
        for row in rows])


def seconds_cell(times):
    """``median (min–max)`` of run times in seconds, or a dash for a side that was not run."""
    if not times:
        return "–"
    return f"{statistics.median(times):.3f} ({min(times):.3f}–{max(times):.3f})"


def print_floor_rows(rows):
    """The end-to-end rows against the write floor: each side's seconds, the floor's write
    rate, scengine / floor (a ratio of median times, target at most FLOOR_TARGET) and numpy /
    floor."""
    lines = []
    for row in rows:
        if "floor" not in row:
            continue
        times, size = row["seconds"], int(row["tags"]["bytes"])
        floor = statistics.median(times["floor"])
        verdict = "met" if row["scengine_over_floor"] <= FLOOR_TARGET else "NOT met"
        lines.append((
            row["workload"], str(row["threads"]), f"{size / 1e6:.0f}",
            seconds_cell(times["scengine"]), seconds_cell(times.get("numpy")),
            seconds_cell(times["floor"]), f"{size / floor / 1e9:.2f}",
            f"{ratio(row['scengine_over_floor'])} {verdict}",
            ratio(statistics.median(times["numpy"]) / floor) if "numpy" in times else "–"))
    if not lines:
        return
    print(f"end-to-end runs against the write floor (the file's bytes from memory to a new file "
          f"in the same directory, one thread), seconds, median (min–max); target "
          f"scengine/floor <= {FLOOR_TARGET}:")
    header = ("workload", "threads", "file MB", "scengine s", "numpy s", "write floor s",
              "floor GB/s", "scengine/floor", "numpy/floor")
    print_table(header, lines)


def speedups(rows):
    """Per workload measured on one and on two threads: each side's median ratio, 2 / 1."""
    by_key = {(row["workload"], row["threads"]): row for row in rows}
    result = []
    for name in dict.fromkeys(row["workload"] for row in rows):
        one, two = by_key.get((name, 1)), by_key.get((name, 2))
        if one and two:
            result.append({"workload": name, **{
                side: two[side]["median"] / one[side]["median"]
                for side in ("scengine", *PEERS) if side in one and side in two}})
    return result


def print_speedups(speedup_rows):
    """The table of 2-thread over 1-thread medians."""
    print("speed-up from 1 to 2 threads (ratio of the medians above):")
    header = ("workload", "scengine 2/1", "numpy 2/1", "numpy Philox 2/1", "numba 2/1")
    print_table(header, [(row["workload"], *(ratio(row.get(side)) for side in ("scengine", *PEERS)))
                         for row in speedup_rows])
    for row in speedup_rows:
        if row["workload"].startswith("E2E") and "scengine" in row:
            verdict = "met" if row["scengine"] >= E2E_SPEEDUP_TARGET else "NOT met"
            print(f"{row['workload']}: scengine 2/1 {row['scengine']:.2f}, target >= "
                  f"{E2E_SPEEDUP_TARGET}: {verdict}")


def print_floors(label, result):
    """One line of floors (``floors``), measured at the `label` of the run."""
    normals = ", ".join(
        f"{name} {cell(result[key])}" for name, key in
        (("default_rng (PCG64)", "normals_pcg64"), ("Philox", "normals_philox")))
    write = result["memory_write"]
    print(f"floors at the {label}, 1 thread, median (min–max) of {len(write['rates'])}: "
          f"numpy normals M values/s: {normals}; memory write (fill of 256 MiB): "
          f"{write['median'] * 8 / 1e9:.1f} GB/s ({write['min'] * 8 / 1e9:.1f}–"
          f"{write['max'] * 8 / 1e9:.1f}), {cell(write)} M float64/s")


def print_rss(results):
    """The lines of the peak-RSS checks (``rss_check``) against their targets."""
    for (scenario, shape, target), result in zip(RSS_CHECKS, results):
        mib, mb = result["peak_rss_kib"] / 1024, result["peak_rss_kib"] * 1024 / 1e6
        verdict = "met" if mb < target else "NOT met"
        print(f"peak RSS of `scengine run {scenario}` ({shape}, --threads "
              f"{result['threads']}): {mib:.0f} MiB ({mb:.0f} MB), target < {target} MB: "
              f"{verdict}; {result['seconds']:.1f} s")


def main():
    """Measures every workload at every thread count and prints the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="measured runs per side (>= 5)")
    parser.add_argument("--filter", default=".*",
                        help="regex on workload names (case-insensitive)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                        help="thread counts to measure every workload with (default: 1 2)")
    parser.add_argument("--bin-path", type=Path, help="swift build -c release --show-bin-path")
    parser.add_argument("--results", type=Path, default=HERE / "results", help="raw results dir")
    parser.add_argument("--no-rss-checks", action="store_true",
                        help="leave out the three peak-RSS runs (10 GB files): to try rows")
    args = parser.parse_args()
    if args.rounds < 5:
        parser.error("--rounds must be at least 5 (medians of at least five runs)")
    if min(args.threads) < 1:
        parser.error("--threads must be at least 1")
    bin_path = args.bin_path or Path(subprocess.run(
        ["swift", "build", "-c", "release", "--show-bin-path"], cwd=HERE, check=True,
        capture_output=True, text=True).stdout.strip())
    env, removed = benchmark_environment()
    started, load_before = time.monotonic(), os.getloadavg()[0]

    log("floors (start)")
    floors_start = floors(env, 5)
    rows, descriptions, blas = [], {}, {}
    for suite_name, peer_commands in SUITES.items():
        executable = bin_path / suite_name
        if not executable.exists():
            raise SystemExit(f"{executable} not found: build with `swift build -c release`")
        blas.setdefault("scengine", scengine_openblas(executable, env))
        for name in workload_names(executable, env, args.filter):
            for threads in args.threads:
                row, described = measure(executable, peer_commands, name, threads, env,
                                         args.rounds)
                rows.append(row)
                descriptions.update({f"{suite_name} {side}": description
                                     for side, description in described.items()})
    if not rows:
        raise SystemExit(f"no workload matches --filter {args.filter!r}")
    rss = [] if args.no_rss_checks else [rss_check(bin_path, env, max(args.threads), scenario)
                                         for scenario, _, _ in RSS_CHECKS]
    log("floors (end)")
    floors_end = floors(env, 5)

    print(flush=True)
    print(f"scengine vs numpy and numba, {args.rounds} runs per side after one warm-up, sides "
          f"in rotating order, fresh processes per workload and thread count; "
          f"{platform.node()} ({platform.machine()}, {os.cpu_count()} cores)")
    print("unset for every side: " + (", ".join(f"{k}={v}" for k, v in removed.items())
                                       if removed else f"none of {', '.join(UNSET)} was set"))
    load_after = os.getloadavg()[0]
    busy = max(load_before, load_after) > os.cpu_count()
    print(f"load average (1 min): {load_before:.1f} at the start, {load_after:.1f} at the end"
          + (f"; above {os.cpu_count()} cores, so other processes took CPU time from the runs"
             if busy else ""))
    print(f"scengine OpenBLAS: {blas['scengine']}")
    numpy_side = next(d for k, d in descriptions.items() if k.endswith("numpy"))
    numba_side = next((d for k, d in descriptions.items() if k.endswith("numba")), None)
    print(f"numpy    {numpy_side['numpy']} (default_rng, PCG64; numpy Philox: "
          f"Generator(Philox())) OpenBLAS: {numpy_openblas(numpy_side)}")
    if numba_side:
        print(f"numba    {numba_summary(numba_side)}")
    print_floors("start", floors_start)
    print_rows(rows)
    speedup_rows = speedups(rows)
    if speedup_rows:
        print_speedups(speedup_rows)
    print_floor_rows(rows)
    print_rss(rss)
    print_floors("end", floors_end)
    elapsed = time.monotonic() - started
    print(f"measured in {elapsed:.0f} s", flush=True)

    args.results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = args.results / f"compare-{stamp}.json"
    path.write_text(json.dumps({
        "date": stamp, "rounds": args.rounds, "threads": args.threads, "unset": removed,
        "openblas": blas, "peers": descriptions, "load_average": [load_before, load_after],
        "floors": {"start": floors_start, "end": floors_end}, "rss_check": rss,
        "rows": rows, "speedups": speedup_rows, "seconds": elapsed}, indent=2) + "\n")
    print(f"raw results: {path.relative_to(HERE) if path.is_relative_to(HERE) else path}")


if __name__ == "__main__":
    main()
