import Processes
import Synchronization

/// The range every simulated price must stay in: positive, normal and finite in the output's
/// precision. A price outside it has overflowed to ∞, underflowed to 0 (or to a subnormal
/// number that has lost its precision) or become NaN; the runner scans each block before
/// writing it and fails the run, naming the variant, path, step and asset, rather than write
/// such a price (parameters that make it certain are refused before the run).
struct PriceRange {
  /// The smallest and largest acceptable price.
  let lower: Double
  let upper: Double

  init(_ precision: OutputSpec.Precision) {
    switch precision {
    case .float64:
      (lower, upper) = (Double.leastNormalMagnitude, Double.greatestFiniteMagnitude)
    case .float32:
      (lower, upper) = (Double(Float.leastNormalMagnitude), Double(Float.greatestFiniteMagnitude))
    }
  }

  /// The position of the first of `count` prices outside the range, or `nil`.
  ///
  /// For a positive double the bit patterns order like the values, and every value outside
  /// [lower, upper] (zero, a subnormal, a negative number, ∞, NaN) has a pattern outside
  /// [bits(lower), bits(upper)]: one unsigned subtraction and a running maximum per value, a
  /// branch-free loop that vectorises; the exact position is searched for only on failure.
  static func firstOutside(
    _ values: UnsafeBufferPointer<Double>, lower: Double, upper: Double
  ) -> Int? {
    let base = lower.bitPattern
    let width = upper.bitPattern &- base
    var worst: UInt64 = 0
    for x in values { worst = max(worst, x.bitPattern &- base) }
    guard worst > width else { return nil }
    return values.firstIndex { $0.bitPattern &- base > width }
  }

  /// What is wrong with the prices of `block` (laid out `[paths][steps + 1][assets]` from the
  /// start of `prices`): the first price outside the range, or `nil`.
  func problem(in prices: [Double], block: Range<Int>, steps: Int, assets: [String])
    -> RangeProblem?
  {
    let n = assets.count
    let count = block.count * (steps + 1) * n
    let index = prices.withUnsafeBufferPointer {
      Self.firstOutside(UnsafeBufferPointer(rebasing: $0[..<count]), lower: lower, upper: upper)
    }
    guard let index else { return nil }
    let value = prices[index]
    let path = block.lowerBound + index / ((steps + 1) * n)
    let step = index % ((steps + 1) * n) / n
    let what: String
    if value.isNaN {
      what = "is NaN"
    } else if value > upper {
      what = "overflowed to \(value) (above \(upper))"
    } else {
      what = "underflowed to \(value) (below \(lower))"
    }
    return RangeProblem(
      path: path, step: step, isVariance: false,
      message: "path \(path), step \(step), asset \(assets[index % n]): the price \(what); the "
        + "scenario's drift, volatility, stresses or horizon take prices out of the range a "
        + "path file can hold")
  }
}

extension PriceRange {
  /// What is wrong with the conditional variances of `block` (laid out `[paths][steps][assets]`
  /// from the start of `variance`), or `nil`: a GARCH variance must stay a positive, normal,
  /// finite number in the output's precision. A non-stationary recursion
  /// (`allow_nonstationary: true`) can underflow it to 0, which would freeze the price and
  /// write zeros as ground truth, or overflow it; so can a stationary one whose level lies
  /// outside the range (an ω of 1e-300).
  ///
  /// Under a `volatility` stress the variance in force is m² σₜ², where σₜ² is the recursion's
  /// (the multiplier does not feed the recursion): it is the recursion's σₜ² = value / m² that
  /// must stay in range, and a variance of 0 under a multiplier of 0 (or one so small that
  /// m² σₜ² underflows) is the stress itself, not a collapse. `multipliers` is the schedule's `[steps][assets]` array.
  func varianceProblem(
    in variance: [Double], block: Range<Int>, steps: Int, assets: [String],
    multipliers: [Double]? = nil
  ) -> RangeProblem? {
    let n = assets.count
    let count = block.count * steps * n
    var start = 0
    var found: Int? = nil
    while start < count, found == nil {
      guard
        let offset = variance.withUnsafeBufferPointer({
          Self.firstOutside(
            UnsafeBufferPointer(rebasing: $0[start..<count]), lower: lower, upper: upper)
        })
      else { break }
      let index = start + offset
      let m = multipliers?[index % (steps * n)] ?? 1
      let value = variance[index]
      // Divided twice: m² itself may underflow where m² σ² does not (m = 1e-162).
      let recursion = m == 1 ? value : value / m / m
      // 0 is the stress's when m² times any variance in range would be 0.
      let stressed = value == 0 && m * m * lower == 0
      if stressed || (m != 1 && recursion >= lower && recursion <= upper) {
        start = index + 1
      } else {
        found = index
      }
    }
    guard let index = found else { return nil }
    let path = block.lowerBound + index / (steps * n)
    let step = index % (steps * n) / n + 1
    return RangeProblem(
      path: path, step: step, isVariance: true,
      message: "path \(path), step \(step), asset \(assets[index % n]): the conditional "
        + "variance is \(variance[index]), outside the range a path file can hold (from "
        + "\(lower) to \(upper)); the GARCH recursion has collapsed toward 0 or exploded: it is "
        + "not stationary (allow_nonstationary), or the level it settles at (for GARCH, "
        + "omega / (1 - persistence)) lies outside that range")
  }
}

/// A value outside the range a path file can hold: where, and the message naming it.
///
/// Problems order by path, then step, a price before a variance: a run reports the first one
/// in that order whatever the thread count and block size (`RangeProblems`).
struct RangeProblem: Comparable, Sendable {
  let path: Int
  let step: Int
  let isVariance: Bool
  let message: String

  static func < (a: Self, b: Self) -> Bool {
    (a.path, a.step, a.isVariance ? 1 : 0) < (b.path, b.step, b.isVariance ? 1 : 0)
  }
}

/// The first range problem the workers of a run have found, in `RangeProblem`'s order.
///
/// Blocks are taken in path order, so once a block has a problem every block taken after it
/// lies above it: a worker stops taking blocks, and stops a block whose first path lies above
/// the problem. Blocks below it run to the end, since one of them may hold an earlier problem.
final class RangeProblems: Sendable {
  private let first = Mutex<RangeProblem?>(nil)

  /// Keeps `problem` when it comes before the one kept.
  func record(_ problem: RangeProblem) {
    first.withLock { if $0 == nil || problem < $0! { $0 = problem } }
  }

  /// Whether a problem was recorded at a path before `path`.
  func found(before path: Int) -> Bool {
    first.withLock { $0.map { $0.path < path } ?? false }
  }

  /// Whether any problem was recorded.
  var any: Bool { first.withLock { $0 != nil } }

  /// The first problem recorded.
  var earliest: RangeProblem? { first.withLock { $0 } }
}
