/// The nearest correlation matrix in the Frobenius norm, by alternating projections with
/// Dykstra's correction (Higham, "Computing the nearest correlation matrix — a problem from
/// finance", IMA Journal of Numerical Analysis 22, 2002, algorithm 3.3 with W = I).
///
/// The iteration alternates the projection onto the positive semi-definite cone (clip
/// negative eigenvalues, by the own `SymmetricEigen`, the same bits on every CPU) and onto the
/// unit-diagonal matrices, with Dykstra's correction on the first. When it has converged the positive semi-definite iterate is
/// rescaled by its diagonal, `D^(-1/2) X D^(-1/2)`, so that the result is exactly unit
/// diagonal and positive semi-definite (a congruence keeps the eigenvalues non-negative).
public struct NearestCorrelation: Sendable, Equatable {
  /// The repaired matrix: symmetric, unit diagonal, positive semi-definite.
  public let matrix: Matrix
  /// `‖repaired − input‖_F`.
  public let frobeniusDistance: Double
  /// The number of negative eigenvalues of the (symmetrised) input.
  public let eigenvaluesClipped: Int
  /// The smallest eigenvalue of the input.
  public let smallestInputEigenvalue: Double
  /// The iterations taken.
  public let iterations: Int

  /// Repairs `a`, a symmetric matrix (its two triangles are averaged first).
  ///
  /// - Parameters:
  ///   - tolerance: stop when successive iterates differ by less than this, relatively.
  ///   - maximumIterations: the limit before `.notConverged` is thrown.
  public init(
    repairing a: Matrix, tolerance: Double = 1e-12, maximumIterations: Int = 10_000
  ) throws(LinearAlgebraError) {
    guard a.isSquare else { throw .notSquare(rows: a.rows, columns: a.columns) }
    let n = a.rows
    let symmetric = Self.symmetrised(a)
    let inputEigen = try SymmetricEigen(symmetric, vectors: false)
    smallestInputEigenvalue = inputEigen.values.first ?? 0
    eigenvaluesClipped = inputEigen.values.filter { $0 < 0 }.count

    var y = symmetric
    var correction = Matrix(rows: n, columns: n)
    var x = y
    var iteration = 0
    var residual = Double.infinity
    while iteration < maximumIterations {
      iteration += 1
      let r = y - correction
      x = try Self.projectOntoPositiveSemiDefinite(r)
      correction = x - r
      var next = x
      for i in 0..<n { next[i, i] = 1 }
      residual = (next - y).frobeniusNorm / max(next.frobeniusNorm, 1)
      y = next
      if residual < tolerance { break }
    }
    if residual >= tolerance && residual > 1e-9 {
      throw .notConverged(iterations: iteration, residual: residual)
    }
    let result = Self.unitDiagonalRescale(x)
    matrix = result
    frobeniusDistance = (result - symmetric).frobeniusNorm
    iterations = iteration
  }

  /// The projection onto the positive semi-definite cone: negative eigenvalues set to zero.
  public static func projectOntoPositiveSemiDefinite(_ a: Matrix) throws(LinearAlgebraError)
    -> Matrix
  {
    let eigen = try SymmetricEigen(a)
    return symmetrised(eigen.reconstruct { max($0, 0) })
  }

  /// `D^(-1/2) A D^(-1/2)` with `D = diag(A)`: unit diagonal, same inertia.
  public static func unitDiagonalRescale(_ a: Matrix) -> Matrix {
    let n = a.rows
    var out = a
    let scale = (0..<n).map { 1 / max(a[$0, $0], .leastNormalMagnitude).squareRoot() }
    for i in 0..<n {
      for j in 0..<n { out[i, j] = i == j ? 1 : a[i, j] * scale[i] * scale[j] }
    }
    return out
  }

  /// `(A + Aᵀ) / 2`.
  public static func symmetrised(_ a: Matrix) -> Matrix {
    var out = a
    for i in 0..<a.rows {
      for j in 0..<i {
        let m = 0.5 * (a[i, j] + a[j, i])
        out[i, j] = m
        out[j, i] = m
      }
    }
    return out
  }
}
