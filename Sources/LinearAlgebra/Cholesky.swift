/// The lower Cholesky factor `L` of a symmetric positive semi-definite matrix `A = L Lᵀ`.
///
/// Every matrix is factored by the semi-definite Cholesky algorithm (Higham, "Analysis of the
/// Cholesky decomposition of a semi-definite matrix", 1990) in plain loops: a column whose
/// pivot is zero to within `n · ε · max a_ii` is set to zero (two perfectly correlated assets,
/// say). Each entry is `(a_ij − Σ_k l_ik l_jk) / l_jj` with the sum in `k` order and no fused
/// multiply-add, so the factor, and with it every correlated shock, has the same bits on every
/// CPU; LAPACK's `dpotrf` (OpenBLAS kernels chosen at run time by CPU) rounds differently on
/// different CPUs. `L` is lower triangular with `rank` non-zero columns and still `L Lᵀ = A` to rounding.
public struct CholeskyFactor: Sendable, Equatable {
  /// The lower-triangular factor, zeros above the diagonal.
  public let lower: Matrix
  /// The number of non-zero columns of `lower` (the numerical rank of `A`).
  public let rank: Int
  /// Whether every pivot was above the tolerance (positive definite, rank `n`).
  public let isPositiveDefinite: Bool

  /// Factors the symmetric positive semi-definite matrix `a` (only its lower triangle is read).
  /// `tolerance` is the pivot magnitude treated as zero (default `16 n ε max a_ii`).
  ///
  /// - Throws: `LinearAlgebraError.notSquare`; `.notPositiveSemiDefinite` when a pivot is
  ///   clearly negative (the smallest eigenvalue is then reported).
  public init(_ a: Matrix, tolerance: Double? = nil) throws(LinearAlgebraError) {
    guard a.isSquare else { throw .notSquare(rows: a.rows, columns: a.columns) }
    let (l, rank) = try Self.semidefinite(a, tolerance: tolerance)
    self.lower = l
    self.rank = rank
    self.isPositiveDefinite = rank == a.rows
  }

  /// The outer-product Cholesky algorithm with zero pivots tolerated.
  static func semidefinite(_ a: Matrix, tolerance given: Double?) throws(LinearAlgebraError) -> (
    Matrix, Int
  ) {
    let n = a.rows
    var l = Matrix(rows: n, columns: n)
    var maxDiagonal = 0.0
    for i in 0..<n { maxDiagonal = max(maxDiagonal, abs(a[i, i])) }
    let tolerance = given ?? Double(n) * Double.ulpOfOne * max(maxDiagonal, 1) * 16
    var rank = 0
    for j in 0..<n {
      var pivot = a[j, j]
      for k in 0..<j { pivot -= l[j, k] * l[j, k] }
      if pivot < -tolerance {
        let smallest = (try? SymmetricEigen(a, vectors: false).values.first) ?? pivot
        throw .notPositiveSemiDefinite(smallestEigenvalue: smallest)
      }
      if pivot <= tolerance { continue }  // a dependent column: leave it zero
      let d = pivot.squareRoot()
      l[j, j] = d
      rank += 1
      for i in (j + 1)..<max(n, j + 1) {
        var s = a[i, j]
        for k in 0..<j { s -= l[i, k] * l[j, k] }
        l[i, j] = s / d
      }
    }
    return (l, rank)
  }
}
