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

  /// Validates `matrix`, optionally against an expected number of assets, and factors it.
  public init(
    _ matrix: Matrix, expectedDimension: Int? = nil, repair policy: RepairPolicy = .error
  ) throws(CorrelationError) {
    try self.init(Self.checked(matrix, expectedDimension: expectedDimension, repair: policy))
  }

  /// Factors a checked matrix.
  ///
  /// A matrix within the eigenvalue tolerance can still meet a Cholesky pivot below the
  /// factor's tolerance (the last pivot of a matrix with a tiny negative eigenvalue can be far
  /// more negative than the eigenvalue). It is then refused, or repaired when its check was
  /// asked for `repair: nearest`, as a matrix beyond the eigenvalue tolerance is.
  public init(_ checked: Checked) throws(CorrelationError) {
    var checked = checked
    let factor: CholeskyFactor
    if let f = Self.factor(checked.matrix) {
      factor = f
    } else {
      guard checked.policy == .nearest, checked.repair == nil else {
        throw .notPositiveSemiDefinite(smallestEigenvalue: checked.smallestEigenvalue)
      }
      checked = try Self.repaired(checked.matrix)
      guard let f = Self.factor(checked.matrix) else {
        throw .notPositiveSemiDefinite(smallestEigenvalue: checked.smallestEigenvalue)
      }
      factor = f
    }
    self.factor = factor
    self.matrix = checked.matrix
    self.smallestEigenvalue = checked.smallestEigenvalue
    self.repair = checked.repair
  }

  /// This matrix's check, without the factor (the policy is `.error`: it is valid as it is).
  public var unfactored: Checked {
    Checked(matrix: matrix, smallestEigenvalue: smallestEigenvalue, repair: repair, policy: .error)
  }

  /// The semi-definite Cholesky factor of a checked matrix, or `nil` at a negative pivot.
  static func factor(_ m: Matrix) -> CholeskyFactor? {
    if isIdentityBitForBit(m) { return CholeskyFactor(identityOfSize: m.rows) }
    return try? CholeskyFactor(m, tolerance: eigenvalueTolerance(m.rows) * 10)
  }

  /// The check of the nearest correlation matrix to `m` (Higham 2002).
  static func repaired(_ m: Matrix) throws(CorrelationError) -> Checked {
    do {
      let repaired = try NearestCorrelation(repairing: m)
      let finalSmallest = try SymmetricEigen(repaired.matrix, vectors: false).values.first ?? 1
      return Checked(
        matrix: repaired.matrix, smallestEigenvalue: finalSmallest, repair: repaired,
        policy: .nearest)
    } catch {
      throw .numerical("repair failed: \(error.description)")
    }
  }

  /// A matrix that passed the checks of `init(_:expectedDimension:repair:)` before the factor:
  /// what a correlation stress's target keeps, since only its blends' factors are used.
  public struct Checked: Sendable, Equatable {
    /// The (possibly repaired) matrix, symmetric with a diagonal of 1.
    public let matrix: Matrix
    /// The smallest eigenvalue of `matrix`.
    public let smallestEigenvalue: Double
    /// What the repair changed, when one was made.
    public let repair: NearestCorrelation?
    /// The policy the check was asked for.
    public let policy: RepairPolicy
  }

  /// Runs the checks of `init(_:expectedDimension:repair:)` (and the repair, when asked for)
  /// without factoring the matrix.
  ///
  /// - Parameter knownSmallestEigenvalue: the smallest eigenvalue of these very entries,
  ///   found by an earlier check (a scenario's variant compiled again), taken instead of
  ///   running the eigensolver; every other check runs as usual.
  public static func checked(
    _ matrix: Matrix, expectedDimension: Int? = nil, repair policy: RepairPolicy = .error,
    knownSmallestEigenvalue: Double? = nil
  ) throws(CorrelationError) -> Checked {
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
    let m = symmetrisedWithUnitDiagonal(matrix)
    // Independent assets (no correlation given): eigenvalues all 1 (and in `init(_:)` the
    // identity as factor), the bits the general path computes (a test compares them), without
    // its O(n³) work.
    if isIdentityBitForBit(m) {
      return Checked(matrix: m, smallestEigenvalue: 1, repair: nil, policy: policy)
    }
    let smallest: Double
    if let knownSmallestEigenvalue {
      smallest = knownSmallestEigenvalue
    } else {
      do {
        smallest = try SymmetricEigen(m, vectors: false).values.first ?? 1
      } catch {
        throw .numerical(error.description)
      }
    }
    guard smallest < -Self.eigenvalueTolerance(n) else {
      return Checked(matrix: m, smallestEigenvalue: smallest, repair: nil, policy: policy)
    }
    guard policy == .nearest else { throw .notPositiveSemiDefinite(smallestEigenvalue: smallest) }
    return try repaired(m)
  }

  /// The factor of the blend `(1 − weight) · self + weight · target`, entry by entry, for a
  /// checked `target` of the same size and `weight` in [0, 1] (a correlation stress).
  ///
  /// The blend is symmetric with a unit diagonal and positive semi-definite, as a convex
  /// combination of two such matrices: by Weyl's inequality its smallest eigenvalue is at
  /// least `(1 − weight) λ_min(self) + weight λ_min(target)`, above the tolerance of both. So
  /// it is factored without an eigensolver, and the factor has the bits that validating the
  /// blend as a `CorrelationMatrix` and factoring it gives.
  public func blendFactor(toward target: Matrix, weight: Double) throws(CorrelationError)
    -> CholeskyFactor
  {
    precondition(target.rows == dimension && target.columns == dimension, "blend of other sizes")
    var m = matrix
    for i in m.elements.indices {
      m.elements[i] = (1 - weight) * matrix.elements[i] + weight * target.elements[i]
    }
    m = Self.symmetrisedWithUnitDiagonal(m)
    if Self.isIdentityBitForBit(m) { return CholeskyFactor(identityOfSize: dimension) }
    do {
      return try CholeskyFactor(m, tolerance: Self.eigenvalueTolerance(dimension) * 10)
    } catch {
      // Only rounding can bring a blend of valid matrices here.
      if case .notPositiveSemiDefinite(let smallest) = error {
        throw .notPositiveSemiDefinite(smallestEigenvalue: smallest)
      }
      throw .numerical(error.description)
    }
  }

  /// `a` with each off-diagonal pair replaced by its mean and the diagonal set to 1 (the
  /// checks allow 1e-12 of asymmetry and of the diagonal's distance to 1).
  static func symmetrisedWithUnitDiagonal(_ a: Matrix) -> Matrix {
    var m = NearestCorrelation.symmetrised(a)
    for i in 0..<m.rows { m[i, i] = 1 }
    return m
  }

  /// Whether `m` is the identity bit for bit. A −0 off the diagonal is not: the general path
  /// would give −0 entries in the factor.
  static func isIdentityBitForBit(_ m: Matrix) -> Bool {
    let n = m.rows
    let one = Double(1).bitPattern
    return m.elements.indices.allSatisfy {
      m.elements[$0].bitPattern == ($0 % (n + 1) == 0 ? one : 0)
    }
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
