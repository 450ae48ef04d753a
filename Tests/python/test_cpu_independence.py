"""Output bits do not depend on the CPU or the instruction set the engine was compiled for.

Runs the same scenarios with two builds of scengine and compares the SHA-256 of every output
file: $SCENGINE_BIN (the build of `make test`: AVX2/FMA code generation on machines that have
it) and $SCENGINE_PORTABLE_BIN (`swift build -c release --scratch-path .build-portable`:
baseline x86-64, SSE2 only). `make test-portable` builds the second and runs this file.

Scenarios (written into a temporary folder): 3, 50 and 500 correlated assets (more than 8 go
through the blocked triangular product), each under GBM and under two-regime switching, with
a stressed variant (a return shock, a volatility multiplier and a correlation stress, or a
forced regime), a portfolio, and every series the model emits. A third run of the first
binary with glibc's AVX2, FMA and AVX implementations switched off
(GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA,-AVX, the names of glibc 2.33 and later) emulates
an older CPU for the C library's run-time dispatch (libm's `exp`, `log`, `pow`, ...), and
OPENBLAS_CORETYPE=Nehalem does so for OpenBLAS's kernels (before the engine's own Cholesky
factor, LAPACK's `dpotrf` changed 50- and 500-asset files under it).

A second set of small scenarios (3 assets) reaches every libm-type function on the simulation
path, now scengine's own (`PortableMath`): GARCH, GJR and EGARCH with Student-t innovations
(the gamma sampler's logs, EGARCH's `exp` and `log` per step, `lgamma` in E|z|, `log1p` of a
return shock), EGARCH with normal innovations started at E[σ²] (`erfc`, `exp`, `log`), Merton
jumps with a Poisson mean above 10 per step (PTRS: `log` and `lgamma` per draw; `exp` in the
compensator and the Poisson set-up) and Kou jumps, Schwartz (`exp`, `expm1`, `log`), regimes
with jumps, and a correlation repaired by `repair: nearest`.

manifest.json itself differs (timings, command, the build's instruction set); its list of files
with their hashes must be equal.
"""

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PATHS = 24
STEPS = 40
# An older CPU for the run-time dispatch of glibc (libm) and of OpenBLAS (its kernels).
OLD_CPU = {"GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX2,-FMA,-AVX", "OPENBLAS_CORETYPE": "Nehalem"}


def binary(variable: str, default: Path) -> Path:
    path = Path(os.environ.get(variable) or default)
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"scengine binary not found at {path}; build it or set {variable}")
    return path


@pytest.fixture(scope="module")
def native() -> Path:
    return binary("SCENGINE_BIN", REPO / ".build" / "release" / "scengine")


@pytest.fixture(scope="module")
def portable() -> Path:
    return binary("SCENGINE_PORTABLE_BIN", REPO / ".build-portable" / "release" / "scengine")


def asset_map(names, values) -> str:
    return "{" + ", ".join(f"A{i}: {v}" for i, v in zip(names, values)) + "}"


def scenario(model: str, n: int) -> str:
    """A scenario of `n` assets under `model` (gbm or regime) with a stressed variant."""
    names = range(n)
    # Loadings between 0.2 and 0.8 and volatilities between 10% and 40%: no two assets alike.
    loadings = [round(0.2 + 0.6 * ((7 * i) % 13) / 12, 4) for i in names]
    vols = [round(0.10 + 0.30 * ((5 * i) % 11) / 10, 4) for i in names]
    drifts = [round(-0.02 + 0.1 * ((3 * i) % 7) / 6, 4) for i in names]
    assets = "[" + ", ".join(f"A{i}" for i in names) + "]"
    weights = asset_map(names, [1 / n] * n)
    lines = [
        f"name: cpu-{model}-{n}",
        "seed: 20261202",
        f"paths: {PATHS}",
        f"time: {{steps: {STEPS}, dt: 1/252, start: 2027-01-04}}",
        f"assets: {assets}",
        "initial: 100",
        f"portfolio: {weights}",
    ]
    if model == "gbm":
        lines += [
            f"correlation: {{one_factor: {{loadings: {asset_map(names, loadings)}}}}}",
            "model:",
            "  gbm:",
            f"    drift: {asset_map(names, drifts)}",
            f"    volatility: {asset_map(names, vols)}",
            "output: {format: npy, precision: float64, emit: [prices, returns]}",
            "variants:",
            "  baseline: {}",
            "  stressed:",
            "    stresses:",
            "      - shock: {at: 5, returns: {A0: -0.15}}",
            "      - volatility: {from: 5, to: 20, multiplier: {A0: 2.0}}",
            "      - correlation: {from: 10, to: 30, toward: {constant: 0.6}, weight: 0.5}",
        ]
    else:
        calm = [round(v * 0.8, 4) for v in vols]
        crisis = [round(v * 1.9, 4) for v in vols]
        lines += [
            "model:",
            "  regime:",
            "    transition: [[0.95, 0.05], [0.10, 0.90]]",
            "    initial: stationary",
            "    regimes:",
            "      calm:",
            f"        drift: {asset_map(names, drifts)}",
            f"        volatility: {asset_map(names, calm)}",
            f"        correlation: {{one_factor: {{loadings: {asset_map(names, loadings)}}}}}",
            "      crisis:",
            f"        drift: {asset_map(names, [-d for d in drifts])}",
            f"        volatility: {asset_map(names, crisis)}",
            "        correlation: {constant: 0.7}",
            "output: {format: npy, precision: float64, emit: [prices, returns, regimes]}",
            "variants:",
            "  baseline: {}",
            "  crisis:",
            "    stresses:",
            "      - regime: {from: 8, to: 25, force: crisis}",
        ]
    return "\n".join(lines) + "\n"


