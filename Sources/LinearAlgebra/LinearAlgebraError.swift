/// A failure of a linear-algebra operation.
public enum LinearAlgebraError: Error, Equatable, Sendable, CustomStringConvertible {
  /// Operands whose shapes do not fit; the message says how.
  case shapeMismatch(String)
  /// A square matrix was needed.
  case notSquare(rows: Int, columns: Int)
  /// The matrix is not positive semi-definite: its smallest eigenvalue is negative.
  case notPositiveSemiDefinite(smallestEigenvalue: Double)
  /// A LAPACK routine reported a failure (`info` as LAPACK returns it).
  case lapackFailure(routine: String, info: Int)
  /// An iteration did not meet its tolerance.
  case notConverged(iterations: Int, residual: Double)
  /// An input held an infinity or NaN; the text names the input.
  case nonFinite(String)

  public var description: String {
    switch self {
    case .shapeMismatch(let what): return "shape mismatch: \(what)"
    case .notSquare(let r, let c): return "expected a square matrix, got \(r) × \(c)"
    case .notPositiveSemiDefinite(let e):
      return "matrix is not positive semi-definite: smallest eigenvalue \(e)"
    case .lapackFailure(let routine, let info): return "LAPACK \(routine) failed with info \(info)"
    case .notConverged(let n, let r):
      return "no convergence after \(n) iterations (residual \(r))"
    case .nonFinite(let what): return "\(what) has a non-finite entry"
    }
  }
}
