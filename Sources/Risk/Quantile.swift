/// Sample quantiles, the "linear" definition: Hyndman & Fan (1996) type 7, numpy's default
/// (`numpy.quantile(x, p)`, `method="linear"`), R's default and Excel's `PERCENTILE.INC`.
///
/// For sorted values x₀ ≤ … ≤ xₙ₋₁ and a probability p in [0, 1]:
///
///     h = (n − 1) p,   j = ⌊h⌋,   γ = h − j
///     Q(p) = x_j + γ (x_{j+1} − x_j)          (x_j when j ≥ n − 1)
///
/// evaluated as numpy evaluates it (`_lerp`): for γ ≥ ½ as x_{j+1} − (1 − γ)(x_{j+1} − x_j),
/// so that results agree with numpy to the last bit.
///
/// Reference: R. J. Hyndman and Y. Fan, "Sample quantiles in statistical packages",
/// The American Statistician 50(4), 1996, pp. 361–365.
///
/// - Parameters:
///   - sorted: the sample in ascending order, not empty, without NaN.
///   - probability: p in [0, 1].
/// - Complexity: O(1).
func linearQuantile(sorted: [Double], probability: Double) -> Double {
  precondition(!sorted.isEmpty)
  return linearQuantile(count: sorted.count, probability: probability) { sorted[$0] }
}

/// `linearQuantile(sorted:probability:)` of a sample of `count` values given by its order
/// statistics: `orderStatistic(i)` is the value of rank `i` (0-based, ascending). It asks for
/// the ranks `linearQuantileRanks(count:probability:)` lists, no others.
func linearQuantile(
  count: Int, probability: Double, orderStatistic: (Int) -> Double
) -> Double {
  precondition(count > 0 && (0...1).contains(probability))
  let position = Double(count - 1) * probability
  guard position < Double(count - 1) else { return orderStatistic(count - 1) }
  let lower = position.rounded(.down)
  let index = Int(lower)
  let weight = position - lower
  let below = orderStatistic(index)
  let above = orderStatistic(index + 1)
  let difference = above - below
  return weight >= 0.5 ? above - difference * (1 - weight) : below + difference * weight
}

/// The ranks (0-based) whose values `linearQuantile(count:probability:orderStatistic:)` reads.
func linearQuantileRanks(count: Int, probability: Double) -> [Int] {
  precondition(count > 0 && (0...1).contains(probability))
  let position = Double(count - 1) * probability
  guard position < Double(count - 1) else { return [count - 1] }
  let index = Int(position.rounded(.down))
  return [index, index + 1]
}

/// The probabilities every quantile table reports, with their JSON keys.
let reportedQuantiles: [(key: String, probability: Double)] = [
  ("0.01", 0.01), ("0.05", 0.05), ("0.25", 0.25), ("0.5", 0.5), ("0.75", 0.75), ("0.95", 0.95),
  ("0.99", 0.99),
]

/// The quantile table of a sorted sample at `reportedQuantiles`, or NaN for every key when the
/// sample is empty.
func quantileTable(sorted: [Double]) -> [String: Double] {
  quantileTable(count: sorted.count) { sorted[$0] }
}

/// The quantile table of a sample of `count` values given by its order statistics (see
/// `linearQuantile(count:probability:orderStatistic:)`), NaN for every key when `count` is 0.
func quantileTable(count: Int, orderStatistic: (Int) -> Double) -> [String: Double] {
  var table: [String: Double] = [:]
  for (key, probability) in reportedQuantiles {
    table[key] =
      count == 0
      ? .nan
      : linearQuantile(count: count, probability: probability, orderStatistic: orderStatistic)
  }
  return table
}

/// The ranks `quantileTable(count:orderStatistic:)` reads.
func quantileTableRanks(count: Int) -> [Int] {
  count == 0
    ? []
    : reportedQuantiles.flatMap { linearQuantileRanks(count: count, probability: $0.probability) }
}

/// The sum of `values` by Neumaier's compensated summation, whose error does not grow with the
/// number of terms (plain summation when a term or the sum is not finite).
///
/// Reference: A. Neumaier, "Rundungsfehleranalyse einiger Verfahren zur Summation endlicher
/// Summen", ZAMM 54, 1974, pp. 39–51.
func compensatedSum(_ values: some Sequence<Double>) -> Double {
  var sum = CompensatedSum()
  for value in values { sum.add(value) }
  return sum.value
}

/// The running state of `compensatedSum`, for values that arrive in chunks: adding the values
/// one by one gives the same bits as `compensatedSum` of the whole sequence.
struct CompensatedSum {
  private var sum = 0.0
  private var compensation = 0.0

  /// Adds the next term.
  @inline(__always)
  mutating func add(_ value: Double) {
    let total = sum + value
    if abs(sum) >= abs(value) {
      compensation += (sum - total) + value
    } else {
      compensation += (value - total) + sum
    }
    sum = total
  }

  /// The sum so far.
  var value: Double { sum.isFinite ? sum + compensation : sum }
}
