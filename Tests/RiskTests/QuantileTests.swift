import Testing

@testable import Risk

@Suite("Linear quantiles and return summaries")
struct QuantileTests {
  /// Type 7 by hand: h = (n − 1) p, Q = x_⌊h⌋ + (h − ⌊h⌋)(x_⌊h⌋+1 − x_⌊h⌋).
  @Test(arguments: [
    (0.0, 1.0), (0.25, 1.75), (0.5, 2.5), (0.75, 3.25), (1.0, 4.0), (0.1, 1.3),
  ])
  func quantilesOfOneToFour(probability: Double, expected: Double) {
    let observed = linearQuantile(sorted: [1, 2, 3, 4], probability: probability)
    #expect(
      abs(observed - expected) <= 1e-15, "p \(probability): expected \(expected), got \(observed)")
  }

  @Test func singleValueIsEveryQuantile() {
    for probability in [0.0, 0.01, 0.5, 0.99, 1.0] {
      #expect(linearQuantile(sorted: [-0.25], probability: probability) == -0.25)
    }
  }

  /// 20 returns; numpy 2.4: np.quantile(r, p), r.mean(), r.std(ddof=1).
  static let twenty = [
    0.12, -0.05, 0.031, -0.22, 0.07, 0.004, -0.013, 0.18, -0.09, 0.055, 0.011, -0.31, 0.26, 0.043,
    -0.027, 0.002, 0.095, -0.148, 0.0, 0.067,
  ]

  @Test func twentyReturnsMatchNumpyAndHandValues() {
    let summary = ReturnDistributionSummary(returns: Self.twenty)
    let numpyQuantiles: [String: Double] = [
      "0.01": -0.2929, "0.05": -0.2245, "0.25": -0.03275, "0.5": 0.0075, "0.75": 0.06775,
      "0.95": 0.18400000000000005, "0.99": 0.2447999999999999,
    ]
    // Quantiles are evaluated as numpy evaluates them, so they agree to the bit.
    #expect(summary.quantiles == numpyQuantiles)
    expectClose(summary.mean, 0.003999999999999998, "mean")
    expectClose(summary.standardDeviation, 0.12903936567860538, "standard deviation")
    // Sorted: −0.31, −0.22, …; h = 19 × 0.05 = 0.95 → −0.31 + 0.95 × 0.09 = −0.2245.
    #expect(summary.valueAtRisk95 == 0.2245)
    // h = 19 × 0.01 = 0.19 → −0.31 + 0.19 × 0.09 = −0.2929.
    #expect(summary.valueAtRisk99 == 0.2929)
    // ⌊20 × 0.05⌋ = 1 and max(1, ⌊20 × 0.01⌋) = 1: the worst return alone.
    #expect(summary.expectedShortfall95 == 0.31)
    #expect(summary.expectedShortfall99 == 0.31)
  }

  /// 1237 distinct returns xᵢ = ((7919 i² + 104729 i) mod 100003) / 100003 − 0.5, the same
  /// doubles in Swift and Python; golden figures from numpy 2.4.
  @Test func largerSampleMatchesNumpy() {
    let returns = (0..<1237).map { (i: Int) -> Double in
      let residue: Int = (i * i * 7919 + i * 104_729) % 100_003
      return Double(residue) / 100_003 - 0.5
    }
    let summary = ReturnDistributionSummary(returns: returns)
    #expect(
      summary.quantiles == [
        "0.01": -0.493552193434197, "0.05": -0.45442136735897926, "0.25": -0.2514074577762667,
        "0.5": -0.002674919752407412, "0.75": 0.25858724238272857, "0.95": 0.45669529914102575,
        "0.99": 0.494258572242833,
      ])
    expectClose(summary.mean, 0.0015400952684434819, "mean")
    expectClose(summary.standardDeviation, 0.2924202768679544, "standard deviation")
    // −np.sort(r)[:61].mean() and −np.sort(r)[:12].mean(): ⌊1237 × 0.05⌋ = 61, ⌊12.37⌋ = 12.
    expectClose(summary.expectedShortfall95, 0.47897653234337406, "ES 95")
    expectClose(summary.expectedShortfall99, 0.4968667606638468, "ES 99")
    #expect(summary.valueAtRisk95 == 0.45442136735897926)
    #expect(summary.valueAtRisk99 == 0.493552193434197)
  }

  /// Against the textbook formula (plain a + γ(b − a), plain sums) on samples of many sizes, and
  /// the ordering ES ≥ VaR that the Acerbi–Tasche estimator guarantees.
  @Test(arguments: [1, 2, 3, 19, 20, 21, 99, 100, 101, 1000, 1001])
  func agreesWithReferenceFormulas(count: Int) {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(count)
    let returns = (0..<count).map { _ -> Double in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let uniform = Double(state >> 11) * 0x1p-53
      return (uniform - 0.45) * (uniform < 0.1 ? 3 : 0.5)  // a fat left tail
    }
    let sorted = returns.sorted()
    func reference(_ p: Double) -> Double {
      let h = Double(count - 1) * p
      let j = min(Int(h), count - 1)
      let next = min(j + 1, count - 1)
      return sorted[j] + (h - Double(j)) * (sorted[next] - sorted[j])
    }
    func referenceShortfall(_ tail: Double) -> Double {
      let k = max(1, Int((Double(count) * tail).rounded(.down)))
      return -sorted[..<k].reduce(0, +) / Double(k)
    }
    let summary = ReturnDistributionSummary(returns: returns)
    for (key, p) in [("0.01", 0.01), ("0.05", 0.05), ("0.5", 0.5), ("0.95", 0.95)] {
      expectClose(summary.quantiles[key] ?? .nan, reference(p), "n \(count) Q(\(key))")
    }
    expectClose(summary.valueAtRisk95, -reference(0.05), "n \(count) VaR 95")
    expectClose(summary.valueAtRisk99, -reference(0.01), "n \(count) VaR 99")
    expectClose(summary.expectedShortfall95, referenceShortfall(0.05), "n \(count) ES 95")
    expectClose(summary.expectedShortfall99, referenceShortfall(0.01), "n \(count) ES 99")
    #expect(summary.expectedShortfall95 >= summary.valueAtRisk95)
    #expect(summary.expectedShortfall99 >= summary.valueAtRisk99)
    #expect(summary.valueAtRisk99 >= summary.valueAtRisk95)
    let mean = returns.reduce(0, +) / Double(count)
    expectClose(summary.mean, mean, "n \(count) mean")
    if count >= 2 {
      let variance = returns.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(count - 1)
      expectClose(summary.standardDeviation, variance.squareRoot(), "n \(count) std")
    } else {
      #expect(summary.standardDeviation.isNaN)
    }
  }

  @Test func emptyOrNaNSampleGivesNaNFigures() {
    for returns in [[], [0.1, .nan, -0.2]] {
      let summary = ReturnDistributionSummary(returns: returns)
      #expect(summary.mean.isNaN && summary.standardDeviation.isNaN)
      #expect(summary.valueAtRisk95.isNaN && summary.expectedShortfall99.isNaN)
      #expect(summary.quantiles.count == 7 && summary.quantiles.values.allSatisfy(\.isNaN))
    }
    let drawdowns = DrawdownSummary(drawdowns: [])
    #expect(drawdowns.mean.isNaN && drawdowns.maximum.isNaN)
  }

  @Test func compensatedSumKeepsSmallTerms() {
    // 1 + 1e-16 × 10⁴ − 1: naive left-to-right summation loses every small term.
    let values = [1.0] + Array(repeating: 1e-16, count: 10_000) + [-1.0]
    expectClose(compensatedSum(values), 1e-12, "sum", tolerance: 1e-12)
  }
}

/// Expects `observed` within a relative `tolerance` of `expected` (absolute near zero), and
/// prints both and the tolerance otherwise.
func expectClose(
  _ observed: Double, _ expected: Double, _ what: String, tolerance: Double = 1e-13,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let scale = max(1, abs(expected))
  #expect(
    abs(observed - expected) <= tolerance * scale,
    "\(what): expected \(expected), observed \(observed), tolerance \(tolerance * scale)",
    sourceLocation: sourceLocation)
}