def run(scengine: Path, scenario_file: Path, out: Path, env_extra=None) -> dict:
    env = dict(os.environ)
    env.update(env_extra or {})
    result = subprocess.run(
        [str(scengine), "run", str(scenario_file), "--out", str(out), "--progress", "none",
         "--threads", "2"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300, env=env,
    )
    assert result.returncode == 0, f"{scengine} run {scenario_file} failed: {result.stderr}"
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*")) if p.is_file() and p.name != "manifest.json"
    }


def manifest_files(out: Path) -> list:
    """The manifest's list of files with their hashes (the rest describes the process: timings,
    command, the build's instruction set)."""
    return json.loads((out / "manifest.json").read_text())["files"]


HEADER = f"""seed: 20261203
paths: {PATHS}
time: {{steps: {STEPS}, dt: 1/252, start: 2027-01-04}}
assets: [A, B, C]
initial: {{A: 100, B: 50, C: 20}}
portfolio: {{A: 0.5, B: 0.3, C: 0.2}}
"""
CORRELATION = "correlation: {constant: 0.4}\n"
SHOCK = """variants:
  baseline: {}
  shocked:
    stresses:
      - shock: {at: 5, returns: {A: -0.15, B: 0.07}}
"""


def garch(kind: str, innovations: str, initial: str) -> str:
    gamma = "gamma: {A: -0.06, B: 0.0, C: 0.05}" if kind == "egarch" else (
        "gamma: {A: 0.06, B: 0.0, C: 0.05}" if kind == "gjr" else "")
    omega = "{A: -0.3, B: -0.4, C: -0.25}" if kind == "egarch" else "{A: 2.0e-6, B: 3.0e-6, C: 1.0e-6}"
    alpha = "{A: 0.1, B: 0.12, C: 0.08}" if kind == "egarch" else "{A: 0.05, B: 0.04, C: 0.06}"
    beta = "{A: 0.97, B: 0.96, C: 0.975}" if kind == "egarch" else "{A: 0.9, B: 0.92, C: 0.88}"
    return (
        HEADER + CORRELATION
        + f"model:\n  garch:\n    type: {kind}\n    mean: 0.0002\n    omega: {omega}\n"
        + f"    alpha: {alpha}\n    beta: {beta}\n" + (f"    {gamma}\n" if gamma else "")
        + f"    innovations: {innovations}\n    initial_variance: {initial}\n"
        + "output: {format: npy, precision: float64, emit: [prices, returns, variance]}\n" + SHOCK
    )


