import CLapack
import LinearAlgebra
import Testing

@Suite("Symmetric eigen-decomposition")
struct SymmetricEigenTests {
  @Test("Values ascend, V is orthonormal and V diag(λ) Vᵀ = A", arguments: [1, 3, 8, 40])
  func decomposition(n: Int) throws {
    var rng = SplitMix64(seed: 100 + UInt64(n))
    let a = Matrix.randomSymmetric(n, using: &rng)
    let eigen = try SymmetricEigen(a)
    let v = try #require(eigen.vectors)
    #expect(eigen.values.count == n)
    #expect(zip(eigen.values, eigen.values.dropFirst()).allSatisfy { $0 <= $1 }, "\(eigen.values)")
    expectClose("Vᵀ V", naiveProduct(v.transposed, v), Matrix.identity(n), tolerance: 1e-12)
    var scaled = v
    for i in 0..<n {
      for k in 0..<n { scaled[i, k] *= eigen.values[k] }
    }
    expectClose("V diag(λ) Vᵀ", naiveProduct(scaled, v.transposed), a, tolerance: 1e-12)
    expectClose("reconstruct(identity)", eigen.reconstruct { $0 }, a, tolerance: 1e-12)
    let valuesOnly = try SymmetricEigen(a, vectors: false)
    #expect(valuesOnly.vectors == nil)
    for (x, y) in zip(valuesOnly.values, eigen.values) {
      #expect(abs(x - y) < 1e-12, "values alone \(x), with vectors \(y)")
    }
  }

  /// LAPACK's `dsyevd` eigenvalues of `a` (ascending).
  static func lapackValues(_ a: Matrix) -> [Double] {
    let n = a.rows
    var work = a.elements
    var w = [Double](repeating: 0, count: n)
    let info = work.withUnsafeMutableBufferPointer { buffer in
      w.withUnsafeMutableBufferPointer { wb in
        LAPACKE_dsyevd(
          LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "N")), Int8(UInt8(ascii: "L")), Int32(n),
          buffer.baseAddress, Int32(n), wb.baseAddress)
      }
    }
    precondition(info == 0, "dsyevd failed: \(info)")
    return w
  }

  /// Backward-stability figures as multiples of `n ε ‖A‖_F`: the residual `max |A V − V Λ|`,
  /// the loss of orthogonality `max |Vᵀ V − I|` (in `n ε`) and the largest eigenvalue
  /// difference from LAPACK's `dsyevd`.
  @Test("As accurate as LAPACK on random matrices up to 500", arguments: [2, 7, 60, 200, 500])
  func againstLapack(n: Int) throws {
    var rng = SplitMix64(seed: 900 + UInt64(n))
    let a = Matrix.randomSymmetric(n, using: &rng)
    let eigen = try SymmetricEigen(a)
    let v = try #require(eigen.vectors)
    let scale = Double(n) * 0x1p-52 * a.frobeniusNorm
    var residual = 0.0
    var orthogonality = 0.0
    for k in 0..<n {
      for i in 0..<n {
        var av = 0.0
        for j in 0..<n { av += a[i, j] * v[j, k] }
        residual = max(residual, abs(av - eigen.values[k] * v[i, k]))
      }
      for l in 0...k {
        var dot = 0.0
        for i in 0..<n { dot += v[i, k] * v[i, l] }
        orthogonality = max(orthogonality, abs(dot - (k == l ? 1 : 0)))
      }
    }
    let lapack = Self.lapackValues(a)
    let difference = zip(eigen.values, lapack).map { abs($0 - $1) }.max() ?? 0
    #expect(
      residual <= scale,
      "n = \(n): max |AV − VΛ| = \(residual), tolerance n ε ‖A‖_F = \(scale)")
    #expect(
      orthogonality <= Double(n) * 0x1p-52 * 4,
      "n = \(n): max |VᵀV − I| = \(orthogonality), tolerance 4 n ε = \(Double(n) * 0x1p-52 * 4)")
    #expect(
      difference <= scale,
      "n = \(n): eigenvalues differ from dsyevd's by up to \(difference), tolerance n ε ‖A‖_F = \(scale)"
    )
    let valuesOnly = try SymmetricEigen(a, vectors: false)
    #expect(
      valuesOnly.values == eigen.values, "n = \(n): values alone differ from values with vectors")
  }

  @Test("Repeated and zero eigenvalues: the identity, a zero matrix, a rank-one matrix")
  func degenerate() throws {
    let identity = try SymmetricEigen(Matrix.identity(5))
    #expect(identity.values == [1, 1, 1, 1, 1], "\(identity.values)")
    let zero = try SymmetricEigen(Matrix(rows: 4, columns: 4))
    #expect(zero.values == [0, 0, 0, 0], "\(zero.values)")
    let ones = try SymmetricEigen(Matrix(rows: 4, columns: 4, repeating: 1))
    let expected: [Double] = [0, 0, 0, 4]
    for (x, y) in zip(ones.values, expected) {
      #expect(abs(x - y) < 1e-14, "ones: expected \(expected), observed \(ones.values)")
    }
  }

  @Test("Known eigenvalues: [[2, 1], [1, 2]] has 1 and 3")
  func knownValues() throws {
    let eigen = try SymmetricEigen(Matrix([[2, 1], [1, 2]]))
    #expect(abs(eigen.values[0] - 1) < 1e-15 && abs(eigen.values[1] - 3) < 1e-15, "\(eigen.values)")
  }

  @Test("Non-finite and non-square inputs throw")
  func badInput() throws {
    #expect(throws: LinearAlgebraError.self) {
      try SymmetricEigen(Matrix([[1, .nan], [.nan, 1]]))
    }
    #expect(throws: LinearAlgebraError.notSquare(rows: 1, columns: 2)) {
      try SymmetricEigen(Matrix([[1, 2]]))
    }
    #expect(try SymmetricEigen(Matrix(rows: 0, columns: 0)).values.isEmpty)
  }
}
