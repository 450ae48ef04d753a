/// The correlation matrices of the benchmarks, defined by a formula so that a numpy peer can
/// build exactly the same matrix (`peers/peerlib.py`, `benchmark_correlation`).
public enum BenchmarkCorrelation {
  /// A one-factor correlation of 0.3 with a small deterministic symmetric perturbation:
  ///
  ///     C[i][j] = 0.3 + k_i k_j / 50000   (i ≠ j),    C[i][i] = 1,
  ///     k_i = (41 i mod 101) − 50 ∈ [−50, 50],
  ///
  /// so off-diagonal entries lie in [0.25, 0.35]. `k_i k_j` is an exact integer and the rest is
  /// one division and one addition, so the entries are bit-identical in Swift and numpy and the
  /// matrix is exactly symmetric. It is positive definite by construction: it equals
  /// `0.3 · 1 1ᵀ + k kᵀ / 50000` (positive semi-definite) plus a diagonal whose entries are
  /// `0.7 − k_i² / 50000 ≥ 0.65`.
  public static func oneFactor(assets n: Int) -> [[Double]] {
    let k = (0..<n).map { (41 * $0) % 101 - 50 }
    return (0..<n).map { i in
      (0..<n).map { j in i == j ? 1 : 0.3 + Double(k[i] * k[j]) / 50_000 }
    }
  }

  /// The number of paths per block: at most 256 paths and at most 2²² values (32 MiB of
  /// doubles), at least one path. Both sides of a comparison process paths in blocks of this
  /// size (the peer receives it in the `block` tag).
  public static func pathsPerBlock(steps: Int, assets: Int) -> Int {
    max(1, min(256, (1 << 22) / max(1, steps * assets)))
  }
}
