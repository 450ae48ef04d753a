"""`scengine sobol` against SciPy's Sobol' sequence, and the randomized sequence's properties.

SciPy (`scipy.stats.qmc.Sobol`, the same Joe–Kuo table new-joe-kuo-6.21201) returns points in
Gray-code order: its j-th point is natural point j ^ (j >> 1), scengine's order. With
`bits=32` its coordinates are the 32-bit digits / 2^32, exact in doubles.
"""

import subprocess
import warnings

import numpy as np
import pytest
from scipy.stats import qmc

MAX_DIMENSIONS = 21201


def sobol(scengine, *arguments) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(scengine), "sobol", *map(str, arguments)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120,
    )


def points(scengine, *arguments, dtype=np.float64) -> np.ndarray:
    result = sobol(scengine, *arguments)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    values = np.array(result.stdout.split(), dtype=dtype)
    return values.reshape(len(lines), -1)


def scipy_natural_digits(dimensions: int, count: int) -> np.ndarray:
    """SciPy's first `count` (a power of two) unscrambled points as 32-bit digits, natural
    order."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gray = qmc.Sobol(dimensions, scramble=False, bits=32).random(count)
    digits = np.empty((count, dimensions), dtype=np.uint64)
    j = np.arange(count)
    digits[j ^ (j >> 1)] = (gray * 2.0**32).astype(np.uint64)
    return digits


@pytest.fixture(scope="module")
def scipy_digits() -> np.ndarray:
    return scipy_natural_digits(MAX_DIMENSIONS, 256)


def test_digits_of_all_21201_dimensions_equal_scipys(scengine, scipy_digits):
    ours = points(scengine, "--dimensions", MAX_DIMENSIONS, "--points", 256, "--digits",
                  dtype=np.uint64)
    assert ours.shape == (256, MAX_DIMENSIONS)
    mismatch = np.argwhere(ours != scipy_digits)
    assert mismatch.size == 0, (
        f"{len(mismatch)} digits differ; first at point, dimension {mismatch[0] + [0, 1]}: "
        f"scengine {ours[tuple(mismatch[0])]}, scipy {scipy_digits[tuple(mismatch[0])]}")


def test_coordinates_are_cell_centres_of_scipys_points(scengine, scipy_digits):
    # %.17g round-trips doubles: truncated to 32 bits the coordinates are SciPy's, exactly.
    ours = points(scengine, "--dimensions", 1500, "--points", 256)
    expected = (scipy_digits[:, :1500].astype(np.float64) + 0.5) / 2.0**32
    assert np.array_equal(ours, expected)
    assert np.array_equal(np.floor(ours * 2.0**32), scipy_digits[:, :1500].astype(np.float64))
    assert ours.min() > 0 and ours.max() < 1


def test_first_selects_points_in_natural_order(scengine):
    expected = scipy_natural_digits(40, 1024)[1000:1024]
    ours = points(scengine, "--dimensions", 40, "--points", 24, "--first", 1000, "--digits",
                  dtype=np.uint64)
    assert np.array_equal(ours, expected)
    # And the very last point, 2^32 − 1: every direction integer XORed.
    last = points(scengine, "--dimensions", 2, "--points", 1, "--first", 2**32 - 1, "--digits",
                  dtype=np.uint64)
    assert last.tolist() == [[2**32 - 1, 1]]


@pytest.mark.parametrize("scramble", ["owen", "shift"])
def test_scrambled_points_keep_the_net_property(scengine, scramble):
    for seed in (1, 2026):
        u = points(scengine, "--dimensions", 300, "--points", 1024, "--scramble", scramble,
                   "--seed", seed)
        for m in (4, 8, 10):
            cells = np.floor(u[: 2**m] * 2**m).astype(np.int64)
            counts = np.apply_along_axis(np.bincount, 0, cells, minlength=2**m)
            assert np.all(counts == 1), f"{scramble} seed {seed}, m = {m}: a cell is hit twice"
        assert u.min() > 0 and u.max() < 1


def test_scrambling_depends_on_the_seed_and_only_on_it(scengine):
    a = points(scengine, "--dimensions", 50, "--points", 64, "--scramble", "owen", "--seed", 7)
    b = points(scengine, "--dimensions", 50, "--points", 64, "--scramble", "owen", "--seed", 7)
    c = points(scengine, "--dimensions", 50, "--points", 64, "--scramble", "owen", "--seed", 8)
    assert np.array_equal(a, b)
    assert np.mean(a == c) < 0.01
    tail = points(scengine, "--dimensions", 50, "--points", 4, "--scramble", "owen", "--seed", 7,
                  "--first", 60)
    assert np.array_equal(tail, a[60:])


def test_owen_integrates_a_smooth_function_far_better_than_monte_carlo(scengine):
    # f(x) = prod_d (1 + (x_d − 1/2) / d²) on [0, 1)^32: mean 1, variance
    # prod_d (1 + 1 / (12 d⁴)) − 1; plain Monte Carlo with n points has RMSE sqrt(variance / n).
    dimensions, n, seeds = 32, 1024, 20
    weights = 1.0 / np.arange(1, dimensions + 1) ** 2
    variance = np.prod(1 + weights**2 / 12) - 1
    monte_carlo_rmse = np.sqrt(variance / n)
    errors = []
    for seed in range(seeds):
        u = points(scengine, "--dimensions", dimensions, "--points", n, "--scramble", "owen",
                   "--seed", seed)
        errors.append(np.mean(np.prod(1 + (u - 0.5) * weights, axis=1)) - 1)
    rmse = float(np.sqrt(np.mean(np.square(errors))))
    print(f"RMSE over {seeds} seeds: Owen-scrambled Sobol' {rmse:.3g}, "
          f"Monte Carlo {monte_carlo_rmse:.3g}")
    assert rmse < monte_carlo_rmse / 30, (rmse, monte_carlo_rmse)
    # Unbiased: the mean error is within 5 standard errors of the 20 estimates.
    standard_error = np.std(errors, ddof=1) / np.sqrt(seeds)
    assert abs(np.mean(errors)) < 5 * standard_error + 1e-15, (np.mean(errors), standard_error)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--dimensions", 0, "--points", 1], "--dimensions must be between 1 and 21201, got 0"),
        (["--dimensions", 21202, "--points", 1], "--dimensions must be between 1 and 21201, got 21202"),
        (["--dimensions", 2, "--points", 0], "--points must be at least 1, got 0"),
        (["--dimensions", 2, "--points", -5], "--points must be at least 1, got -5"),
        (["--dimensions", 2, "--points", 1, "--first", -1], "--first must be at least 0, got -1"),
        (["--dimensions", 2, "--points", 2, "--first", 2**32 - 1], "at most 2^32 = 4294967296"),
        (["--dimensions", 2, "--points", 1, "--scramble", "sobol"], "sobol"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(scengine, arguments, message):
    result = sobol(scengine, *arguments)
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert message in result.stderr
    assert result.stdout == ""
