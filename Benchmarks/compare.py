"""Runs each scengine benchmark and its numpy peer alternately and prints one table.

For every workload of every suite in SUITES: one warm-up run of each side, then ``--rounds``
measured runs of each side, alternating (scengine first in even rounds, numpy first in odd
ones). A row reports values per second, median (min-max), for each side and the ratio of the
medians, scengine / numpy. Both sides run on one thread with the same environment, in which
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset. Raw timings go to results/.

The Swift side is an ordo-one/benchmark suite executable. It is driven the way the package's own
BenchmarkTool drives it (see Sources/Benchmark/BenchmarkRunner+ReadWrite.swift in
ordo-one/benchmark): length-prefixed JSON requests on a pipe, ``list`` once, then one ``run``
per measurement; with SCENGINE_BENCH_WARMUP=0 and SCENGINE_BENCH_ITERATIONS=1 each run is one
iteration, whose wall clock comes back in an HDR histogram. Driving the executable directly
keeps the suite process alive between runs, which ``swift package benchmark`` (about 25 s of
tool rebuilding per invocation) cannot do.

Usage: .venv/bin/python compare.py [--rounds N] [--filter REGEX] [--bin-path DIR]
(``make bench`` builds, creates the venv and runs this.)
"""

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Suite executable (Benchmarks/<Suite>/, an ordo-one benchmark target) -> numpy peer script.
# Adding a suite is adding one line here; each workload of the suite is one table row.
SUITES = {
    "ShockBenchmarks": "peers/shocks_numpy.py",
    "ProcessBenchmarks": "peers/processes_numpy.py",
    "EndToEndBenchmarks": "peers/e2e_numpy.py",
}

# They slow OpenBLAS (numpy's and scengine's) down on some machines: unset for both sides.
UNSET = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def log(message):
    print(message, file=sys.stderr, flush=True)


def benchmark_environment():
    """The environment of both sides, and the variables it removed (with their values)."""
    env = dict(os.environ)
    removed = {name: env.pop(name) for name in UNSET if name in env}
    env.update(ONE_THREAD)
    return env, removed


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
        try:
            self._send({"end": {}})
            os.close(self._to_child)
            self.process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()


# ---------------------------------------------------------------------------------------------
# The numpy side: a peer script serving run requests (peers/peerlib.py).


class Peer:
    def __init__(self, script, env):
        self.name = Path(script).name
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / script), "--serve"], env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.description = self._receive()["peer"]

    def _receive(self):
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"{self.name} exited (status {self.process.wait()})")
        return json.loads(line)

    def run(self, tags):
        self.process.stdin.write(json.dumps({"run": tags}) + "\n")
        self.process.stdin.flush()
        reply = self._receive()
        if "error" in reply:
            raise SystemExit(f"{self.name}: {reply['error']}")
        return reply["seconds"]

    def close(self):
        try:
            self.process.stdin.close()
            self.process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()


# ---------------------------------------------------------------------------------------------


def scengine_openblas(executable, env):
    """The OpenBLAS the suite executable links, with the kernel it picks in `env`."""
    try:
        ldd = subprocess.run(["ldd", str(executable)], capture_output=True, text=True).stdout
        path = re.search(r"libopenblas\S*\s+=>\s+(\S+)", ldd).group(1)
    except (OSError, AttributeError):
        return "not found"
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
    return "; ".join(
        f"{lib['filepath']}: {lib['internal_api']} {lib['version']} | kernel {lib['architecture']}"
        f" | {lib['num_threads']} thread(s)" for lib in description["blas"]) or "no BLAS found"


def rate_summary(values, seconds):
    rates = [values / s for s in seconds]
    return {"median": statistics.median(rates), "min": min(rates), "max": max(rates)}


def millions(value):
    """`value` in millions, to three significant figures."""
    value /= 1e6
    digits = max(0, 3 - len(str(int(value)))) if value >= 1 else 3
    return f"{value:.{digits}f}"


def cell(summary):
    low, high = millions(summary["min"]), millions(summary["max"])
    return f"{millions(summary['median'])} ({low}–{high})"


