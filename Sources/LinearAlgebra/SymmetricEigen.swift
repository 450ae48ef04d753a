/// The eigen-decomposition `A = V diag(λ) Vᵀ` of a symmetric matrix, by Householder
/// tridiagonalisation and the implicit QL method (`SymmetricTridiagonalQL`, EISPACK's `tred2`
/// and `tql2`): the same bits on every CPU, unlike LAPACK's routines, whose OpenBLAS kernels
/// are chosen at run time.
public struct SymmetricEigen: Sendable, Equatable {
  /// Eigenvalues in ascending order.
  public let values: [Double]
  /// Orthonormal eigenvectors as columns (column `k` belongs to `values[k]`); `nil` when only
  /// values were asked for.
  public let vectors: Matrix?
  /// The eigenvectors by columns (`columns[k · n + i]` is entry `i` of vector `k`).
  let columns: [Double]

  /// Decomposes the symmetric matrix `a` (only its lower triangle is read). The values are
  /// the same, bit for bit, with and without vectors.
  ///
  /// - Complexity: about `9 n³` floating-point operations with vectors, `4 n³ / 3` without.
  /// - Throws: `LinearAlgebraError.notSquare`, `.nonFinite` if `a` has a non-finite entry, or
  ///   `.notConverged` if a QL sweep count exceeds 30 for one eigenvalue.
  public init(_ a: Matrix, vectors wantVectors: Bool = true) throws(LinearAlgebraError) {
    guard a.isSquare else { throw .notSquare(rows: a.rows, columns: a.columns) }
    let n = a.rows
    guard a.elements.allSatisfy(\.isFinite) else {
      throw .nonFinite("the matrix to decompose into eigenvalues")
    }
    guard
      let result = SymmetricTridiagonalQL.decompose(a.elements, n: n, vectors: wantVectors)
    else {
      throw .notConverged(iterations: 30 * n, residual: .nan)
    }
    values = result.values
    columns = result.vectors
    if wantVectors {
      var rowMajor = [Double](repeating: 0, count: n * n)
      for k in 0..<n {
        for i in 0..<n { rowMajor[i * n + k] = result.vectors[k * n + i] }
      }
      vectors = try Matrix(rows: n, columns: n, elements: rowMajor)
    } else {
      vectors = nil
    }
  }

  /// `V diag(f(λ)) Vᵀ`: the matrix with the same eigenvectors and mapped eigenvalues, summed
  /// over `k` in ascending order for every entry (no BLAS, no fused multiply-add), and exactly
  /// symmetric.
  ///
  /// - Complexity: `n³` multiply-adds (half of them for the lower triangle, then mirrored).
  /// - Precondition: the decomposition was made with vectors.
  public func reconstruct(mapping transform: (Double) -> Double) -> Matrix {
    guard vectors != nil else { preconditionFailure("decomposition has no eigenvectors") }
    let n = values.count
    var result = [Double](repeating: 0, count: n * n)
    columns.withUnsafeBufferPointer { cb in
      result.withUnsafeMutableBufferPointer { rb in
        guard let v = cb.baseAddress, let out = rb.baseAddress else { return }
        for k in 0..<n {
          let f = transform(values[k])
          if f == 0 { continue }
          let column = v + k * n
          for i in 0..<n {
            let scaled = f * column[i]
            let row = out + i * n
            for j in 0...i { row[j] += scaled * column[j] }
          }
        }
        for i in 0..<n {
          for j in 0..<i { out[j * n + i] = out[i * n + j] }
        }
      }
    }
    var matrix = Matrix(rows: n, columns: n)
    matrix.elements = result
    return matrix
  }
}
