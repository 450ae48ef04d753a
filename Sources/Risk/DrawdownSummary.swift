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

  /// Summarizes the maximum drawdowns of N paths, in any order.
  ///
  /// - Complexity: O(N log N) for the sort.
  public init(drawdowns: [Double]) {
    guard let sorted = sortedWithoutNaN(drawdowns), let maximum = sorted.last else {
      self.init(mean: .nan, quantiles: quantileTable(sorted: []), maximum: .nan)
      return
    }
    self.init(
      mean: compensatedSum(drawdowns) / Double(sorted.count),
      quantiles: quantileTable(sorted: sorted), maximum: maximum)
  }
}
