import Foundation
import Testing

@testable import Validation

/// Checks `actual` against `expected` within `tolerance`, printing all three on failure.
func expectClose(
  _ actual: Double, _ expected: Double, _ tolerance: Double, _ what: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(
    abs(actual - expected) <= tolerance,
    "\(what): expected \(expected), observed \(actual), tolerance \(tolerance)",
    sourceLocation: sourceLocation)
}

@Suite struct SeriesStatisticsTests {
  /// Every value of the series whose prices are `prices`.
  func values(_ prices: [Double], dt: Double = 1.0 / 252) -> [Double] {
    var out = [Double](repeating: .nan, count: SeriesStatistics.count)
    let scratch = SeriesStatistics.Scratch(capacity: prices.count - 1)
    prices.withUnsafeBufferPointer { p in
      out.withUnsafeMutableBufferPointer {
        SeriesStatistics.compute(prices: p, dt: dt, scratch: scratch, into: $0)
      }
    }
    return out
  }

  func index(_ name: String) -> Int {
    SeriesStatistics.scalars.firstIndex { $0.name == name }!
  }

  /// Prices whose log returns are `returns`, from 100.
  func prices(_ returns: [Double]) -> [Double] {
    var p = [100.0]
    for r in returns { p.append(p.last! * exp(r)) }
    return p
  }

  @Test func alternatingReturnsHaveUnitNegativeFirstAutocorrelation() {
    // r = ±0.01 alternately: mean 0, ρ(k) = (−1)^k (n − k)/n, |r| constant: no |r| ACF.
    let n = 100
    let r = (0..<n).map { $0 % 2 == 0 ? 0.01 : -0.01 }
    let v = values(prices(r))
    expectClose(v[index("acf_1")], -Double(n - 1) / Double(n), 1e-9, "acf_1")
    expectClose(v[index("acf_2")], Double(n - 2) / Double(n), 1e-9, "acf_2")
    expectClose(
      v[index("ann_vol")], 0.01 * (Double(n) / Double(n - 1)).squareRoot() * 252.0.squareRoot(),
      1e-9, "ann_vol")
    expectClose(v[index("skewness")], 0, 1e-9, "skewness")
    expectClose(v[index("excess_kurtosis")], -2, 1e-9, "excess kurtosis of a two-point law")
  }

  @Test("a zero-volatility series (a drift and rounding) has volatility 0 and no shape")
  func roundingNoiseIsNoSpread() {
    // 100 exp(0.07 t) day by day, as a run prices a volatility-0 asset: the log returns
    // differ from 0.07/252 by the prices' rounding only.
    let p = (0...252).map { 100 * exp(0.07 * Double($0) / 252) }
    let v = values(p)
    expectClose(v[index("ann_mean")], 0.07, 1e-9, "ann_mean")
    #expect(v[index("ann_vol")] == 0)
    for name in ["skewness", "excess_kurtosis", "hill_right", "hill_left", "acf_1", "kurtosis_21"] {
      #expect(v[index(name)].isNaN, "\(name): \(v[index(name)]) from rounding noise")
    }
    #expect((SeriesStatistics.absOffset..<SeriesStatistics.count).allSatisfy { v[$0].isNaN })
    #expect(v[index("max_drawdown")] == 0)
    // No correlation with anything; a real mean of 0 against the model's 4e-16 is inside.
    let flat = (1...252).map { log(p[$0] / p[$0 - 1]) }
    let noisy = (0..<252).map { 1e-2 * sin(Double($0) * 2.1) }
    #expect(correlationMatrix([flat, noisy])[1].isNaN)
    #expect(Band(values: [4.4e-16, 4.4e-16], real: 0).inside == true)
    #expect(Band(values: [1e-3, 2e-3], real: 0).inside == false)
    // A market's spread (1e-4 a day, far below any real series) is kept.
    let r = (0..<252).map { 1e-4 * sin(Double($0) * 2.1) }
    #expect(values(prices(r))[index("skewness")].isFinite)
  }

  @Test func drawdownOfKnownPath() {
    // 100 → 120 → 90 → 130 → 65: the worst fall is from 130 to 65, 50%.
    let p = [100.0, 120, 90, 130, 65] + Array(repeating: 65.0, count: 60)
    expectClose(values(p)[index("max_drawdown")], 0.5, 1e-12, "max drawdown")
  }

  @Test func hillIndexOfParetoTail() {
    // Gains are the quantiles of a Pareto law with index 3 at evenly spaced probabilities;
    // Hill's estimator over the top 5% recovers about 3.
    let n = 4000
    var r: [Double] = []
    for i in 0..<n {
      let u = (Double(i) + 0.5) / Double(n)
      r.append(0.001 * pow(1 - u, -1.0 / 3.0) * (i % 2 == 0 ? 1 : -1))
    }
    let v = values(prices(r))
    expectClose(v[index("hill_right")], 3, 0.15, "Hill index of a Pareto(3) tail")
    expectClose(v[index("hill_left")], 3, 0.15, "Hill index of a Pareto(3) tail")
  }

