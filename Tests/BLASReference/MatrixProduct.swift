import CLapack
import LinearAlgebra

/// OpenBLAS as the tests' reference: the engine itself links no BLAS (its products, Cholesky
/// factor and eigensolver are its own, in a fixed order of operations, for the same bits on
/// every CPU), and the tests check them against Debian's OpenBLAS and LAPACKE.
extension Matrix {
  /// The product `a · b`, by BLAS `dgemm`.
  public static func product(_ a: Matrix, _ b: Matrix) -> Matrix {
    precondition(a.columns == b.rows, "inner dimensions differ: \(a.columns) and \(b.rows)")
    var c = Matrix(rows: a.rows, columns: b.columns)
    if a.rows == 0 || b.columns == 0 || a.columns == 0 { return c }
    a.elements.withUnsafeBufferPointer { ap in
      b.elements.withUnsafeBufferPointer { bp in
        c.elements.withUnsafeMutableBufferPointer { cp in
          cblas_dgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(a.rows), Int32(b.columns),
            Int32(a.columns), 1, ap.baseAddress, Int32(a.columns), bp.baseAddress,
            Int32(b.columns), 0, cp.baseAddress, Int32(b.columns))
        }
      }
    }
    return c
  }
}
