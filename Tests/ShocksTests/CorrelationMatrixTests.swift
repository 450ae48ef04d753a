import BLASReference
import LinearAlgebra
import Randomness
import Testing

@testable import Shocks

/// A matrix `CorrelationMatrix` must reject, the error case it must give, and words its
/// message must contain.
struct RejectedMatrix: Sendable, CustomTestStringConvertible {
  let label: String
  let rows: [[Double]]
  var expectedDimension: Int? = nil
  /// The `CorrelationError` case name.
  let kind: String
  let mentions: [String]
  var testDescription: String { label }

  static let all: [RejectedMatrix] = [
    .init(
      label: "asymmetric", rows: [[1, 0.5, 0], [0.3, 1, 0], [0, 0, 1]], kind: "asymmetric",
      mentions: ["not symmetric", "[1][0] is 0.3", "[0][1] is 0.5"]),
    .init(
      label: "diagonal ≠ 1", rows: [[1, 0.2], [0.2, 0.9]], kind: "diagonalNotOne",
      mentions: ["diagonal entry [1][1] is 0.9", "expected 1"]),
    .init(
      label: "entry > 1", rows: [[1, 1.2], [1.2, 1]], kind: "outOfRange",
      mentions: ["[0][1] is 1.2", "[-1, 1]"]),
    .init(
      label: "negative eigenvalue", rows: [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]],
      kind: "notPositiveSemiDefinite",
      mentions: ["not positive semi-definite", "smallest eigenvalue -0.", "repair: nearest"]),
    .init(
      label: "NaN", rows: [[1, .nan], [.nan, 1]], kind: "nonFinite",
      mentions: ["[0][1] is nan", "finite"]),
    .init(
      label: "infinite", rows: [[1, 0], [0, .infinity]], kind: "nonFinite",
      mentions: ["[1][1] is inf"]),
    .init(
      label: "wrong size", rows: [[1, 0], [0, 1]], expectedDimension: 3, kind: "wrongSize",
      mentions: ["2 × 2", "expected 3 × 3"]),
    .init(
      label: "ragged row", rows: [[1, 0.5, 0], [0.5, 1], [0, 0, 1]], kind: "raggedRow",
      mentions: ["row 1 has 2 entries, expected 3"]),
  ]
}

/// The name of an error's case, so that tests can say which case without comparing payloads
/// (NaN payloads never compare equal).
func caseName(_ error: CorrelationError) -> String {
  switch error {
  case .raggedRow: "raggedRow"
  case .wrongSize: "wrongSize"
  case .nonFinite: "nonFinite"
  case .diagonalNotOne: "diagonalNotOne"
  case .outOfRange: "outOfRange"
  case .asymmetric: "asymmetric"
  case .notPositiveSemiDefinite: "notPositiveSemiDefinite"
  case .numerical: "numerical"
  }
}

