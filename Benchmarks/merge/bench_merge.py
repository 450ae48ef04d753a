"""`scengine merge` of 4 shards against the machine's sequential copy rate, in one run.

The shards are 4 x 250,000 paths of `scenarios/rss-gbm1.yaml` (1M x 252 x 1 GBM, float64: a
2.02 GB prices.npy when merged), written once into a temporary folder on the disk that holds
it (--dir). Then, alternately, ROUNDS times each, in two settings:

* page cache: `cp` of the four shards' prices.npy (the same bytes as the merge reads and
  writes) into a fresh folder, against `scengine merge` of the four shards into a fresh
  folder; neither waits for the disk. The merge checks every shard file's SHA-256 while it
  copies, hashes the output on the way and writes summary.json and the manifest: two SHA-256
  passes over the bytes that `cp` only moves, so this row is bound by the hash's speed and the
  number of cores.
* to disk: the same `cp` followed by `sync` of the copies (fsync), against `scengine merge
  --sync`: the time until the bytes are on the disk, which is what a merge of files larger
  than the memory costs.

Reported per setting: the median bytes per second of each side and merge / copy (the target is
>= 0.70), and the merge's peak RSS (ru_maxrss of its process; the target is < 100 MB). The
shards' files stay in the page cache for both sides. Output folders are removed after each
round, so the disk needs about 3 x 2 GB free.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = os.path.join(HERE, "..", "scenarios", "rss-gbm1.yaml")
SHARDS = 4


def timed(arguments):
    """Runs a command; returns (seconds, peak RSS in MiB); fails loudly on a non-zero exit."""
    start = time.perf_counter()
    process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        sys.exit(f"{' '.join(arguments)} failed: {process.stderr.read().decode()}")
    return seconds, usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", required=True, help="the scengine executable")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", default=None, help="where to write (default: TMPDIR)")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="bench-merge-", dir=args.dir)
    try:
        shards = []
        for k in range(SHARDS):
            out = os.path.join(work, "shards", f"{k}-of-{SHARDS}")
            subprocess.run(
                [args.bin, "run", SCENARIO, "--shard", f"{k}/{SHARDS}", "--out", out,
                 "--progress", "none"], check=True, stdout=subprocess.DEVNULL)
            shards.append(out)
        sources = [os.path.join(s, "base", "prices.npy") for s in shards]
        total = sum(os.path.getsize(s) for s in sources)
        settings = {"page cache": False, "to disk": True}
        copy = {name: [] for name in settings}
        merge = {name: [] for name in settings}
        rss = []
        for _ in range(args.rounds):
            for name, durable in settings.items():
                target = os.path.join(work, "copy")
                os.makedirs(target)
                copies = [os.path.join(target, f"{i}.npy") for i in range(len(sources))]
                start = time.perf_counter()
                for source, copied in zip(sources, copies):
                    subprocess.run(["cp", source, copied], check=True)
                if durable:
                    subprocess.run(["sync"] + copies, check=True)
                copy[name].append(total / (time.perf_counter() - start))
                shutil.rmtree(target)
                target = os.path.join(work, "merged")
                seconds, peak = timed(
                    [args.bin, "merge", target] + shards + (["--sync"] if durable else []))
                merge[name].append(total / seconds)
                rss.append(peak)
                shutil.rmtree(target)
        print(f"merge of {SHARDS} shards of 1M x 252 x 1 float64 ({total / 1e9:.2f} GB), "
              f"{args.rounds} rounds, medians:")
        print(f"  {'setting':<11} {'cp GB/s':>8} {'merge GB/s':>11} {'merge/cp':>9}  (target >= 0.70)")
        ratios = {}
        for name in settings:
            c, m = statistics.median(copy[name]), statistics.median(merge[name])
            ratios[name] = m / c
            print(f"  {name:<11} {c / 1e9:8.2f} {m / 1e9:11.2f} {m / c:9.2f}")
        print(f"  merge peak RSS {max(rss):.0f} MiB (target < 100)")
        return 0 if ratios["to disk"] >= 0.70 and max(rss) < 100 else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