LIBM_SCENARIOS = {
    "garch-t": garch("garch", "{student_t: 5}", "unconditional"),
    "gjr-t": garch("gjr", "{student_t: 3.5}", "unconditional"),
    "egarch-t": garch("egarch", "{student_t: 6}", "unconditional_geometric_mean"),
    "egarch-normal": garch("egarch", "normal", "unconditional"),
    "merton": HEADER + CORRELATION + """model:
  merton:
    drift: 0.05
    volatility: {A: 0.15, B: 0.2, C: 0.3}
    jumps: {intensity: {A: 3000, B: 2, C: 40}, mean: {A: -0.0005, B: -0.05, C: 0.01}, stdev: {A: 0.002, B: 0.07, C: 0.03}}
output: {format: npy, precision: float64, emit: [prices, returns, jumps]}
variants:
  baseline: {}
  stressed:
    stresses:
      - shock: {at: 5, returns: {A: -0.15}}
      - jumps: {from: 10, to: 20, intensity_multiplier: 4}
""",
    "kou": HEADER + CORRELATION + """model:
  kou:
    drift: 0.05
    volatility: 0.2
    jumps: {intensity: {A: 5, B: 900, C: 20}, up_probability: 0.4, up_mean: 0.03, down_mean: 0.05}
output: {format: npy, precision: float64, emit: [prices, returns, jumps]}
""" + SHOCK,
    "schwartz": HEADER + CORRELATION + """model:
  schwartz:
    mean_reversion: {A: 1.5, B: 4, C: 0.3}
    long_run_price: {A: 80, B: 55, C: 25}
    volatility: {A: 0.3, B: 0.2, C: 0.5}
output: {format: npy, precision: float64, emit: [prices, returns]}
""" + SHOCK,
    "regime-jumps": HEADER + """model:
  regime:
    transition: [[0.95, 0.05], [0.10, 0.90]]
    initial: stationary
    regimes:
      calm:
        drift: 0.06
        volatility: 0.15
        correlation: {constant: 0.3}
      crisis:
        drift: -0.2
        volatility: 0.4
        correlation: {constant: 0.8}
        jumps: {intensity: 3000, mean: -0.001, stdev: 0.004}
output: {format: npy, precision: float64, emit: [prices, returns, regimes, jumps]}
""" + SHOCK,
    # Sobol' points (Owen's scrambling hash, Φ⁻¹ through the portable logarithm, the bridge)
    # and antithetic pairs on a jump-diffusion.
    "sobol-owen": HEADER + CORRELATION + """model:
  gbm:
    drift: 0.05
    volatility: {A: 0.2, B: 0.3, C: 0.25}
sampling: {sobol: {scramble: owen}}
output: {format: npy, precision: float64, emit: [prices, returns]}
""" + SHOCK,
    "antithetic-merton": HEADER + CORRELATION + """model:
  merton:
    drift: 0.05
    volatility: {A: 0.15, B: 0.2, C: 0.3}
    jumps: {intensity: 40, mean: -0.02, stdev: 0.05}
sampling: {antithetic: true}
output: {format: npy, precision: float64, emit: [prices, returns, jumps]}
""" + SHOCK,
    "repair": HEADER
    + "correlation: {matrix: [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]], repair: nearest}\n"
    + """model:
  gbm:
    drift: 0.05
    volatility: {A: 0.2, B: 0.3, C: 0.25}
output: {format: npy, precision: float64, emit: [prices, returns]}
""" + SHOCK,
}

CASES = [(model, n) for n in (3, 50, 500) for model in ("gbm", "regime")] + [
    (name, None) for name in LIBM_SCENARIOS
]


@pytest.mark.parametrize(
    "model,n", CASES, ids=[f"{m}-{n}" if n is not None else m for m, n in CASES])
def test_portable_and_native_builds_write_the_same_bytes(native, portable, tmp_path, model, n):
    scenario_file = tmp_path / f"{model}-{n}.yaml"
    if n is None:
        scenario_file.write_text(f"name: cpu-{model}\n" + LIBM_SCENARIOS[model])
    else:
        scenario_file.write_text(scenario(model, n))
    runs = {
        "native": run(native, scenario_file, tmp_path / "native"),
        "portable": run(portable, scenario_file, tmp_path / "portable"),
        "native, old-CPU libm and OpenBLAS": run(native, scenario_file, tmp_path / "old-cpu", OLD_CPU),
    }
    expected = runs["native"]
    assert len(expected) >= 4, f"too few output files: {sorted(expected)}"
    for label, observed in runs.items():
        assert sorted(observed) == sorted(expected), f"{label}: other files than native"
        differing = [f for f in expected if observed[f] != expected[f]]
        assert not differing, (
            f"{label} differs from native in {differing}: expected "
            f"{[expected[f] for f in differing]}, observed {[observed[f] for f in differing]}"
        )
    reference = manifest_files(tmp_path / "native")
    for folder in ("portable", "old-cpu"):
        assert manifest_files(tmp_path / folder) == reference, f"{folder}: manifest files differ"
