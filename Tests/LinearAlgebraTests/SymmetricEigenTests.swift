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
