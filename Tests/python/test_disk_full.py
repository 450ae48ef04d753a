"""A full disk, for real: each test mounts a 2 MiB tmpfs (`mount -t tmpfs -o size=2m`, as root)
and runs the binary into it.

- `scengine check --out DIR` prints the bytes the run writes and the free space of DIR's file
  system; a run that fits writes what check said.
- `scengine run` refuses up front (exit 1, nothing created) when the run needs more than is
  free, naming the folder, the bytes needed and free, and --force.
- With --force, a run whose disk fills (in prices.npy, prices.csv, paths.parquet, or the
  temporary file of per-path risk figures) exits 1 with a message that names the file and the
  bytes the run needed and had, and leaves no file at all.

Where the tests cannot mount (not root, or a container that forbids it) they are skipped with
the reason. The tmpfs is unmounted whatever happens. The binary is $SCENGINE_BIN or, when unset,
.build/release/scengine in the repository.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DISK_BYTES = 2 << 20


@pytest.fixture
def disk(tmp_path):
    """A 2 MiB tmpfs mounted at tmp_path/disk for the test, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root: the disk-full tests are skipped")
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)],
        capture_output=True, text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()}): the disk-full tests "
                    "are skipped")
    try:
        yield mount_point
    finally:
        if subprocess.run(["umount", str(mount_point)]).returncode != 0:
            subprocess.run(["umount", "--lazy", str(mount_point)], check=True)


def scenario(folder: Path, paths: int, steps: int, fmt: str = "npy") -> Path:
    """A one-asset GBM scenario with the one variant `base`, written beside the disk."""
    path = folder / f"s-{paths}-{steps}-{fmt}.yaml"
    path.write_text(
        f"name: diskfull\nseed: 3\npaths: {paths}\ntime: {{steps: {steps}, dt: 1/252}}\n"
        "assets: [EQ]\ninitial: 100\nmodel: {gbm: {drift: 0.05, volatility: 0.2}}\n"
        f"output: {{format: {fmt}}}\nvariants: {{base: {{}}}}\n"
    )
    return path


def scengine_run(binary, *arguments, one_cpu=False):
    """Runs the binary; with `one_cpu`, on the first CPU of the test's affinity mask only."""
    pin = None
    if one_cpu:
        first = min(os.sched_getaffinity(0))
        pin = lambda: os.sched_setaffinity(0, {first})  # noqa: E731
    return subprocess.run(
        [str(binary), *arguments], capture_output=True, text=True, stdin=subprocess.DEVNULL,
        timeout=300, preexec_fn=pin,
    )


def files_under(folder: Path):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if not p.is_dir())


def byte_count(pattern: str, text: str) -> int:
    """The exact count in `… [at most] 1.2 MB (1,234,567 bytes)` after the text `pattern`."""
    found = re.search(re.escape(pattern) + r"(?: at most)? [\d.]+ \w?B \(([\d,]+) bytes\)", text)
    assert found, f"no '{pattern} … (N bytes)' in:\n{text}"
    return int(found.group(1).replace(",", ""))


def test_check_prints_what_a_run_writes_and_the_free_space(scengine, disk, tmp_path):
    spec = scenario(tmp_path, paths=300, steps=252)
    out = disk / "out"
    checked = scengine_run(scengine, "check", str(spec), "--out", str(out))
    assert checked.returncode == 0, checked.stderr
    needed = byte_count("the run writes", checked.stdout)
    free = byte_count("free      ", checked.stdout)
    vfs = os.statvfs(disk)
    assert free == vfs.f_bavail * vfs.f_frsize, checked.stdout
    assert f"on the file system of {disk}" in checked.stdout, checked.stdout
    assert "too little" not in checked.stdout, checked.stdout
    assert not out.exists(), "check created the output folder"

    ran = scengine_run(scengine, "run", str(spec), "--out", str(out), "--progress", "none")
    assert ran.returncode == 0, ran.stderr
    written = sum((out / name).stat().st_size for name in files_under(out))
    # Beside the files: 16 bytes per path of risk figures (one asset) and the lock's journal
    # (with its progress record, bounded by the manifest), only while the run runs; the JSON
    # files are counted at their longest.
    risk = 16 * 300
    assert written + risk <= needed <= written + risk + 16384, (
        f"check said {needed} bytes; the run wrote {written} plus {risk} of risk figures")


