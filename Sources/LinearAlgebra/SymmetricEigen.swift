import CLapack

/// The eigen-decomposition `A = V diag(λ) Vᵀ` of a symmetric matrix, by LAPACK's
/// divide-and-conquer routine `dsyevd`.
public struct SymmetricEigen: Sendable, Equatable {
  /// Eigenvalues in ascending order.
  public let values: [Double]
  /// Orthonormal eigenvectors as columns (column `k` belongs to `values[k]`); `nil` when only
  /// values were asked for.
  public let vectors: Matrix?

  /// Decomposes the symmetric matrix `a` (only its lower triangle is read).
  ///
  /// - Throws: `LinearAlgebraError.notSquare`, or `.lapackFailure` if `dsyevd` fails to
  ///   converge or `a` contains a non-finite entry.
  public init(_ a: Matrix, vectors wantVectors: Bool = true) throws(LinearAlgebraError) {
    guard a.isSquare else { throw .notSquare(rows: a.rows, columns: a.columns) }
    let n = a.rows
    guard a.elements.allSatisfy(\.isFinite) else {
      throw .lapackFailure(routine: "dsyevd (non-finite input)", info: -4)
    }
    if n == 0 {
      values = []
      vectors = wantVectors ? Matrix(rows: 0, columns: 0) : nil
      return
    }
    var work = a.elements
    var w = [Double](repeating: 0, count: n)
    let jobz = Int8(UInt8(ascii: wantVectors ? "V" : "N"))
    let info = work.withUnsafeMutableBufferPointer { buffer in
      w.withUnsafeMutableBufferPointer { wb in
        LAPACKE_dsyevd(
          LAPACK_ROW_MAJOR, jobz, Int8(UInt8(ascii: "L")), Int32(n), buffer.baseAddress,
          Int32(n), wb.baseAddress)
      }
    }
    guard info == 0 else { throw .lapackFailure(routine: "dsyevd", info: Int(info)) }
    values = w
    vectors = wantVectors ? try Matrix(rows: n, columns: n, elements: work) : nil
  }

  /// `V diag(f(λ)) Vᵀ`: the matrix with the same eigenvectors and mapped eigenvalues.
  ///
  /// - Precondition: the decomposition was made with vectors.
  public func reconstruct(mapping transform: (Double) -> Double) -> Matrix {
    guard let v = vectors else { preconditionFailure("decomposition has no eigenvectors") }
    let n = values.count
    var scaled = v
    for k in 0..<n {
      let f = transform(values[k])
      for i in 0..<n { scaled[i, k] *= f }
    }
    return Matrix.product(scaled, v.transposed)
  }
}
