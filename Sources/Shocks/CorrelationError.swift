/// Why a correlation matrix was rejected. Entries are named by zero-based row and column, as
/// in a scenario file's `matrix[row][column]`.
public enum CorrelationError: Error, Equatable, Sendable, CustomStringConvertible {
  /// Row `row` has `count` entries where `expected` were needed.
  case raggedRow(row: Int, count: Int, expected: Int)
  /// The matrix is `size × size` but `expected` assets were given.
  case wrongSize(size: Int, expected: Int)
  /// An entry is NaN or infinite.
  case nonFinite(row: Int, column: Int, value: Double)
  /// A diagonal entry differs from 1.
  case diagonalNotOne(index: Int, value: Double)
  /// An entry lies outside [-1, 1].
  case outOfRange(row: Int, column: Int, value: Double)
  /// Entry (row, column) differs from entry (column, row) by more than 1e-12.
  case asymmetric(row: Int, column: Int, value: Double, mirror: Double)
  /// The smallest eigenvalue is negative (and repair was not asked for).
  case notPositiveSemiDefinite(smallestEigenvalue: Double)
  /// A numerical routine failed (should not happen for a validated matrix).
  case numerical(String)

  public var description: String {
    switch self {
    case .raggedRow(let row, let count, let expected):
      return "correlation matrix row \(row) has \(count) entries, expected \(expected)"
    case .wrongSize(let size, let expected):
      return
        "correlation matrix is \(size) × \(size), expected \(expected) × \(expected) (one row per asset)"
    case .nonFinite(let r, let c, let v):
      return "correlation matrix entry [\(r)][\(c)] is \(v), expected a finite number"
    case .diagonalNotOne(let i, let v):
      return "correlation matrix diagonal entry [\(i)][\(i)] is \(v), expected 1"
    case .outOfRange(let r, let c, let v):
      return "correlation matrix entry [\(r)][\(c)] is \(v), expected a value in [-1, 1]"
    case .asymmetric(let r, let c, let v, let m):
      return
        "correlation matrix is not symmetric: entry [\(r)][\(c)] is \(v) but [\(c)][\(r)] is \(m)"
    case .notPositiveSemiDefinite(let e):
      return "correlation matrix is not positive semi-definite: smallest eigenvalue \(e); "
        + "fix the entries or set `repair: nearest`"
    case .numerical(let what):
      return "correlation matrix: \(what)"
    }
  }
}
