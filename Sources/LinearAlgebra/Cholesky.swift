import CLapack

/// The lower Cholesky factor `L` of a symmetric positive semi-definite matrix `A = L Lᵀ`.
///
/// Positive definite matrices are factored by LAPACK's `dpotrf`. When `dpotrf` finds a
/// non-positive pivot, as it must for a singular but positive semi-definite matrix (two
/// perfectly correlated assets, say), the factor is computed by the semi-definite Cholesky
/// algorithm instead (Higham, "Analysis of the Cholesky decomposition of a semi-definite
/// matrix", 1990): a column whose pivot is zero to within `n · ε · max a_ii` is set to zero.
/// `L` is then lower triangular with `rank` non-zero columns and still `L Lᵀ = A` to rounding.
public struct CholeskyFactor: Sendable, Equatable {
  /// The lower-triangular factor, zeros above the diagonal.
  public let lower: Matrix
  /// The number of non-zero columns of `lower` (the numerical rank of `A`).
  public let rank: Int
  /// Whether `dpotrf` factored the matrix (positive definite) rather than the fallback.
  public let isPositiveDefinite: Bool

  /// Factors the symmetric positive semi-definite matrix `a` (only its lower triangle is read).
  /// `tolerance` is the pivot magnitude treated as zero by the semi-definite fallback
  /// (default `16 n ε max a_ii`).
  ///
  /// - Throws: `LinearAlgebraError.notSquare`; `.notPositiveSemiDefinite` when a pivot is
  ///   clearly negative (the smallest eigenvalue is then reported).
  public init(_ a: Matrix, tolerance: Double? = nil) throws(LinearAlgebraError) {
    guard a.isSquare else { throw .notSquare(rows: a.rows, columns: a.columns) }
    let n = a.rows
    var factor = a.elements
    let info = factor.withUnsafeMutableBufferPointer { buffer in
      LAPACKE_dpotrf(
        LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "L")), Int32(n), buffer.baseAddress, Int32(max(n, 1)))
    }
    if info == 0 {
      for i in 0..<n {
        for j in (i + 1)..<max(n, i + 1) { factor[i * n + j] = 0 }
      }
      self.lower = try Matrix(rows: n, columns: n, elements: factor)
      self.rank = n
      self.isPositiveDefinite = true
      return
    }
    if info < 0 { throw .lapackFailure(routine: "dpotrf", info: Int(info)) }
    let (l, rank) = try Self.semidefinite(a, tolerance: tolerance)
    self.lower = l
    self.rank = rank
    self.isPositiveDefinite = false
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
