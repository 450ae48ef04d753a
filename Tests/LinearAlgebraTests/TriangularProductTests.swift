import LinearAlgebra
import Testing

/// The blocked `Z ← Z Lᵀ` against the plain loop it must equal bit for bit, whatever the
/// CPU, the instruction set, the number of rows and the blocking.
@Suite("Blocked triangular product")
struct TriangularProductTests {
  /// `Z Lᵀ` by the plain loop whose order of additions the blocked product keeps:
  /// `sum = 0; for k in 0...i { sum += L[i, k] · z[k] }`.
  static func plainProduct(_ z: [Double], rowCount: Int, lower: [Double], n: Int) -> [Double] {
    var out = z
    for r in 0..<rowCount {
      for i in 0..<n {
        var sum = 0.0
        for k in 0...i { sum += lower[i * n + k] * z[r * n + k] }
        out[r * n + i] = sum
      }
    }
    return out
  }

  /// A random lower-triangular `n × n` matrix (zeros above the diagonal are not read, so
  /// they are left random too) and `rowCount × n` random rows.
  static func operands(rowCount: Int, n: Int) -> (lower: [Double], z: [Double]) {
    var rng = SplitMix64(seed: UInt64(rowCount * 100_003 + n))
    let lower = Matrix.random(rows: n, columns: n, using: &rng).elements
    let z = Matrix.random(rows: rowCount, columns: n, using: &rng).elements
    return (lower, z)
  }

  /// The first entry whose bits differ, described for a failure message.
  static func firstDifference(_ observed: [Double], _ expected: [Double], n: Int) -> String? {
    guard
      let index = observed.indices.first(where: {
        observed[$0].bitPattern != expected[$0].bitPattern
      })
    else { return nil }
    return "row \(index / n), column \(index % n): expected \(expected[index]) "
      + "(bits \(expected[index].bitPattern)), observed \(observed[index]) "
      + "(bits \(observed[index].bitPattern)), tolerance 0 ulp"
  }

  @Test(
    "The blocked product equals the plain loop bit for bit (rows × n)",
    arguments: [
      (1, 1), (3, 7), (4, 8), (5, 9), (63, 17), (64, 64), (65, 100), (130, 257), (9, 513),
      (252, 50),
    ])
  func equalsPlainLoop(rowCount: Int, n: Int) {
    let (lower, z) = Self.operands(rowCount: rowCount, n: n)
    let expected = Self.plainProduct(z, rowCount: rowCount, lower: lower, n: n)
    var packedOnce = z
    let factor = TransposedLowerPanels(lower: lower, n: n)
    packedOnce.withUnsafeMutableBufferPointer {
      multiplyRowsByTransposedLower($0.baseAddress!, rowCount: rowCount, factor: factor)
    }
    var packedPerCall = z
    packedPerCall.withUnsafeMutableBufferPointer { rows in
      lower.withUnsafeBufferPointer { l in
        multiplyRowsByTransposedLower(
          rows.baseAddress!, rowCount: rowCount, lower: l.baseAddress!, n: n)
      }
    }
    let onceDifference = Self.firstDifference(packedOnce, expected, n: n)
    #expect(onceDifference == nil, "packed once: \(onceDifference ?? "")")
    let perCallDifference = Self.firstDifference(packedPerCall, expected, n: n)
    #expect(perCallDifference == nil, "packed per call: \(perCallDifference ?? "")")
  }

  @Test("A row's bits do not depend on the rows multiplied with it", arguments: [9, 50, 300])
  func rowsAreIndependent(n: Int) {
    let rowCount = 70
    let (lower, z) = Self.operands(rowCount: rowCount, n: n)
    let factor = TransposedLowerPanels(lower: lower, n: n)
    var together = z
    together.withUnsafeMutableBufferPointer {
      multiplyRowsByTransposedLower($0.baseAddress!, rowCount: rowCount, factor: factor)
    }
    var alone = z
    alone.withUnsafeMutableBufferPointer { rows in
      for r in 0..<rowCount {
        multiplyRowsByTransposedLower(rows.baseAddress! + r * n, rowCount: 1, factor: factor)
      }
    }
    let difference = Self.firstDifference(alone, together, n: n)
    #expect(difference == nil, "one row at a time against all at once: \(difference ?? "")")
  }

  /// Row `i ≥ 1` of `L` is `(−1, 0, …, 0, 1 − 2⁻³⁰)` and every `z` is `(1, 1 + 2⁻³⁰, …)`: the
  /// product `(1 − 2⁻³⁰)(1 + 2⁻³⁰) = 1 − 2⁻⁶⁰` rounds to 1, so `−1 + 1 = 0` exactly; a fused
  /// multiply-add would keep `−2⁻⁶⁰`. A build that contracted the product would fail here.
  @Test("Products and sums are rounded separately (no fused multiply-add)")
  func noFusedMultiplyAdd() {
    let n = 12
    let rowCount = 5
    let epsilon = 0x1p-30
    var lower = [Double](repeating: 0, count: n * n)
    lower[0] = 1
    for i in 1..<n {
      lower[i * n] = -1
      lower[i * n + i] = 1 - epsilon
    }
    var z = [Double](repeating: 1 + epsilon, count: rowCount * n)
    for r in 0..<rowCount { z[r * n] = 1 }
    z.withUnsafeMutableBufferPointer {
      multiplyRowsByTransposedLower(
        $0.baseAddress!, rowCount: rowCount, factor: TransposedLowerPanels(lower: lower, n: n))
    }
    for r in 0..<rowCount {
      #expect(z[r * n] == 1, "row \(r), column 0: expected 1, observed \(z[r * n])")
      for i in 1..<n {
        #expect(
          z[r * n + i].bitPattern == 0,
          "row \(r), column \(i): expected +0, observed \(z[r * n + i]), tolerance 0")
      }
    }
  }

  @Test("No rows or no columns leave memory alone")
  func empty() {
    var sentinel = [42.0]
    sentinel.withUnsafeMutableBufferPointer { rows in
      multiplyRowsByTransposedLower(
        rows.baseAddress!, rowCount: 0, factor: TransposedLowerPanels(lower: [1], n: 1))
      multiplyRowsByTransposedLower(
        rows.baseAddress!, rowCount: 1, factor: TransposedLowerPanels(lower: [], n: 0))
    }
    #expect(sentinel == [42])
  }
}
