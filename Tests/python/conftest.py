"""What every end-to-end test shares: the scengine binary under test."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def scengine() -> Path:
    """The binary of $SCENGINE_BIN (`make test` sets it), else the release build; a test that
    needs it fails, never skips, when it is missing."""
    binary = Path(os.environ.get("SCENGINE_BIN") or REPO / ".build" / "release" / "scengine")
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(f"scengine binary not found at {binary}; build it or set SCENGINE_BIN")
    return binary
