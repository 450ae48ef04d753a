/// A dense matrix of doubles in row-major (C) order.
///
/// The value type used across scengine for correlation matrices and their factors. Storage is
/// a contiguous `[Double]`, so a matrix can be handed to BLAS and LAPACK without copying.
public struct Matrix: Sendable, Equatable, CustomStringConvertible {
  /// The number of rows.
  public let rows: Int
  /// The number of columns.
  public let columns: Int
  /// The entries, row after row: entry (i, j) is `elements[i * columns + j]`.
  public var elements: [Double]

  /// Creates a `rows × columns` matrix filled with `value`.
  public init(rows: Int, columns: Int, repeating value: Double = 0) {
    precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
    self.rows = rows
    self.columns = columns
    self.elements = Array(repeating: value, count: rows * columns)
  }

  /// Creates a matrix from row-major `elements`.
  ///
  /// - Throws: `LinearAlgebraError.shapeMismatch` if `elements.count != rows * columns`.
  public init(rows: Int, columns: Int, elements: [Double]) throws(LinearAlgebraError) {
    guard rows >= 0, columns >= 0, elements.count == rows * columns else {
      throw .shapeMismatch(
        "\(elements.count) elements do not fill a \(rows) × \(columns) matrix")
    }
    self.rows = rows
    self.columns = columns
    self.elements = elements
  }

  /// Creates a matrix from an array of rows.
  ///
  /// - Throws: `LinearAlgebraError.shapeMismatch` if the rows differ in length.
  public init(_ rowArrays: [[Double]]) throws(LinearAlgebraError) {
    let n = rowArrays.first?.count ?? 0
    for (i, row) in rowArrays.enumerated() where row.count != n {
      throw .shapeMismatch("row \(i) has \(row.count) entries, row 0 has \(n)")
    }
    self.rows = rowArrays.count
    self.columns = n
    self.elements = rowArrays.flatMap { $0 }
  }

  /// The `n × n` identity matrix.
  public static func identity(_ n: Int) -> Matrix {
    var m = Matrix(rows: n, columns: n)
    for i in 0..<n { m[i, i] = 1 }
    return m
  }

  /// Whether the matrix is the identity: square, ones on the diagonal and zeros elsewhere
  /// (either sign), found without building the identity.
  public var isIdentity: Bool {
    guard isSquare else { return false }
    for i in 0..<rows {
      for j in 0..<columns where elements[i * columns + j] != (i == j ? 1 : 0) { return false }
    }
    return true
  }

  /// Whether the matrix is square.
  public var isSquare: Bool { rows == columns }

  /// Entry (row, column).
  @inlinable
  public subscript(row: Int, column: Int) -> Double {
    get { elements[row * columns + column] }
    set { elements[row * columns + column] = newValue }
  }

  /// The rows as arrays.
  public var rowArrays: [[Double]] {
    (0..<rows).map { i in Array(elements[(i * columns)..<((i + 1) * columns)]) }
  }

  /// The transpose.
  public var transposed: Matrix {
    var t = Matrix(rows: columns, columns: rows)
    for i in 0..<rows {
      for j in 0..<columns { t[j, i] = self[i, j] }
    }
    return t
  }

  /// The Frobenius norm, `sqrt(Σ a_ij²)`.
  public var frobeniusNorm: Double {
    elements.reduce(0) { $0 + $1 * $1 }.squareRoot()
  }

  /// The largest absolute entry of `self - other`.
  public func maximumDifference(from other: Matrix) -> Double {
    precondition(rows == other.rows && columns == other.columns, "shape mismatch")
    return zip(elements, other.elements).reduce(0) { max($0, abs($1.0 - $1.1)) }
  }

  public var description: String {
    rowArrays.map { row in row.map { "\($0)" }.joined(separator: ", ") }
      .map { "[\($0)]" }.joined(separator: "\n")
  }

  /// `lhs - rhs`, entrywise.
  public static func - (lhs: Matrix, rhs: Matrix) -> Matrix {
    precondition(lhs.rows == rhs.rows && lhs.columns == rhs.columns, "shape mismatch")
    var out = lhs
    for i in out.elements.indices { out.elements[i] -= rhs.elements[i] }
    return out
  }

  /// `lhs + rhs`, entrywise.
  public static func + (lhs: Matrix, rhs: Matrix) -> Matrix {
    precondition(lhs.rows == rhs.rows && lhs.columns == rhs.columns, "shape mismatch")
    var out = lhs
    for i in out.elements.indices { out.elements[i] += rhs.elements[i] }
    return out
  }
}
