import BLASReference
import LinearAlgebra
import Testing

@Suite("Matrix products")
struct ProductTests {
  @Test(
    "Matrix.product (dgemm) equals the triple loop",
    arguments: [(1, 1, 1), (3, 5, 4), (7, 1, 6), (1, 9, 1), (33, 17, 29), (0, 3, 2), (2, 0, 3)])
  func product(rows: Int, inner: Int, columns: Int) {
    var rng = SplitMix64(seed: UInt64(rows * 10_000 + inner * 100 + columns))
    let a = Matrix.random(rows: rows, columns: inner, using: &rng)
    let b = Matrix.random(rows: inner, columns: columns, using: &rng)
    expectClose("a · b", Matrix.product(a, b), naiveProduct(a, b), tolerance: 1e-13)
  }

  @Test(
    "multiplyRowsByTransposedLower (dtrmm) equals Z Lᵀ by loops",
    arguments: [(1, 1), (5, 3), (17, 9), (64, 50)])
  func transposedLower(rowCount: Int, n: Int) {
    var rng = SplitMix64(seed: UInt64(rowCount * 1000 + n))
    var lower = Matrix.random(rows: n, columns: n, using: &rng)
    for i in 0..<n {
      for j in (i + 1)..<max(n, i + 1) { lower[i, j] = 0 }
    }
    let z = Matrix.random(rows: rowCount, columns: n, using: &rng)
    var out = z.elements
    out.withUnsafeMutableBufferPointer { rows in
      lower.elements.withUnsafeBufferPointer { l in
        multiplyRowsByTransposedLower(
          rows.baseAddress!, rowCount: rowCount, lower: l.baseAddress!, n: n)
      }
    }
    let observed = try! Matrix(rows: rowCount, columns: n, elements: out)
    expectClose("Z Lᵀ", observed, naiveProduct(z, lower.transposed), tolerance: 1e-13)
  }

  @Test("multiplyRowsByTransposedLower with no rows leaves memory alone")
  func noRows() {
    var sentinel = [42.0]
    let lower = [1.0]
    sentinel.withUnsafeMutableBufferPointer { rows in
      lower.withUnsafeBufferPointer { l in
        multiplyRowsByTransposedLower(rows.baseAddress!, rowCount: 0, lower: l.baseAddress!, n: 1)
      }
    }
    #expect(sentinel == [42])
  }
}

@Suite("Matrix")
struct MatrixTests {
  @Test("Rows, elements, transpose and norms")
  func basics() throws {
    let m = try Matrix([[1, 2, 3], [4, 5, 6]])
    #expect(m.rows == 2 && m.columns == 3 && m.elements == [1, 2, 3, 4, 5, 6])
    #expect(m[1, 0] == 4)
    #expect(m.transposed.rowArrays == [[1, 4], [2, 5], [3, 6]])
    #expect(m.frobeniusNorm == 91.0.squareRoot())
    #expect((m + m - m) == m)
    #expect(m.maximumDifference(from: Matrix(rows: 2, columns: 3)) == 6)
    #expect(Matrix.identity(2).elements == [1, 0, 0, 1])
    #expect(try Matrix(rows: 2, columns: 3, elements: m.elements) == m)
  }

  @Test("Bad shapes throw shapeMismatch with a message")
  func badShapes() {
    let ragged = #expect(throws: LinearAlgebraError.self) { try Matrix([[1, 2], [3]]) }
    #expect(
      ragged?.description.contains("row 1 has 1 entries") == true, "\(String(describing: ragged))")
    let short = #expect(throws: LinearAlgebraError.self) {
      try Matrix(rows: 2, columns: 2, elements: [1, 2, 3])
    }
    #expect(short?.description.contains("3 elements") == true, "\(String(describing: short))")
  }
}