def test_run_refuses_up_front_when_the_disk_is_too_small(scengine, disk, tmp_path):
    spec = scenario(tmp_path, paths=2000, steps=252)
    out = disk / "out"
    checked = scengine_run(scengine, "check", str(spec), "--out", str(out))
    assert checked.returncode == 0, checked.stderr
    assert "too little" in checked.stdout, checked.stdout
    needed = byte_count("the run writes", checked.stdout)

    refused = scengine_run(scengine, "run", str(spec), "--out", str(out), "--progress", "none")
    assert refused.returncode == 1, refused.stderr
    message = refused.stderr.strip()
    assert message.count("\n") == 0 and message.startswith("error: "), message
    assert byte_count("the run needs", message) == needed, message
    assert f" in {out}, but the file system of {disk} has" in message, message
    vfs = os.statvfs(disk)
    assert byte_count("has", message) == vfs.f_bavail * vfs.f_frsize, message
    assert "--force" in message, message
    assert files_under(disk) == [] and not out.exists(), files_under(disk)


# (name, paths, steps, format, the file whose write fails): one block on one thread, run on one
# CPU so that the NPY file is written before the block's risk figures, not behind the worker
# (`Processors.available`), and the failing write is known. The risk case: 1.6 MB of prices
# fit, their 1.6 MB of figures do not.
MID_RUN = [
    ("npy", 2000, 252, "npy", "base/prices.npy"),
    ("csv", 2000, 252, "csv", "base/prices.csv"),
    ("parquet", 2000, 252, "parquet", "base/paths.parquet"),
    ("risk figures", 100_000, 1, "npy", None),
]


@pytest.mark.parametrize("name,paths,steps,fmt,failing", MID_RUN, ids=[c[0] for c in MID_RUN])
def test_a_disk_that_fills_mid_run_leaves_nothing(scengine, disk, tmp_path, name, paths, steps,
                                                  fmt, failing):
    spec = scenario(tmp_path, paths=paths, steps=steps, fmt=fmt)
    out = disk / "out"
    checked = scengine_run(scengine, "check", str(spec), "--out", str(out))
    needed = byte_count("the run writes", checked.stdout)
    free = byte_count("free      ", checked.stdout)
    assert needed > DISK_BYTES, f"{name}: the run must not fit, check said {needed} bytes"

    ran = scengine_run(
        scengine, "run", str(spec), "--out", str(out), "--progress", "none", "--force",
        "--threads", "1", "--block-size", str(paths), one_cpu=True,
    )
    assert ran.returncode == 1, f"{name}: exit {ran.returncode}: {ran.stderr}"
    message = ran.stderr.strip()
    assert message.count("\n") == 0 and message.startswith("error: "), message
    what = (f"cannot write {out}/{failing}" if failing
            else "cannot write the temporary file of per-path risk figures")
    assert message.startswith(f"error: {what}: No space left on device; the run needs "), message
    assert byte_count("the run needs", message) == needed, message
    assert f" in {out}, " in message, message
    assert byte_count(f"in {out},", message) == free, message
    assert message.endswith(" were free when it started"), message
    assert files_under(disk) == [], f"{name}: left {files_under(disk)}"
    assert not out.exists(), f"{name}: left the output folder"


def test_merge_refuses_or_fails_cleanly_on_a_full_disk(scengine, disk, tmp_path):
    """`scengine merge` into a disk too small for the merged files: refused up front (exit 1,
    nothing created); with --force it fails when the disk fills, naming the bytes it needed,
    and leaves nothing. The merged files need 3% more than the disk has: the up-front check
    counts the NPY files' bytes exactly (the shards' rows under one header)."""
    source = scenario(tmp_path, paths=6000, steps=42)
    shards = []
    for k in range(2):
        out = tmp_path / "shards" / f"{k}-of-2"
        done = scengine_run(scengine, "run", str(source), "--shard", f"{k}/2", "--out", str(out),
                            "--progress", "none")
        assert done.returncode == 0, done.stderr
        shards.append(str(out))
    out = disk / "merged"
    refused = scengine_run(scengine, "merge", str(out), *shards)
    assert refused.returncode == 1, refused.stderr
    assert "the merge needs" in refused.stderr and "--force" in refused.stderr, refused.stderr
    assert not out.exists()
    failed = scengine_run(scengine, "merge", "--force", str(out), *shards)
    assert failed.returncode == 1, failed.stderr
    assert "No space left on device" in failed.stderr, failed.stderr
    assert "the merge needs" in failed.stderr, failed.stderr
    assert files_under(disk) == [], files_under(disk)