def print_table(rows):
    header = ("workload", "scengine M values/s: median (min–max)",
              "numpy M values/s: median (min–max)", "scengine/numpy")
    lines = [(row["workload"], cell(row["scengine"]), cell(row["numpy"]), f"{row['ratio']:.2f}")
             for row in rows]
    widths = [max(len(line[i]) for line in [header] + lines) for i in range(4)]
    rule = "-" * (sum(widths) + 3 * 3)
    print(rule)
    for line in [header] + lines:
        print(" | ".join(text.ljust(width) if i == 0 else text.rjust(width)
                         for i, (text, width) in enumerate(zip(line, widths))))
        if line is header:
            print(rule)
    print(rule)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="measured runs per side (>= 5)")
    parser.add_argument("--filter", default=".*", help="regex on workload names")
    parser.add_argument("--bin-path", type=Path, help="swift build -c release --show-bin-path")
    parser.add_argument("--results", type=Path, default=HERE / "results", help="raw results dir")
    args = parser.parse_args()
    if args.rounds < 5:
        parser.error("--rounds must be at least 5 (medians of at least five runs)")
    bin_path = args.bin_path or Path(subprocess.run(
        ["swift", "build", "-c", "release", "--show-bin-path"], cwd=HERE, check=True,
        capture_output=True, text=True).stdout.strip())
    env, removed = benchmark_environment()
    started, load_before = time.monotonic(), os.getloadavg()[0]

    rows, raw, blas = [], [], {}
    for suite_name, peer_script in SUITES.items():
        executable = bin_path / suite_name
        if not executable.exists():
            raise SystemExit(f"{executable} not found: build with `swift build -c release`")
        suite, peer = SwiftSuite(executable, env), Peer(peer_script, env)
        try:
            blas.setdefault("scengine", scengine_openblas(executable, env))
            blas.setdefault("numpy", numpy_openblas(peer.description))
            for benchmark in suite.benchmarks():
                name, tags = benchmark["name"], benchmark["configuration"]["tags"]
                if not re.search(args.filter, name):
                    continue
                values = int(tags["values"])
                log(f"{name}: warm-up")
                suite.run(benchmark)
                peer.run(tags)
                times = {"scengine": [], "numpy": []}
                for round_index in range(args.rounds):
                    sides = [("scengine", lambda: suite.run(benchmark)),
                             ("numpy", lambda: peer.run(tags))]
                    for side, run in sides if round_index % 2 == 0 else reversed(sides):
                        times[side].append(run())
                    log(f"{name}: round {round_index + 1}/{args.rounds}: scengine "
                        f"{times['scengine'][-1]:.3f} s, numpy {times['numpy'][-1]:.3f} s")
                row = {"workload": name, "tags": tags, "seconds": times}
                row.update({side: rate_summary(values, times[side]) for side in times})
                row["ratio"] = row["scengine"]["median"] / row["numpy"]["median"]
                rows.append(row)
            raw.append({"suite": suite_name, "peer": peer_script, "numpy": peer.description})
        finally:
            suite.close()
            peer.close()

    if not rows:
        raise SystemExit(f"no workload matches --filter {args.filter!r}")
    print(flush=True)
    print(f"scengine vs numpy, {args.rounds} alternating runs per side after one warm-up, "
          f"one thread, {platform.node()} ({platform.machine()}, {os.cpu_count()} cores)")
    print("unset for both sides: " + (", ".join(f"{k}={v}" for k, v in removed.items())
                                       if removed else f"none of {', '.join(UNSET)} was set"))
    load_after = os.getloadavg()[0]
    busy = max(load_before, load_after) > os.cpu_count()
    print(f"load average (1 min): {load_before:.1f} at the start, {load_after:.1f} at the end"
          + (f"; above {os.cpu_count()} cores, so other processes took CPU time from the runs"
             if busy else ""))
    print(f"scengine OpenBLAS: {blas['scengine']}")
    print(f"numpy    OpenBLAS: {blas['numpy']}")
    print_table(rows)
    elapsed = time.monotonic() - started
    print(f"measured in {elapsed:.0f} s", flush=True)

    args.results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = args.results / f"compare-{stamp}.json"
    path.write_text(json.dumps({
        "date": stamp, "rounds": args.rounds, "unset": removed, "openblas": blas,
        "load_average": [load_before, load_after],
        "suites": raw, "rows": rows, "seconds": elapsed}, indent=2) + "\n")
    print(f"raw results: {path.relative_to(HERE) if path.is_relative_to(HERE) else path}")


if __name__ == "__main__":
    main()