  @Test func linearQuantileMatchesNumpy() {
    let x = [1.0, 2, 4, 8, 16]
    x.withUnsafeBufferPointer { s in
      // numpy.quantile([1,2,4,8,16], [0.01, 0.5, 0.9]) = [1.04, 4., 12.8]
      expectClose(SeriesStatistics.linearQuantile(s, 0.01), 1.04, 1e-12, "Q(0.01)")
      expectClose(SeriesStatistics.linearQuantile(s, 0.5), 4, 1e-12, "Q(0.5)")
      expectClose(SeriesStatistics.linearQuantile(s, 0.9), 12.8, 1e-12, "Q(0.9)")
    }
  }

  @Test func normalQuantileKnownValues() {
    expectClose(normalQuantile(0.975), 1.959963984540054, 1e-14, "Φ⁻¹(0.975)")
    expectClose(normalQuantile(0.5), 0, 1e-15, "Φ⁻¹(0.5)")
    expectClose(normalQuantile(1e-10), -6.361340902404056, 1e-12, "Φ⁻¹(1e-10)")
    expectClose(normalQuantile(0.01), -2.326347874040841, 1e-14, "Φ⁻¹(0.01)")
  }

  @Test func distancesOfSmallSamples() {
    // scipy: ks_2samp([0,1,2,3],[1.5,2.5,3.5]).statistic = 0.5;
    // wasserstein_distance([0,1,2,3],[1.5,2.5,3.5]) = 1.
    let x = [0.0, 1, 2, 3]
    let y = [1.5, 2.5, 3.5]
    expectClose(kolmogorovSmirnov(x, y), 0.5, 1e-15, "KS")
    expectClose(wasserstein(x, y), 1, 1e-15, "W1")
    expectClose(wasserstein(x, x), 0, 0, "W1 of a sample with itself")
  }

  @Test func bandRankAndVerdict() {
    let values = (1...100).map(Double.init)
    let b = Band(values: values + [.nan], real: 50)
    #expect(b.defined == 100)
    expectClose(b.median!, 50.5, 1e-12, "median")
    expectClose(b.p05!, 5.95, 1e-12, "p05")
    expectClose(b.rank!, 49.5, 1e-12, "percentile rank (kind=mean)")
    #expect(b.inside == true)
    #expect(Band(values: values, real: 99).inside == false)
    #expect(Band(values: values, real: nil).inside == nil)
  }
}

@Suite struct OrderTests {
  /// A reproducible sequence of awkward doubles: both signs, ±0, ties, tiny and huge values,
  /// values within a few ulps of each other.
  func awkward(_ count: Int) -> [Double] {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    return (0..<count).map { i in
      let u = Double(next() >> 11) / Double(1 << 53) - 0.5
      switch i % 7 {
      case 0: return u * 1e-300
      case 1: return u * 1e300
      case 2: return 0.01 + u * 1e-15
      case 3: return i % 2 == 0 ? 0.0 : -0.0
      case 4: return 0.01
      default: return u * 0.1
      }
    }
  }

  @Test(arguments: [0, 1, 5, 511, 512, 4096, 100_000])
  func radixSortOrdersLikeSort(count: Int) {
    let values = awkward(count)
    #expect(radixSorted(values) == values.sorted(), "\(count) values")
  }

  @Test func selectionPlacesRanks() {
    let values = awkward(10_000).filter { $0 != 0 }
    let sorted = values.sorted()
    var v = values
    let ranks = [0, 17, 500, 501, 5000, values.count - 100, values.count - 1]
    v.withUnsafeMutableBufferPointer { select($0, ranks: ranks) }
    for k in ranks { #expect(v[k] == sorted[k], "rank \(k)") }
    var w = values
    let q = w.withUnsafeMutableBufferPointer { linearQuantiles($0, [0.05, 0.5, 0.95]) }
    sorted.withUnsafeBufferPointer { s in
      for (p, value) in zip([0.05, 0.5, 0.95], q) {
        #expect(value == SeriesStatistics.linearQuantile(s, p), "quantile \(p)")
      }
    }
  }
}

extension OrderTests {
  @Test func valuesThatDifferOnlyInTheirLastBitsSortQuickly() {
    // 1,000,000 values within a few ulps of 0.01 in scrambled order (a zero-volatility path's
    // returns): one run of equal upper bits, sorted by comparison, not insertion.
    let base = 0.01.bitPattern
    let values = (0..<1_000_000).map { Double(bitPattern: base + UInt64(($0 &* 7919) % 65_536)) }
    #expect(radixSorted(values) == values.sorted())
  }
}

extension SeriesStatisticsTests {
  @Test func distancesEndOnNaN() {
    // A NaN has no place in an order: the walks stop and say NaN instead of looping.
    #expect(kolmogorovSmirnov([Double.nan, 1], [0.5, 2]).isNaN)
    #expect(wasserstein([0.0, .nan], [0.5, 2]).isNaN)
  }
}
