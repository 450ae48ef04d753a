/// The distribution of simple returns over N simulated paths, r = S_T / S_0 − 1 (decimal: 0.05 is
/// +5 %), as written to `summary.json` per asset and for the portfolio.
///
/// - `mean`: (1/N) Σ rᵢ (compensated summation).
/// - `standardDeviation`: the sample standard deviation √(Σ (rᵢ − r̄)² / (N − 1)) (Bessel's
///   correction; `numpy.std(r, ddof=1)`), NaN for N < 2.
/// - `quantiles`: Q(p) for p = 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, keyed `"0.01"` … `"0.99"`,
///   by the linear definition (Hyndman–Fan type 7, `numpy.quantile` default), see
///   `linearQuantile`.
/// - `valueAtRisk95`, `valueAtRisk99`: VaR_α = −Q(1 − α), the loss not exceeded with probability
///   α, as a positive fraction of the initial value (0.2 is a 20 % loss; negative when even the
///   bad tail gains).
/// - `expectedShortfall95`, `expectedShortfall99`: ES_α = −(1/k) Σ_{i<k} r₍ᵢ₎, minus the mean of
///   the k = max(1, ⌊N(1 − α)⌋) smallest returns r₍₀₎ ≤ r₍₁₎ ≤ …: the sample estimator
///   ES⁽ⁿ⁾ = −(1/w) Σ_{i=1}^{w} X_{i:n}, w = [nα] of Acerbi and Tasche (2002), with their α the
///   tail probability 1 − α here. It is coherent and converges to the expected shortfall, and
///   ES_α ≥ VaR_α always holds. For N < 1/(1 − α) it is minus the worst return. (Averaging
///   instead every return ≤ Q(1 − α) would, without ties, average ⌊(N − 1)(1 − α)⌋ + 1 returns:
///   k or k + 1.)
///
/// Every figure is NaN when N = 0 or a return is NaN (as numpy's are), and since NaN ≠ NaN such
/// summaries do not compare equal.
///
/// References: C. Acerbi and D. Tasche, "On the coherence of expected shortfall", Journal of
/// Banking & Finance 26(7), 2002, pp. 1487–1503. R. J. Hyndman and Y. Fan, "Sample quantiles in
/// statistical packages", The American Statistician 50(4), 1996, pp. 361–365.
public struct ReturnDistributionSummary: Codable, Sendable, Equatable {
  /// The mean return (decimal).
  public var mean: Double
  /// The sample standard deviation of the returns (decimal, N − 1 in the denominator).
  public var standardDeviation: Double
  /// Linear (type 7) quantiles of the returns keyed by probability: `"0.01"`, `"0.05"`, `"0.25"`,
  /// `"0.5"`, `"0.75"`, `"0.95"`, `"0.99"`.
  public var quantiles: [String: Double]
  /// VaR at 95 %: −Q(0.05), a positive loss fraction.
  public var valueAtRisk95: Double
  /// VaR at 99 %: −Q(0.01), a positive loss fraction.
  public var valueAtRisk99: Double
  /// Expected shortfall at 95 %: minus the mean of the ⌊0.05 N⌋ (at least 1) worst returns.
  public var expectedShortfall95: Double
  /// Expected shortfall at 99 %: minus the mean of the ⌊0.01 N⌋ (at least 1) worst returns.
  public var expectedShortfall99: Double

  enum CodingKeys: String, CodingKey {
    case mean, quantiles
    case standardDeviation = "standard_deviation"
    case valueAtRisk95 = "var_95"
    case valueAtRisk99 = "var_99"
    case expectedShortfall95 = "es_95"
    case expectedShortfall99 = "es_99"
  }

  /// Creates a summary from its figures.
  public init(
    mean: Double, standardDeviation: Double, quantiles: [String: Double],
    valueAtRisk95: Double, valueAtRisk99: Double,
    expectedShortfall95: Double, expectedShortfall99: Double
  ) {
    self.mean = mean
    self.standardDeviation = standardDeviation
    self.quantiles = quantiles
    self.valueAtRisk95 = valueAtRisk95
    self.valueAtRisk99 = valueAtRisk99
    self.expectedShortfall95 = expectedShortfall95
    self.expectedShortfall99 = expectedShortfall99
  }

  /// Summarizes a sample of simple returns, one per path, in any order.
  ///
  /// - Complexity: O(N log N) for the sort.
  public init(returns: [Double]) {
    guard let sorted = sortedWithoutNaN(returns), !sorted.isEmpty else {
      self.init(
        mean: .nan, standardDeviation: .nan, quantiles: quantileTable(sorted: []),
        valueAtRisk95: .nan, valueAtRisk99: .nan, expectedShortfall95: .nan,
        expectedShortfall99: .nan)
      return
    }
    let count = sorted.count
    // Summed in path order, so the figures do not depend on how the sort breaks ties.
    let mean = compensatedSum(returns) / Double(count)
    let squares = compensatedSum(returns.lazy.map { ($0 - mean) * ($0 - mean) })
    func shortfall(tailPercent: Int) -> Double {
      let tail = max(1, count * tailPercent / 100)
      return -compensatedSum(sorted[..<tail]) / Double(tail)
    }
    self.init(
      mean: mean,
      standardDeviation: count < 2 ? .nan : (squares / Double(count - 1)).squareRoot(),
      quantiles: quantileTable(sorted: sorted),
      valueAtRisk95: -linearQuantile(sorted: sorted, probability: 0.05),
      valueAtRisk99: -linearQuantile(sorted: sorted, probability: 0.01),
      expectedShortfall95: shortfall(tailPercent: 5),
      expectedShortfall99: shortfall(tailPercent: 1))
  }
}