@Suite("CorrelationMatrix validation")
struct CorrelationMatrixTests {
  @Test("Each bad matrix gives its own error and a clear message", arguments: RejectedMatrix.all)
  func rejected(_ bad: RejectedMatrix) {
    let error = #expect(throws: CorrelationError.self) {
      try CorrelationMatrix(rows: bad.rows, expectedDimension: bad.expectedDimension)
    }
    guard let error else { return }
    #expect(caseName(error) == bad.kind, "\(error)")
    for phrase in bad.mentions {
      #expect(error.description.contains(phrase), "message \"\(error)\" lacks \"\(phrase)\"")
    }
  }

  @Test("Error payloads name the offending entry")
  func payloads() throws {
    #expect(throws: CorrelationError.asymmetric(row: 1, column: 0, value: 0.3, mirror: 0.5)) {
      try CorrelationMatrix(rows: [[1, 0.5], [0.3, 1]])
    }
    #expect(throws: CorrelationError.diagonalNotOne(index: 1, value: 0.9)) {
      try CorrelationMatrix(rows: [[1, 0.2], [0.2, 0.9]])
    }
    #expect(throws: CorrelationError.outOfRange(row: 0, column: 1, value: 1.2)) {
      try CorrelationMatrix(rows: [[1, 1.2], [1.2, 1]])
    }
    #expect(throws: CorrelationError.wrongSize(size: 2, expected: 3)) {
      try CorrelationMatrix(rows: [[1, 0], [0, 1]], expectedDimension: 3)
    }
    #expect(throws: CorrelationError.raggedRow(row: 1, count: 2, expected: 3)) {
      try CorrelationMatrix(rows: [[1, 0.5, 0], [0.5, 1], [0, 0, 1]])
    }
    let indefinite = try Matrix([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]])
    let smallest = try SymmetricEigen(indefinite, vectors: false).values[0]
    #expect(throws: CorrelationError.notPositiveSemiDefinite(smallestEigenvalue: smallest)) {
      try CorrelationMatrix(indefinite)
    }
  }

  @Test("repair: .nearest gives a PSD unit-diagonal matrix and reports the change")
  func nearestRepair() throws {
    let input = try Matrix([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]])
    let c = try CorrelationMatrix(input, repair: .nearest)
    let report = try #require(c.repair)
    let m = c.matrix
    #expect((0..<3).allSatisfy { m[$0, $0] == 1 })
    #expect(m == m.transposed)
    let smallest = try SymmetricEigen(m, vectors: false).values[0]
    #expect(smallest >= -1e-12, "smallest eigenvalue \(smallest)")
    #expect(c.smallestEigenvalue >= -1e-12)
    #expect(report.eigenvaluesClipped == 1)
    #expect(report.frobeniusDistance > 0)
    #expect(abs(report.frobeniusDistance - (m - input).frobeniusNorm) < 1e-12)
    #expect(report.matrix == m)
    let lower = c.factor.lower
    let product = Matrix.product(lower, lower.transposed)
    #expect(product.maximumDifference(from: m) < 1e-12)
  }

  @Test("A valid matrix is never changed, even with repair: .nearest")
  func validUnchanged() throws {
    let rows: [[Double]] = [[1, 0.3, -0.2], [0.3, 1, 0.5], [-0.2, 0.5, 1]]
    for policy in CorrelationMatrix.RepairPolicy.allCases {
      let c = try CorrelationMatrix(rows: rows, expectedDimension: 3, repair: policy)
      #expect(c.repair == nil)
      #expect(c.matrix.rowArrays == rows)
      #expect(c.factor.isPositiveDefinite)
    }
  }

  @Test("Two perfectly correlated (or anti-correlated) assets are valid", arguments: [1.0, -1.0])
  func perfectlyCorrelated(rho: Double) throws {
    let c = try CorrelationMatrix(rows: [[1, rho], [rho, 1]])
    #expect(c.factor.rank == 1)
    #expect(abs(c.smallestEigenvalue) < 1e-12)
    let generator = try CorrelatedShockGenerator(correlation: c, seed: 3)
    let shocks = generator.shocks(paths: 0..<10, steps: 50)
    for r in stride(from: 0, to: shocks.count, by: 2) {
      #expect(shocks[r + 1] == rho * shocks[r], "row \(r / 2): \(shocks[r]), \(shocks[r + 1])")
    }
  }

  @Test("The identity's shortcut has the bits of the general path", arguments: [1, 2, 5, 40, 97])
  func identityShortcut(n: Int) throws {
    let shortcut = CorrelationMatrix.identity(n)
    let values = try SymmetricEigen(Matrix.identity(n), vectors: false).values
    let general = try CholeskyFactor(Matrix.identity(n))
    #expect(
      shortcut.smallestEigenvalue.bitPattern == (values.first ?? 1).bitPattern,
      "smallest eigenvalue \(shortcut.smallestEigenvalue), general path \(values.first ?? 1)")
    #expect(shortcut.factor.rank == general.rank)
    #expect(shortcut.factor.isPositiveDefinite == general.isPositiveDefinite)
    #expect(
      shortcut.factor.lower.elements.map(\.bitPattern) == general.lower.elements.map(\.bitPattern))
    // A −0 off the diagonal takes the general path (its factor keeps the −0).
    var signed = Matrix.identity(n)
    if n > 1 { signed[1, 0] = -0.0 }
    if n > 1 { signed[0, 1] = -0.0 }
    let withSignedZero = try CorrelationMatrix(signed)
    let expected = try CholeskyFactor(signed)
    #expect(
      withSignedZero.factor.lower.elements.map(\.bitPattern)
        == expected.lower.elements.map(\.bitPattern))
    #expect(withSignedZero.isIdentity)
  }

  /// Correlation matrices to blend: constant, one-factor, repaired (not exactly symmetric
  /// after Higham's projections), the identity, and semi-definite (two assets perfectly
  /// correlated).
  static func blendCases(_ n: Int) throws -> [CorrelationMatrix] {
    var oneFactor = Matrix.identity(n)
    var inconsistent = Matrix(rows: n, columns: n, repeating: 0.2)
    var perfect = Matrix(rows: n, columns: n, repeating: 0.4)
    for i in 0..<n {
      inconsistent[i, i] = 1
      perfect[i, i] = 1
      for j in 0..<n where j != i {
        oneFactor[i, j] = (0.2 + 0.07 * Double(i % 9)) * (0.2 + 0.07 * Double(j % 9))
      }
    }
    inconsistent[0, 1] = 0.95
    inconsistent[1, 0] = 0.95
    inconsistent[1, 2] = 0.95
    inconsistent[2, 1] = 0.95
    inconsistent[0, 2] = -0.95
    inconsistent[2, 0] = -0.95
    perfect[0, 1] = 1
    perfect[1, 0] = 1
    return [
      try .constant(0.3, dimension: n), try CorrelationMatrix(oneFactor),
      try CorrelationMatrix(inconsistent, repair: .nearest), .identity(n),
      try CorrelationMatrix(perfect),
    ]
  }

  @Test(
    "A blend's factor has the bits of validating the blend and factoring it", arguments: [3, 9, 70])
  func blendFactorSameBits(n: Int) throws {
    let cases = try Self.blendCases(n)
    #expect(cases[2].repair != nil, "the inconsistent matrix must be repaired")
    for (b, base) in cases.enumerated() {
      for (t, target) in cases.enumerated() {
        for weight in [0, 0.37, 0.5, 1] {
          var m = base.matrix
          for i in m.elements.indices {
            m.elements[i] =
              (1 - weight) * base.matrix.elements[i] + weight * target.matrix.elements[i]
          }
          let expected = try CorrelationMatrix(m).factor
          let observed = try base.blendFactor(toward: target.matrix, weight: weight)
          let differing = zip(expected.lower.elements, observed.lower.elements).filter {
            $0.bitPattern != $1.bitPattern
          }.count
          #expect(
            differing == 0 && observed.rank == expected.rank,
            "n \(n), base \(b), target \(t), weight \(weight): \(differing) entries differ, rank \(observed.rank) against \(expected.rank)"
          )
        }
      }
    }
  }

  @Test("Checking without factoring keeps what the checks give, repair included")
  func checkedWithoutFactor() throws {
    for c in try Self.blendCases(12) {
      let checked = try CorrelationMatrix.checked(c.matrix, repair: .nearest)
      #expect(checked.matrix == c.matrix)
      #expect(checked.smallestEigenvalue.bitPattern == c.smallestEigenvalue.bitPattern)
      #expect(try CorrelationMatrix(checked) == CorrelationMatrix(c.matrix))
    }
    let indefinite = try Matrix(
      rows: 3, columns: 3, elements: [1, 0.9, -0.9, 0.9, 1, 0.9, -0.9, 0.9, 1])
    #expect(throws: CorrelationError.self) { try CorrelationMatrix.checked(indefinite) }
  }

  @Test("The factors a generator keeps: panels above 8 assets, elements up to 8, none for I")
  func factorsAsTheProductsReadThem() throws {
    for n in [3, 8, 9, 40] {
      let factors = CorrelationFactors([.identity(n), try .constant(0.5, dimension: n)])
      #expect(factors.count == 2 && factors.dimension == n)
      #expect(factors.identities == [true, false])
      if n <= CorrelatedShockGenerator.smallDimension {
        #expect(factors.panels.isEmpty)
        #expect(factors.lowers[0].isEmpty && factors.lowers[1].count == n * n)
      } else {
        #expect(factors.lowers.isEmpty)
        #expect(factors.panels[0].panelCount == 0 && factors.panels[1].panelCount == (n + 7) / 8)
      }
    }
  }

  @Test("A diagonal within 1e-12 of 1 is set to 1 on either side of 1; further is refused")
  func diagonalTolerance() throws {
    for d in [1 + 1e-13, 1 - 1e-13] {
      let c = try CorrelationMatrix(rows: [[d, 0.3], [0.3, 1]])
      #expect(c.matrix[0, 0] == 1, "diagonal \(d) became \(c.matrix[0, 0])")
    }
    for d in [1 + 1e-11, 1 - 1e-11] {
      #expect(throws: CorrelationError.diagonalNotOne(index: 0, value: d)) {
        try CorrelationMatrix(rows: [[d, 0.3], [0.3, 1]])
      }
    }
  }

  @Test("Factories: identity and constant correlation")
  func factories() throws {
    let identity = CorrelationMatrix.identity(4)
    #expect(identity.isIdentity && identity.dimension == 4)
    let constant = try CorrelationMatrix.constant(0.3, dimension: 4)
    #expect(constant.matrix[2, 1] == 0.3 && !constant.isIdentity)
    // Below −1/(n − 1) a constant correlation is not PSD.
    let error = #expect(throws: CorrelationError.self) {
      try CorrelationMatrix.constant(-0.5, dimension: 4)
    }
    #expect(error.map(caseName) == "notPositiveSemiDefinite")
    let repaired = try CorrelationMatrix.constant(-0.5, dimension: 4, repair: .nearest)
    #expect(repaired.repair != nil)
    #expect(abs(repaired.matrix[1, 0] + 1.0 / 3) < 1e-6, "\(repaired.matrix)")
  }
}
