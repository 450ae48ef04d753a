"""The write floor of the EndToEndBenchmarks suite: the prices file's bytes, from memory to a file.

For each end-to-end workload, the time to write as many bytes as the run's ``prices.npy`` holds
(the ``bytes`` tag: ``values`` times 8 for float64, 4 for float32) from a preallocated buffer
in memory, whose pages are already mapped, to a new file under ``$TMPDIR/scengine-bench-e2e``
(the directory the runs write to, so the same file system): ``os.open``, ``os.write`` of the
whole buffer (in pieces of at most 1 GiB), ``os.close``, one thread, no ``fsync``. That is
what any writer of the file pays at least: the copy into the page cache and the file system's
allocation of its pages. The file is unlinked before the next run (outside the measurement, as
the other sides remove their previous files) and when the peer ends. ``compare.py`` runs it
as one more side of the end-to-end rows and reports ``scengine/floor``, the ratio of the
median times.

By hand: ``python peers/write_floor.py bytes=202400000 values=25300000``.
"""

import os
import shutil

from e2e_numpy import output_root  # first: one BLAS thread
from peerlib import main

import numpy as np  # noqa: E402

CHUNK = 1 << 30  # the largest piece handed to one os.write (Linux writes at most ~2 GiB)

_buffers = {}


def buffer_of(size):
    """A ``size``-byte buffer whose pages are mapped, kept for the next run of the same size."""
    if size not in _buffers:
        _buffers.clear()
        buffer = np.empty(size, dtype=np.uint8)
        buffer.fill(1)
        _buffers[size] = buffer
    return _buffers[size]


def directory():
    """``output_root() / "floor"``, beside the other sides' output directories."""
    return output_root() / "floor"


def setup(tags):
    size = int(tags["bytes"]) if "bytes" in tags else 8 * int(tags["values"])
    data = memoryview(buffer_of(size))
    path = directory() / "prices.bin"
    directory().mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)  # the previous run's file

    def run():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            offset = 0
            while offset < size:
                offset += os.write(fd, data[offset:offset + CHUNK])
        finally:
            os.close(fd)

    return run


if __name__ == "__main__":
    try:
        main(setup)
    finally:
        shutil.rmtree(directory(), ignore_errors=True)
        try:
            output_root().rmdir()  # when the other sides' files are gone too
        except OSError:
            pass
