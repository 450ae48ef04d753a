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
  precondition(!sorted.isEmpty && (0...1).contains(probability))
  let position = Double(sorted.count - 1) * probability
  guard position < Double(sorted.count - 1) else { return sorted[sorted.count - 1] }
  let lower = position.rounded(.down)
  let index = Int(lower)
  let weight = position - lower
  let below = sorted[index]
  let above = sorted[index + 1]
  let difference = above - below
  return weight >= 0.5 ? above - difference * (1 - weight) : below + difference * weight
}

/// The probabilities every quantile table reports, with their JSON keys.
let reportedQuantiles: [(key: String, probability: Double)] = [
  ("0.01", 0.01), ("0.05", 0.05), ("0.25", 0.25), ("0.5", 0.5), ("0.75", 0.75), ("0.95", 0.95),
  ("0.99", 0.99),
]

/// The quantile table of a sorted sample at `reportedQuantiles`, or NaN for every key when the
/// sample is empty.
func quantileTable(sorted: [Double]) -> [String: Double] {
  var table: [String: Double] = [:]
  for (key, probability) in reportedQuantiles {
    table[key] = sorted.isEmpty ? .nan : linearQuantile(sorted: sorted, probability: probability)
  }
  return table
}

/// The sum of `values` by Neumaier's compensated summation, whose error does not grow with the
/// number of terms (plain summation when a term or the sum is not finite).
///
/// Reference: A. Neumaier, "Rundungsfehleranalyse einiger Verfahren zur Summation endlicher
/// Summen", ZAMM 54, 1974, pp. 39–51.
func compensatedSum(_ values: some Sequence<Double>) -> Double {
  var sum = 0.0
  var compensation = 0.0
  for value in values {
    let total = sum + value
    if abs(sum) >= abs(value) {
      compensation += (sum - total) + value
    } else {
      compensation += (value - total) + sum
    }
    sum = total
  }
  return sum.isFinite ? sum + compensation : sum
}

/// A sample sorted ascending for quantiles, or `nil` when it contains NaN (numpy's quantiles and
/// mean are then NaN too).
func sortedWithoutNaN(_ values: [Double]) -> [Double]? {
  guard !values.contains(where: \.isNaN) else { return nil }
  return values.sorted()
}
