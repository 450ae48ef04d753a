import CLapack

/// Tells OpenBLAS how many threads to use inside one call. scengine parallelises over blocks
/// of paths, so each worker calls BLAS single-threaded.
public func setBLASThreadCount(_ count: Int) {
  openblas_set_num_threads(Int32(clamping: max(1, count)))
}

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

  /// Whether all entries of the matrix are finite.
  public var isFinite: Bool { elements.allSatisfy(\.isFinite) }
}

/// Multiplies, in place, each row `z` of a row-major `rowCount × n` block by `lowerᵀ`, so
/// that the row becomes `(lower · zᵀ)ᵀ`: `Z ← Z Lᵀ`, by BLAS `dtrmm`.
///
/// This correlates `rowCount` independent standard normal vectors at once: if the rows of `Z`
/// are i.i.d. N(0, I), the rows of `Z Lᵀ` are i.i.d. N(0, L Lᵀ).
///
/// - Parameters:
///   - rows: pointer to `rowCount · n` doubles, row-major.
///   - lower: an `n × n` lower-triangular matrix.
public func multiplyRowsByTransposedLower(
  _ rows: UnsafeMutablePointer<Double>, rowCount: Int, lower: UnsafePointer<Double>, n: Int
) {
  guard rowCount > 0, n > 0 else { return }
  cblas_dtrmm(
    CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, Int32(rowCount), Int32(n),
    1, lower, Int32(n), rows, Int32(n))
}
