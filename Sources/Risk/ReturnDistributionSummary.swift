/// The distribution of simple returns over N simulated paths, r = S_T / S_0 − 1 (decimal: 0.05 is
/// +5 %), as written to `summary.json` per asset and for the portfolio.
///
/// - `mean`: (1/N) Σ rᵢ (compensated summation).
/// - `standardDeviation`: the sample standard deviation √(Σ (rᵢ − r̄)² / (N − 1)) (Bessel's
///   correction; `numpy.std(r, ddof=1)`), NaN for N < 2 (`null` in `summary.json`).
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
///   k or k + 1.) The k smallest are summed (compensated) in path order — those below the k-th
///   smallest, then copies of it — so the figure needs no sorted copy of the sample.
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

  /// Writes every figure; one that is undefined (NaN: the standard deviation of a single path)
  /// as `null`, which JSON readers take for a missing value, not as a string.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    func put(_ value: Double, _ key: CodingKeys) throws {
      if value.isNaN { try c.encodeNil(forKey: key) } else { try c.encode(value, forKey: key) }
    }
    try put(mean, .mean)
    try put(standardDeviation, .standardDeviation)
    try c.encode(quantiles, forKey: .quantiles)
    try put(valueAtRisk95, .valueAtRisk95)
    try put(valueAtRisk99, .valueAtRisk99)
    try put(expectedShortfall95, .expectedShortfall95)
    try put(expectedShortfall99, .expectedShortfall99)
  }

  /// Reads what `encode(to:)` writes: `null` as NaN.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    func get(_ key: CodingKeys) throws -> Double {
      try c.decodeNil(forKey: key) ? .nan : c.decode(Double.self, forKey: key)
    }
    self.init(
      mean: try get(.mean), standardDeviation: try get(.standardDeviation),
      quantiles: try c.decode([String: Double].self, forKey: .quantiles),
      valueAtRisk95: try get(.valueAtRisk95), valueAtRisk99: try get(.valueAtRisk99),
      expectedShortfall95: try get(.expectedShortfall95),
      expectedShortfall99: try get(.expectedShortfall99))
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

  /// Summarizes a sample of simple returns, one per path.
  ///
  /// - Complexity: O(N) (sums and a radix selection of the order statistics).
  public init(returns: [Double]) {
    // An array column cannot fail to be read.
    self = (try? Self(column: ArrayColumn(values: returns)))!
  }

  /// Summarizes the returns of `column`, read a few times in path order, with memory that does
  /// not depend on its length. Sums run in path order, so the figures are the same bits however
  /// the paths were computed; the quantiles are exact order statistics.
  init(column: some ValueColumn) throws(RiskError) {
    var sum = CompensatedSum()
    var sawNaN = false
    try column.forEachValue { value in
      sum.add(value)
      sawNaN = sawNaN || value.isNaN
    }
    let count = column.count
    guard count > 0, !sawNaN else {
      self.init(
        mean: .nan, standardDeviation: .nan, quantiles: quantileTable(count: 0) { _ in .nan },
        valueAtRisk95: .nan, valueAtRisk99: .nan, expectedShortfall95: .nan,
        expectedShortfall99: .nan)
      return
    }
    let mean = sum.value / Double(count)
    let tails = [5, 1].map { max(1, count * $0 / 100) }
    let ranks = Set(quantileTableRanks(count: count) + tails.map { $0 - 1 })
    let order = try orderStatistics(of: column, ranks: ranks)
    let statistic = { (rank: Int) in order[rank]! }
    // ES: the k smallest returns are those below the k-th smallest, t, and as many copies of t
    // as make k; summed in path order, then the copies of t.
    let thresholds = tails.map { statistic($0 - 1) }
    var squares = CompensatedSum()
    var tailSums = [CompensatedSum(), CompensatedSum()]
    var below = [0, 0]
    try column.forEachValue { value in
      squares.add((value - mean) * (value - mean))
      for t in 0..<2 where value < thresholds[t] {
        tailSums[t].add(value)
        below[t] += 1
      }
    }
    for t in 0..<2 {
      for _ in below[t]..<tails[t] { tailSums[t].add(thresholds[t]) }
    }
    self.init(
      mean: mean,
      standardDeviation: count < 2 ? .nan : (squares.value / Double(count - 1)).squareRoot(),
      quantiles: quantileTable(count: count, orderStatistic: statistic),
      valueAtRisk95: -linearQuantile(count: count, probability: 0.05, orderStatistic: statistic),
      valueAtRisk99: -linearQuantile(count: count, probability: 0.01, orderStatistic: statistic),
      expectedShortfall95: -tailSums[0].value / Double(tails[0]),
      expectedShortfall99: -tailSums[1].value / Double(tails[1]))
  }
}
