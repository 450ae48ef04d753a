import Testing

@testable import Risk

@Suite("Maximum drawdown")
struct DrawdownTests {
  @Test(arguments: [
    ([100.0, 120, 90, 130, 65], 0.5),  // 130 → 65
    ([100.0, 110, 121], 0.0),  // never below its peak
    ([100.0, 50], 0.5),
    ([100.0, 80, 120, 60, 200], 0.5),  // the later, deeper fall from 120
    ([100.0, 75, 90, 95, 99], 0.25),  // recovered, but the fall counts
    ([100.0], 0.0),
    ([], 0.0),
  ])
  func handMadePaths(prices: [Double], expected: Double) {
    #expect(maximumDrawdown(prices) == expected, "\(prices)")
  }

  @Test func nanPropagates() {
    #expect(maximumDrawdown([100, .nan, 120]).isNaN)
    #expect(maximumDrawdown([.nan, 100]).isNaN)
  }

  @Test func drawdownSummaryOfHandValues() {
    let summary = DrawdownSummary(drawdowns: [0.5, 0.1, 0.3, 0.2])
    #expect(summary.maximum == 0.5)
    expectClose(summary.mean, 0.275, "mean")
    // Sorted 0.1, 0.2, 0.3, 0.5: Q(0.5) at h = 1.5 → 0.25; Q(0.75) at h = 2.25 → 0.35.
    expectClose(summary.quantiles["0.5"] ?? .nan, 0.25, "median")
    expectClose(summary.quantiles["0.75"] ?? .nan, 0.35, "Q(0.75)")
    #expect(
      Set(summary.quantiles.keys) == ["0.01", "0.05", "0.25", "0.5", "0.75", "0.95", "0.99"])
  }
}
