import LinearAlgebra
import Testing

@Suite("Nearest correlation matrix (Higham 2002)")
struct NearestCorrelationTests {
  /// The repair scengine would make without Higham's method: clip the negative eigenvalues to
  /// zero, then rescale to a unit diagonal.
  static func naiveRepair(_ a: Matrix) throws -> Matrix {
    NearestCorrelation.unitDiagonalRescale(try SymmetricEigen(a).reconstruct { max($0, 0) })
  }

  /// Checks that `c` is a correlation matrix: unit diagonal, symmetric, eigenvalues ≥ −1e-12.
  static func expectCorrelation(
    _ c: Matrix, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let n = c.rows
    #expect((0..<n).allSatisfy { c[$0, $0] == 1 }, "diagonal", sourceLocation: sourceLocation)
    #expect(c == c.transposed, "symmetric", sourceLocation: sourceLocation)
    let smallest = try SymmetricEigen(c, vectors: false).values.first ?? 0
    #expect(smallest >= -1e-12, "smallest eigenvalue \(smallest)", sourceLocation: sourceLocation)
  }

  /// Higham's (2002) example `A = [[1, 1, 0], [1, 1, 1], [0, 1, 1]]`, eigenvalues 1 − √2, 1,
  /// 1 + √2. Its nearest correlation matrix is, by the symmetry of `A` under reversing the
  /// order, `X = [[1, a, b], [a, 1, a], [b, a, 1]]`. X has eigenvalue 1 − b on (1, 0, −1) and
  /// `(2 + b ± √(b² + 8a²)) / 2` on the symmetric vectors, so X ⪰ 0 iff `a² ≤ (1 + b) / 2`.
  /// Minimising `‖X − A‖²_F = 4(a − 1)² + 2b²` on that boundary, `b = 2a² − 1`, gives
  /// `4a³ − a − 1 = 0`: a = 0.76069, b = 0.15730 (Higham prints 0.7607 and 0.1573).
  static func highamExample() -> (a: Double, b: Double, distance: Double) {
    var a = 0.75
    for _ in 0..<50 { a -= (4 * a * a * a - a - 1) / (12 * a * a - 1) }
    let b = 2 * a * a - 1
    return (a, b, (4 * (a - 1) * (a - 1) + 2 * b * b).squareRoot())
  }

  @Test("Higham's example: the published nearest correlation matrix")
  func highamMatrix() throws {
    let input = try Matrix([[1, 1, 0], [1, 1, 1], [0, 1, 1]])
    let repair = try NearestCorrelation(repairing: input)
    let (a, b, distance) = Self.highamExample()
    let x = repair.matrix
    let expected = try Matrix([[1, a, b], [a, 1, a], [b, a, 1]])
    expectClose("nearest correlation", x, expected, tolerance: 1e-8)
    // The four digits Higham (2002) prints.
    #expect((x[0, 1] * 1e4).rounded() == 7607 && (x[0, 2] * 1e4).rounded() == 1573, "\(x)")
    try Self.expectCorrelation(x)
    #expect(
      abs(repair.frobeniusDistance - distance) < 1e-8,
      "distance: expected \(distance), observed \(repair.frobeniusDistance)")
    #expect(abs(repair.frobeniusDistance - (x - input).frobeniusNorm) < 1e-15)
    #expect(repair.eigenvaluesClipped == 1)
    let smallest = 1 - 2.0.squareRoot()
    #expect(
      abs(repair.smallestInputEigenvalue - smallest) < 1e-14,
      "smallest input eigenvalue: expected \(smallest), observed \(repair.smallestInputEigenvalue)")
    let naive = try Self.naiveRepair(input)
    let naiveDistance = (naive - input).frobeniusNorm
    #expect(
      repair.frobeniusDistance < naiveDistance,
      "nearest \(repair.frobeniusDistance), naive repair \(naiveDistance)")
  }

  @Test(
    "Random non-PSD matrices: a correlation matrix closer than the naive repair",
    arguments: [6, 10, 25])
  func randomIndefinite(n: Int) throws {
    var rng = SplitMix64(seed: 7_000 + UInt64(n))
    var input = Matrix.randomSymmetric(n, using: &rng)
    for i in 0..<n { input[i, i] = 1 }
    let inputEigen = try SymmetricEigen(input, vectors: false)
    try #require(inputEigen.values[0] < 0, "the test matrix must be indefinite")
    let repair = try NearestCorrelation(repairing: input)
    try Self.expectCorrelation(repair.matrix)
    #expect(repair.eigenvaluesClipped == inputEigen.values.filter { $0 < 0 }.count)
    #expect(repair.eigenvaluesClipped > 0)
    let naiveDistance = (try Self.naiveRepair(input) - input).frobeniusNorm
    #expect(
      repair.frobeniusDistance < naiveDistance,
      "nearest \(repair.frobeniusDistance), naive repair \(naiveDistance)")
  }

  @Test("A valid correlation matrix is left as it is")
  func alreadyValid() throws {
    let input = try Matrix([[1, 0.3, -0.2], [0.3, 1, 0.5], [-0.2, 0.5, 1]])
    let repair = try NearestCorrelation(repairing: input)
    expectClose("unchanged", repair.matrix, input, tolerance: 1e-14)
    #expect(repair.eigenvaluesClipped == 0)
    #expect(repair.frobeniusDistance < 1e-14)
  }
}
