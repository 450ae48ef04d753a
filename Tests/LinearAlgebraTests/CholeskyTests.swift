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

  /// The plain column-by-column loop the panel factor must reproduce bit for bit: entry
  /// `(i, j)` is `(a_ij − Σ_{k<j} l_ik l_jk) / l_jj`, each product subtracted in `k` order,
  /// a pivot within `tolerance` of zero leaving its column zero.
  static func plainFactor(_ a: Matrix, tolerance: Double) -> (lower: Matrix, rank: Int)? {
    let n = a.rows
    var l = Matrix(rows: n, columns: n)
    var rank = 0
    for j in 0..<n {
      var pivot = a[j, j]
      for k in 0..<j { pivot -= l[j, k] * l[j, k] }
      if pivot < -tolerance { return nil }
      if pivot <= tolerance { continue }
      let d = pivot.squareRoot()
      l[j, j] = d
      rank += 1
      for i in (j + 1)..<max(n, j + 1) {
        var s = a[i, j]
        for k in 0..<j { s -= l[i, k] * l[j, k] }
        l[i, j] = s / d
      }
    }
    return (l, rank)
  }

  /// Matrices of sizes around the panel width (32) and the `k` chunk (256), among them
  /// semi-definite ones whose zero pivots fall inside a panel.
  static let panelCases: [SemidefiniteCase] = {
    var rng = SplitMix64(seed: 2026)
    var cases: [SemidefiniteCase] = []
    for n in [1, 2, 7, 31, 32, 33, 64, 97, 257, 300, 530] {
      cases.append(
        SemidefiniteCase(
          label: "random positive definite \(n)", matrix: .randomPositiveDefinite(n, using: &rng),
          rank: n))
    }
    for n in [40, 300] {
      var c = Matrix(rows: n, columns: n, repeating: 0.3)
      for i in 0..<n { c[i, i] = 1 }
      cases.append(SemidefiniteCase(label: "constant 0.3, \(n)", matrix: c, rank: n))
    }
    // Assets that repeat earlier ones exactly: a zero pivot wherever a copy comes.
    for (n, distinct) in [(45, 20), (300, 77)] {
      let base = Matrix.randomPositiveDefinite(distinct, using: &rng)
      var c = Matrix(rows: n, columns: n)
      for i in 0..<n {
        for j in 0..<n { c[i, j] = base[(i * 13) % distinct, (j * 13) % distinct] }
      }
      cases.append(
        SemidefiniteCase(label: "\(distinct) distinct of \(n)", matrix: c, rank: distinct))
    }
    return cases
  }()

  @Test("The panel factor has the bits of the plain column-by-column loop", arguments: panelCases)
  func sameBitsAsPlainLoop(_ c: SemidefiniteCase) throws {
    let n = c.matrix.rows
    let tolerance = Double(n) * Double.ulpOfOne * 16
    let expected = try #require(Self.plainFactor(c.matrix, tolerance: tolerance))
    let factor = try CholeskyFactor(c.matrix, tolerance: tolerance)
    #expect(factor.rank == expected.rank, "rank of \(c.label)")
    #expect(factor.rank == c.rank, "rank of \(c.label)")
    let differing = factor.lower.elements.indices.filter {
      factor.lower.elements[$0].bitPattern != expected.lower.elements[$0].bitPattern
    }
    let count = differing.count
    let first = differing.first.map { ($0 / n, $0 % n) }
    #expect(
      count == 0,
      "\(c.label): \(count) entries differ from the plain loop, the first at \(first.debugDescription)"
    )
  }

  @Test("An indefinite matrix whose first negative pivot lies in a late panel throws")
  func indefiniteLate() throws {
    let n = 300
    let rho = -0.0041
    var c = Matrix(rows: n, columns: n, repeating: rho)
    for i in 0..<n { c[i, i] = 1 }
    // Pivot j is (1 + jρ)(1 − ρ) / (1 + (j − 1)ρ): first negative at j = 244 (−0.108); the
    // smallest eigenvalue is 1 + (n − 1)ρ = −0.2259.
    #expect(Self.plainFactor(c, tolerance: 1e-9).map(\.rank) == nil)
    let error = #expect(throws: LinearAlgebraError.self) { try CholeskyFactor(c, tolerance: 1e-9) }
    guard case .notPositiveSemiDefinite(let reported)? = error else {
      Issue.record("expected notPositiveSemiDefinite, got \(String(describing: error))")
      return
    }
    #expect(abs(reported - (1 + rho * Double(n - 1))) < 1e-12, "reported \(reported)")
  }

  @Test("A non-square matrix throws notSquare")
  func notSquare() throws {
    #expect(throws: LinearAlgebraError.notSquare(rows: 2, columns: 3)) {
      try CholeskyFactor(Matrix(rows: 2, columns: 3))
    }
  }
}
