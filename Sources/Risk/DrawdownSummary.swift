/// The distribution of maximum drawdowns over N simulated paths (see `maximumDrawdown`), each a
/// positive fraction of the running peak (0.5 is a 50 % fall).
///
/// - `mean`: (1/N) Σ MDDᵢ.
/// - `quantiles`: linear (Hyndman–Fan type 7, `numpy.quantile` default) quantiles keyed `"0.01"`,
///   `"0.05"`, `"0.25"`, `"0.5"`, `"0.75"`, `"0.95"`, `"0.99"`; the upper ones are the tail that
///   matters.
/// - `maximum`: the worst drawdown of any path.
///
/// Every figure is NaN when N = 0 or a drawdown is NaN.
public struct DrawdownSummary: Codable, Sendable, Equatable {
  /// The mean maximum drawdown (fraction).
  public var mean: Double
  /// Linear (type 7) quantiles of the maximum drawdowns, keyed by probability.
  public var quantiles: [String: Double]
  /// The largest maximum drawdown of any path (fraction).
  public var maximum: Double

  /// Creates a summary from its figures.
  public init(mean: Double, quantiles: [String: Double], maximum: Double) {
    self.mean = mean
    self.quantiles = quantiles
    self.maximum = maximum
  }

  /// Summarizes the maximum drawdowns of N paths.
  ///
  /// - Complexity: O(N) (sums and a radix selection of the order statistics).
  public init(drawdowns: [Double]) {
    // An array column cannot fail to be read.
    self = (try? Self(column: ArrayColumn(values: drawdowns)))!
  }

  /// Summarizes the drawdowns of `column`, read in path order, with memory that does not depend
  /// on its length (see `ReturnDistributionSummary.init(column:)`).
  init(column: some ValueColumn) throws(RiskError) {
    var sum = CompensatedSum()
    var sawNaN = false
    var maximum = -Double.infinity
    try column.forEachValue { value in
      sum.add(value)
      sawNaN = sawNaN || value.isNaN
      maximum = Swift.max(maximum, value)
    }
    let count = column.count
    guard count > 0, !sawNaN else {
      self.init(mean: .nan, quantiles: quantileTable(count: 0) { _ in .nan }, maximum: .nan)
      return
    }
    let order = try orderStatistics(of: column, ranks: Set(quantileTableRanks(count: count)))
    self.init(
      mean: sum.value / Double(count),
      quantiles: quantileTable(count: count) { order[$0]! }, maximum: maximum)
  }
}
