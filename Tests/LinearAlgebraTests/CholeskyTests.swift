import LinearAlgebra
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite("Cholesky factor")
struct CholeskyTests {
  @Test(
    "A random positive definite matrix: L Lᵀ = A, L lower triangular", arguments: [1, 2, 5, 20, 60])
  func positiveDefinite(n: Int) throws {
    var rng = SplitMix64(seed: UInt64(n))
    let a = Matrix.randomPositiveDefinite(n, using: &rng)
    let factor = try CholeskyFactor(a)
    #expect(factor.isPositiveDefinite)
    #expect(factor.rank == n)
    #expect(factor.lower.isLowerTriangular)
    #expect((0..<n).allSatisfy { factor.lower[$0, $0] > 0 })
    expectClose("L Lᵀ", naiveProduct(factor.lower, factor.lower.transposed), a, tolerance: 1e-12)
  }

  /// `C_ij = cos(θ_i − θ_j)`: the correlation of unit vectors at angles θ in the plane, so of
  /// rank 2 for three or more distinct angles.
  static func planarCorrelation(_ angles: [Double]) -> Matrix {
    var c = Matrix(rows: angles.count, columns: angles.count)
    for i in angles.indices {
      for j in angles.indices { c[i, j] = cos(angles[i] - angles[j]) }
    }
    for i in angles.indices { c[i, i] = 1 }
    return c
  }

  struct SemidefiniteCase: Sendable, CustomTestStringConvertible {
    let label: String
    let matrix: Matrix
    let rank: Int
    var testDescription: String { label }
  }

  static let semidefiniteCases = [
    SemidefiniteCase(label: "[[1, 1], [1, 1]]", matrix: try! Matrix([[1, 1], [1, 1]]), rank: 1),
    SemidefiniteCase(
      label: "[[1, -1], [-1, 1]]", matrix: try! Matrix([[1, -1], [-1, 1]]), rank: 1),
    SemidefiniteCase(
      label: "rank-2 3 × 3 correlation", matrix: planarCorrelation([0, .pi / 3, 3 * .pi / 4]),
      rank: 2),
    SemidefiniteCase(
      label: "rank-2 5 × 5 correlation", matrix: planarCorrelation([0.1, 0.7, 1.3, 2, 2.9]),
      rank: 2),
  ]

  @Test("A semi-definite matrix factors with its rank and L Lᵀ = A", arguments: semidefiniteCases)
  func semidefinite(_ c: SemidefiniteCase) throws {
    let (label, a, rank) = (c.label, c.matrix, c.rank)
    let factor = try CholeskyFactor(a)
    #expect(!factor.isPositiveDefinite)
    #expect(factor.rank == rank, "rank of \(label)")
    #expect(factor.lower.isLowerTriangular)
    expectClose(
      "L Lᵀ for \(label)", naiveProduct(factor.lower, factor.lower.transposed), a,
      tolerance: 1e-12)
  }

  @Test("An indefinite matrix throws with its smallest eigenvalue")
  func indefinite() throws {
    let a = try Matrix([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]])
    let smallest = try #require(SymmetricEigen(a, vectors: false).values.first)
    #expect(smallest < -0.5)
    let error = #expect(throws: LinearAlgebraError.self) { try CholeskyFactor(a) }
    guard case .notPositiveSemiDefinite(let reported)? = error else {
      Issue.record("expected notPositiveSemiDefinite, got \(String(describing: error))")
      return
    }
    #expect(abs(reported - smallest) < 1e-12, "reported \(reported), eigenvalue \(smallest)")
    #expect(error?.description.contains("\(reported)") == true)
  }

  @Test("A non-square matrix throws notSquare")
  func notSquare() throws {
    #expect(throws: LinearAlgebraError.notSquare(rows: 2, columns: 3)) {
      try CholeskyFactor(Matrix(rows: 2, columns: 3))
    }
  }
}
