"""Checks that a merged run folder holds what a one-process run wrote.

    python3 compare_runs.py [--shards N] REFERENCE MERGED

REFERENCE is the folder of `scengine run SCENARIO --out REFERENCE`, MERGED the folder that
`scengine merge` wrote from the shards. Both manifests must list the same files with the same
SHA-256 and sizes, every listed file on disk must have that SHA-256 in both folders, MERGED
must hold no other file than those, its manifest and its shards/ folder, and the manifests
must agree on everything but the threads, the block size, the timings and the command line.
With --shards N, MERGED/shards/K-of-N/manifest.json must also be the manifest of shard K of N:
paths [floor(K*P/N), floor((K+1)*P/N)) of the reference's P paths.
Prints each difference (expected from REFERENCE, observed in MERGED) and exits 1 when there
is one. Standard library only.
"""

import hashlib
import json
import os
import sys

# What may differ between two runs of the same resolved scenario.
VOLATILE = {"threads", "block_size", "seconds", "command"}


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def without_volatile(manifest):
    kept = {k: v for k, v in manifest.items() if k not in VOLATILE}
    kept["variants"] = [
        {k: v for k, v in variant.items() if k != "seconds"}
        for variant in manifest.get("variants", [])
    ]
    return kept


def files_on_disk(folder):
    """The regular files under folder, relative, except the manifest, shards/ and dot files."""
    found = set()
    for root, dirs, files in os.walk(folder):
        rel_root = os.path.relpath(root, folder)
        dirs[:] = [d for d in dirs if not (rel_root == "." and d == "shards")]
        for name in files:
            rel = os.path.normpath(os.path.join(rel_root, name))
            if rel != "manifest.json" and not name.startswith("."):
                found.add(rel)
    return found


def check_shards(merged, count, paths):
    """The problems of MERGED/shards/K-of-count: each one shard K's path range."""
    problems = []
    for k in range(count):
        file = os.path.join(merged, "shards", "%d-of-%d" % (k, count), "manifest.json")
        if not os.path.isfile(file):
            problems.append("%s: missing" % file)
            continue
        with open(file) as f:
            observed = json.load(f).get("shard")
        bounds = [k * paths // count, (k + 1) * paths // count]
        expected = {"index": k, "count": count, "paths": bounds}
        if observed != expected:
            problems.append(
                "%s: shard expected %s, observed %s"
                % (file, json.dumps(expected), json.dumps(observed))
            )
    return problems


def main(reference, merged, shards=None):
    problems = []
    with open(os.path.join(reference, "manifest.json")) as f:
        expected = json.load(f)
    with open(os.path.join(merged, "manifest.json")) as f:
        observed = json.load(f)

    expected_files = expected["files"]
    observed_files = observed["files"]
    if expected_files != observed_files:
        problems.append(
            "manifest files differ:\n  expected %s\n  observed %s"
            % (json.dumps(expected_files), json.dumps(observed_files))
        )
    for record in expected_files:
        path = record["path"]
        for folder in (reference, merged):
            file = os.path.join(folder, path)
            if not os.path.isfile(file):
                problems.append("%s: missing" % file)
                continue
            observed_hash = sha256(file)
            if observed_hash != record["sha256"]:
                problems.append(
                    "%s: SHA-256 expected %s (reference manifest), observed %s"
                    % (file, record["sha256"], observed_hash)
                )
    listed = {os.path.normpath(r["path"]) for r in expected_files}
    for extra in sorted(files_on_disk(merged) - listed):
        problems.append("%s: not in the reference run" % os.path.join(merged, extra))

    a, b = without_volatile(expected), without_volatile(observed)
    for key in sorted(set(a) | set(b)):
        if key != "files" and a.get(key) != b.get(key):
            problems.append(
                "manifest key %r: expected %s, observed %s"
                % (key, json.dumps(a.get(key)), json.dumps(b.get(key)))
            )

    if shards is not None:
        problems += check_shards(merged, shards, expected["paths"])

    for problem in problems:
        print("compare_runs: " + problem, file=sys.stderr)
    if problems:
        return 1
    print(
        "compare_runs: %d files, equal SHA-256 and manifests (%s)"
        % (len(expected_files), ", ".join(r["path"] for r in expected_files))
    )
    return 0


if __name__ == "__main__":
    arguments = sys.argv[1:]
    shard_count = None
    if arguments[:1] == ["--shards"] and len(arguments) >= 2 and arguments[1].isdigit():
        shard_count = int(arguments[1])
        arguments = arguments[2:]
    if len(arguments) != 2 or shard_count == 0:
        print("usage: compare_runs.py [--shards N] REFERENCE MERGED", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(arguments[0], arguments[1], shard_count))
