import LinearAlgebra

/// A validated correlation matrix and its lower Cholesky factor.
///
/// Construction checks, in this order, that the matrix is square and of the expected size,
/// that every entry is finite, that the diagonal is 1, that the entries lie in [-1, 1], that
/// it is symmetric to 1e-12, and that it is positive semi-definite (smallest eigenvalue ≥
/// -1e-10 · n, by `SymmetricEigen`). Each failure is its own `CorrelationError`. A matrix is
/// never silently changed: the nearest-correlation repair (Higham 2002) runs only when asked
/// for with `.nearest`, and `repair` then reports what it changed.
///
/// Semi-definite matrices, such as two perfectly correlated assets, are valid: the factor has
/// fewer non-zero columns than the matrix has rows.
public struct CorrelationMatrix: Sendable, Equatable {
  /// What to do with a matrix that is not positive semi-definite.
  public enum RepairPolicy: String, Sendable, CaseIterable {
    /// Reject it with `CorrelationError.notPositiveSemiDefinite`.
    case error
    /// Replace it by the nearest correlation matrix (Higham 2002) and report the change.
    case nearest
  }

  /// The (possibly repaired) matrix.
  public let matrix: Matrix
  /// `matrix = factor.lower · factor.lowerᵀ`.
  public let factor: CholeskyFactor
  /// The smallest eigenvalue of `matrix`.
  public let smallestEigenvalue: Double
  /// What the repair changed, when one was made.
  public let repair: NearestCorrelation?

  /// The number of assets.
  public var dimension: Int { matrix.rows }
  /// Whether the matrix is the identity (no correlation work is then needed).
  public var isIdentity: Bool { matrix.isIdentity }

  /// Tolerance on symmetry, |a_ij − a_ji|.
  public static let symmetryTolerance = 1e-12
  /// Tolerance on the diagonal, |a_ii − 1|.
  public static let diagonalTolerance = 1e-12

  /// Validates `matrix`, optionally against an expected number of assets.
  public init(
    _ matrix: Matrix, expectedDimension: Int? = nil, repair policy: RepairPolicy = .error
  ) throws(CorrelationError) {
    let n = matrix.rows
    if let expected = expectedDimension, n != expected || matrix.columns != expected {
      if matrix.columns != n { throw .raggedRow(row: 0, count: matrix.columns, expected: n) }
      throw .wrongSize(size: n, expected: expected)
    }
    if matrix.columns != n { throw .raggedRow(row: 0, count: matrix.columns, expected: n) }
    for i in 0..<n {
      for j in 0..<n where !matrix[i, j].isFinite {
        throw .nonFinite(row: i, column: j, value: matrix[i, j])
      }
    }
    for i in 0..<n where abs(matrix[i, i] - 1) > Self.diagonalTolerance {
      throw .diagonalNotOne(index: i, value: matrix[i, i])
    }
    for i in 0..<n {
      // The diagonal was checked above: within 1e-12 of 1 on either side, then set to 1.
      for j in 0..<n where j != i && abs(matrix[i, j]) > 1 {
        throw .outOfRange(row: i, column: j, value: matrix[i, j])
      }
    }
    for i in 0..<n {
      for j in 0..<i where abs(matrix[i, j] - matrix[j, i]) > Self.symmetryTolerance {
        throw .asymmetric(row: i, column: j, value: matrix[i, j], mirror: matrix[j, i])
      }
    }
    var m = NearestCorrelation.symmetrised(matrix)
    for i in 0..<n { m[i, i] = 1 }
    // Independent assets (no correlation given): eigenvalues all 1, factor the identity, the
    // bits the general path computes (a test compares them), without its O(n³) work. Only for
    // the identity bit for bit: a −0 off the diagonal would give −0 entries in the factor.
    let one = Double(1).bitPattern
    if m.elements.indices.allSatisfy({ m.elements[$0].bitPattern == ($0 % (n + 1) == 0 ? one : 0) })
    {
      self.matrix = m
      self.factor = CholeskyFactor(identityOfSize: n)
      self.smallestEigenvalue = 1
      self.repair = nil
      return
    }
    let smallest: Double
    do {
      smallest = try SymmetricEigen(m, vectors: false).values.first ?? 1
    } catch {
      throw .numerical(error.description)
    }
    var report: NearestCorrelation? = nil
    var finalSmallest = smallest
    if smallest < -Self.eigenvalueTolerance(n) {
      guard policy == .nearest else { throw .notPositiveSemiDefinite(smallestEigenvalue: smallest) }
      do {
        let repaired = try NearestCorrelation(repairing: m)
        report = repaired
        m = repaired.matrix
        finalSmallest = try SymmetricEigen(m, vectors: false).values.first ?? 1
      } catch {
        throw .numerical("repair failed: \(error.description)")
      }
    }
    do {
      self.factor = try CholeskyFactor(m, tolerance: Self.eigenvalueTolerance(n) * 10)
    } catch {
      throw .notPositiveSemiDefinite(smallestEigenvalue: finalSmallest)
    }
    self.matrix = m
    self.smallestEigenvalue = finalSmallest
    self.repair = report
  }

  /// Validates a matrix given as rows.
  public init(
    rows: [[Double]], expectedDimension: Int? = nil, repair policy: RepairPolicy = .error
  ) throws(CorrelationError) {
    let n = rows.count
    for (i, row) in rows.enumerated() where row.count != n {
      throw .raggedRow(row: i, count: row.count, expected: n)
    }
    let m: Matrix
    do { m = try Matrix(rows) } catch { throw .numerical(error.description) }
    try self.init(m, expectedDimension: expectedDimension, repair: policy)
  }

  /// The `n × n` identity: independent assets.
  public static func identity(_ n: Int) -> CorrelationMatrix {
    // The identity is always valid.
    do { return try CorrelationMatrix(Matrix.identity(n)) } catch {
      preconditionFailure("identity rejected: \(error)")
    }
  }

  /// Every pair of assets correlated by `rho`. Valid for `-1/(n-1) ≤ rho ≤ 1`.
  public static func constant(
    _ rho: Double, dimension n: Int, repair policy: RepairPolicy = .error
  ) throws(CorrelationError) -> CorrelationMatrix {
    var m = Matrix(rows: n, columns: n, repeating: rho)
    for i in 0..<n { m[i, i] = 1 }
    return try CorrelationMatrix(m, repair: policy)
  }

  /// The tolerance below zero accepted for the smallest eigenvalue of an n × n matrix.
  public static func eigenvalueTolerance(_ n: Int) -> Double { 1e-10 * Double(max(n, 1)) }
}
